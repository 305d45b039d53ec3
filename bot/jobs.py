"""Scheduled work: one tick does everything due at an instant. `coach tick` and the scheduler share it.

A tick claims due prompts in the database (one transaction per batch), posts them from a small thread pool at
the workspace's pace, and records the results in batches. A claim is only ever posted by the worker that
inserted it, or, after its lease runs out, by one that first checks the DM for it: so a prompt is sent once
whatever restarts, retries or concurrent workers do."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.services import prompts
from bot.services.pacing import Pacer
from bot.services.ports import Posted, RateLimited, Sender, SlackError, Transient, Unreachable
from bot.services.prompts import OutgoingPrompt
from bot.store.events import prune_processed_events

logger = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=7)
CLAIM_BATCH = 500
SEND_THREADS = 8
RECORD_BATCH = 200
TRANSIENT_TRIES = 4
RATE_LIMIT_TRIES = 20
BACKOFF_SECONDS = 0.5


@dataclass
class TickReport:
    """What one tick did."""

    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    deferred: int = 0
    late: int = 0
    already_claimed: int = 0
    pruned_events: int = 0

    def summary(self) -> str:
        """One line for the terminal and the log."""
        return (
            f"tick: {self.sent} prompts sent, {self.failed} failed, {self.unreachable} unreachable, "
            f"{self.deferred} deferred, {self.late} skipped as too late, {self.already_claimed} already claimed; "
            f"pruned {self.pruned_events} old event ids"
        )


@dataclass(frozen=True)
class Outcome:
    """How posting one prompt ended."""

    prompt: OutgoingPrompt
    posted: Posted | None = None
    error: str | None = None
    unreachable: bool = False


@dataclass(frozen=True)
class Tick:
    """What a tick needs, built once per process."""

    session_factory: sessionmaker[Session]
    sender: Sender
    library: PromptLibrary
    env: Environment
    pacer: Pacer
    sleep: Callable[[float], None] = time.sleep


def run_tick(tick: Tick, now: datetime) -> TickReport:
    """Do everything due at `now`."""
    report = TickReport()
    with tick.session_factory.begin() as session:
        report.pruned_events = prune_processed_events(session, now - EVENT_MEMORY)
    while True:
        with tick.session_factory.begin() as session:
            claimed = prompts.claim_due_prompts(session, tick.library, tick.env, now, CLAIM_BATCH)
        report.late += claimed.late
        report.already_claimed += claimed.already_claimed
        send_prompts(tick, claimed.outgoing, now, report)
        if claimed.processed < CLAIM_BATCH:
            break
    with tick.session_factory.begin() as session:
        stale = prompts.reclaim_stale(session, tick.library, tick.env, now, CLAIM_BATCH)
    send_prompts(tick, stale, now, report)
    logger.info(report.summary())
    return report


def send_prompts(tick: Tick, outgoing: list[OutgoingPrompt], now: datetime, report: TickReport) -> None:
    """Post each prompt at the workspace's pace and record the outcomes in batches."""
    if not outgoing:
        return
    pending: list[Outcome] = []
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="send") as pool:
        futures = [pool.submit(post_one, tick, prompt) for prompt in outgoing]
        for future in as_completed(futures):
            pending.append(future.result())
            if len(pending) >= RECORD_BATCH:
                record(tick, pending, now, report)
                pending = []
    record(tick, pending, now, report)


def post_one(tick: Tick, prompt: OutgoingPrompt) -> Outcome:
    """Post one prompt, riding out 429s and passing faults; never raises."""
    transient_tries = rate_limited_tries = 0
    while True:
        try:
            if prompt.attempts > 1:
                # An earlier attempt may have reached Slack before its worker died: look before posting again.
                channel = prompt.dm_channel or tick.sender.open_dm(prompt.user_id)
                found = tick.sender.find_prompt(channel, prompt.delivery_id)
                if found is not None:
                    return Outcome(prompt, posted=found)
            tick.pacer.wait(prompt.team_id)
            return Outcome(prompt, posted=tick.sender.post_prompt(prompt))
        except RateLimited as limited:
            rate_limited_tries += 1
            tick.pacer.hold(prompt.team_id, limited.retry_after)
            if rate_limited_tries >= RATE_LIMIT_TRIES:
                return Outcome(prompt)
        except Transient:
            transient_tries += 1
            if transient_tries >= TRANSIENT_TRIES:
                return Outcome(prompt)  # stays claimed; a later tick retries once the lease runs out
            tick.sleep(BACKOFF_SECONDS * 2 ** (transient_tries - 1))
        except Unreachable as gone:
            return Outcome(prompt, error=gone.code, unreachable=True)
        except SlackError as refused:
            return Outcome(prompt, error=refused.code)


def record(tick: Tick, outcomes: list[Outcome], now: datetime, report: TickReport) -> None:
    """Write a batch of outcomes in one transaction."""
    if not outcomes:
        return
    with tick.session_factory.begin() as session:
        sent = [(outcome.prompt, outcome.posted) for outcome in outcomes if outcome.posted is not None]
        prompts.record_sent(session, sent, now)
        report.sent += len(sent)
        for outcome in outcomes:
            if outcome.posted is not None:
                continue
            if outcome.error is None:
                report.deferred += 1  # still claimed: a later tick retries once the lease runs out
            elif outcome.unreachable:
                prompts.record_failed(session, outcome.prompt, outcome.error, unreachable=True)
                report.unreachable += 1
                logger.warning("lead %d unreachable (%s): prompts stopped", outcome.prompt.lead_id, outcome.error)
            else:
                prompts.record_failed(session, outcome.prompt, outcome.error, unreachable=False)
                report.failed += 1
                logger.error("prompt %d refused by Slack: %s", outcome.prompt.delivery_id, outcome.error)
