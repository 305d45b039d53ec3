"""Building scorecards and digests from the store: a batch of leads at a time, a handful of indexed queries.

A scorecard covers the seven days before it is due, and "last week" the seven before those, so every entry is
in exactly one weekly scorecard and the comparison is like for like, whatever day a lead chose."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.coaching.schedule import local_date_of, parse_iso_week
from bot.coaching.scorecard import (
    TREND_WEEKS,
    CodingRun,
    Digest,
    Moment,
    Scorecard,
    SharedMoment,
    WeekFacts,
    build_digest,
    weekly_split,
)
from bot.coaching.scorecard import build_scorecard as count_week
from bot.services import loops
from bot.services.schedules import lead_timezone
from bot.store import summaries as store
from bot.store.deliveries import DELIVERED, entry_counts
from bot.store.leads import workspace_of
from bot.store.models import Lead, Status, Workspace

WEEK = timedelta(days=7)
STREAK_WINDOW = 53  # weeks read at once for the streak; longer streaks read further back
MENTION = re.compile(r"<@([UW][A-Z0-9]+)")  # a user mention in Slack's stored message syntax


@dataclass(frozen=True)
class Pending:
    """A scorecard to build: for whom, for the seven days before `until`, and under which delivery."""

    delivery_id: int
    lead: Lead
    week: str  # the ISO week it is claimed for (names the chart, rotates the focus)
    until: datetime
    attempts: int


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
    first_day: date  # the local dates the scorecard covers
    last_day: date
    scorecard: Scorecard
    names: dict[str, str]  # display names of known leads, for mentions in highlights


@dataclass(frozen=True)
class OutgoingDigest:
    """A workspace's weekly digest to post in its channel."""

    delivery_id: int
    team_id: str
    channel: str
    attempts: int
    first_day: date
    last_day: date
    digest: Digest
    notify: str | None  # who to tell if the channel can't be posted to
    names: dict[str, str]


def outgoing_summaries(session: Session, pending: Sequence[Pending]) -> list[OutgoingSummary]:
    """Build the scorecards of a batch; leads due at the same instant share their queries."""
    groups: dict[tuple[datetime, str], list[Lead]] = defaultdict(list)
    for item in pending:
        groups[(item.until, item.week)].append(item.lead)
    cards: dict[tuple[int, datetime], Scorecard] = {}
    for (until, week), leads in groups.items():
        for lead_id, card in build_scorecards(session, leads, until, week).items():
            cards[(lead_id, until)] = card
    mentioned: dict[str, set[str]] = defaultdict(set)
    for item in pending:
        card = cards[(item.lead.id, item.until)]
        mentioned[item.lead.team_id].update(u for moment in card.highlights for u in MENTION.findall(moment.text))
    names = {team: store.display_names(session, team, sorted(ids)) for team, ids in mentioned.items() if ids}
    outgoing = []
    for item in pending:
        lead, card = item.lead, cards[(item.lead.id, item.until)]
        lead.focus = card.focus.category  # the next week's prompts lean to it
        timezone = lead_timezone(lead, workspace_of(session, lead))
        outgoing.append(
            OutgoingSummary(
                delivery_id=item.delivery_id,
                team_id=lead.team_id,
                lead_id=lead.id,
                user_id=lead.user_id,
                dm_channel=lead.dm_channel,
                attempts=item.attempts,
                first_name=(lead.display_name or "there").split()[0],
                first_day=local_date_of(item.until - WEEK, timezone),
                last_day=local_date_of(item.until - timedelta(microseconds=1), timezone),
                scorecard=card,
                names=names.get(lead.team_id, {}),
            )
        )
    return outgoing


