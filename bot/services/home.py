"""What the App Home shows a lead: their schedule, this week so far, recent entries and the coding trend."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.coaching.diagnostic import Trend
from bot.coaching.loops import Rate, autonomy_rate, held_rate
from bot.coaching.schedule import iso_week_key, local_date_of, week_bounds
from bot.services import loops
from bot.services.diagnostics import recent_trend
from bot.services.presence import UNTIL_CLEARED
from bot.services.schedules import lead_timezone
from bot.store import entries as entry_store
from bot.store import loops as loop_store
from bot.store import summaries as summary_store
from bot.store.deliveries import DELIVERED, entry_counts
from bot.store.leads import get_lead, workspace_of
from bot.store.models import Status

RECENT = 5


@dataclass(frozen=True)
class RecentEntry:
    """One of the latest entries, as Home lists it."""

    entry_id: int
    text: str  # as stored: Slack-escaped
    categories: tuple[str, ...]
    shareable: bool
    logged_on: str  # "Tue 17 Nov"


@dataclass(frozen=True)
class WeekSoFar:
    """The lead's local week, Monday until now."""

    moments: int
    by_category: tuple[tuple[str, int], ...]  # most first
    prompts_sent: int
    prompts_answered: int


@dataclass(frozen=True)
class LoopsState:
    """The coaching loops as Home shows them: four weeks of answers, and what is still to be asked."""

    held: Rate | None
    autonomy: Rate | None
    last_absence: str | None  # what waited, the last time
    waiting_handoffs: int
    waiting_decisions: int


@dataclass(frozen=True)
class HomeState:
    """The figures the Home tab is built from."""

    enrolled: bool
    entry_total: int = 0
    timezone: str | None = None
    next_prompt_local: str | None = None  # "Monday 23 Nov, 16:30"
    next_scorecard_local: str | None = None
    paused_through: str | None = None  # "Thursday 24 December"
    away_through: str | None = None  # a Slack status says away: "Thursday 24 December", or "you clear your status"
    week: WeekSoFar | None = None
    recent: tuple[RecentEntry, ...] = ()
    coding: Trend | None = None
    loops: LoopsState | None = None


def home_state(session: Session, team_id: str, user_id: str, now: datetime) -> HomeState:
    """Read the lead's state for their Home tab."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        return HomeState(enrolled=False)
    total = entry_store.entry_total(session, lead.id)
    if not lead.enrolled:
        return HomeState(enrolled=False, entry_total=total)
    timezone = lead_timezone(lead, workspace_of(session, lead))
    today = local_date_of(now, timezone)
    week = week_bounds(iso_week_key(today), timezone)  # the lead's local Monday to Monday
    statuses = summary_store.prompt_statuses(session, [lead.id], *week).get(lead.id, Counter())
    counts = summary_store.category_counts(session, [lead.id], *week).get(lead.id, Counter())
    moments = entry_counts(session, [lead.id], *week).get(lead.id, 0)
    paused = lead.paused_until if lead.paused_until and lead.paused_until >= today else None
    return HomeState(
        enrolled=True,
        entry_total=total,
        timezone=timezone,
        next_prompt_local=format_local(lead.next_prompt_at, timezone) if lead.next_prompt_at else None,
        next_scorecard_local=format_local(lead.next_summary_at, timezone) if lead.next_summary_at else None,
        paused_through=f"{paused:%A} {paused.day} {paused:%B}" if paused else None,
        away_through=_away_through(session, lead.id, today),
        week=WeekSoFar(
            moments=moments,
            by_category=tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
            prompts_sent=sum(statuses[status] for status in DELIVERED),
            prompts_answered=statuses[Status.ANSWERED],
        ),
        recent=tuple(
            RecentEntry(
                entry_id=entry.id,
                text=entry.text,
                categories=tuple(sorted(categories)),
                shareable=entry.shareable,
                logged_on=format_day(entry.created_at, timezone),
            )
            for entry, categories in entry_store.latest_entries(session, lead.id, RECENT)
        ),
        coding=recent_trend(session, team_id, user_id, now),
        loops=loops_state(session, lead.id, today),
    )


def loops_state(session: Session, lead_id: int, today: date) -> LoopsState:
    """Four weeks of the lead's loops through today, and what waits to be asked."""
    facts = loops.loop_facts(session, {lead_id: today})[lead_id]
    handoffs, decisions = loop_store.waiting_counts(session, lead_id)
    return LoopsState(
        held=held_rate(facts.handoffs),
        autonomy=autonomy_rate(facts.decided_by),
        last_absence=facts.absences[0] if facts.absences else None,
        waiting_handoffs=handoffs,
        waiting_decisions=decisions,
    )


def _away_through(session: Session, lead_id: int, today: date) -> str | None:
    ongoing = loop_store.open_absence(session, lead_id, today)
    if ongoing is None or ongoing.source != "status":
        return None
    last = ongoing.last_day
    return "you clear your status" if last >= today + UNTIL_CLEARED else f"{last:%A} {last.day} {last:%B}"


def format_local(instant: datetime, timezone: str) -> str:
    """An instant in a timezone as 'Monday 23 Nov, 16:30'."""
    moment = instant.astimezone(ZoneInfo(timezone))
    return f"{moment:%A} {moment.day} {moment:%b}, {moment:%H:%M}"


def format_day(instant: datetime, timezone: str) -> str:
    """The local day of an instant as 'Tue 17 Nov'."""
    moment = instant.astimezone(ZoneInfo(timezone))
    return f"{moment:%a} {moment.day} {moment:%b}"
