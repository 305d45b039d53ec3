"""Weekly scorecards and team digests: claim each once per ISO week; bot/services/scorecards.py builds them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.coaching.calendar import holiday_country, is_holiday, reasonable_instant
from bot.coaching.schedule import (
    Schedule,
    ScheduleError,
    iso_week_key,
    local_date_of,
    next_occurrence,
    parse_iso_week,
    week_bounds,
)
from bot.services.errors import UserFacingError
from bot.services.schedules import digest_schedule, lead_timezone, summary_schedule
from bot.services.scorecards import (
    OutgoingDigest,
    OutgoingSummary,
    Pending,
    outgoing_digest,
    outgoing_summaries,
)
from bot.store import summaries as store
from bot.store.deliveries import claim_once, stale_claims
from bot.store.leads import get_lead, get_workspace, workspace_of
from bot.store.models import Delivery, Kind, Lead, Status, Workspace

logger = logging.getLogger(__name__)

LATE = timedelta(days=3)  # a Friday scorecard or digest still goes out over the weekend, never a week late
LEASE = timedelta(minutes=5)
ONE_OFF = "now-"  # period key prefix of a /coach summary now scorecard


@dataclass
class Claimed:
    """What one claiming pass found."""

    summaries: list[OutgoingSummary] = field(default_factory=list)
    digests: list[OutgoingDigest] = field(default_factory=list)
    processed: int = 0
    late: int = 0
    already_claimed: int = 0
    waiting: int = 0  # claimed, and queued for the lead's next reasonable hour


def _next_or_none(make: Callable[[], Schedule], after: datetime, paused_until: date | None) -> datetime | None:
    """The next due instant, or None (with a warning) when the stored schedule can't be read."""
    try:
        return next_occurrence(make(), after, paused_until)
    except (ScheduleError, ValueError):  # an unreadable stored zone must not stop everyone else's
        logger.warning("an unreadable stored schedule: nothing scheduled for it until its settings are saved")
        return None


def schedule_new(session: Session, now: datetime, limit: int = 500) -> int:
    """Give a scorecard time to enrolled leads and a digest time to workspaces with a channel that have none."""
    leads = store.unscheduled_leads(session, limit)
    for lead, timezone in leads:
        lead.next_summary_at = _next_or_none(partial(summary_schedule, lead, timezone), now, lead.paused_until)
    workspaces = store.unscheduled_digests(session, limit)
    for workspace in workspaces:
        workspace.next_digest_at = _next_or_none(partial(digest_schedule, workspace), now, None)
    return len(leads) + len(workspaces)


def claim_due_summaries(session: Session, now: datetime, limit: int = 500) -> Claimed:
    """Claim (insert, once per ISO week) the scorecard of every lead due at `now`, and move their next time on."""
    rows = store.due_summaries(session, now, limit)
    result = Claimed(processed=len(rows))
    pending: list[Pending] = []
    for lead, workspace_timezone in rows:
        due = lead.next_summary_at
        assert due is not None
        schedule = partial(summary_schedule, lead, workspace_timezone)
        lead.next_summary_at = _next_or_none(schedule, max(due, now - LATE), lead.paused_until)
        if lead.next_summary_at is None:
            continue  # its schedule can't be read (logged)
        if now - due > LATE:
            result.late += 1
            continue
        timezone = lead.timezone or workspace_timezone
        week = iso_week_key(local_date_of(due, timezone))
        delivery_id = _claim(session, lead.team_id, lead.id, lead.user_id, Kind.SUMMARY, week, due, now)
        if delivery_id is None:
            result.already_claimed += 1
            continue
        send_at = send_time(lead, timezone, due, now)
        if send_at > now:  # due on a holiday, or late at night after downtime: it waits for a reasonable hour
            wait_for(session.get_one(Delivery, delivery_id), send_at)
            result.waiting += 1
            continue
        pending.append(Pending(delivery_id, lead, week, due, attempts=1))
    result.summaries = outgoing_summaries(session, pending)
    return result


CATCH_UP = timedelta(minutes=15)  # later than this, a scorecard is late: it goes out at a reasonable local hour


def send_time(lead: Lead, timezone: str, due: datetime, now: datetime) -> datetime:
    """When a claimed scorecard goes out: now, unless it is due on the lead's public holiday (the next workday) or
    late after downtime (the lead's next reasonable hour: never 02:00 on a Sunday)."""
    country = holiday_country(lead.holiday_country, timezone)
    holiday = is_holiday(local_date_of(due, timezone), country)
    if not holiday and now - due <= CATCH_UP:
        return now
    workdays = frozenset(int(day) for day in lead.workdays)
    start = now
    if holiday:
        start = max(
            now, datetime.combine(local_date_of(due, timezone), time.min, ZoneInfo(timezone)) + timedelta(days=1)
        )
    return reasonable_instant(start, timezone, workdays, country)


def wait_for(delivery: Delivery, send_at: datetime) -> None:
    """A claimed scorecard waits in the queue until `send_at`; the courier draws it then."""
    delivery.status, delivery.attempts, delivery.next_attempt_at = Status.QUEUED, 0, send_at


