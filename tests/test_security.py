"""Security, end to end: Slack's signature guards every path but /healthz, and the logs keep secrets and leads'
words out.

The real `coach serve` process answers real HTTP, talks to the Slack-compatible server and writes to the test
database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set). Requests that fail the signature check must
change nothing: no row, no Web API call. A full run at LOG_LEVEL=DEBUG (requests, a tick's prompt, a weekly
scorecard and the digest) must never log the bot token, the signing secret or the app token; its INFO and
louder records must never hold what a lead wrote."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.blocks.entries import MODAL_CALLBACK as ENTRY_MODAL
from bot.slack.blocks.home import START_ACTION
from bot.slack.blocks.settings import TIMEZONE_ACTION
from bot.store.models import Base, Delivery, ImpactEntry, Lead, Workspace
from tests.slack.test_entries import modal_values
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN, SIGNING_SECRET, SlackRequests, signed_headers, wait_until
from tests.test_serve import free_port, http

APP_TOKEN = "xapp-1-A0SECURITY-0000-app-level-token"
LEAD = "U0LEAD"
DM = SlackAPIServer.dm_channel_id(LEAD)
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
STALE_SECONDS = 6 * 60  # Slack's requests are good for five minutes

# What a lead writes, each with a marker word that survives URL-encoding, JSON and mrkdwn escaping in a log.
DM_WORDS = "Coached Priya through her first incident review QuokkaReply"
IMPACT_WORDS = "Let the team pick the queue library NarwhalImpact"
MODAL_WORDS = "Wrote the onboarding guide for the new hires PangolinModal"
STALE_WORDS = "Talked Omar out of a weekend rewrite AxolotlStale"
ANSWER_WORDS = "Handed the release train to Ana and stayed out of it OcelotAnswer"
LEADS_WORDS = (DM_WORDS, IMPACT_WORDS, MODAL_WORDS, STALE_WORDS, ANSWER_WORDS)
SECRETS = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_APP_TOKEN": APP_TOKEN}

WORKSPACE_EVENTS = ("tokens_revoked", "app_uninstalled")  # they stop every send: signed last
OTHER_PATHS = ("/", "/anything", "/slack", "/slack/events/x", "/slack/events/", "/SLACK/EVENTS", "/healthz/x")
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ", re.MULTILINE)


# --- Slack's requests, as bodies --------------------------------------------------------------------------------


Build = Callable[[SlackRequests], object]  # e.g. lambda r: r.command("/coach", "start")


class PayloadRecorder(SlackRequests):
    """The suite's Slack payload builders, keeping each body for an HTTP request instead of dispatching it."""

    def __init__(self, team_id: str, response_url: str) -> None:
        super().__init__(cast(App, None), response_url, team_id)
        self.recorded: list[tuple[str, str]] = []

    def dispatch(self, body: str, content_type: str, extra_headers: dict[str, str] | None = None) -> BoltResponse:
        self.recorded.append((body, content_type))
        return BoltResponse(status=200)

    def payload(self, build: Build) -> tuple[str, str]:
        """The body and content type that `build` makes."""
        build(self)
        return self.recorded[-1]


def dm_event(text: str, ts: str) -> dict[str, Any]:
    """A lead's message in the app's DM (message.im)."""
    return {"type": "message", "channel": DM, "channel_type": "im", "user": LEAD, "text": text, "ts": ts}


def home_opened() -> dict[str, Any]:
    """The lead opening the app's Home tab."""
    return {"type": "app_home_opened", "user": LEAD, "channel": DM, "tab": "home"}


def every_kind_of_request(requests: PayloadRecorder) -> dict[str, tuple[str, str]]:
    """One body of each kind Slack sends us, by name; the workspace's own events come last (they stop it)."""
    shareable_entry = modal_values(MODAL_WORDS, shareable=True)
    builders: dict[str, Build] = {
        "/coach start": lambda r: r.command("/coach", "start"),
        "/coach pause": lambda r: r.command("/coach", "pause 5d"),
        "/reflect": lambda r: r.command("/reflect"),
        "/impact with text": lambda r: r.command("/impact", IMPACT_WORDS),
        "/impact alone": lambda r: r.command("/impact"),
        "/why-am-i-coding": lambda r: r.command("/why-am-i-coding", "the flaky deploy script"),
        "/why-am-i-coding stats": lambda r: r.command("/why-am-i-coding", "stats"),
        "message.im": lambda r: r.event(dm_event(DM_WORDS, "1700000000.000100")),
        "app_home_opened": lambda r: r.event(home_opened()),
        "block_actions": lambda r: r.home_button(START_ACTION),
        "view_submission": lambda r: r.view_submission(ENTRY_MODAL, shareable_entry),
        "block_suggestion": lambda r: r.options(TIMEZONE_ACTION, "berl"),
        "tokens_revoked": lambda r: r.event({"type": "tokens_revoked", "tokens": {"bot": ["U0000BOT"]}}),
        "app_uninstalled": lambda r: r.event({"type": "app_uninstalled"}),
    }
    kinds = {name: requests.payload(build) for name, build in builders.items()}
    url_verification = {"type": "url_verification", "challenge": "challenge-7", "token": "legacy"}
    return {"url_verification": (json.dumps(url_verification), JSON), **kinds}


