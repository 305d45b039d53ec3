"""The one careful path every send takes: pace, call, ride out 429s and passing faults, look before sending again.

The tick hands it what it claimed; everything else waits in the queue (deliveries with status `queued`), where the
courier claims it, draws it from the database, sends it and records it. A delivery is claimed by one worker at a
time, and one whose answer was lost is looked for before it is sent again: so each message is sent once. (A file
cannot be looked for: an export whose upload timed out may be uploaded twice.)"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from jinja2 import Environment
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.pacing import Pacer
from bot.delivery.queued import Drawing, Drawn, draw
from bot.delivery.scheduled import ScheduledPosts
from bot.services import workspaces
from bot.services.ports import Gateway, Posted, RateLimited, SlackError, Transient, Unreachable, WorkspaceGone
from bot.store import outbox as store
from bot.store.leads import set_dm_channel
from bot.store.models import Delivery, Kind, Status

logger = logging.getLogger(__name__)

TRANSIENT_TRIES = 4
BACKOFF_SECONDS = 0.5
SEND_THREADS = 16
LANES = 4  # queue-draining threads: a batch waits for its slowest send (a 429), but only its own lane does
QUEUE_BATCH = 8
POLL_SECONDS = 2.0  # how often the courier looks at the queue when nobody woke it (another process queued)
LEASE = timedelta(minutes=5)  # a queued delivery claimed this long ago by a worker that vanished goes back
RELEASE_EVERY = 30.0  # seconds between looks for such deliveries
RETRY_LATER = timedelta(seconds=20)  # one that ran out of patience waits this long before the next pass
# Seconds of riding out 429s and faults in one pass, and how long a queued delivery stays worth sending.
PATIENCE = {Kind.HOME: 20.0, Kind.EXPORT: 120.0, Kind.SUMMARY: 120.0}
DEFAULT_PATIENCE = 60.0  # an acknowledgement within a minute
SHELF_LIFE = {
    Kind.HOME: timedelta(minutes=15),
    Kind.REFLECT: timedelta(hours=2),
    Kind.SUMMARY: timedelta(hours=2),
    Kind.FOLLOWUP: timedelta(hours=3),  # asked at prompt time: never at night
}
DRAWN_FROM_STATE = (Kind.ACK, Kind.FOLLOWUP)  # their payload holds keys, never words, and a redraw needs it
DEFAULT_SHELF_LIFE = timedelta(days=1)


@dataclass(frozen=True)
class Outcome:
    """How one send ended: posted (or done, for calls that post nothing), refused, or not yet."""

    done: bool = False
    posted: Posted | None = None
    error: str | None = None
    unreachable: bool = False
    workspace_gone: bool = False


class Courier:
    """Sends through each workspace's gateway at that workspace's shared pace; built once per process."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        gateways: Callable[[str], Gateway],
        pacer: Pacer,
        templates: Environment,
        *,
        retention_days: int = 30,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session_factory = session_factory
        self.gateways = gateways  # a workspace's gateway, with its own token
        self.pacer = pacer
        self.templates = templates
        self.posts = ScheduledPosts(gateways, templates)
        self.retention_days = retention_days
        self.clock = clock
        self.sleep = sleep
        self.pool = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="courier")
        self._wakeup = threading.Condition()
        self._woken = False
        self._stopped = threading.Event()
        self._lanes: list[threading.Thread] = []
        self._released_at = 0.0  # when stale claims were last given back (monotonic)

    # ------------------------------------------------------------------ the careful path

    def deliver(
        self,
        team_id: str,
        channel: str | None,
        send: Callable[[], Posted | None],
        *,
        attempts: int = 1,
        look: Callable[[], Posted | None] | None = None,
        patience: float = DEFAULT_PATIENCE,
        spaced: bool = True,
    ) -> Outcome:
        """Send once, riding out 429s (as long as Slack asks, within `patience`) and passing faults; never raises.

        `look` finds an earlier attempt's message: it runs first on a re-attempt, and after a timeout or a 5xx.
        `spaced`: kept a second from the channel's previous post (what comes in bursts: acknowledgements); without
        it only the workspace's pace applies (a 429 holds the workspace back either way). A database that fails
        the pacing leaves it for a later pass, like a 429 would."""
        deadline = time.monotonic() + patience
        transient_tries = 0
        look_first = attempts > 1 and look is not None  # an earlier attempt may have reached Slack before it died
        while True:
            try:
                if look_first and look is not None:
                    found = look()
                    if found is not None:
                        return Outcome(done=True, posted=found)
                    look_first = False
                if not self.pacer.wait(team_id, channel if spaced else None, deadline - time.monotonic()):
                    return Outcome()  # its slot is past its patience: a later pass
                posted = send()
                return Outcome(done=True, posted=posted)
            except RateLimited as limited:  # never dropped: held back, then tried again (or left for a later pass)
                self.pacer.hold(team_id, channel, limited.retry_after)
                if time.monotonic() + limited.retry_after > deadline:
                    return Outcome()
            except Transient:
                # A timeout or a 5xx may come after Slack acted: look before posting again.
                look_first = look is not None
                transient_tries += 1
                pause = BACKOFF_SECONDS * 2 ** (transient_tries - 1)
                if transient_tries >= TRANSIENT_TRIES or time.monotonic() + pause > deadline:
                    return Outcome()
                self.sleep(pause)
            except Unreachable as gone:
                return Outcome(error=gone.code, unreachable=True)
            except WorkspaceGone as revoked:
                return Outcome(error=revoked.code, workspace_gone=True)
            except SlackError as refused:
                return Outcome(error=refused.code)
            except SQLAlchemyError as error:  # pacing needs the database: without it, nothing is sent now
                logger.warning("pacing unavailable (%s): the send waits for a later pass", type(error).__name__)
                return Outcome()

    # ------------------------------------------------------------------ the queue

    def drain(self) -> int:
        """Send one batch of what waits in the queue and record each send; the number claimed."""
        now = self.clock()
        drawing = Drawing(self.gateways, self.templates, self.posts, self.retention_days, now)
        with self.session_factory.begin() as session:
            if time.monotonic() - self._released_at > RELEASE_EVERY:  # a worker that died is rare: look now and then
                self._released_at = time.monotonic()
                store.release_stale(session, now - LEASE, now, QUEUE_BATCH)
            claimed = [
                Claimed(
                    delivery.id,
                    delivery.team_id,
                    Kind(delivery.kind),
                    delivery.attempts,
                    now,
                    draw_one(session, delivery, drawing),
                )
                for delivery in store.claim_queued(session, now, QUEUE_BATCH)
            ]
        futures = [self.pool.submit(self._send_and_record, claim) for claim in claimed]
        for future in futures:
            future.result()
        return len(claimed)

    def _send_and_record(self, claim: Claimed) -> None:
        """Send one claimed delivery and record it in its own transaction (so no two records lock rows in
        opposite orders); a failure to record leaves the claim to be taken over after its lease."""
        drawn, outcome = claim.drawn, None
        if isinstance(drawn, Drawn):
            patience = PATIENCE.get(claim.kind, DEFAULT_PATIENCE)
            outcome = self.deliver(
                claim.team_id, drawn.channel, drawn.send, attempts=claim.attempts, look=drawn.look, patience=patience
            )
        try:
            with self.session_factory.begin() as session:
                _record(session, claim, outcome, self.clock())
        except SQLAlchemyError as error:
            name = type(error).__name__  # never the statement's parameters: they may hold a lead's words
            logger.warning("delivery %d not recorded (%s): taken over after its lease", claim.delivery_id, name)

    def drain_all(self) -> int:
        """Drain until nothing due is left; the number sent or settled."""
        total = 0
        while (claimed := self.drain()) > 0:
            total += claimed
        return total

    def wake(self) -> None:
        """Something was queued: one idle lane looks at the queue now rather than at the next poll."""
        with self._wakeup:
            self._woken = True
            self._wakeup.notify()

    def start(self) -> Courier:
        """Send what is queued from background threads (lanes) until stopped."""
        self._lanes = [threading.Thread(target=self._run, name=f"courier-{n}", daemon=True) for n in range(LANES)]
        for lane in self._lanes:
            lane.start()
        return self

    def stop(self) -> None:
        """Finish the batch in hand and stop."""
        self._stopped.set()
        with self._wakeup:
            self._wakeup.notify_all()
        for lane in self._lanes:
            lane.join(timeout=30)
        self.pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stopped.is_set():
            with self._wakeup:
                self._wakeup.wait_for(lambda: self._woken or self._stopped.is_set(), timeout=POLL_SECONDS)
                self._woken = False
            try:
                while not self._stopped.is_set() and self.drain():
                    pass
            except Exception as error:  # the database or a bug: the rows stay queued or claimed, and are retried
                logger.warning("courier: the queue could not be sent just now (%s)", type(error).__name__)
                self._stopped.wait(POLL_SECONDS)


