"""Scheduled work: one tick does everything due at an instant. `coach tick` and the scheduler share it.

A tick claims due prompts, weekly scorecards and digests in the database (one transaction per batch), posts
them from a small thread pool at the workspace's pace, and records the results in batches. A claim is only ever
posted by the worker that inserted it, or, after its lease runs out, by one that first looks for it in the
channel; a post whose answer was lost is looked for before it is retried: so each is sent once whatever
restarts, retries or concurrent workers do."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.services import deliveries, prompts, summaries, workspaces
from bot.services.pacing import Pacer
from bot.services.ports import Posted, RateLimited, Sender, SlackError, Transient, Unreachable, WorkspaceGone
from bot.services.prompts import OutgoingPrompt
from bot.services.scorecards import OutgoingDigest, OutgoingSummary
from bot.store.events import prune_processed_events

logger = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=7)
CLAIM_BATCH = 500
SUMMARY_BATCH = 200  # scorecards read more history per lead than prompts do
SEND_THREADS = 8
RECORD_BATCH = 200
TRANSIENT_TRIES = 4
RATE_LIMIT_TRIES = 20
BACKOFF_SECONDS = 0.5


@dataclass
class TickReport:
    """What one tick did."""

    sent: int = 0
    summaries: int = 0
    digests: int = 0
    failed: int = 0
    unreachable: int = 0
    deferred: int = 0
    late: int = 0
    already_claimed: int = 0
    pruned_events: int = 0
    purged_workspaces: int = 0

    def summary(self) -> str:
        """One line for the terminal and the log."""
        return (
            f"tick: {self.sent} prompts, {self.summaries} scorecards and {self.digests} digests sent, "
            f"{self.failed} failed, {self.unreachable} unreachable, "
            f"{self.deferred} deferred, {self.late} skipped as too late, {self.already_claimed} already claimed; "
            f"pruned {self.pruned_events} old event ids, {self.purged_workspaces} uninstalled workspaces"
        )


Outgoing = OutgoingPrompt | OutgoingSummary | OutgoingDigest


@dataclass(frozen=True)
class Outcome:
    """How posting one delivery ended."""

    item: Outgoing
    posted: Posted | None = None
    error: str | None = None
    unreachable: bool = False
    workspace_gone: bool = False


@dataclass(frozen=True)
class Tick:
    """What a tick needs, built once per process."""

    session_factory: sessionmaker[Session]
    sender: Sender
    library: PromptLibrary
    env: Environment
    pacer: Pacer
    retention: timedelta = timedelta(days=30)  # how long an uninstalled workspace's data is kept
    sleep: Callable[[float], None] = time.sleep


def run_tick(tick: Tick, now: datetime) -> TickReport:
    """Do everything due at `now`."""
    report = TickReport()
    started = time.monotonic()

    def claim_time() -> datetime:
        # Claims made late in a long tick carry the time they were made, so another worker's stale-claim
        # check never takes over one that was claimed moments ago and is still being sent.
        return now + timedelta(seconds=time.monotonic() - started)

    with tick.session_factory.begin() as session:
        report.pruned_events = prune_processed_events(session, now - EVENT_MEMORY)
        purged = workspaces.purge_uninstalled(session, now - tick.retention)
        report.purged_workspaces = len(purged)
        if purged:
            logger.info("deleted the data of %d workspace(s) uninstalled over %s ago", len(purged), tick.retention)
        summaries.schedule_new(session, now)
    while True:
        with tick.session_factory.begin() as session:
            claimed = prompts.claim_due_prompts(session, tick.library, tick.env, claim_time(), CLAIM_BATCH)
        report.late += claimed.late
        report.already_claimed += claimed.already_claimed
        send(tick, claimed.outgoing, now, report)
        if claimed.processed < CLAIM_BATCH:
            break
    while True:
        with tick.session_factory.begin() as session:
            weekly = summaries.claim_due_summaries(session, claim_time(), SUMMARY_BATCH)
            digests = summaries.claim_due_digests(session, claim_time())
        report.late += weekly.late + digests.late
        report.already_claimed += weekly.already_claimed + digests.already_claimed
        send(tick, [*weekly.summaries, *digests.digests], now, report)
        if weekly.processed < SUMMARY_BATCH:
            break
    with tick.session_factory.begin() as session:
        stale: list[Outgoing] = [*prompts.reclaim_stale(session, tick.library, tick.env, claim_time(), CLAIM_BATCH)]
        weekly = summaries.reclaim_stale(session, claim_time(), CLAIM_BATCH)
    send(tick, [*stale, *weekly.summaries, *weekly.digests], now, report)
    logger.info(report.summary())
    return report


def send(tick: Tick, outgoing: Sequence[Outgoing], now: datetime, report: TickReport) -> None:
    """Post each delivery at the workspace's pace and record the outcomes in batches."""
    if not outgoing:
        return
    pending: list[Outcome] = []
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="send") as pool:
        futures = [pool.submit(post_one, tick, item) for item in outgoing]
        for future in as_completed(futures):
            pending.append(future.result())
            if len(pending) >= RECORD_BATCH:
                record(tick, pending, now, report)
                pending = []
    record(tick, pending, now, report)


