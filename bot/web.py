"""HTTP mode: Slack's requests at POST /slack/events and a health check at GET /healthz."""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import MultiSocketServer, create_server

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from waitress.server import BaseWSGIServer

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (a 40,000-character message event) are far smaller
THREADS = 16


class ListenError(Exception):
    """The server could not listen where it was told; the message is one line a person can act on."""


def listen(application: WSGIApplication, host: str, port: int) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server bound to host:port and ready to `run()`; ListenError if it cannot bind there."""
    try:
        server = create_server(
            application,
            host=host,
            port=port,
            threads=THREADS,
            max_request_body_size=MAX_BODY_BYTES,
            ident="lead-coach",
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ListenError(
                f"port {port} is already in use on {host}: stop what is using it, or set PORT (or --port) to another."
            ) from None
        reason = error.strerror or str(error) or type(error).__name__
        raise ListenError(f"cannot listen on {host} port {port}: {reason} (check HOST and PORT).") from None
    except ValueError as error:  # waitress's own check of the address
        raise ListenError(f"cannot listen on {host} port {port}: {error} (check HOST and PORT).") from None
    server.print_listen("listening on http://{}:{}")
    return server


def bound_port(server: BaseWSGIServer | MultiSocketServer) -> int:
    """The port a server listens on: the one the system chose when it was told port 0."""
    if isinstance(server, MultiSocketServer):
        return int(server.effective_listen[0][1])
    return int(server.getsockname()[1])


def make_wsgi_app(app: App, database_answers: Callable[[], bool]) -> WSGIApplication:
    """Route /healthz to the database check and everything else to Bolt."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            healthy = database_answers()
            status = "200 OK" if healthy else "503 Service Unavailable"
            body = json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        try:
            return slack(environ, start_response)
        except Exception as error:  # Bolt couldn't read the body: not UTF-8, malformed JSON, a field of the wrong type
            logger.warning("unreadable request: %s", type(error).__name__)
            body = b"Bad Request"
            start_response("400 Bad Request", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]

    return application