def claim_due_digests(session: Session, now: datetime, limit: int = 100) -> Claimed:
    """Claim (insert, once per channel and ISO week) the digest of every workspace due at `now`."""
    workspaces = store.due_digests(session, now, limit)
    result = Claimed(processed=len(workspaces))
    for workspace in workspaces:
        due, channel = workspace.next_digest_at, workspace.digest_channel
        assert due is not None
        assert channel is not None
        workspace.next_digest_at = _next_or_none(partial(digest_schedule, workspace), max(due, now - LATE), None)
        if workspace.next_digest_at is None:
            continue
        if now - due > LATE:
            result.late += 1
            continue
        week = iso_week_key(local_date_of(due, workspace.timezone))
        delivery_id = _claim(session, workspace.team_id, None, channel, Kind.DIGEST, week, due, now)
        if delivery_id is None:
            result.already_claimed += 1
            continue
        result.digests.append(outgoing_digest(session, delivery_id, 1, workspace, channel, due, week))
    return result


def reclaim_stale(session: Session, now: datetime, limit: int = 500) -> Claimed:
    """Take over scorecard and digest claims whose worker died or gave up; expire those no longer wanted."""
    result = Claimed()
    pending: list[Pending] = []
    for delivery in stale_claims(session, (Kind.SUMMARY, Kind.DIGEST), now - LEASE, limit):
        workspace = get_workspace(session, delivery.team_id)
        lead = session.get(Lead, delivery.lead_id) if delivery.lead_id else None
        if workspace is None or not _still_wanted(delivery, workspace, lead, now):
            delivery.status = "expired"
            continue
        due = delivery.due_at or delivery.created_at
        delivery.claimed_at, delivery.attempts = now, delivery.attempts + 1
        if lead is not None:
            pending.append(Pending(delivery.id, lead, delivery.period_key, due, delivery.attempts))
        else:
            digest = outgoing_digest(
                session, delivery.id, delivery.attempts, workspace, delivery.recipient, due, delivery.period_key
            )
            result.digests.append(digest)
    result.summaries = outgoing_summaries(session, pending)
    return result


def _still_wanted(delivery: Delivery, workspace: Workspace, lead: Lead | None, now: datetime) -> bool:
    """A stale claim is sent only if nothing changed since: the lead still enrolled, the channel still chosen.

    A one-off (/coach summary now) is never re-sent: its listener already told the lead how it went."""
    due = delivery.due_at or delivery.created_at
    if not workspace.active or now - due > LATE or delivery.period_key.startswith(ONE_OFF):
        return False
    if delivery.kind == Kind.DIGEST:
        return workspace.digest_channel == delivery.recipient
    return lead is not None and lead.enrolled and lead.active


def summary_now(session: Session, team_id: str, user_id: str, now: datetime) -> int:
    """The last seven days, claimed as a one-off so it never stands in for the weekly scorecard; its delivery id."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError("There's nothing to sum up yet: `/coach start` turns on daily prompts.")
    period = f"{ONE_OFF}{now:%Y%m%dT%H%M%S.%f}"
    delivery_id = _claim(session, team_id, lead.id, user_id, Kind.SUMMARY, period, now, now)
    if delivery_id is None:
        raise UserFacingError("One scorecard at a time, please: try again in a second.")
    return delivery_id


def queued_summary(session: Session, delivery: Delivery) -> OutgoingSummary | None:
    """The scorecard of a queued delivery (`summary now`, or a weekly one that waited for a reasonable hour),
    covering the seven days before it was due; None if its lead is gone."""
    lead = session.get(Lead, delivery.lead_id) if delivery.lead_id is not None else None
    if lead is None:
        return None
    until = delivery.due_at or delivery.created_at  # a weekly one that waited covers its own week
    weekly = not delivery.period_key.startswith(ONE_OFF)
    week = (
        delivery.period_key
        if weekly
        else iso_week_key(local_date_of(until, lead_timezone(lead, workspace_of(session, lead))))
    )
    return outgoing_summaries(session, [Pending(delivery.id, lead, week, until, attempts=delivery.attempts)])[0]


def preview_summary(session: Session, team_id: str, user_id: str, week: str | None, now: datetime) -> OutgoingSummary:
    """A lead's scorecard for an ISO week, or the last seven days, built but not claimed (`coach summary`)."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError(f"no lead {user_id} in workspace {team_id}")
    week, until = _period(week, now, lead_timezone(lead, workspace_of(session, lead)))
    return outgoing_summaries(session, [Pending(0, lead, week, until, attempts=0)])[0]


def preview_digest(session: Session, team_id: str, week: str | None, now: datetime) -> OutgoingDigest:
    """A workspace's digest for an ISO week, or the last seven days, built but not claimed."""
    workspace = get_workspace(session, team_id)
    if workspace is None:
        raise UserFacingError(f"no workspace {team_id}")
    week, until = _period(week, now, workspace.timezone)
    return outgoing_digest(session, 0, 0, workspace, workspace.digest_channel or "", until, week)


def _period(week: str | None, now: datetime, timezone: str) -> tuple[str, datetime]:
    """(ISO week, end instant): a named week ends at its local Sunday midnight; no week means up to now."""
    if week is None:
        return iso_week_key(local_date_of(now, timezone)), now
    try:
        key = iso_week_key(parse_iso_week(week))
    except ScheduleError as error:
        raise UserFacingError(str(error)) from None
    return key, week_bounds(key, timezone)[1]


def _claim(
    session: Session,
    team_id: str,
    lead_id: int | None,
    recipient: str,
    kind: str,
    period: str,
    due: datetime,
    now: datetime,
) -> int | None:
    return claim_once(
        session, team_id=team_id, lead_id=lead_id, kind=kind, period_key=period, recipient=recipient, due=due, now=now
    )
