"""The one delivery path: every kind of send goes through the courier, which paces, rides out 429s and sends once."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import container
from bot.coaching.filing import Filing
from bot.coaching.prompts import PromptLibrary
from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.gateway import make_client
from bot.jobs import run_tick
from bot.services import forget
from bot.slack.blocks.diagnostic import MODAL_CALLBACK as DIAGNOSTIC_CALLBACK
from bot.slack.blocks.kit import section
from bot.slack.blocks.prompt import METADATA_EVENT, SKIP_ACTION, delivery_metadata
from bot.store.models import Delivery, Kind, Lead, Status, Workspace
from bot.store.outbox import claim_queued
from tests.conftest import BOT, COURIER, problems_with, sent_around_the_courier
from tests.seed import enroll
from tests.slack.test_why_coding import values as diagnostic_answers
from tests.slack_api import Call, SlackAPIServer
from tests.support import BOT_TOKEN, TEAM_ID, Clock, SlackRequests, queue_settled, signed_headers, wait_until
from tests.test_faults import answered
from tests.test_security import coach_env, free_port, healthy, http
from tests.ticks import make_tick

NOW = datetime(2026, 11, 20, 16, 31, tzinfo=UTC)  # a Friday, at the default prompt time in UTC
LEADS = ("U0ADA", "U0BO", "U0CY")


def sent_kinds(session_factory: sessionmaker[Session]) -> Counter[str]:
    """How many deliveries of each kind reached Slack (a prompt may have been answered or skipped since)."""
    with session_factory() as session:
        return Counter(session.scalars(select(Delivery.kind).where(Delivery.sent_at.is_not(None))))


def test_the_check_catches_a_listener_sending_around_the_courier() -> None:
    """The conftest check that fails any test in which the app sends other than through the courier, itself."""

    def called_from(path: Path) -> bool:
        namespace = {"probe": sent_around_the_courier, "seen": False}
        exec(compile("seen = (lambda: probe())()", str(path), "exec"), namespace)
        return bool(namespace["seen"])

    assert called_from(BOT / "slack" / "events" / "messages.py")  # a listener posting directly
    assert called_from(BOT / "jobs.py")
    assert not called_from(COURIER)  # the one path
    assert not called_from(BOT / "delivery" / "gateway.py")  # the transport alone, as tests call it
    assert not called_from(Path(__file__))


def test_the_check_catches_a_slack_call_inside_an_open_transaction(session_factory: sessionmaker[Session]) -> None:
    """The conftest check that fails any test in which Slack is called with a transaction open, itself."""
    assert problems_with("users.info") == []
    with session_factory.begin() as session:
        session.execute(select(1))
        assert problems_with("users.info") == ["users.info inside an open transaction"]
    assert problems_with("users.info") == []


def test_every_kind_of_send_goes_through_the_courier_once(
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    clock: Clock,
    library: PromptLibrary,
) -> None:
    clock.now = NOW
    slack.set_user("U0LEAD", tz="UTC", is_admin=True)
    slack.set_channel("C0DIGEST", is_private=False, is_member=True)
    requests.event({"type": "app_home_opened", "user": "U0LEAD", "channel": "D1", "tab": "home"})  # home
    requests.command("/coach", "start")
    slack.wait_for("response_url")
    requests.event(  # ack
        {"type": "message", "channel_type": "im", "channel": "D0LEAD", "user": "U0LEAD", "ts": "1763656200.1",
         "text": "Let the team pick the rollout plan and only asked questions"}
    )  # fmt: skip
    requests.event(  # message: the invitation a stranger gets
        {"type": "message", "channel_type": "im", "channel": "D0NEW", "user": "U0NEW", "ts": "1763656201.1",
         "text": "hello?"}
    )  # fmt: skip
    requests.view_submission(DIAGNOSTIC_CALLBACK, diagnostic_answers("Rewrite the cache", "yes", "dopamine", "3"))
    requests.command("/reflect")  # reflect
    reflect = wait_until(lambda: _sent(session_factory, Kind.REFLECT))
    requests.message_button(SKIP_ACTION, str(reflect.id), channel=str(reflect.channel), message_ts=str(reflect.ts))
    requests.command("/coach", "summary now")  # summary
    requests.command("/coach", "export")  # export
    requests.command("/decision", f"which queue to use by {NOW.date().isoformat()}")  # a follow-up, at prompt time
    queued_kinds = {Kind.ACK, Kind.MESSAGE, Kind.UPDATE, Kind.HOME, Kind.EXPORT, Kind.REFLECT, Kind.SUMMARY}
    wait_until(lambda: queued_kinds <= set(sent_kinds(session_factory)) and queue_settled(session_factory), 10)
    with session_factory.begin() as session:  # the tick's kinds: today's prompt and the digest
        session.get_one(Workspace, TEAM_ID).digest_channel = "C0DIGEST"
        session.get_one(Workspace, TEAM_ID).next_digest_at = NOW
        session.scalars(select(Lead).where(Lead.user_id == "U0LEAD")).one().next_prompt_at = NOW
    run_tick(make_tick(session_factory, slack, library), NOW)

    kinds = sent_kinds(session_factory)
    assert set(kinds) == set(Kind), f"never sent: {set(Kind) - set(kinds)}"
    assert kinds[Kind.MESSAGE] == 2  # the invitation and the verdict
    posted = [c for c in slack.calls("chat.postMessage") if c.status == 200 and c.error is None]
    ids = [json.dumps(c.params.get("metadata")) for c in posted]
    assert len(ids) == len(set(ids)), "a message was posted twice"
    assert all(METADATA_EVENT in key for key in ids)  # every post carries its delivery, to be found after a crash
    with session_factory() as session:  # a message that quoted the lead is not kept once sent
        payloads = [p for p in session.scalars(select(Delivery.payload)) if p]
    assert not [p for p in payloads if "Rewrite the cache" in p]


def _sent(session_factory: sessionmaker[Session], kind: Kind) -> Delivery | None:
    with session_factory() as session:
        query = select(Delivery).where(Delivery.kind == kind, Delivery.status == Status.SENT)
        return session.scalars(query).first()


def test_a_burst_of_entries_under_per_channel_429s_is_acknowledged_once_each(
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for user_id in LEADS:
        slack.set_user(user_id, tz="UTC")
        requests.command("/coach", "start", user_id=user_id)
    slack.wait_for("response_url", count=len(LEADS))
    slack.rate_limit_window("chat.postMessage", 2, 1.0, per_channel=True)  # stricter than Slack's
    slack.fail("chat.postMessage", status=429, times=2)  # and the first two are refused whatever the timing
    caplog.set_level(logging.INFO)

    for n in range(6):
        for user_id in LEADS:
            channel = f"D{user_id[1:]}"
            event = {"type": "message", "channel_type": "im", "channel": channel, "user": user_id,
                     "ts": f"17636562{n:02d}.{LEADS.index(user_id)}", "text": f"Unblocked a teammate, {n}"}  # fmt: skip
            assert requests.event(event).status == 200

    wait_until(lambda: queue_settled(session_factory), timeout=60)
    limited = [c for c in slack.calls("chat.postMessage") if c.status == 429]
    acks = acknowledgements(slack)
    assert len(limited) >= 2
    assert Counter(c.params["thread_ts"] for c in acks) == Counter(
        f"17636562{n:02d}.{i}" for n in range(6) for i in range(len(LEADS))
    )  # every entry acknowledged, in its own thread, exactly once
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with session_factory() as session:
        statuses = Counter(session.scalars(select(Delivery.status).where(Delivery.kind == Kind.ACK)))
    assert statuses == {Status.SENT: 6 * len(LEADS)}


def acknowledgements(slack: SlackAPIServer) -> list[Call]:
    """The acknowledgements Slack carried out."""
    return [
        c for c in slack.calls("chat.postMessage") if c.status == 200 and c.error is None and c.params.get("thread_ts")
    ]


@contextmanager
def coach(command: list[str], cwd: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A `coach` process (its log in `cwd`), stopped at the end."""
    cwd.mkdir(exist_ok=True)
    with (cwd / "coach.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", *command], cwd=cwd, env=env, stderr=log)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_workers_and_two_serve_processes_hold_the_workspace_rate_together(
    tmp_path: Path, slack: SlackAPIServer, session_factory: sessionmaker[Session], database_url: str
) -> None:
    per_second, prompts, dms = 4, 24, 16
    now = datetime.now(UTC)
    for n in range(prompts):
        enroll(session_factory, slack, f"U0P{n:03d}", now - timedelta(days=1))
    with session_factory.begin() as session:
        session.execute(update(Lead).values(next_prompt_at=now - timedelta(minutes=1)))
    # Slack allows a little more than we pace at (a post may land up to half a second late): each process alone would
    # stay under it, and so do all four together, sharing the pace; without it, two workers alone would not.
    slack.rate_limit_window("chat.postMessage", per_second + 2, 1.0)
    env = {**coach_env(slack, database_url, "INFO"), "COACH_POST_RATE": str(per_second * 60)}
    ports = [free_port(), free_port()]
    with ExitStack() as processes:
        servers = [
            processes.enter_context(coach(["serve", "--no-scheduler", "--port", str(port)], tmp_path / f"s{port}", env))
            for port in ports
        ]
        for port, server in zip(ports, servers, strict=True):
            wait_until(
                lambda port=port, server=server: server.poll() is None and healthy(f"http://127.0.0.1:{port}"), 30
            )
        for n in range(2):
            processes.enter_context(coach(["worker"], tmp_path / f"w{n}", env))
        for n in range(dms):  # entries, half to each serve process; whichever process's courier claims an ack sends it
            user_id = f"U0P{n:03d}"
            event = {
                "type": "message",
                "channel_type": "im",
                "channel": slack.dm_channel_id(user_id),
                "user": user_id,
                "ts": f"1763656300.{n:03d}",
                "text": f"Coached a teammate through it, {n}",
            }
            envelope = {"type": "event_callback", "team_id": slack.team_id, "event_id": f"Ev{n:05d}", "event": event}
            body = json.dumps(envelope)
            headers = {"Content-Type": "application/json", **signed_headers(body)}
            assert http(f"http://127.0.0.1:{ports[n % 2]}/slack/events", body, headers)[0] == 200
        posted = wait_until(lambda: len(answered(slack)) >= prompts + dms and answered(slack), timeout=60)

    times = sorted(c.time for c in posted)
    assert [c for c in slack.calls("chat.postMessage") if c.status == 429] == []
    assert (times[-1] - times[0]) >= (len(times) - 1) / per_second * 0.9  # together, at the pace of one
    keys = Counter(json.dumps(c.params.get("metadata")) for c in posted)
    assert len(keys) == prompts + dms  # each sent...
    assert max(keys.values()) == 1  # ...once
    acks = [c for c in posted if c.params.get("thread_ts")]
    assert sorted(c.params["thread_ts"] for c in acks) == [f"1763656300.{n:03d}" for n in range(dms)]


