"""Weekly scorecards and team digests: claim each once per ISO week, and build what they show."""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.coaching.schedule import (
    Schedule,
    ScheduleError,
    iso_week_key,
    local_date_of,
    next_occurrence,
    parse_iso_week,
    week_bounds,
)
from bot.coaching.scorecard import CodingRun, Digest, Moment, Scorecard, SharedMoment, WeekFacts, build_digest
from bot.coaching.scorecard import build_scorecard as count_week
from bot.services.errors import UserFacingError
from bot.services.schedules import digest_schedule, lead_timezone, summary_schedule
from bot.store import summaries as store
from bot.store.deliveries import insert_once, stale_claims
from bot.store.leads import get_lead, get_workspace, workspace_of
from bot.store.models import Lead, Workspace

logger = logging.getLogger(__name__)

LATE = timedelta(days=3)  # a Friday scorecard or digest still goes out over the weekend, never a week late
LEASE = timedelta(minutes=5)
STREAK_WINDOW = 53  # weeks read at once for the streak; longer streaks read further back
MENTION = re.compile(r"<@([UW][A-Z0-9]+)")  # a user mention in Slack's stored message syntax


@dataclass(frozen=True)
class OutgoingSummary:
    """A lead's scorecard to post to their DM."""

    delivery_id: int
    team_id: str
    lead_id: int
    user_id: str
    dm_channel: str | None
    attempts: int
    first_name: str
    monday: date
    scorecard: Scorecard
    names: dict[str, str]  # display names of known leads, for mentions in highlights


@dataclass(frozen=True)
class OutgoingDigest:
    """A workspace's weekly digest to post in its channel."""

    delivery_id: int
    team_id: str
    channel: str
    attempts: int
    monday: date
    digest: Digest
    notify: str | None  # who to tell if the channel can't be posted to
    names: dict[str, str]


@dataclass
class Claimed:
    """What one claiming pass found."""

    summaries: list[OutgoingSummary] = field(default_factory=list)
    digests: list[OutgoingDigest] = field(default_factory=list)
    processed: int = 0
    late: int = 0
    already_claimed: int = 0


def schedule_new(session: Session, now: datetime, limit: int = 500) -> int:
    """Give a scorecard time to enrolled leads and a digest time to workspaces with a channel that have none."""
    leads = store.unscheduled_leads(session, limit)
    for lead, timezone in leads:
        lead.next_summary_at = _next_or_none(summary_schedule(lead, timezone), now, lead.paused_until)
    workspaces = store.unscheduled_digests(session, limit)
    for workspace in workspaces:
        workspace.next_digest_at = _next_or_none(digest_schedule(workspace), now, None)
    return len(leads) + len(workspaces)


def _next_or_none(schedule: Schedule, after: datetime, paused_until: date | None) -> datetime | None:
    try:
        return next_occurrence(schedule, after, paused_until)
    except (ScheduleError, ValueError):  # an unreadable stored zone must not stop everyone else's
        logger.warning("unreadable schedule %r: nothing scheduled until settings are saved", schedule)
        return None


def claim_due_summaries(session: Session, now: datetime, limit: int = 500) -> Claimed:
    """Claim (insert, once per ISO week) the scorecard of every lead due at `now`, and move their next time on."""
    rows = store.due_summaries(session, now, limit)
    result = Claimed(processed=len(rows))
    batch: list[tuple[int, Lead, str, str, int]] = []
    for lead, workspace_timezone in rows:
        due = lead.next_summary_at
        assert due is not None
        schedule = summary_schedule(lead, workspace_timezone)
        lead.next_summary_at = _next_or_none(schedule, max(due, now - LATE), lead.paused_until)
        if now - due > LATE:
            result.late += 1
            continue
        week = iso_week_key(local_date_of(due, schedule.timezone))
        delivery_id = _claim(session, lead.team_id, lead.id, lead.user_id, "summary", week, due, now)
        if delivery_id is None:
            result.already_claimed += 1
            continue
        batch.append((delivery_id, lead, schedule.timezone, week, 1))
    result.summaries = _outgoing_summaries(session, batch)
    return result


def claim_due_digests(session: Session, now: datetime, limit: int = 100) -> Claimed:
    """Claim (insert, once per channel and ISO week) the digest of every workspace due at `now`."""
    workspaces = store.due_digests(session, now, limit)
    result = Claimed(processed=len(workspaces))
    for workspace in workspaces:
        due = workspace.next_digest_at
        assert due is not None
        assert workspace.digest_channel is not None
        workspace.next_digest_at = _next_or_none(digest_schedule(workspace), max(due, now - LATE), None)
        if now - due > LATE:
            result.late += 1
            continue
        week = iso_week_key(local_date_of(due, workspace.timezone))
        delivery_id = _claim(session, workspace.team_id, None, workspace.digest_channel, "digest", week, due, now)
        if delivery_id is None:
            result.already_claimed += 1
            continue
        result.digests.append(_outgoing_digest(session, delivery_id, 1, workspace, week))
    return result