@dataclass(frozen=True)
class Claimed:
    """A queued delivery this worker claimed at `claimed_at`, drawn."""

    delivery_id: int
    team_id: str
    kind: Kind
    attempts: int
    claimed_at: datetime
    drawn: Drawn | Exception | None


def draw_one(session: Session, delivery: Delivery, drawing: Drawing) -> Drawn | Exception | None:
    """Draw one delivery; a failure to draw it (a bug, or data that no longer fits) fails only that one."""
    try:
        with session.begin_nested():
            return draw(session, delivery, drawing)
    except Exception as error:  # recorded as failed, with the reason logged once
        logger.exception("delivery %d (%s) could not be drawn", delivery.id, delivery.kind)
        return error


def _record(session: Session, claim: Claimed, outcome: Outcome | None, now: datetime) -> None:
    """Write what happened to one queued delivery, if this worker still holds it (another takes over a claim whose
    lease ran out, and its record wins)."""
    delivery = store.lock_for_recording(session, claim.delivery_id)
    if delivery is None or delivery.status != Status.CLAIMED or delivery.claimed_at != claim.claimed_at:
        return  # forgotten meanwhile, or taken over
    _settle(session, delivery, claim.drawn, outcome, now)
    if delivery.status != Status.QUEUED and delivery.kind not in DRAWN_FROM_STATE:
        delivery.payload = None  # a message drawn when queued may quote the lead: not kept once it is settled


