"""Scheduled work: one tick does everything due at an instant. `coach tick` and the scheduler share it.

A tick claims due prompts, weekly scorecards and digests in the database (one transaction per batch), sends them
through the courier (the one careful path: paced per workspace across processes, looked for before a re-post), and
records the results in batches; then it sends what waits in the queue. A scheduled claim is only ever posted by the
worker that inserted it, or, after its lease runs out, by one that first looks for it in the channel."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.delivery.courier import Courier, Outcome
from bot.services import deliveries, prompts, summaries, workspaces
from bot.services.ports import Posted
from bot.services.prompts import OutgoingPrompt
from bot.services.scorecards import OutgoingDigest, OutgoingSummary
from bot.store.events import prune_processed_events
from bot.store.installations import prune_oauth_states

logger = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=7)
CLAIM_BATCH = 500
SUMMARY_BATCH = 200  # scorecards read more history per lead than prompts do
RECORD_BATCH = 200
SEND_THREADS = 8
PATIENCE_SECONDS = 120.0  # riding out 429s and faults for one claim; past it, a later tick retries after the lease


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
    queued: int = 0
    followups: int = 0
    away: int = 0

    def summary(self) -> str:
        """One line for the terminal and the log."""
        return (
            f"tick: {self.sent} prompts, {self.summaries} scorecards and {self.digests} digests sent, "
            f"{self.followups} follow-ups queued, {self.away} away or on a holiday, "
            f"{self.failed} failed, {self.unreachable} unreachable, "
            f"{self.deferred} deferred, {self.late} skipped as too late, {self.already_claimed} already claimed, "
            f"{self.queued} from the queue; "
            f"pruned {self.pruned_events} old event ids, {self.purged_workspaces} uninstalled workspaces"
        )


Outgoing = OutgoingPrompt | OutgoingSummary | OutgoingDigest


@dataclass(frozen=True)
class Sent:
    """How sending one claimed delivery ended."""

    item: Outgoing
    outcome: Outcome

    @property
    def posted(self) -> Posted | None:
        """Where it landed, if it did."""
        return self.outcome.posted


@dataclass(frozen=True)
class Tick:
    """What a tick needs, built once per process."""

    session_factory: sessionmaker[Session]
    courier: Courier
    library: PromptLibrary
    env: Environment
    retention: timedelta = timedelta(days=30)  # how long an uninstalled workspace's data is kept


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
        prune_oauth_states(session, now)
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
        report.followups += claimed.followups
        report.away += claimed.away
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
    report.queued = tick.courier.drain_all()  # what a request process queued and could not send (it stopped)
    logger.info(report.summary())
    return report


def send(tick: Tick, outgoing: Sequence[Outgoing], now: datetime, report: TickReport) -> None:
    """Send each delivery through the courier and record the outcomes in batches."""
    if not outgoing:
        return
    pending: list[Sent] = []
    # Its own threads: what requests queue is not kept waiting behind a fan-out.
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="tick") as pool:
        futures = [pool.submit(send_one, tick, item) for item in outgoing]
        for future in as_completed(futures):
            pending.append(future.result())
            if len(pending) >= RECORD_BATCH:
                record(tick, pending, now, report)
                pending = []
    record(tick, pending, now, report)


def send_one(tick: Tick, item: Outgoing) -> Sent:
    """One claimed delivery, on the careful path; never raises."""
    courier, posts = tick.courier, tick.courier.posts
    if isinstance(item, OutgoingPrompt):
        post = partial(posts.post_prompt, item)
    elif isinstance(item, OutgoingSummary):
        post = partial(posts.post_summary, item)
    else:
        post = partial(posts.post_digest, item)
    channel = item.channel if isinstance(item, OutgoingDigest) else item.dm_channel or item.user_id

    def look() -> Posted | None:
        gateway = courier.gateways(item.team_id)
        where = item.channel if isinstance(item, OutgoingDigest) else item.dm_channel or gateway.open_dm(item.user_id)
        return gateway.find_delivery(where, item.delivery_id)

    # One a period per channel: only the workspace's pace applies (a 429 still holds the channel back).
    outcome = courier.deliver(
        item.team_id, channel, post, attempts=item.attempts, look=look, patience=PATIENCE_SECONDS, spaced=False
    )
    return Sent(item, outcome)


def record(tick: Tick, outcomes: list[Sent], now: datetime, report: TickReport) -> None:
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
            if outcome.outcome.error is None:
                report.deferred += 1  # still claimed: a later tick retries once the lease runs out
                continue
            lead_id = _lead_of(item)
            failure = outcome.outcome
            error = failure.error or ""
            deliveries.record_failed(session, item.delivery_id, lead_id, error, unreachable=failure.unreachable)
            if failure.workspace_gone:  # as if Slack had told us it was uninstalled: nothing more goes there
                report.failed += 1
                workspaces.deactivate(session, item.team_id, now)
                logger.warning("workspace %s refused our token (%s): every send stopped", item.team_id, error)
            elif failure.unreachable and lead_id is not None:
                report.unreachable += 1
                logger.warning("lead %d unreachable (%s): prompts stopped", lead_id, error)
            else:
                report.failed += 1
                logger.error("delivery %d refused by Slack: %s", item.delivery_id, error)


def _lead_of(item: Outgoing) -> int | None:
    return None if isinstance(item, OutgoingDigest) else item.lead_id