def crashed_while_sending(session_factory: sessionmaker[Session], now: datetime) -> int:
    """A courier claimed everything queued and died before recording it, six minutes ago; the one delivery's id."""
    with session_factory.begin() as session:
        [claimed] = claim_queued(session, now - timedelta(minutes=6), 10)
        return claimed.id


@pytest.mark.parametrize("posted_before_dying", [False, True])
def test_a_queued_message_whose_courier_died_is_taken_over_after_the_lease_and_sent_once(
    posted_before_dying: bool,
    settings: Settings,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    library: PromptLibrary,
    filing: Filing,
    clock: Clock,
) -> None:
    deps = container.build(settings, session_factory, make_client(BOT_TOKEN, slack.base_url), library, filing,
                           clock=clock, channel_interval=0)  # fmt: skip
    with session_factory.begin() as session:
        session.add(Workspace(team_id=TEAM_ID, timezone="UTC"))
        session.flush()
        outbox.message(
            session, TEAM_ID, "U0LEAD", "Your verdict", [section("Your verdict")], clock.now - timedelta(minutes=6)
        )
    delivery_id = crashed_while_sending(session_factory, clock.now)
    if posted_before_dying:  # Slack had it; the answer never reached the database
        deps.gateway.post_message("U0LEAD", "Your verdict", [section("Your verdict")], delivery_metadata(delivery_id))

    assert deps.courier.drain_all() == 1
    deps.courier.stop()

    assert len(slack.messages(slack.dm_channel_id("U0LEAD"))) == 1
    assert [c.params["users"] for c in slack.calls("conversations.open")] == ["U0LEAD"]  # it looked first
    with session_factory() as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert (delivery.status, delivery.attempts, delivery.payload) == (Status.SENT, 2, None)


def test_forgetting_a_lead_deletes_what_was_queued_for_them(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    requests.command("/coach", "start")
    slack.wait_for("response_url")
    slack.fail("chat.update", status=503, times=None)  # the redraw stays queued
    with session_factory.begin() as session:
        outbox.redraw(session, TEAM_ID, "D0LEAD", "1.1", "Rewrite the cache", [section("Rewrite the cache")],
                      clock.now, user_id="U0LEAD")  # fmt: skip
    with session_factory.begin() as session:
        forget.forget(session, TEAM_ID, "U0LEAD")
    with session_factory() as session:
        assert not [p for p in session.scalars(select(Delivery.payload)) if p and "Rewrite the cache" in p]