def build_scorecards(session: Session, leads: Sequence[Lead], until: datetime, week: str) -> dict[int, Scorecard]:
    """The scorecards of these leads for the seven days before `until`."""
    ids = [lead.id for lead in leads]
    start = until - WEEK
    trend = store.entries_between(session, ids, until - TREND_WEEKS * WEEK, until)  # the chart's eight weeks
    last_week = store.category_counts(session, ids, start - WEEK, start)
    last_totals = entry_counts(session, ids, start - WEEK, start)
    last_leadership = store.leadership_counts(session, ids, start - WEEK, start)
    earlier = store.category_counts(session, ids, start - 3 * WEEK, start - WEEK)
    prompts = store.prompt_statuses(session, ids, start, until)
    runs = store.diagnostics_between(session, ids, start - 3 * WEEK, until)
    weeks = entry_weeks(session, ids, until)
    # The loops' answers are dated in each lead's own zone: the four weeks through the scorecard's last local day.
    last_days = {
        lead.id: local_date_of(until - timedelta(microseconds=1), lead_timezone(lead, workspace_of(session, lead)))
        for lead in leads
    }
    loop_facts = loops.loop_facts(session, last_days)
    cards = {}
    for lead_id in ids:
        lead_runs = runs.get(lead_id, [])
        statuses = prompts.get(lead_id, Counter())
        facts = WeekFacts(
            week=week,
            moments=[Moment(*row) for row in trend.get(lead_id, []) if row[1] >= start],
            last_week=last_week.get(lead_id, Counter()),
            last_week_total=last_totals.get(lead_id, 0),
            last_week_leadership=last_leadership.get(lead_id, 0),
            earlier_fortnight=earlier.get(lead_id, Counter()),
            entry_weeks=weeks.get(lead_id, set()),
            prompts_sent=sum(statuses[s] for s in DELIVERED),
            prompts_answered=statuses[Status.ANSWERED],
            prompts_skipped=statuses[Status.SKIPPED],
            coding=[CodingRun(*row) for created, row in lead_runs if created >= start],
            handoffs=loop_facts[lead_id].handoffs,
            decided_by=loop_facts[lead_id].decided_by,
            absences=loop_facts[lead_id].absences,
            weekly=weekly_split([Moment(*row) for row in trend.get(lead_id, [])], until),
        )
        cards[lead_id] = count_week(facts, parse_iso_week(week).isocalendar().week)
    return cards


def entry_weeks(session: Session, ids: Sequence[int], until: datetime) -> dict[int, set[int]]:
    """Per lead, the weeks before `until` (0 the last seven days, 1 the seven before, ...) with an entry, read as
    far back as the streak goes."""
    weeks: dict[int, set[int]] = defaultdict(set)
    pending, offset = list(ids), 0
    while pending:
        end = until - offset * WEEK
        for lead_id, found in store.entry_weeks(session, pending, end - STREAK_WINDOW * WEEK, end).items():
            weeks[lead_id].update(offset + week for week in found)
        # Only a streak that reaches the oldest week read can go further back.
        pending = [i for i in pending if all(w in weeks[i] for w in range(max(offset, 1), offset + STREAK_WINDOW))]
        offset += STREAK_WINDOW
    return weeks


def outgoing_digest(
    session: Session, delivery_id: int, attempts: int, workspace: Workspace, channel: str, until: datetime, week: str
) -> OutgoingDigest:
    """The workspace's digest for the seven days before `until`."""
    team, start = workspace.team_id, until - WEEK
    participants, total = store.team_totals(session, team, start, until)
    last_participants, last_total = store.team_totals(session, team, start - WEEK, start)
    shared = store.shared_entries(session, team, start, until)
    authors = store.display_names(session, team, sorted({user for _, user, _, _, _ in shared}))
    digest = build_digest(
        week=week,
        participants=participants,
        last_participants=last_participants,
        by_category=store.team_categories(session, team, start, until),
        total=total,
        last_week_total=last_total,
        last_by_category=store.team_categories(session, team, start - WEEK, start),
        shared=[SharedMoment(authors.get(u, "a lead"), text, cats, created) for _, u, text, created, cats in shared],
    )
    mentioned = sorted({u for moment in digest.shared for u in MENTION.findall(moment.text)})
    return OutgoingDigest(
        delivery_id=delivery_id,
        team_id=team,
        channel=channel,
        attempts=attempts,
        first_day=local_date_of(start, workspace.timezone),
        last_day=local_date_of(until - timedelta(microseconds=1), workspace.timezone),
        digest=digest,
        notify=workspace.digest_set_by or workspace.installer_user_id,
        names=store.display_names(session, team, mentioned) if mentioned else {},
    )
