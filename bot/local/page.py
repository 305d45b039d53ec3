"""The page of the local workspace, and the small JSON API it polls and posts to."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.local.clock import LeadTimes, TryClock
from bot.local.workspace import LocalWorkspace, PageError

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/blocks.js": ("blocks.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
MAX_BODY = 200_000
SURFACES = frozenset({"message", "home", "modal"})
APP_ROUTES = frozenset({"/slack/events", "/healthz"})  # bot/web.py's
UNREADABLE = "The page sent something unreadable."
Tick = Callable[[datetime], object]


def make_page(
    workspace: LocalWorkspace, clock: TryClock, lead_times: Callable[[], LeadTimes], tick: Tick, app: WSGIApplication
) -> WSGIApplication:
    """The page, its files, the JSON API, response URLs and uploaded files; the app's own routes (/slack/events,
    /healthz) go to the app, which the workspace calls over HTTP as Slack would. The page's time and clock buttons
    follow the lead's own zone and schedule."""
    ticking = threading.Lock()  # one clock move at a time: two ticks at once would race for the same instant

    def api(path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path == "/api/state":
            times = lead_times()
            return {
                **workspace.state(),
                "now": clock().astimezone(ZoneInfo(times.zone)).strftime("%A %d %B, %H:%M"),
                "zone": times.zone,
                "jumps": [{"name": jump.name, "label": jump.label} for jump in clock.jumps(times)],
            }
        if path == "/api/command":
            workspace.command(_text(body, "text"))
        elif path == "/api/message":
            workspace.message(_text(body, "text"), _maybe_text(body, "thread_ts"))
        elif path == "/api/home":
            workspace.open_home()
        elif path == "/api/action":
            action = body.get("action")
            if not isinstance(action, dict):
                raise PageError("That control sent nothing.")
            surface = _text(body, "surface")
            if surface not in SURFACES:
                raise PageError(f"There is no {surface!r} to act in.")
            workspace.act(
                surface, action, message_ts=_maybe_text(body, "message_ts"), view_id=_maybe_text(body, "view_id")
            )
        elif path == "/api/submit":
            values = body.get("values")
            workspace.submit(_text(body, "view_id"), values if isinstance(values, dict) else {})
        elif path == "/api/close":
            workspace.close(_text(body, "view_id"))
        elif path == "/api/options":
            options = workspace.options(
                _text(body, "view_id"), _text(body, "action_id"), _text(body, "block_id"), _text(body, "value")
            )
            return {"options": options}
        elif path == "/api/clock":
            move(_text(body, "jump"))
        else:
            raise LookupError(path)
        return {"ok": True}

    def move(name: str) -> None:
        with ticking:
            jump = next((jump for jump in clock.jumps(lead_times()) if jump.name == name), None)
            if jump is None:
                raise PageError(f"There is no clock button {name!r}.")
            for instant in jump.ticks:
                clock.move_to(instant)
                tick(instant)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD", "GET")
        if path in APP_ROUTES:
            return app(environ, start_response)
        if method == "GET" and path in STATIC:
            name, kind = STATIC[path]
            return _answer(start_response, "200 OK", kind, (files("bot.local") / "static" / name).read_bytes())
        if method == "GET" and path.startswith("/files/"):
            found = workspace.file(path.removeprefix("/files/"))
            if found is None:
                return _answer(start_response, "404 Not Found", "text/plain", b"no such file")
            kind = "image/png" if found[0].endswith(".png") else "application/octet-stream"
            return _answer(start_response, "200 OK", kind, found[1])
        body = _read(environ)
        if method == "POST" and path.startswith("/respond/"):
            status, reply = workspace.respond(path.removeprefix("/respond/"), body, environ.get("CONTENT_TYPE", ""))
            return _answer(start_response, f"{status} Answered", "application/json", reply)
        if not path.startswith("/api/"):
            return _answer(start_response, "404 Not Found", "text/plain", b"not found")
        try:
            parsed = json.loads(body) if body.strip() else {}
            result = api(path, parsed if isinstance(parsed, dict) else {})
        except LookupError:
            return _json(start_response, "404 Not Found", {"ok": False, "error": "There is no such page action."})
        except ValueError:
            return _json(start_response, "400 Bad Request", {"ok": False, "error": UNREADABLE})
        except PageError as error:
            return _json(start_response, "400 Bad Request", {"ok": False, "error": str(error)})
        return _json(start_response, "200 OK", result)

    return application


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise PageError(f"The page sent no {name}.")
    return value


def _maybe_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PageError(f"The page sent a {name} that is not text.")
    return value


def _read(environ: WSGIEnvironment) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    return bytes(stream.read(min(length, MAX_BODY))) if length > 0 else b""


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    return _answer(start_response, status, "application/json", json.dumps(body).encode())


def _answer(start_response: StartResponse, status: str, kind: str, data: bytes) -> list[bytes]:
    headers = [("Content-Type", kind), ("Content-Length", str(len(data))), ("Cache-Control", "no-store")]
    start_response(status, headers)
    return [data]