# --- the real process ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoachServer:
    """A running `coach serve`, its environment, the file its log goes to, and Slack's payloads for it."""

    base: str
    env: dict[str, str]
    log: Path
    requests: PayloadRecorder

    def post(self, body: str, content_type: str, headers: dict[str, str], path: str = "/slack/events") -> int:
        """POST a body with these headers (signed or not, as given); the HTTP status."""
        return http(self.base + path, body, {"Content-Type": content_type, **headers})[0]

    def signed(self, body: str, content_type: str) -> tuple[int, str]:
        """POST a body signed as Slack signs it: the status and the answer."""
        return http(self.base + "/slack/events", body, {"Content-Type": content_type, **signed_headers(body)})

    def send(self, build: Build) -> int:
        """Build a payload as Slack would send it, sign it and POST it; the HTTP status."""
        return self.signed(*self.requests.payload(build))[0]


def coach_env(slack: SlackAPIServer, database_url: str, log_level: str) -> dict[str, str]:
    """The environment of a `coach` process: every secret set, nothing inherited from the developer's shell."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACH_", "DATABASE_", "LOG_"))}
    return {
        **inherited,
        **SECRETS,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": log_level,
        "COACH_DIGEST_CHANNEL": "C0DIGEST",
    }


@contextmanager
def coach_serve(
    cwd: Path, slack: SlackAPIServer, database_url: str, *, log_level: str = "INFO", scheduler: bool = False
) -> Iterator[CoachServer]:
    """`coach serve` on a free port, healthy, with its stderr going to a file (a pipe nobody reads would fill)."""
    port, env, log = free_port(), coach_env(slack, database_url, log_level), cwd / "serve.log"
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port), *([] if scheduler else ["--no-scheduler"])]
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not healthy(base):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "coach serve did not become healthy"
            time.sleep(0.1)
        yield CoachServer(base, env, log, PayloadRecorder(slack.team_id, slack.url + "/respond/1"))
    finally:
        process.terminate()
        process.wait(timeout=10)


def healthy(base: str) -> bool:
    """True when GET /healthz answers 200."""
    try:
        return http(base + "/healthz")[0] == 200
    except OSError:
        return False


def coach_tick(server: CoachServer, now: datetime) -> subprocess.CompletedProcess[str]:
    """`coach tick --now …` as its own process, with the server's environment."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "tick", "--now", now.isoformat()],
        cwd=server.log.parent,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def forgeries(body: str) -> dict[str, dict[str, str]]:
    """Headers that must not pass Slack's signature check for this body, by what is wrong with them."""
    now = int(time.time())
    good = signed_headers(body)
    return {
        "no signature": {},
        "a timestamp but no signature": {"x-slack-request-timestamp": good["x-slack-request-timestamp"]},
        "a signature but no timestamp": {"x-slack-signature": good["x-slack-signature"]},
        "a wrong signature": {**good, "x-slack-signature": "v0=" + "0" * 64},
        "another app's secret": signed_headers(body, secret="another-apps-signing-secret"),
        "the signature of another body": signed_headers(body + "&x=1"),
        "the signature of another timestamp": {**good, "x-slack-request-timestamp": str(now - 1)},
        "a stale timestamp": signed_headers(body, timestamp=now - STALE_SECONDS),
        "a timestamp from the future": signed_headers(body, timestamp=now + STALE_SECONDS),
    }


# --- the database and the logs ------------------------------------------------------------------------------------


