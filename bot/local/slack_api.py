"""A Slack-compatible Web API server for tests, benchmarks and `coach try` (stdlib HTTP server, no pytest)."""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import functools
import json
import math
import random
import socket
import threading
import time
from base64 import b64decode
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = ["Call", "SlackAPIServer", "UploadedFile"]

DEFAULT_TOKEN = "xoxb-test-token"
APP_ID = "A0000TEST"
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 40_000
RATE_WINDOW_SECONDS = 60.0
REFRESHED_SECONDS = 43_200  # a refreshed rotating token lasts 12 hours, as Slack's do
JSON_FIELDS = frozenset({"blocks", "view", "metadata", "attachments", "files", "unfurls"})
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"})
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})
DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}
TRUTHY = frozenset({"1", "true", "True"})

Params = dict[str, Any]
MethodHandler = Callable[[Params], Params]


@dataclass(frozen=True)
class Call:
    """One request the server received, recorded after it was answered."""

    method: str
    params: Params
    headers: dict[str, str]
    time: float
    status: int = 200
    error: str | None = None
    fault: str | None = None
    response: Params | None = None
    token: str | None = None  # the token the call was made with (Authorization header or `token` parameter)


@dataclass
class UploadedFile:
    """A file announced by files.getUploadURLExternal, then uploaded and completed."""

    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str | None = None
    completed: bool = False
    channel: str | None = None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: Params | None
    text: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    fault: str | None = None

    def payload(self) -> bytes:
        """Encode the body for the wire."""
        if self.body is None:
            return self.text.encode()
        return json.dumps(self.body, separators=(",", ":")).encode()

    @property
    def content_type(self) -> str:
        """The Content-Type header value."""
        return "text/plain; charset=utf-8" if self.body is None else "application/json; charset=utf-8"


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int
    remaining: int | None
    when: dict[str, str]

    def reply(self) -> _Reply:
        """The faulty answer."""
        note = f"http_{self.status}" if self.status != 200 else f"error:{self.error}"
        return _error_reply(self.error, status=self.status, retry_after=self.retry_after, fault=note)


@dataclass
class _Delay:
    seconds: float
    remaining: int | None
    when: dict[str, str]
    after_handling: bool = False  # the call takes effect, then the answer is late (a read timeout's worst case)


@dataclass
class _Chaos:
    fraction: float
    rng: random.Random
    methods: frozenset[str] | None
    status: int


@dataclass
class _Window:
    calls: int  # allowed per window
    stamps: deque[float] = field(default_factory=deque)
    seconds: float = RATE_WINDOW_SECONDS
    per_channel: bool = False
    channels: dict[str, deque[float]] = field(default_factory=dict)


@dataclass
class _Channel:
    is_private: bool | None = None
    is_member: bool = True
    name: str | None = None


@dataclass
class _Workspace:
    """A workspace a token belongs to (what auth.test answers for it)."""

    team_id: str
    name: str
    bot_user_id: str
    bot_id: str
    enterprise_id: str | None = None
    is_enterprise_install: bool = False
    expires_at: float | None = None  # a rotating token stops working at this time.time()
    revoked: bool = False


@dataclass(frozen=True)
class _Grant:
    """What oauth.v2.access answers for a one-time code."""

    token: str
    workspace: _Workspace
    installer: str
    scope: str
    refresh_token: str | None
    expires_in: int | None


@dataclass(frozen=True)
class _Problem:
    error: str
    detail: str