def reclaim_stale(session: Session, now: datetime, limit: int = 500) -> Claimed:
    """Take over scorecard and digest claims whose worker died or gave up; expire those now too late."""
    result = Claimed()
    batch: list[tuple[int, Lead, str, str, int]] = []
    for delivery in stale_claims(session, ("summary", "digest"), now - LEASE, limit):
        workspace = get_workspace(session, delivery.team_id)
        lead = session.get(Lead, delivery.lead_id) if delivery.lead_id else None
        due = delivery.due_at or delivery.created_at
        if workspace is None or not workspace.active or now - due > LATE or (delivery.kind == "summary" and not lead):
            delivery.status = "expired"
            continue
        delivery.claimed_at, delivery.attempts = now, delivery.attempts + 1
        if lead is not None:
            timezone = lead_timezone(lead, workspace)
            week = _week_of(delivery.period_key, due, timezone)
            batch.append((delivery.id, lead, timezone, week, delivery.attempts))
        else:
            week = _week_of(delivery.period_key, due, workspace.timezone)
            digest = _outgoing_digest(session, delivery.id, delivery.attempts, workspace, week, delivery.recipient)
            result.digests.append(digest)
    result.summaries = _outgoing_summaries(session, batch)
    return result


def _week_of(period_key: str, due: datetime, timezone: str) -> str:
    try:
        parse_iso_week(period_key)
        return period_key
    except ScheduleError:  # a "now" scorecard: the week it was asked in
        return iso_week_key(local_date_of(due, timezone))


def summary_now(session: Session, team_id: str, user_id: str, now: datetime) -> OutgoingSummary:
    """The week so far, claimed as a one-off so it never stands in for the weekly scorecard."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError("There's nothing to sum up yet: `/coach start` turns on daily prompts.")
    timezone = lead_timezone(lead, workspace_of(session, lead))
    week = iso_week_key(local_date_of(now, timezone))
    delivery_id = _claim(session, team_id, lead.id, user_id, "summary", f"now-{now:%Y%m%dT%H%M%S.%f}", now, now)
    if delivery_id is None:
        raise UserFacingError("One scorecard at a time, please: try again in a second.")
    return _outgoing_summaries(session, [(delivery_id, lead, timezone, week, 1)])[0]


def preview_summary(session: Session, team_id: str, user_id: str, week: str | None, now: datetime) -> OutgoingSummary:
    """A lead's scorecard for a week (default: this one), built but not claimed: for `coach summary --print`."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError(f"no lead {user_id} in workspace {team_id}")
    timezone = lead_timezone(lead, workspace_of(session, lead))
    week = _checked_week(week, now, timezone)
    return _outgoing_summaries(session, [(0, lead, timezone, week, 0)])[0]


def preview_digest(session: Session, team_id: str, week: str | None, now: datetime) -> OutgoingDigest:
    """A workspace's digest for a week (default: this one), built but not claimed."""
    workspace = get_workspace(session, team_id)
    if workspace is None:
        raise UserFacingError(f"no workspace {team_id}")
    week = _checked_week(week, now, workspace.timezone)
    return _outgoing_digest(session, 0, 0, workspace, week, workspace.digest_channel or "")


def _checked_week(week: str | None, now: datetime, timezone: str) -> str:
    if week is None:
        return iso_week_key(local_date_of(now, timezone))
    try:
        return iso_week_key(parse_iso_week(week))
    except ScheduleError as error:
        raise UserFacingError(str(error)) from None


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
    return insert_once(
        session,
        team_id=team_id,
        lead_id=lead_id,
        kind=kind,
        period_key=period,
        recipient=recipient,
        status="claimed",
        attempts=1,
        due_at=due,
        claimed_at=now,
        created_at=now,
    )


def _outgoing_summaries(session: Session, batch: Sequence[tuple[int, Lead, str, str, int]]) -> list[OutgoingSummary]:
    groups: dict[tuple[str, str], list[Lead]] = defaultdict(list)
    for _, lead, timezone, week, _ in batch:
        groups[(timezone, week)].append(lead)
    scorecards: dict[int, Scorecard] = {}
    for (timezone, week), leads in groups.items():
        scorecards |= build_scorecards(session, leads, timezone, week)
    names = _known_names(session, batch, scorecards)
    return [
        OutgoingSummary(
            delivery_id=delivery_id,
            team_id=lead.team_id,
            lead_id=lead.id,
            user_id=lead.user_id,
            dm_channel=lead.dm_channel,
            attempts=attempts,
            first_name=(lead.display_name or "there").split()[0],
            monday=parse_iso_week(week),
            scorecard=scorecards[lead.id],
            names=names.get(lead.team_id, {}),
        )
        for delivery_id, lead, _, week, attempts in batch
    ]


