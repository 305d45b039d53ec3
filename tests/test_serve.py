"""`coach serve` end to end over HTTP: a real process, real HTTP, signed requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store.db import make_engine, make_session_factory
from bot.store.models import Lead
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN, SIGNING_SECRET, signed_headers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(url: str, body: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode() if body is not None else None, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


class Served:
    def __init__(self, base: str, database: Path) -> None:
        self.base = base
        self.database = database

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        signed = signed_headers(body) if headers is None else headers
        return http(self.base + "/slack/events", body, {"Content-Type": content_type, **signed})


@pytest.fixture
def served(tmp_path: Path, slack: SlackAPIServer) -> Iterator[Served]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACH_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--no-scheduler"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if http(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "coach serve did not become healthy"
            time.sleep(0.1)
        yield Served(base, tmp_path / "coach.db")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def test_healthz_reports_the_database(served: Served) -> None:
    status, body = http(served.base + "/healthz")
    assert status == 200
    assert json.loads(body) == {"ok": True, "database": "up"}


def test_url_verification_over_http(served: Served) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-42", "token": "legacy"})
    status, answer = served.post(body, "application/json")
    assert status == 200
    assert "c-42" in answer


def test_badly_signed_request_gets_401(served: Served) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-42"})
    status, _ = served.post(body, "application/json", signed_headers(body, secret="wrong"))
    assert status == 401
    status, _ = served.post(body, "application/json", {})
    assert status == 401


def test_signed_app_home_opened_publishes_a_valid_home(served: Served, slack: SlackAPIServer) -> None:
    event = {"type": "app_home_opened", "user": "U0LEAD", "channel": "D1", "tab": "home"}
    body = json.dumps({"type": "event_callback", "team_id": "T0TEAM", "event": event, "event_id": "Ev1"})
    status, _ = served.post(body, "application/json")
    assert status == 200
    [call] = slack.wait_for("views.publish")
    assert call.params["view"]["type"] == "home"
    assert slack.invalid_payloads == []


def test_coach_start_over_http_enrolls_with_the_users_info_timezone(served: Served, slack: SlackAPIServer) -> None:
    slack.set_user("U0LEAD", tz="America/Los_Angeles")
    form = {
        "command": "/coach",
        "text": "start",
        "team_id": "T0TEAM",
        "user_id": "U0LEAD",
        "response_url": slack.url + "/respond/1",
        "trigger_id": "t1",
    }
    status, _ = served.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    assert status == 200
    slack.wait_for("response_url")
    engine = make_engine(f"sqlite:///{served.database}")
    with make_session_factory(engine)() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.user_id, lead.timezone, lead.enrolled) == ("U0LEAD", "America/Los_Angeles", True)
    engine.dispose()


def test_unknown_path_is_404(served: Served) -> None:
    assert http(served.base + "/nope")[0] == 404