def _settle(
    session: Session, delivery: Delivery, sent: Drawn | Exception | None, outcome: Outcome | None, now: datetime
) -> None:
    """Write how one queued delivery's send ended."""
    if isinstance(sent, Exception):
        delivery.status, delivery.error = Status.FAILED, type(sent).__name__[:64]
        return
    if sent is None:  # nothing left to say (an acknowledgement of an entry deleted before it was posted)
        delivery.status, delivery.error = Status.EXPIRED, "withdrawn"
        return
    assert outcome is not None
    if outcome.done:
        posted = outcome.posted
        store.finish(delivery, posted.channel if posted else None, posted.ts if posted else None, now)
        if posted is not None and delivery.lead_id is not None and store.to_a_person(delivery.recipient):
            set_dm_channel(session, delivery.lead_id, posted.channel)
        if delivery.kind == Kind.ACK and delivery.subject_id is not None and delivery.ts and delivery.channel:
            store.point_entry_at(session, delivery)  # the entry's buttons and Home point here
        return
    if outcome.error is None:  # still limited or failing after its patience: a later pass tries again
        shelf_life = SHELF_LIFE.get(Kind(delivery.kind), DEFAULT_SHELF_LIFE)
        if delivery.created_at < now - shelf_life:
            delivery.status, delivery.error = Status.EXPIRED, "too_late"
            logger.warning("delivery %d (%s) given up: Slack was busy for %s", delivery.id, delivery.kind, shelf_life)
        else:
            delivery.status, delivery.next_attempt_at = Status.QUEUED, now + RETRY_LATER
        return
    delivery.status, delivery.error = Status.FAILED, outcome.error[:64]
    if outcome.workspace_gone:
        workspaces.deactivate(session, delivery.team_id, now)
        logger.warning("workspace %s refused our token (%s): every send stopped", delivery.team_id, outcome.error)
    elif outcome.unreachable:
        logger.warning("delivery %d (%s) unreachable: %s", delivery.id, delivery.kind, outcome.error)
    else:
        logger.error("delivery %d (%s) refused by Slack: %s", delivery.id, delivery.kind, outcome.error)
