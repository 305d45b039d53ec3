"""Faults: Slack failing at random, answers lost, Slack unreachable, a worker killed mid fan-out. Nothing is lost and
nothing is sent twice. (The database failing mid-event is in tests/slack/test_entries.py; two workers at once are
in tests/test_jobs.py and tests/test_summaries.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.delivery.courier import RETRY_LATER, TRANSIENT_TRIES
from bot.jobs import run_tick
from bot.store.models import Delivery, ImpactEntry, Lead, Reply
from tests.seed import enroll
from tests.slack_api import Call, SlackAPIServer
from tests.support import BOT_TOKEN, Clock, SlackRequests, queue_settled, wait_until
from tests.test_summaries import CHANNEL, seed_team
from tests.ticks import make_tick

FRIDAY = datetime(2026, 11, 20, 16, 31, tzinfo=UTC)  # prompts, scorecards and the digest are all due
THURSDAY = FRIDAY - timedelta(days=1)  # only prompts are due


def answered(slack: SlackAPIServer, method: str = "chat.postMessage") -> list[Call]:
    """Calls Slack carried out (not failed, not rate limited)."""
    return [c for c in slack.calls(method) if c.status == 200 and c.error is None]


def delivered(slack: SlackAPIServer) -> Counter[int]:
    """How many messages Slack carried out per delivery (prompts, scorecards and digests carry its id)."""
    return Counter(
        int(c.params["metadata"]["event_payload"]["delivery_id"])
        for c in answered(slack)
        if isinstance(c.params.get("metadata"), dict)
    )


def deliveries(session_factory: sessionmaker[Session]) -> list[Delivery]:
    with session_factory() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_random_server_errors_and_rate_limits_on_a_friday_still_send_everything_once(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    leads = 40
    seed_team(session_factory, slack, leads)
    slack.fail_randomly(0.05, seed=20261120, status=500)  # every method: posts, DMs opened, history, uploads
    for n in range(0, leads, 6):
        slack.fail("chat.postMessage", status=429, retry_after=1, when={"channel": f"U0L{n:03d}"})
    tick = make_tick(session_factory, slack, library)
    for minutes in (0, 6, 12):  # claims a tick gave up on are taken over once their five-minute lease is over
        run_tick(tick, FRIDAY + timedelta(minutes=minutes))

    faults = Counter(c.fault for c in slack.calls() if c.fault)
    assert faults["random_http_500"] >= 5
    assert faults["http_429"] >= 6
    kinds = Counter(d.kind for d in deliveries(session_factory))
    assert kinds == {"prompt": leads, "summary": leads, "digest": 1}
    assert all(d.status == "sent" and d.ts for d in deliveries(session_factory))
    assert delivered(slack) == Counter({d.id: 1 for d in deliveries(session_factory)})
    assert len([c for c in answered(slack) if c.params["channel"] == CHANNEL]) == 1


def test_a_post_whose_answer_is_lost_is_found_in_the_dm_not_posted_again(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    enroll(session_factory, slack, "U0LEAD", THURSDAY - timedelta(hours=1))
    # Slack posts the prompt but its answer comes after the client has given up (a read timeout).
    slack.delay("chat.postMessage", 1.5, after_handling=True)
    report = run_tick(make_tick(session_factory, slack, library, timeout=1), THURSDAY)

    assert report.sent == 1
    [prompt] = deliveries(session_factory)
    wait_until(lambda: [c for c in slack.calls("chat.postMessage") if c.fault])  # recorded once it has answered
    assert delivered(slack) == {prompt.id: 1}
    [posted] = answered(slack)
    assert (prompt.status, prompt.ts) == ("sent", posted.response["ts"])
    assert len(slack.calls("conversations.history")) == 1


def test_a_reply_is_stored_while_slack_is_unreachable_and_acknowledged_once_it_is_back(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    assert requests.command("/coach", "start").status == 200
    slack.wait_for("response_url")
    slack.fail("chat.postMessage", status=503, times=None)  # no acknowledgement can be posted
    message = {"type": "message", "channel_type": "im", "channel": "D0LEAD", "user": "U0LEAD", "ts": "1763700000.1"}
    response = requests.event({**message, "text": "Walked Noor through the on-call handbook"})

    assert response.status == 200
    with session_factory() as session:
        [entry] = session.scalars(select(ImpactEntry)).all()
        assert entry.text == "Walked Noor through the on-call handbook"
        assert [r.text for r in session.scalars(select(Reply))] == [entry.text]
    wait_until(lambda: len([c for c in slack.calls("chat.postMessage") if c.fault]) >= TRANSIENT_TRIES)
    wait_until(lambda: queue_settled(session_factory) is False and not _claimed(session_factory))  # waits again

    slack.clear_faults()
    clock.advance(seconds=RETRY_LATER.total_seconds())  # the courier tries again on its own
    [ack] = wait_until(lambda: answered(slack), timeout=10)
    assert ack.params["thread_ts"] == "1763700000.1"
    wait_until(lambda: queue_settled(session_factory))
    assert len(answered(slack)) == 1  # looked for first, posted once
    with session_factory() as session:
        [entry] = session.scalars(select(ImpactEntry)).all()
        assert entry.ack_ts == ack.response["ts"]


def _claimed(session_factory: sessionmaker[Session]) -> bool:
    with session_factory() as session:
        return session.scalars(select(Delivery.id).where(Delivery.status == "claimed")).first() is not None


# --- a real `coach worker`, killed with SIGKILL in the middle of a fan-out ----------------------------------------


@contextmanager
def coach_worker(cwd: Path, slack: SlackAPIServer, database_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot worker` against the test server and database; stopped (if still running) at the end."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACH_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": database_url,
        "COACH_POST_RATE": "600",  # ten a second: forty prompts take four seconds, time to kill it halfway
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def test_a_worker_killed_mid_fan_out_and_restarted_sends_each_due_lead_one_prompt(
    tmp_path: Path, session_factory: sessionmaker[Session], slack: SlackAPIServer, database_url: str
) -> None:
    leads = 40
    now = datetime.now(UTC)
    for n in range(leads):
        enroll(session_factory, slack, f"U0K{n:03d}", now - timedelta(days=1))
    with session_factory.begin() as session:
        session.execute(update(Lead).values(next_prompt_at=now - timedelta(minutes=1)))

    with coach_worker(tmp_path, slack, database_url) as worker:
        slack.wait_for("chat.postMessage", count=10, timeout=30)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    before_restart = len(answered(slack))
    assert 10 <= before_restart < leads, "the worker was to be killed halfway through"
    with session_factory() as session:
        assert {d.status for d in session.scalars(select(Delivery))} == {"claimed"}  # posted, never recorded
    with session_factory.begin() as session:  # time passes: the dead worker's five-minute lease runs out
        for delivery in session.scalars(select(Delivery)):
            delivery.claimed_at = now - timedelta(minutes=6)

    with coach_worker(tmp_path, slack, database_url):

        def all_sent() -> bool:
            with session_factory() as session:
                statuses = Counter(session.scalars(select(Delivery.status)))
            return statuses == {"sent": leads}

        wait_until(all_sent, timeout=60)
    per_lead = Counter(c.params["channel"] for c in answered(slack))
    assert per_lead == Counter({f"U0K{n:03d}": 1 for n in range(leads)})
    assert len(deliveries(session_factory)) == leads