class _SlackError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _token_of(params: Params, headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.get("token")
    return str(token) if token else None


def _basic_auth(headers: Mapping[str, str]) -> tuple[str, str] | None:
    auth = headers.get("authorization", "")
    if not auth.startswith("Basic "):
        return None
    user, _, password = b64decode(auth[len("Basic ") :]).decode().partition(":")
    return user, password


def _token_answer(grant: _Grant) -> Params:
    workspace = grant.workspace
    enterprise = {"id": workspace.enterprise_id, "name": f"Org {workspace.enterprise_id}"}
    answer: Params = {
        "app_id": APP_ID,
        "authed_user": {"id": grant.installer},
        "scope": grant.scope,
        "token_type": "bot",
        "access_token": grant.token,
        "bot_user_id": workspace.bot_user_id,
        "team": None if workspace.is_enterprise_install else {"id": workspace.team_id, "name": workspace.name},
        "enterprise": enterprise if workspace.enterprise_id else None,
        "is_enterprise_install": workspace.is_enterprise_install,
    }
    if grant.refresh_token is not None:
        answer["refresh_token"] = grant.refresh_token
        answer["expires_in"] = grant.expires_in
    return answer


def _error_reply(error: str, *, status: int = 200, retry_after: int = 1, fault: str | None = None) -> _Reply:
    headers = (("Retry-After", str(retry_after)),) if status == 429 else ()
    return _Reply(status, {"ok": False, "error": error}, headers=headers, fault=fault)


def _consume(rules: list[Any], rule: Any) -> None:
    if rule.remaining is not None:
        rule.remaining -= 1
        if rule.remaining <= 0:
            rules.remove(rule)


def _matches(when: dict[str, str], params: Params) -> bool:
    return all(str(params.get(key)) == value for key, value in when.items())


def _when(when: Mapping[str, Any] | None) -> dict[str, str]:
    return {key: str(value) for key, value in (when or {}).items()}


def _truthy(value: Any) -> bool:
    return value is True or value == 1 or value in TRUTHY


def _without(mapping: Params, key: str) -> Params:
    return {k: v for k, v in mapping.items() if k != key}


def _tz_offset(tz: str) -> int:
    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


# ---------------------------------------------------------------- request parsing


def _multipart(content_type: str, body: bytes) -> EmailMessage:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    return parser.parsebytes(head + body)


def _multipart_fields(content_type: str, body: bytes) -> tuple[Params, bytes | None]:
    fields: Params = {}
    file_data: bytes | None = None
    for part in _multipart(content_type, body).iter_parts():
        data = cast(bytes, part.get_payload(decode=True) or b"")
        if part.get_filename() is not None:
            file_data = data
        else:
            fields[str(part.get_param("name", header="content-disposition"))] = data.decode()
    return fields, file_data


def _decode_json_fields(params: Params) -> Params:
    for key in JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _parse_params(query: str, content_type: str, body: bytes) -> Params:
    params: Params = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" and body:
        try:
            loaded = json.loads(body)
        except ValueError as exc:
            raise _SlackError("invalid_json") from exc
        if not isinstance(loaded, dict):
            raise _SlackError("invalid_json")
        params.update(loaded)
    elif kind == "multipart/form-data":
        params.update(_multipart_fields(content_type, body)[0])
    elif body:
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    return _decode_json_fields(params)


def _upload_bytes(content_type: str, body: bytes) -> bytes:
    if content_type.lower().startswith("multipart/form-data"):
        data = _multipart_fields(content_type, body)[1]
        return data if data is not None else b""
    return body


# ---------------------------------------------------------------- payload validation


def _validate_deep(obj: JsonObject) -> None:
    obj.validate_json()
    for name in sorted(obj.attributes):
        value = getattr(obj, name, None)
        for item in value if isinstance(value, list) else [value]:
            if item is None and isinstance(value, list):
                raise ValueError(f"unknown element in {name!r}")
            if isinstance(item, JsonObject):
                _validate_deep(item)


def _block_problem(block: Any) -> str | None:
    if not isinstance(block, dict):
        return f"block must be an object, got {type(block).__name__}"
    return _cached_block_problem(json.dumps(block, sort_keys=True))


@functools.lru_cache(maxsize=8192)
def _cached_block_problem(serialized: str) -> str | None:
    # Validating through slack_sdk's models costs ~100 µs a block; benchmarks repeat the same blocks.
    block = json.loads(serialized)
    kind = block.get("type")
    try:
        parsed = Block.parse(block)
        if parsed is None or type(parsed) is Block:
            return f"unknown block type {kind!r}"
        _validate_deep(parsed)
    except Exception as exc:
        return f"{kind}: {exc}"
    return None


def _blocks_problems(blocks: Any, limit: int, where: str) -> list[_Problem]:
    if not isinstance(blocks, list):
        return [_Problem("invalid_blocks", f"blocks must be a JSON array, got {type(blocks).__name__}")]
    problems = []
    if len(blocks) > limit:
        detail = f"{len(blocks)} blocks, at most {limit} allowed in a {where}"
        problems.append(_Problem("invalid_blocks", detail))
    for index, block in enumerate(blocks):
        problem = _block_problem(block)
        if problem is not None:
            problems.append(_Problem("invalid_blocks", f"block {index}: {problem}"))
    return problems


def _metadata_problems(metadata: Any) -> list[_Problem]:
    if metadata is None:
        return []
    ok = (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload"), dict)
    )
    return [] if ok else [_Problem("invalid_metadata_format", f"bad metadata {metadata!r:.200}")]


def _message_problems(params: Params) -> list[_Problem]:
    problems = []
    text = params.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        problems.append(_Problem("msg_too_long", f"text has {len(text)} chars, at most {MAX_TEXT_CHARS}"))
    if params.get("blocks") is not None:
        problems += _blocks_problems(params["blocks"], MAX_MESSAGE_BLOCKS, "message")
    return problems + _metadata_problems(params.get("metadata"))


def _view_problems(view: Any) -> list[_Problem]:
    if not isinstance(view, dict):
        return [_Problem("invalid_arguments", f"view must be a JSON object, got {type(view).__name__}")]
    return list(_cached_view_problems(json.dumps(view, sort_keys=True)))


@functools.lru_cache(maxsize=1024)
def _cached_view_problems(serialized: str) -> tuple[_Problem, ...]:
    view = json.loads(serialized)
    problems = _blocks_problems(view.get("blocks", []), MAX_VIEW_BLOCKS, f"{view.get('type')} view")
    if problems:
        return tuple(problems)
    try:
        View(**view).validate_json()
    except Exception as exc:
        return (_Problem("invalid_blocks", f"view: {exc}"),)
    return ()


def _payload_problems(method: str, params: Params) -> list[_Problem]:
    if method in MESSAGE_METHODS:
        return _message_problems(params)
    if method in VIEW_METHODS:
        return _view_problems(params.get("view"))
    return []


# ---------------------------------------------------------------- HTTP plumbing


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, api: SlackAPIServer, host: str) -> None:
        self.api = api
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__((host, 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection so stop() can close idle keep-alive sockets."""
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection, then close it."""
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; the API layer records real bugs."""

    def close_connections(self) -> None:
        """Wake every handler thread blocked on an idle keep-alive connection."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1
    server: _HTTPServer

    def do_POST(self) -> None:
        """Answer a Web API call or an upload."""
        self._serve()

    def do_GET(self) -> None:
        """Answer a Web API call sent with GET and query parameters."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Do not log requests."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        reply = self.server.api._respond(self.path, headers, body)
        payload = reply.payload()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


# ---------------------------------------------------------------- the server


class SlackAPIServer:
    """A fake Slack Web API on 127.0.0.1 with call recording, faults and Block Kit validation."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        team_id: str = "T0000TEST",
        bot_user_id: str = "U0000BOT",
        bot_id: str = "B0000BOT",
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._host = host
        self._clock = clock
        self._lock = threading.RLock()  # re-entrant: handlers call set_user()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._invalid: list[str] = []
        self._server_errors: list[str] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, list[_Delay]] = {}
        self._chaos: _Chaos | None = None
        self._windows: dict[str, _Window] = {}
        self._users: dict[str, Params] = {}
        self._missing_users: set[str] = set()
        self._channels: dict[str, _Channel] = {}
        self._dm_users: dict[str, str] = {}
        self._history: dict[str, list[Params]] = {}
        self._messages: dict[tuple[str, str], Params] = {}
        self._views: dict[str, Params] = {}
        self._files: dict[str, UploadedFile] = {}
        self._last_ts_us = 0
        self._serial = 0
        self._tokens: dict[str, _Workspace] = {token: _Workspace(team_id, "Lead Coach Test", bot_user_id, bot_id)}
        self._oauth_client: tuple[str, str] | None = None
        self._grants: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, _Grant] = {}
        self._methods: dict[str, MethodHandler] = {
            "auth.test": self._auth_test,
            "oauth.v2.access": partial(self._oauth_v2_access, {}),
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "conversations.join": self._conversations_join,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ------------------------------------------------------------ lifecycle

    def start(self) -> SlackAPIServer:
        """Bind to an OS-chosen port and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("SlackAPIServer already started")
        self._stopping.clear()
        self._httpd = _HTTPServer(self, self._host)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="slack-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join the threads."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.shutdown()
        self._stopping.set()
        httpd.close_connections()
        httpd.server_close()
        thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> SlackAPIServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("SlackAPIServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The server root, like http://127.0.0.1:PORT."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The Web API base URL for WebClient(base_url=...), with a trailing slash."""
        return f"{self.url}/api/"

    # ------------------------------------------------------------ recording

    def calls(self, method: str | None = None) -> list[Call]:
        """The recorded calls, oldest first, optionally only those of one method."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least count calls of method were answered; raise AssertionError on timeout."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: sum(c.method == method for c in self._calls) >= count, timeout=timeout
            )
        calls = self.calls(method)
        if not done:
            raise AssertionError(f"expected {count} {method} call(s) within {timeout}s, got {len(calls)}")
        return calls

    def reset(self) -> None:
        """Forget recorded calls, invalid payloads and server errors (faults and data stay)."""
        with self._lock:
            self._calls.clear()
            self._invalid.clear()
            self._server_errors.clear()

    @property
    def invalid_payloads(self) -> list[str]:
        """Problems found in blocks, views, text or metadata the app sent."""
        with self._lock:
            return list(self._invalid)

    @property
    def server_errors(self) -> list[str]:
        """Unexpected exceptions raised while answering (bugs in this fake or odd requests)."""
        with self._lock:
            return list(self._server_errors)

    def assert_all_valid(self) -> None:
        """Raise AssertionError listing every invalid payload and server error seen so far."""
        problems = self.invalid_payloads + self.server_errors
        if problems:
            raise AssertionError("Slack API server saw problems:\n" + "\n".join(f"- {p}" for p in problems))

    # ------------------------------------------------------------ faults

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int = 1,
        times: int | None = 1,
        when: Mapping[str, Any] | None = None,
    ) -> None:
        """Answer the next `times` calls of method (matching `when`) with an HTTP status and/or error."""
        if status == 200 and error is None:
            raise ValueError("fail() needs an error string or a non-200 status")
        error = error or DEFAULT_ERRORS.get(status, f"http_{status}")
        fault = _Fault(status, error, retry_after, times, _when(when))
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def delay(
        self,
        method: str,
        seconds: float,
        times: int | None = 1,
        when: Mapping[str, Any] | None = None,
        *,
        after_handling: bool = False,
    ) -> None:
        """Answer the next `times` calls of method (matching `when`) only after `seconds`; with `after_handling`,
        the call takes effect at once and only its answer is late."""
        with self._lock:
            self._delays.setdefault(method, []).append(_Delay(seconds, times, _when(when), after_handling))

    def fail_randomly(
        self, fraction: float, seed: int = 0, methods: Iterable[str] | None = None, status: int = 500
    ) -> None:
        """Fail about `fraction` of calls (of `methods`, default all) with HTTP `status`, seeded."""
        chosen = frozenset(methods) if methods is not None else None
        with self._lock:
            self._chaos = _Chaos(fraction, random.Random(seed), chosen, status) if fraction > 0 else None

    def rate_limit(self, method: str, per_minute: int | None) -> None:
        """Allow at most per_minute calls of method per rolling 60 s, else 429; None turns it off."""
        with self._lock:
            if per_minute is None:
                self._windows.pop(method, None)
            else:
                self._windows[method] = _Window(per_minute)

    def rate_limit_window(self, method: str, calls: int, seconds: float, *, per_channel: bool = False) -> None:
        """Allow at most `calls` calls of method per rolling `seconds` (per channel: Slack's special limit on
        chat.postMessage, about one message a second in a channel), else 429."""
        with self._lock:
            self._windows[method] = _Window(calls, seconds=seconds, per_channel=per_channel)

    def clear_faults(self) -> None:
        """Remove every fail, delay, random failure and rate limit rule."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()
            self._chaos = None
            self._windows.clear()

    # ------------------------------------------------------------ workspace data

    def set_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/New_York",
        tz_offset: int | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
        email: str | None = None,
    ) -> Params:
        """Configure the user users.info returns for user_id; returns the user object."""
        name = name or f"user_{user_id.lower()}"
        user: Params = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real_name or f"Test User {user_id}",
            "tz": tz,
            "tz_label": tz,
            "tz_offset": _tz_offset(tz) if tz_offset is None else tz_offset,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_bot": is_bot,
            "deleted": deleted,
        }
        user["profile"] = {
            "real_name": user["real_name"],
            "display_name": name,
            "email": email or f"{name}@example.com",
        }
        with self._lock:
            self._users[user_id] = user
            self._missing_users.discard(user_id)
        return dict(user)

    def set_user_not_found(self, user_id: str) -> None:
        """Make users.info (and DMs to the user) answer user_not_found for user_id."""
        with self._lock:
            self._missing_users.add(user_id)
            self._users.pop(user_id, None)

    def set_channel(
        self,
        channel_id: str,
        *,
        is_private: bool | None = None,
        is_member: bool = True,
        name: str | None = None,
    ) -> None:
        """Configure conversations.info; posting to a channel with is_member=False answers not_in_channel."""
        with self._lock:
            self._channels[channel_id] = _Channel(is_private, is_member, name)

    def add_workspace(
        self,
        token: str,
        team_id: str,
        *,
        name: str | None = None,
        bot_user_id: str | None = None,
        enterprise_id: str | None = None,
        is_enterprise_install: bool = False,
    ) -> None:
        """Accept `token` as a bot token of workspace `team_id` (auth.test answers with that workspace)."""
        workspace = _Workspace(
            team_id,
            name or f"Workspace {team_id}",
            bot_user_id or f"U{team_id[1:]}BOT",
            f"B{team_id[1:]}",
            enterprise_id,
            is_enterprise_install,
        )
        with self._lock:
            self._tokens[token] = workspace

    def set_oauth_client(self, client_id: str, client_secret: str) -> None:
        """The app credentials oauth.v2.access accepts."""
        with self._lock:
            self._oauth_client = (client_id, client_secret)

    def grant(
        self,
        code: str,
        token: str,
        team_id: str,
        *,
        installer: str,
        name: str | None = None,
        scope: str = "chat:write",
        refresh_token: str | None = None,
        expires_in: int | None = None,
        enterprise_id: str | None = None,
        is_enterprise_install: bool = False,
    ) -> None:
        """Let oauth.v2.access exchange the one-time `code` for `token` of workspace `team_id`, installed by
        `installer` (with `refresh_token`: a rotating token that expires in `expires_in` seconds)."""
        workspace = _Workspace(
            team_id,
            name or f"Workspace {team_id}",
            f"U{team_id[1:]}BOT",
            f"B{team_id[1:]}",
            enterprise_id,
            is_enterprise_install,
            time.time() + expires_in if expires_in is not None else None,
        )
        with self._lock:
            self._grants[code] = _Grant(token, workspace, installer, scope, refresh_token, expires_in)

    def revoke(self, token: str) -> None:
        """Make every call with `token` answer token_revoked (an uninstall, or revoked tokens)."""
        with self._lock:
            if token in self._tokens:
                self._tokens[token].revoked = True

    def messages(self, channel: str) -> list[Params]:
        """Messages posted (and not deleted) in channel, oldest first."""
        with self._lock:
            return [dict(m) for m in self._history.get(channel, [])]

    def uploaded_files(self) -> list[UploadedFile]:
        """Every file announced via files.getUploadURLExternal, in order."""
        with self._lock:
            return [replace(f) for f in self._files.values()]

    @staticmethod
    def dm_channel_id(user_id: str) -> str:
        """The stable DM channel id this server uses for a user id."""
        return "D" + user_id[1:]

    # ------------------------------------------------------------ request pipeline

    def _respond(self, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        try:
            return self._route(path, headers, body)
        except Exception as exc:
            detail = f"{path}: {type(exc).__name__}: {exc}"
            with self._lock:
                self._server_errors.append(detail)
            return _Reply(500, {"ok": False, "error": "internal_error", "detail": detail})

    def _route(self, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        split = urlsplit(path)
        if split.path.startswith("/api/"):
            method = split.path[len("/api/") :]
            try:
                params = _parse_params(split.query, headers.get("content-type", ""), body)
            except _SlackError as exc:
                return self._record(method, {}, headers, _error_reply(exc.error))
            return self._record(method, params, headers, self._api(method, params, headers))
        if split.path.startswith("/upload/"):
            file_id = split.path[len("/upload/") :]
            params = {"file_id": file_id, "size": len(body)}
            return self._record("upload", params, headers, self._upload(file_id, headers, body))
        if split.path.startswith("/respond/"):
            params = _parse_params("", headers.get("content-type", ""), body)
            reply = self._pipeline("response_url", params, lambda: _Reply(200, {"ok": True}))
            return self._record("response_url", params, headers, reply)
        return _Reply(404, {"ok": False, "error": "not_found"})

    def _record(self, method: str, params: Params, headers: dict[str, str], reply: _Reply) -> _Reply:
        body = reply.body or {}
        error = body.get("error") if reply.status != 200 or body.get("ok") is False else None
        token = _token_of(params, headers)
        call = Call(method, params, headers, time.time(), reply.status, error, reply.fault, reply.body, token)
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        return reply

    def _api(self, method: str, params: Params, headers: dict[str, str]) -> _Reply:
        handler = self._methods.get(method)
        if handler is None:
            return _error_reply("unknown_method")
        if method == "oauth.v2.access":  # authenticated by the app's client id and secret, not a token
            return self._pipeline(method, params, lambda: self._run(partial(self._oauth_v2_access, headers), params))
        problem = self._token_problem(params, headers)
        if problem is not None:
            return _error_reply(problem)
        # auth.test answers for the workspace of the token the call was made with, wherever the token was
        given = {**params, "token": _token_of(params, headers)} if method == "auth.test" else params
        return self._pipeline(method, params, lambda: self._run(handler, given))

    def _pipeline(self, method: str, params: Params, answer: Callable[[], _Reply]) -> _Reply:
        rule = self._take_delay(method, params)
        if rule is not None and not rule.after_handling:
            self._stopping.wait(rule.seconds)
        reply = self._pick_fault(method, params) or self._validate(method, params) or answer()
        if rule is not None and rule.after_handling:
            self._stopping.wait(rule.seconds)
        note = f"delay:{rule.seconds}" if rule is not None else None
        return replace(reply, fault=",".join(filter(None, [note, reply.fault])) or None)

    def _authorized(self, params: Params, headers: dict[str, str]) -> bool:
        return self._token_problem(params, headers) is None

    def _token_problem(self, params: Params, headers: dict[str, str]) -> str | None:
        with self._lock:
            workspace = self._tokens.get(str(_token_of(params, headers)))
            if workspace is None:
                return "invalid_auth"
            if workspace.revoked:
                return "token_revoked"
            if workspace.expires_at is not None and workspace.expires_at <= time.time():
                return "token_expired"
            return None

    def _take_delay(self, method: str, params: Params) -> _Delay | None:
        with self._lock:
            rules = self._delays.get(method, [])
            rule = next((r for r in rules if _matches(r.when, params)), None)
            if rule is not None:
                _consume(rules, rule)
            return rule

    def _pick_fault(self, method: str, params: Params) -> _Reply | None:
        with self._lock:
            return self._rule_fault(method, params) or self._chaos_fault(method) or self._window_fault(method, params)

    def _rule_fault(self, method: str, params: Params) -> _Reply | None:
        rules = self._faults.get(method, [])
        rule = next((r for r in rules if _matches(r.when, params)), None)
        if rule is None:
            return None
        _consume(rules, rule)
        return rule.reply()

    def _chaos_fault(self, method: str) -> _Reply | None:
        chaos = self._chaos
        if chaos is None or (chaos.methods is not None and method not in chaos.methods):
            return None
        if chaos.rng.random() >= chaos.fraction:
            return None
        error = DEFAULT_ERRORS.get(chaos.status, f"http_{chaos.status}")
        return _error_reply(error, status=chaos.status, fault=f"random_http_{chaos.status}")

    def _window_fault(self, method: str, params: Params) -> _Reply | None:
        window = self._windows.get(method)
        if window is None:
            return None
        now = self._clock()
        stamps = window.stamps
        if window.per_channel:
            stamps = window.channels.setdefault(str(params.get("channel") or ""), deque())
        while stamps and stamps[0] <= now - window.seconds:
            stamps.popleft()
        if len(stamps) < window.calls:
            stamps.append(now)
            return None
        wait = max(1, math.ceil(stamps[0] + window.seconds - now))
        return _error_reply("ratelimited", status=429, retry_after=wait, fault="rate_limit")

    def _validate(self, method: str, params: Params) -> _Reply | None:
        problems = _payload_problems(method, params)
        if not problems:
            return None
        with self._lock:
            self._invalid.extend(f"{method}: {p.detail}" for p in problems)
        detail = "; ".join(p.detail for p in problems)
        status = 400 if method == "response_url" else 200  # webhooks answer errors with HTTP 400
        return _Reply(status, {"ok": False, "error": problems[0].error, "detail": detail})

    def _run(self, handler: MethodHandler, params: Params) -> _Reply:
        try:
            with self._lock:
                return _Reply(200, {"ok": True, **handler(params)})
        except _SlackError as exc:
            return _error_reply(exc.error)

    def _upload(self, file_id: str, headers: dict[str, str], body: bytes) -> _Reply:
        return self._pipeline("upload", {"file_id": file_id}, lambda: self._store_upload(file_id, headers, body))

    def _store_upload(self, file_id: str, headers: dict[str, str], body: bytes) -> _Reply:
        data = _upload_bytes(headers.get("content-type", ""), body)
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                return _Reply(404, None, text="Not Found")
            upload.data = data
        return _Reply(200, None, text=f"OK - {len(data)}")

    # ------------------------------------------------------------ helpers (called with the lock held)

    def _next_ts(self) -> str:
        micros = max(self._last_ts_us + 1, time.time_ns() // 1000)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:010d}"

    def _user(self, user_id: str) -> Params:
        if user_id in self._missing_users:
            raise _SlackError("user_not_found")
        user = self._users.get(user_id)
        return user if user is not None else self.set_user(user_id)

    def _dm_for(self, user_id: str) -> str:
        if self._user(user_id)["is_bot"]:
            raise _SlackError("cannot_dm_bot")
        channel_id = self.dm_channel_id(user_id)
        self._dm_users[channel_id] = user_id
        return channel_id

    def _resolve_channel(self, channel: Any) -> str:
        if not isinstance(channel, str) or not channel:
            raise _SlackError("channel_not_found")
        if channel[0] in "UW":
            return self._dm_for(channel)
        config = self._channels.get(channel)
        if config is not None and not config.is_member:
            raise _SlackError("not_in_channel")
        return channel

    def _new_message(self, params: Params, ts: str) -> Params:
        message: Params = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": params.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "metadata", "thread_ts", "attachments"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    def _channel_info(self, channel_id: str) -> Params:
        config = self._channels.get(channel_id) or _Channel()
        is_im = channel_id.startswith("D")
        private = config.is_private if config.is_private is not None else channel_id[0] in "GD"
        info: Params = {
            "id": channel_id,
            "name": config.name or channel_id.lower(),
            "is_channel": not is_im and not private,
            "is_group": private and not is_im,
            "is_im": is_im,
            "is_mpim": False,
            "is_private": private,
            "is_archived": False,
            "is_member": config.is_member,
            "created": 1_700_000_000,
            "context_team_id": self.team_id,
        }
        if is_im:
            info["user"] = self._dm_users.get(channel_id, "U" + channel_id[1:])
        return info

    def _view_response(self, view: Params, view_id: str) -> Params:
        response: Params = {
            "team_id": self.team_id,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{view_id}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": self.bot_id,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
            "id": view_id,
        }
        self._views[view_id] = response
        return response

    # ------------------------------------------------------------ Web API methods (lock held)

    def _auth_test(self, params: Params) -> Params:
        token = params.get("token")
        workspace = self._tokens.get(str(token))
        if workspace is None or token == self.token:
            return {
                "url": "https://lead-coach-test.slack.com/",
                "team": "Lead Coach Test",
                "user": "lead_coach",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        answer: Params = {
            "url": f"https://{workspace.team_id.lower()}.slack.com/",
            "team": workspace.name,
            "user": "lead_coach",
            "team_id": workspace.team_id,
            "user_id": workspace.bot_user_id,
            "bot_id": workspace.bot_id,
            "is_enterprise_install": workspace.is_enterprise_install,
        }
        if workspace.enterprise_id is not None:
            answer["enterprise_id"] = workspace.enterprise_id
        return answer

    def _oauth_v2_access(self, headers: dict[str, str], params: Params) -> Params:
        client = _basic_auth(headers) or (str(params.get("client_id")), str(params.get("client_secret")))
        if self._oauth_client is None or client[0] != self._oauth_client[0]:
            raise _SlackError("invalid_client_id")
        if client[1] != self._oauth_client[1]:
            raise _SlackError("bad_client_secret")
        if params.get("grant_type") == "refresh_token":
            return self._refresh(str(params.get("refresh_token") or ""))
        grant = self._grants.pop(str(params.get("code") or ""), None)
        if grant is None:
            raise _SlackError("invalid_code")
        self._tokens[grant.token] = grant.workspace
        if grant.refresh_token is not None:
            self._refresh_tokens[grant.refresh_token] = grant
        return _token_answer(grant)

    def _refresh(self, refresh_token: str) -> Params:
        grant = self._refresh_tokens.pop(refresh_token, None)
        if grant is None or grant.workspace.revoked:
            raise _SlackError("invalid_refresh_token")
        self._serial += 1
        workspace = replace(grant.workspace, expires_at=time.time() + REFRESHED_SECONDS)
        fresh = replace(
            grant,
            expires_in=REFRESHED_SECONDS,
            token=f"xoxe.xoxb-{workspace.team_id}-{self._serial}",
            refresh_token=f"xoxe-1-{workspace.team_id}-{self._serial}",
            workspace=workspace,
        )
        self._tokens[fresh.token] = workspace
        assert fresh.refresh_token is not None
        self._refresh_tokens[fresh.refresh_token] = fresh
        return _token_answer(fresh)

    def _chat_post_message(self, params: Params) -> Params:
        channel = self._resolve_channel(params.get("channel"))
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            raise _SlackError("no_text")
        message = self._new_message(params, self._next_ts())
        self._history.setdefault(channel, []).append(message)
        self._messages[(channel, message["ts"])] = message
        return {"channel": channel, "ts": message["ts"], "message": dict(message)}

    def _chat_update(self, params: Params) -> Params:
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("ts") or "")
        if not ts:
            raise _SlackError("message_not_found")
        message = self._messages.get((channel, ts))
        if message is None:
            message = self._new_message(params, ts)
        for key in ("text", "blocks", "metadata", "attachments"):
            if params.get(key) is not None:
                message[key] = params[key]
        return {"channel": channel, "ts": ts, "text": message["text"], "message": dict(message)}

    def _chat_post_ephemeral(self, params: Params) -> Params:
        self._resolve_channel(params.get("channel"))
        if not params.get("user"):
            raise _SlackError("user_not_in_channel")
        return {"message_ts": self._next_ts()}

    def _chat_delete(self, params: Params) -> Params:
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("ts") or "")
        message = self._messages.pop((channel, ts), None)
        if message is not None:
            self._history[channel].remove(message)
        return {"channel": channel, "ts": ts}

    def _views_open(self, params: Params) -> Params:
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            raise _SlackError("invalid_arguments")
        return {"view": self._view_response(params["view"], self._next_id("V"))}

    def _views_update(self, params: Params) -> Params:
        view_id = params.get("view_id")
        if not view_id and not params.get("external_id"):
            raise _SlackError("invalid_arguments")
        if not view_id:
            known = (v["id"] for v in self._views.values() if v.get("external_id") == params["external_id"])
            view_id = next(known, None) or self._next_id("V")
        return {"view": self._view_response(params["view"], str(view_id))}

    def _views_publish(self, params: Params) -> Params:
        if not params.get("user_id"):
            raise _SlackError("invalid_arguments")
        self._user(str(params["user_id"]))
        return {"view": self._view_response(params["view"], self._next_id("V"))}

    def _users_info(self, params: Params) -> Params:
        return {"user": dict(self._user(str(params.get("user") or "")))}

    def _conversations_open(self, params: Params) -> Params:
        if params.get("channel"):
            return {"channel": {"id": str(params["channel"])}}
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) == 1:
            return {"channel": {"id": self._dm_for(users[0])}, "already_open": False, "no_op": False}
        return {"channel": {"id": "G" + "".join(u[1:] for u in sorted(users))[:20]}}

    def _conversations_join(self, params: Params) -> Params:
        channel = str(params.get("channel") or "")
        if not channel or channel[0] in "UWD":
            raise _SlackError("channel_not_found")
        if self._channel_info(channel)["is_private"]:
            raise _SlackError("method_not_supported_for_channel_type")
        config = self._channels.setdefault(channel, _Channel())
        config.is_member = True
        return {"channel": self._channel_info(channel)}

    def _conversations_info(self, params: Params) -> Params:
        channel = str(params.get("channel") or "")
        if not channel:
            raise _SlackError("channel_not_found")
        return {"channel": self._channel_info(channel)}

    def _conversations_history(self, params: Params) -> Params:
        channel = str(params.get("channel") or "")
        if not channel:
            raise _SlackError("channel_not_found")
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        inclusive = _truthy(params.get("inclusive"))
        limit = max(1, min(int(params.get("limit") or 100), 999))
        with_metadata = _truthy(params.get("include_all_metadata"))
        found = []
        for message in reversed(self._history.get(channel, [])):
            ts = float(message["ts"])
            inside = oldest <= ts <= latest if inclusive else oldest < ts < latest
            if inside:
                found.append(message if with_metadata else _without(message, "metadata"))
        page = [dict(m) for m in found[:limit]]
        cursor = {"next_cursor": ""}
        return {"messages": page, "has_more": len(found) > limit, "pin_count": 0, "response_metadata": cursor}

    def _conversations_replies(self, params: Params) -> Params:
        channel, parent = str(params.get("channel") or ""), str(params.get("ts") or "")
        thread = [m for m in self._history.get(channel, []) if parent in (m["ts"], m.get("thread_ts"))]
        if not channel or not thread:
            raise _SlackError("thread_not_found")
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        with_metadata = _truthy(params.get("include_all_metadata"))
        page = [dict(m if with_metadata else _without(m, "metadata")) for m in thread[:limit]]
        return {"messages": page, "has_more": len(thread) > limit, "response_metadata": {"next_cursor": ""}}

    def _files_get_upload_url(self, params: Params) -> Params:
        filename = str(params.get("filename") or "")
        length = int(params.get("length") or 0)
        if not filename or length <= 0:
            raise _SlackError("invalid_arguments")
        file_id = self._next_id("F")
        self._files[file_id] = UploadedFile(file_id, filename, length)
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: Params) -> Params:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise _SlackError("invalid_arguments")
        uploads = [self._files.get(str(entry.get("id"))) for entry in entries if isinstance(entry, dict)]
        if len(uploads) != len(entries) or any(u is None or u.data is None for u in uploads):
            raise _SlackError("file_not_found")
        channel = params.get("channel_id") or params.get("channels")
        done = []
        for entry, upload in zip(entries, cast(list[UploadedFile], uploads), strict=True):
            upload.title = entry.get("title") or upload.filename
            upload.completed, upload.channel = True, channel
            size = len(upload.data or b"")
            done.append({"id": upload.id, "title": upload.title, "name": upload.filename, "size": size})
        return {"files": done}
