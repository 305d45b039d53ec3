"""The first look at every request: one from a workspace that never installed the app, or of a shape Slack never
sends, is answered and ignored before Bolt or a listener reads it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import BoltRequest, BoltResponse

logger = logging.getLogger(__name__)

NOT_INSTALLED = "Lead Coach isn't installed in this workspace, so I can't do anything here."
UNREADABLE = "I couldn't read that request, so I did nothing with it. Please try again."
MAX_DEPTH = 64  # Slack's deepest payloads (a modal's state, rich text) nest a few dozen levels at most
# The fields Bolt and our listeners read before anything can check them, with the types Slack sends for the
# requests we subscribe to (commands, interactions, message.im, app_home_opened, uninstalls); null is fine.
FIELD_TYPES: tuple[tuple[tuple[str, ...], type | tuple[type, ...]], ...] = (
    *(((field,), str) for field in ("type", "command", "text", "trigger_id", "action_id", "callback_id", "value")),
    *(((field,), str) for field in ("team_id", "user_id", "event_id", "api_app_id", "enterprise_id")),
    (("user",), (dict, str)),
    (("user", "id"), str),
    (("user", "team_id"), str),
    (("team",), (dict, str)),
    (("team", "id"), str),
    (("enterprise",), (dict, str)),
    (("actions",), list),
    (("authorizations",), list),
    (("view",), dict),
    *((("view", field), str) for field in ("id", "type", "callback_id", "private_metadata", "team_id", "hash")),
    (("view", "app_installed_team_id"), str),
    (("view", "state"), dict),
    (("container",), dict),
    (("message",), dict),
    (("channel",), (dict, str)),
    (("event",), dict),
    *((("event", field), str) for field in ("type", "subtype", "bot_id", "channel", "channel_type", "ts")),
    (("event", "user"), (dict, str)),  # a user id; user_change carries the whole user
    (("event", "user", "id"), str),
    (("event", "user", "tz"), str),
    (("event", "user", "profile"), dict),
    *((("event", "user", "profile", field), str) for field in ("status_emoji", "status_text")),
    *((("event", field), str) for field in ("thread_ts", "text", "deleted_ts", "tab", "team", "app_id")),
    (("event", "message"), dict),
    (("event", "previous_message"), dict),
    *((("event", inner, field), str) for inner in ("message", "previous_message") for field in ("user", "ts")),
    *((("event", inner, field), str) for inner in ("message", "previous_message") for field in ("bot_id", "subtype")),
)
INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed", "block_suggestion", "shortcut"})


def screen(
    serves: Callable[[str | None, str | None], bool],
) -> Callable[[BoltRequest, Callable[[], BoltResponse]], BoltResponse]:
    """A middleware run before anything else reads the request: one from a workspace the app does not serve
    (`serves(team_id, enterprise_id)` is false: not the token's workspace, or no installation), or of a shape Slack
    never sends, is answered and otherwise ignored (nothing written, Slack not called), with one line at WARNING
    rather than a traceback from deep inside Bolt."""

    def middleware(req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        if body.get("type") == "url_verification":
            return next()
        problem, answer = _shape_problem(body, req.context.user_id), UNREADABLE
        if problem is None and not serves(req.context.team_id, req.context.enterprise_id):
            problem = f"it comes from workspace {str(req.context.team_id)[:40]!r}, which has not installed the app"
            answer = NOT_INSTALLED
        if problem is None:
            return next()
        logger.warning("ignored a request: %s", problem)
        if "command" in body:
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": answer})
        return BoltResponse(status=200, body="")

    return middleware


def _shape_problem(body: dict[str, Any], user_id: object) -> str | None:
    """Why Slack could not have sent this body, if it could not."""
    if _deeper_than(body, MAX_DEPTH):
        return f"it is nested more than {MAX_DEPTH} levels deep"
    for path, kinds in FIELD_TYPES:
        value = _at(body, path)
        if value is not None and not isinstance(value, kinds):
            return f"its {'.'.join(path)} is a {type(value).__name__}"
    actions = body.get("actions")
    if actions is not None and not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
        return "one of its actions has no action_id"
    if ("event" in body or body.get("type") == "event_callback") and not isinstance(body.get("event"), dict):
        return "its event is not an object"
    if "command" in body and not (isinstance(body.get("trigger_id"), str) and "response_url" in body):
        return "its command has no response_url or trigger_id"
    if "response_url" in body and not _is_web_address(body["response_url"]):
        return "its response_url is not a web address"
    interaction = isinstance(body.get("type"), str) and body["type"] in INTERACTIONS
    if ("command" in body or interaction) and not isinstance(user_id, str):
        return "it names no user"
    if interaction and not isinstance(_at(body, ("user", "id")), str):
        return "its user is not an object with an id"
    if body.get("type") in ("block_actions", "view_submission") and not isinstance(body.get("trigger_id"), str):
        return "it has no trigger_id"
    return None


def _at(body: dict[str, Any], path: tuple[str, ...]) -> object:
    """The value at a path of object keys; None where any step is missing or not an object."""
    value: object = body
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _is_web_address(value: object) -> bool:
    if not isinstance(value, str):
        return False
    where = urlsplit(value)
    return where.scheme in ("http", "https") and bool(where.netloc)


def _deeper_than(value: object, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels (walked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