def every_row(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as text, to compare before and after."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def log_records(text: str) -> list[tuple[str, str]]:
    """(level, whole record) for each record in a log written with the app's format; tracebacks stay with theirs,
    and anything else (a line printed, not logged) counts as loud."""
    starts = [0, *(match.start() for match in LOG_RECORD.finditer(text)), len(text)]
    records = [text[start:end] for start, end in pairwise(starts) if text[start:end]]
    return [(match.group(1) if (match := LOG_RECORD.match(record)) else "UNKNOWN", record) for record in records]


def marker(words: str) -> str:
    """The marker word at the end of a lead's sentence."""
    return words.rsplit(" ", 1)[1]


# --- the signature ------------------------------------------------------------------------------------------------


def test_every_request_without_a_valid_signature_is_refused_and_changes_nothing(
    tmp_path: Path, slack: SlackAPIServer, database_url: str, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with coach_serve(tmp_path, slack, database_url) as server:
        kinds = every_kind_of_request(server.requests)
        before = every_row(engine)
        slack.reset()

        for kind, (body, content_type) in kinds.items():
            for forgery, headers in forgeries(body).items():
                status = server.post(body, content_type, headers)
                assert status == 401, f"{kind} with {forgery} got {status}"

        coach_start, _ = kinds["/coach start"]
        for path in OTHER_PATHS:
            for headers in ({}, signed_headers(coach_start)):
                assert server.post(coach_start, FORM, headers, path) in {401, 404}, f"POST {path}"
                assert http(server.base + path, None, headers)[0] in {401, 404}, f"GET {path}"
        assert http(server.base + "/slack/events", None, signed_headers(""))[0] in {401, 404, 405}

        # Slack's ssl_check is answered before the signature check, by Bolt alone: it must not run a command.
        assert server.post(coach_start + "&ssl_check=1", FORM, {}) == 200
        # /healthz needs no signature, and only ever reports health.
        status, answer = http(server.base + "/healthz", coach_start, {"Content-Type": FORM})
        assert (status, json.loads(answer)) == (200, {"ok": True, "database": "up"})
        assert http(server.base + "/healthz")[0] == 200

        assert slack.calls() == []
        assert every_row(engine) == before
        # Lazy work a forgery had started would run on the thread pool a signed request's lazy work runs on.
        opened, _ = kinds["app_home_opened"]
        assert server.signed(opened, JSON)[0] == 200
        slack.wait_for("views.publish")
        assert [call.method for call in slack.calls()] == ["auth.test", "views.publish"]  # Bolt's first auth.test
        after = every_row(engine)
        # The only change: the Home view went out through the courier (its queue row and the workspace's pace).
        assert {table for table in after if after[table] != before[table]} <= {"deliveries", "pace_slots"}
        assert len(after["deliveries"]) == len(before["deliveries"]) + 1

        for kind, (body, content_type) in kinds.items():
            if kind in WORKSPACE_EVENTS:
                wait_until(lambda: {"views.open", "response_url"} <= {call.method for call in slack.calls()})
            status, answer = server.signed(body, content_type)
            assert status == 200, f"signed {kind} got {status}: {answer}"
            if kind == "url_verification":
                assert "challenge-7" in answer
            if kind == "block_suggestion":
                assert "Europe/Berlin" in answer
            if kind == "/impact with text":
                assert "Logged" in answer

    with session_factory() as session:
        assert {IMPACT_WORDS, MODAL_WORDS} <= set(session.scalars(select(ImpactEntry.text)))
        assert session.scalars(select(Lead.user_id)).all() == [LEAD]
        assert session.scalars(select(Workspace.active).where(Workspace.team_id == slack.team_id)).one() is False


# --- the logs -----------------------------------------------------------------------------------------------------


def test_a_full_run_never_logs_a_secret_nor_at_info_what_a_lead_wrote(
    tmp_path: Path, slack: SlackAPIServer, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    slack.set_user(LEAD, tz="Europe/Berlin")
    with coach_serve(tmp_path, slack, database_url, log_level="DEBUG", scheduler=True) as server:
        assert server.send(lambda r: r.command("/coach", "start")) == 200
        wait_until(lambda: next_prompt_at(session_factory))
        assert server.send(lambda r: r.event(dm_event(DM_WORDS, "1700000000.000200"))) == 200
        wait_until(lambda: acknowledged(session_factory, DM_WORDS))
        assert server.send(lambda r: r.command("/impact", IMPACT_WORDS)) == 200
        entry = modal_values(MODAL_WORDS, shareable=True)
        assert server.send(lambda r: r.view_submission(ENTRY_MODAL, entry)) == 200
        wait_until(lambda: acknowledged(session_factory, MODAL_WORDS))
        assert server.send(lambda r: r.event(home_opened())) == 200
        assert server.send(lambda r: r.command("/coach", "summary now")) == 200
        wait_until(lambda: sent(session_factory, "summary"))
        # Slack's own request, delivered late: refused, and Bolt logs refusals at INFO.
        stale_dm, _ = server.requests.payload(lambda r: r.event(dm_event(STALE_WORDS, "1700000000.000300")))
        assert server.post(stale_dm, JSON, signed_headers(stale_dm, timestamp=int(time.time() - STALE_SECONDS))) == 401

        prompt_at = next_prompt_at(session_factory)
        assert prompt_at is not None
        ticks = [coach_tick(server, prompt_at + timedelta(minutes=1))]
        prompt = wait_until(lambda: first_prompt(session_factory))
        answer = {**dm_event(ANSWER_WORDS, "1700000000.000400"), "thread_ts": prompt.ts}
        assert server.send(lambda r: r.event(answer)) == 200
        wait_until(lambda: acknowledged(session_factory, ANSWER_WORDS))
        ticks += [coach_tick(server, due + timedelta(minutes=1)) for due in weekly_instants(session_factory)]
        for tick in ticks:
            assert tick.returncode == 0, tick.stderr
        assert sent(session_factory, "summary") >= 2  # `summary now`, then the weekly one
        assert sent(session_factory, "digest") >= 1
    with session_factory() as session:
        answered = session.scalars(select(ImpactEntry.delivery_id).where(ImpactEntry.text == ANSWER_WORDS)).one()
        assert answered == prompt.id

    outputs = [server.log.read_text(), *(tick.stdout for tick in ticks), *(tick.stderr for tick in ticks)]
    log = "".join(outputs)
    for name, secret in SECRETS.items():
        assert secret not in log, f"{name} is in the log"
    assert "Bearer" not in log
    assert marker(DM_WORDS) in log, "the DEBUG log holds what was sent to Slack, so the search above saw it"

    records = [record for output in outputs for record in log_records(output)]
    louder_than_debug = "\n".join(record for level, record in records if level != "DEBUG")
    for words in LEADS_WORDS:
        assert marker(words) not in louder_than_debug, f"{words!r} is logged at INFO or above"
    assert "serving Slack requests on port" in louder_than_debug
    assert louder_than_debug.count("tick: ") >= len(ticks)
    assert "Invalid request signature detected" in louder_than_debug, "the refusal is still logged, without its body"


def next_prompt_at(session_factory: sessionmaker[Session]) -> datetime | None:
    """When the lead's next prompt is due (None before they are enrolled)."""
    with session_factory() as session:
        return session.scalars(select(Lead.next_prompt_at).where(Lead.user_id == LEAD)).one_or_none()


def first_prompt(session_factory: sessionmaker[Session]) -> Delivery | None:
    """The first prompt a tick sent the lead, once it is in the DM."""
    with session_factory() as session:
        query = select(Delivery).where(Delivery.kind == "prompt", Delivery.ts.is_not(None)).order_by(Delivery.id)
        return session.scalars(query.limit(1)).one_or_none()


def weekly_instants(session_factory: sessionmaker[Session]) -> list[datetime]:
    """When the lead's next scorecard and the workspace's next digest are due, in order (a tick sets the latter)."""
    with session_factory() as session:
        lead = session.scalars(select(Lead).where(Lead.user_id == LEAD)).one()
        digest_at = session.scalars(select(Workspace.next_digest_at).where(Workspace.team_id == lead.team_id)).one()
        assert lead.next_summary_at is not None
        assert digest_at is not None
        return sorted({lead.next_summary_at, digest_at})


def acknowledged(session_factory: sessionmaker[Session], words: str) -> bool:
    """True once the entry holding these words was acknowledged to the lead."""
    with session_factory() as session:
        entry = session.scalars(select(ImpactEntry).where(ImpactEntry.text == words)).one_or_none()
        return entry is not None and entry.ack_ts is not None


def sent(session_factory: sessionmaker[Session], kind: str) -> int:
    """How many deliveries of this kind reached Slack."""
    with session_factory() as session:
        return len(session.scalars(select(Delivery.id).where(Delivery.kind == kind, Delivery.status == "sent")).all())


# --- the same in-process, for the listeners' own logging -----------------------------------------------------------


def test_info_logs_of_the_app_hold_no_words_of_a_lead_even_from_a_refused_request(
    app: App, requests: SlackRequests, slack: SlackAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert requests.event({"type": "app_home_opened", "user": "U0LEAD", "channel": "D1", "tab": "home"}).status == 200
    requests.command("/coach", "start")
    slack.wait_for("views.publish")
    requests.event(dm_event(DM_WORDS, "1700000000.000400"))
    assert json.loads(requests.command("/impact", IMPACT_WORDS).body)["text"].startswith("Logged")
    stale_body = json.dumps(
        {"type": "event_callback", "team_id": slack.team_id, "event": dm_event(STALE_WORDS, "1700000000.000500")}
    )
    stale = signed_headers(stale_body, timestamp=int(time.time() - STALE_SECONDS))
    assert app.dispatch(BoltRequest(body=stale_body, headers={"content-type": JSON, **stale})).status == 401
    slack.wait_for("chat.postMessage")  # the DM's acknowledgement
    wait_until(  # Home after /coach start, the DM and /impact (a burst may publish fewer times, never less)
        lambda: any(marker(IMPACT_WORDS) in json.dumps(c.params) for c in slack.calls("views.publish"))
    )

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Invalid request signature detected" in logged
    for words in LEADS_WORDS:
        assert marker(words) not in logged, f"{words!r} is logged at INFO or above"