def post_one(tick: Tick, item: Outgoing) -> Outcome:
    """Post one delivery, riding out 429s and passing faults; never raises."""
    transient_tries = rate_limited_tries = 0
    look_first = item.attempts > 1  # an earlier attempt may have reached Slack before its worker died
    while True:
        try:
            if look_first:
                found = tick.sender.find_delivery(_channel_of(tick, item), item.delivery_id)
                if found is not None:
                    return Outcome(item, posted=found)
                look_first = False
            tick.pacer.wait(item.team_id)
            return Outcome(item, posted=_post(tick, item))
        except RateLimited as limited:
            rate_limited_tries += 1
            tick.pacer.hold(item.team_id, limited.retry_after)
            if rate_limited_tries >= RATE_LIMIT_TRIES:
                return Outcome(item)
        except Transient:
            # A timeout or a 5xx may come after Slack posted it: look before posting again.
            look_first = True
            transient_tries += 1
            if transient_tries >= TRANSIENT_TRIES:
                return Outcome(item)  # stays claimed; a later tick retries once the lease runs out
            tick.sleep(BACKOFF_SECONDS * 2 ** (transient_tries - 1))
        except Unreachable as gone:
            return Outcome(item, error=gone.code, unreachable=True)
        except WorkspaceGone as revoked:
            return Outcome(item, error=revoked.code, workspace_gone=True)
        except SlackError as refused:
            return Outcome(item, error=refused.code)


def _channel_of(tick: Tick, item: Outgoing) -> str:
    if isinstance(item, OutgoingDigest):
        return item.channel
    return item.dm_channel or tick.sender.open_dm(item.user_id)


def _post(tick: Tick, item: Outgoing) -> Posted:
    if isinstance(item, OutgoingPrompt):
        return tick.sender.post_prompt(item)
    if isinstance(item, OutgoingSummary):
        return tick.sender.post_summary(item)
    return tick.sender.post_digest(item)


def record(tick: Tick, outcomes: list[Outcome], now: datetime, report: TickReport) -> None:
    """Write a batch of outcomes in one transaction."""
    if not outcomes:
        return
    with tick.session_factory.begin() as session:
        sent = [outcome for outcome in outcomes if outcome.posted is not None]
        deliveries.record_sent(
            session, [(o.item.delivery_id, _lead_of(o.item), o.posted) for o in sent if o.posted], now
        )
        for outcome in sent:
            if isinstance(outcome.item, OutgoingPrompt):
                report.sent += 1
            elif isinstance(outcome.item, OutgoingSummary):
                report.summaries += 1
            else:
                report.digests += 1
        for outcome in outcomes:
            item = outcome.item
            if outcome.posted is not None:
                continue
            if outcome.error is None:
                report.deferred += 1  # still claimed: a later tick retries once the lease runs out
                continue
            lead_id = _lead_of(item)
            deliveries.record_failed(session, item.delivery_id, lead_id, outcome.error, unreachable=outcome.unreachable)
            if outcome.workspace_gone:  # as if Slack had told us it was uninstalled: nothing more goes there
                report.failed += 1
                workspaces.deactivate(session, item.team_id, now)
                logger.warning("workspace %s refused our token (%s): every send stopped", item.team_id, outcome.error)
            elif outcome.unreachable and lead_id is not None:
                report.unreachable += 1
                logger.warning("lead %d unreachable (%s): prompts stopped", lead_id, outcome.error)
            else:
                report.failed += 1
                logger.error("delivery %d refused by Slack: %s", item.delivery_id, outcome.error)


def _lead_of(item: Outgoing) -> int | None:
    return None if isinstance(item, OutgoingDigest) else item.lead_id