def _known_names(
    session: Session, batch: Sequence[tuple[int, Lead, str, str, int]], scorecards: dict[int, Scorecard]
) -> dict[str, dict[str, str]]:
    """Per team, the names of known leads mentioned in the highlights (the rest are looked up when sending)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for _, lead, _, _, _ in batch:
        for moment in scorecards[lead.id].highlights:
            wanted[lead.team_id].update(MENTION.findall(moment.text))
    return {team: store.display_names(session, team, sorted(ids)) for team, ids in wanted.items() if ids}


def build_scorecards(session: Session, leads: Sequence[Lead], timezone: str, week: str) -> dict[int, Scorecard]:
    """The scorecards of leads who share a timezone, for one ISO week: a handful of indexed queries in all."""
    ids = [lead.id for lead in leads]
    monday = parse_iso_week(week)
    starts = [week_bounds(iso_week_key(monday - timedelta(weeks=k)), timezone)[0] for k in range(4)]
    start, end = week_bounds(week, timezone)
    entries = store.entries_between(session, ids, start, end)
    last_week = store.category_counts(session, ids, starts[1], start)
    earlier = store.category_counts(session, ids, starts[3], starts[1])
    prompts = store.prompt_statuses(session, ids, start, end)
    runs = store.diagnostics_between(session, ids, starts[3], end)
    weeks = _entry_weeks(session, ids, monday, timezone)
    last_totals = _entry_totals(session, ids, starts[1], start)
    scorecards = {}
    for lead_id in ids:
        moments = [Moment(i, created, text, cats) for i, created, text, cats in entries.get(lead_id, [])]
        lead_runs = runs.get(lead_id, [])
        statuses = prompts.get(lead_id, Counter())
        facts = WeekFacts(
            week=week,
            moments=moments,
            last_week=last_week.get(lead_id, Counter()),
            last_week_total=last_totals.get(lead_id, 0),
            earlier_fortnight=earlier.get(lead_id, Counter()),
            entry_weeks=weeks.get(lead_id, set()),
            prompts_sent=sum(statuses[s] for s in ("sent", "answered", "skipped", "rejected")),
            prompts_answered=statuses["answered"],
            prompts_skipped=statuses["skipped"],
            coding=[CodingRun(*row) for created, row in lead_runs if created >= start],
            handoffs=sum(row[2] == "delegated" for created, row in lead_runs if created >= starts[1]),
            earlier_handoffs=sum(row[2] == "delegated" for created, row in lead_runs if created < starts[1]),
        )
        scorecards[lead_id] = count_week(facts, monday.isocalendar().week)
    return scorecards


def _entry_totals(session: Session, ids: Sequence[int], since: datetime, until: datetime) -> dict[int, int]:
    times = store.entry_times(session, ids, since, until)
    return {lead_id: len(found) for lead_id, found in times.items()}


def _entry_weeks(session: Session, ids: Sequence[int], monday: date, timezone: str) -> dict[int, set[int]]:
    """Per lead, the weeks (0 this week, 1 last week, ...) with at least one entry, as far back as the streak goes."""
    weeks: dict[int, set[int]] = defaultdict(set)
    pending, offset = list(ids), 0
    while pending:
        # Ascending local Monday midnights, oldest first, then the end of the newest week.
        starts = [
            week_bounds(iso_week_key(monday - timedelta(weeks=offset + k)), timezone)[0]
            for k in range(STREAK_WINDOW - 1, -1, -1)
        ]
        end = week_bounds(iso_week_key(monday - timedelta(weeks=offset)), timezone)[1]
        times = store.entry_times(session, pending, starts[0], end)
        for lead_id, found in times.items():
            for created in found:
                weeks[lead_id].add(offset + STREAK_WINDOW - bisect_right(starts, created))
        # Only a streak that reaches the oldest week read can go further back.
        pending = [i for i in pending if all(w in weeks[i] for w in range(offset + 1, offset + STREAK_WINDOW))]
        offset += STREAK_WINDOW
    return weeks


def _outgoing_digest(
    session: Session, delivery_id: int, attempts: int, workspace: Workspace, week: str, channel: str | None = None
) -> OutgoingDigest:
    start, end = week_bounds(week, workspace.timezone)
    last_start = week_bounds(iso_week_key(parse_iso_week(week) - timedelta(weeks=1)), workspace.timezone)[0]
    participants, total = store.team_totals(session, workspace.team_id, start, end)
    _, last_total = store.team_totals(session, workspace.team_id, last_start, start)
    shared = store.shared_entries(session, workspace.team_id, start, end)
    authors = store.display_names(session, workspace.team_id, sorted({user for _, user, _, _, _ in shared}))
    digest = build_digest(
        week=week,
        participants=participants,
        by_category=store.team_categories(session, workspace.team_id, start, end),
        total=total,
        last_week_total=last_total,
        shared=[SharedMoment(authors.get(u, "a lead"), text, cats, created) for _, u, text, created, cats in shared],
    )
    return OutgoingDigest(
        delivery_id=delivery_id,
        team_id=workspace.team_id,
        channel=channel or workspace.digest_channel or "",
        attempts=attempts,
        monday=parse_iso_week(week),
        digest=digest,
        notify=workspace.digest_set_by or workspace.installer_user_id,
        names=store.display_names(
            session, workspace.team_id, sorted({u for m in digest.shared for u in MENTION.findall(m.text)})
        ),
    )
