"""HTTP mode: Slack's requests at POST /slack/events and a health check at GET /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (a 40,000-character message event) are far smaller


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
