"""The local workspace: what the lead sees (read from what the app sent to the Slack-compatible server) and what
the lead does, turned into the signed requests Slack would send to the app's /slack/events."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.local.people import DIGEST_CHANNEL, DIGEST_NAME, LEAD, escape_mentions, names
from bot.local.slack_api import APP_ID, Call, SlackAPIServer

Params = dict[str, Any]
ESCAPED_COMMANDS = frozenset({"/coach", "/handoff", "/decision"})  # should_escape: true in manifest.yml
COMMANDS = frozenset({"/coach", "/impact", "/reflect", "/why-am-i-coding", "/handoff", "/decision"})
APP_TIMEOUT = 15.0


class PageError(Exception):
    """Something the page asked for cannot be done; the message is shown to the lead."""


@dataclass
class Modal:
    """One view of the modal stack, and the field errors its last submission got."""

    view: Params
    errors: dict[str, str] = field(default_factory=dict)


class LocalWorkspace:
    """The lead's side of the local workspace."""

    def __init__(self, slack: SlackAPIServer, signing_secret: str) -> None:
        self.slack = slack
        self.dm = slack.dm_channel_id(LEAD)
        self._signer = SignatureVerifier(signing_secret)
        self._lock = threading.RLock()
        self._seen = 0  # how many of the server's recorded calls are already read
        self._posted: list[Params] = []  # the lead's own messages, and messages only the lead sees
        self._modals: list[Modal] = []
        self._home: Params | None = None
        self._responders: dict[str, tuple[str, str | None]] = {}  # response_url key -> (channel, message ts)
        self._serial = itertools.count(1)
        self._last_ts = 0.0
        self.app_url = ""
        self.page_url = ""

    # ------------------------------------------------------------ what the page shows

    def state(self) -> Params:
        """Everything the page draws: the DM, the digest channel, Home and the open modal."""
        with self._lock:
            self._read_calls()
            modal = self._modals[-1] if self._modals else None
            return {
                "lead": LEAD,
                "users": names(self.slack),
                "channels": {DIGEST_CHANNEL: DIGEST_NAME},
                "dm": {"id": self.dm, "messages": self._conversation(self.dm)},
                "digest": {"id": DIGEST_CHANNEL, "name": DIGEST_NAME, "messages": self._conversation(DIGEST_CHANNEL)},
                "home": self._home,
                "modal": None if modal is None else {**modal.view, "errors": modal.errors},
            }

    def file(self, file_id: str) -> tuple[str, bytes] | None:
        """An uploaded file's name and bytes."""
        for upload in self.slack.uploaded_files():
            if upload.id == file_id and upload.data is not None:
                return upload.filename, upload.data
        return None

    def _conversation(self, channel: str) -> list[Params]:
        messages = [{**_without_metadata(message), "channel": channel} for message in self.slack.messages(channel)] + [
            dict(message) for message in self._posted if message["channel"] == channel
        ]
        messages.sort(key=lambda message: float(message["ts"]))
        top: list[Params] = []
        threads: dict[str, list[Params]] = {}
        for message in messages:
            parent = message.get("thread_ts")
            if parent and parent != message["ts"]:
                threads.setdefault(parent, []).append(message)
            else:
                top.append(message)
        for message in top:
            message["replies"] = threads.pop(message["ts"], [])
        for orphans in threads.values():  # a reply whose parent was deleted still shows
            top.extend(orphans)
        return top

    def _read_calls(self) -> None:
        """Follow what the app did at the server since the last look: views, ephemeral messages, files."""
        calls = self.slack.calls()
        for call in calls[self._seen :]:
            if call.error is None and call.response is not None:
                self._apply(call)
        self._seen = len(calls)

    def _apply(self, call: Call) -> None:
        params, response = call.params, call.response or {}
        view = response.get("view")
        if call.method in ("views.open", "views.push") and isinstance(view, dict):
            self._modals.append(Modal(view))
        elif call.method == "views.update" and isinstance(view, dict):
            for modal in self._modals:
                if modal.view.get("id") == view.get("id"):
                    modal.view, modal.errors = view, {}
        elif call.method == "views.publish" and params.get("user_id") == LEAD and isinstance(view, dict):
            self._home = view
        elif call.method == "chat.postEphemeral" and params.get("user") == LEAD:
            self._post_ephemeral(self._channel_of(str(params.get("channel"))), params, None)
        elif call.method == "files.completeUploadExternal":
            channel = self._channel_of(str(params.get("channel_id") or params.get("channels") or ""))
            files = [
                {"id": str(entry.get("id")), "title": str(entry.get("title") or "")}
                for entry in params.get("files") or []
                if isinstance(entry, dict)
            ]
            comment = str(params.get("initial_comment") or "")
            self._posted.append(
                {
                    "channel": channel,
                    "ts": self._next_ts(call.time),
                    "user": self.slack.bot_user_id,
                    "text": comment,
                    "files": files,
                    "thread_ts": params.get("thread_ts"),
                }
            )

    def _channel_of(self, channel: str) -> str:
        return self.slack.dm_channel_id(channel) if channel[:1] in ("U", "W") else channel

    def _post_ephemeral(self, channel: str, params: Params, replacing: str | None) -> None:
        message = {
            "channel": channel,
            "ts": replacing or self._next_ts(),
            "user": self.slack.bot_user_id,
            "text": str(params.get("text") or ""),
            "blocks": params.get("blocks") or [],
            "ephemeral": True,
        }
        if replacing is not None:
            self._posted = [m for m in self._posted if not (m["ts"] == replacing and m.get("ephemeral"))]
        self._posted.append(message)

    def _next_ts(self, at: float | None = None) -> str:
        self._last_ts = max(self._last_ts + 0.000001, at if at is not None else time.time())
        return f"{self._last_ts:.6f}"

    # ------------------------------------------------------------ what the lead does

    def command(self, line: str) -> None:
        """A slash command typed in the DM's message box."""
        command, _, text = line.strip().partition(" ")
        if command not in COMMANDS:
            known = ", ".join(sorted(COMMANDS))
            raise PageError(f"{command} is not a command here. Try one of {known}.")
        text = escape_mentions(text.strip()) if command in ESCAPED_COMMANDS else text.strip()
        form = {
            "token": "local",
            "team_id": self.slack.team_id,
            "team_domain": "local",
            "channel_id": self.dm,
            "channel_name": "directmessage",
            "user_id": LEAD,
            "user_name": "alex",
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "response_url": self._response_url(self.dm, None),
            "trigger_id": self._trigger(),
        }
        answer = self._send(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
        if answer.get("text") or answer.get("blocks"):
            with self._lock:
                self._post_ephemeral(self.dm, answer, None)

    def message(self, text: str, thread_ts: str | None) -> None:
        """A message the lead writes in the DM (in a thread when `thread_ts` is given)."""
        if not text.strip():
            raise PageError("Write something first.")
        with self._lock:
            ts = self._next_ts()
            message = {"type": "message", "channel": self.dm, "user": LEAD, "text": text, "ts": ts}
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._posted.append(dict(message))
        self._event({**message, "channel_type": "im", "event_ts": ts, "team": self.slack.team_id})

    def open_home(self) -> None:
        """The lead opens the app's Home tab."""
        self._event({"type": "app_home_opened", "user": LEAD, "channel": self.dm, "tab": "home"})

    def act(self, surface: str, action: Params, *, message_ts: str | None = None, view_id: str | None = None) -> None:
        """A button, menu or picker used in a message, in Home or in the open modal."""
        if not isinstance(action.get("action_id"), str) or not isinstance(action.get("type"), str):
            raise PageError("That control has no action id, so Slack would not send it.")
        payload: Params = {"type": "block_actions", **self._actor(), "actions": [{**action, "action_ts": _now()}]}
        if surface == "message":
            payload.update(self._message_container(message_ts))
        else:
            view = self._view(view_id) if surface == "modal" else self._home
            if view is None:
                raise PageError("That view is closed.")
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = {**view, "state": action.pop("state", None) or {"values": {}}}
        payload["actions"][0].pop("state", None)
        self._interact(payload)

    def submit(self, view_id: str, values: Params) -> None:
        """The open modal's submit button, with what is in its fields."""
        view = self._view(view_id)
        payload = {"type": "view_submission", **self._actor(), "view": {**view, "state": {"values": values}}}
        answer = self._interact(payload)
        with self._lock:
            action = answer.get("response_action")
            if action == "errors":
                self._modal(view_id).errors = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
            elif action == "update" and isinstance(answer.get("view"), dict):
                self._modal(view_id).view, self._modal(view_id).errors = {**answer["view"], "id": view_id}, {}
            elif action == "push" and isinstance(answer.get("view"), dict):
                self._modals.append(Modal({**answer["view"], "id": self._view_id()}))
            elif action == "clear":
                self._modals.clear()
            else:
                self._modals = [modal for modal in self._modals if modal.view.get("id") != view_id]

    def close(self, view_id: str) -> None:
        """The open modal's close button; the app hears of it only if it asked to."""
        view = self._view(view_id)
        with self._lock:
            self._modals = [modal for modal in self._modals if modal.view.get("id") != view_id]
        if view.get("notify_on_close"):
            self._interact({"type": "view_closed", **self._actor(), "view": view, "is_cleared": False})

    def options(self, view_id: str, action_id: str, block_id: str, value: str) -> list[Params]:
        """The options an external select offers for what the lead typed."""
        view = self._view(view_id)
        payload = {
            "type": "block_suggestion",
            **self._actor(),
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "container": {"type": "view", "view_id": view_id},
            "view": view,
        }
        options = self._interact(payload).get("options")
        return [option for option in options or [] if isinstance(option, dict)]

    def respond(self, key: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        """A post to a response_url: the server checks and records it, then the lead sees it where it belongs."""
        with self._lock:
            where = self._responders.get(key)
        if where is None:
            return 404, b'{"ok":false,"error":"expired_url"}'
        request = urllib.request.Request(
            f"{self.slack.url}/respond/{key}", data=body, headers={"Content-Type": content_type}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=APP_TIMEOUT) as answer:
                status, reply = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read()
        try:
            params = json.loads(body)
        except ValueError:
            params = dict(urllib.parse.parse_qsl(body.decode(errors="replace")))
        channel, message_ts = where
        with self._lock:
            replaced = message_ts if _truthy(params.get("replace_original")) else None
            if _truthy(params.get("delete_original")):
                self._posted = [m for m in self._posted if not (m["ts"] == message_ts and m.get("ephemeral"))]
            elif replaced is None or any(m["ts"] == replaced for m in self._posted):
                self._post_ephemeral(channel, params, replaced)  # the app updates what is not ephemeral itself
        return status, reply

    # ------------------------------------------------------------ requests to the app

    def _event(self, event: Params) -> Params:
        event.setdefault("event_ts", _now())
        body = {
            "token": "local",
            "team_id": self.slack.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self._serial):010d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.slack.team_id, "user_id": self.slack.bot_user_id, "is_bot": True}],
        }
        return self._send(json.dumps(body), "application/json")

    def _interact(self, payload: Params) -> Params:
        return self._send(urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def _send(self, body: str, content_type: str) -> Params:
        """Sign the body as Slack does and post it to the app; its JSON answer, if any."""
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self._signer.generate_signature(timestamp=timestamp, body=body) or "",
        }
        request = urllib.request.Request(self.app_url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=APP_TIMEOUT) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as error:
            with error:
                raise PageError(f"The app answered HTTP {error.code}; its log says why.") from None
        except OSError:
            raise PageError("The app did not answer; is `coach try` still running?") from None
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except ValueError:
            parsed = {"text": raw.decode(errors="replace")}
        return parsed if isinstance(parsed, dict) else {}

    def _actor(self) -> Params:
        team = self.slack.team_id
        return {
            "team": {"id": team, "domain": "local"},
            "user": {"id": LEAD, "team_id": team, "username": "alex", "name": "alex"},
            "api_app_id": APP_ID,
            "token": "local",
            "trigger_id": self._trigger(),
            "is_enterprise_install": False,
        }

    def _message_container(self, message_ts: str | None) -> Params:
        with self._lock:
            self._read_calls()
            found = next(
                (
                    (channel, message)
                    for channel in (self.dm, DIGEST_CHANNEL)
                    for message in [*self.slack.messages(channel), *self._posted]
                    if message["ts"] == message_ts and message.get("channel", channel) == channel
                ),
                None,
            )
        if found is None:
            raise PageError("That message is gone.")
        channel, message = found
        ephemeral = bool(message.get("ephemeral"))
        shown = {key: message[key] for key in ("type", "ts", "text", "blocks", "user", "bot_id") if key in message}
        return {
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel, "name": "directmessage" if channel == self.dm else DIGEST_NAME},
            "message": {"type": "message", **shown},
            "response_url": self._response_url(channel, message_ts),
        }

    def _response_url(self, channel: str, message_ts: str | None) -> str:
        key = f"{next(self._serial)}"
        with self._lock:
            self._responders[key] = (channel, message_ts)
        return f"{self.page_url}/respond/{key}"

    def _trigger(self) -> str:
        return f"{next(self._serial)}.local.trigger"

    def _view(self, view_id: str | None) -> Params:
        with self._lock:
            self._read_calls()
            return dict(self._modal(view_id).view)

    def _modal(self, view_id: str | None) -> Modal:
        for modal in self._modals:
            if modal.view.get("id") == view_id:
                return modal
        raise PageError("That modal is closed.")

    def _view_id(self) -> str:
        return f"VLOCAL{next(self._serial):06d}"


def _now() -> str:
    return f"{time.time():.6f}"


def _truthy(value: Any) -> bool:
    return value is True or value in ("true", "1", 1)


def _without_metadata(message: Params) -> Params:
    return {key: value for key, value in message.items() if key != "metadata"}
