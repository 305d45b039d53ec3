"""The local workspace's clock: real time moved forward by the page's clock buttons, read in the lead's zone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.schedule import DEFAULT_TIME, DEFAULT_WORKDAYS
from bot.services import settings
from bot.services.errors import UserFacingError

DIGEST_AT = time(16, 0)  # the workspace's digest: Fridays at 16:00 in its own zone (DESIGN.md §3)
FRIDAY = 5  # ISO weekday


@dataclass(frozen=True)
class LeadTimes:
    """When the lead's prompt and scorecard are due, in their zone: their settings, or the defaults."""

    zone: str
    prompt_at: time = DEFAULT_TIME
    workdays: frozenset[int] = DEFAULT_WORKDAYS  # ISO weekdays
    scorecard_day: int = FRIDAY
    scorecard_at: time = DEFAULT_TIME


def lead_times_of(
    session_factory: sessionmaker[Session], team_id: str, user_id: str, default_zone: str, now: Callable[[], datetime]
) -> Callable[[], LeadTimes]:
    """The lead's times as their settings say at each call; the defaults in `default_zone` before they enroll."""

    def read() -> LeadTimes:
        with session_factory() as session:
            try:
                chosen = settings.current(session, team_id, user_id, now())
            except UserFacingError:
                return LeadTimes(default_zone)
        return LeadTimes(
            zone=chosen.timezone,
            prompt_at=chosen.prompt_time,
            workdays=chosen.workdays or DEFAULT_WORKDAYS,
            scorecard_day=chosen.summary_weekday,
            scorecard_at=chosen.summary_time,
        )

    return read


@dataclass(frozen=True)
class Jump:
    """Where a clock button takes the clock: the instants the tick runs at, the last one where the clock stays."""

    name: str
    label: str
    ticks: tuple[datetime, ...]


class TryClock:
    """Now, as the app sees it: the real time plus how far the page has moved the clock (only ever forward)."""

    def __init__(self, timezone: str, start: datetime | None = None) -> None:
        self.zone = ZoneInfo(timezone)  # the workspace's: its digest is due in it
        self._lock = threading.Lock()
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def __call__(self) -> datetime:
        """The current instant, in UTC."""
        with self._lock:
            return datetime.now(UTC) + self._offset

    def move_to(self, instant: datetime) -> None:
        """Move the clock to `instant`; never back (what the app stored stays in the past)."""
        with self._lock:
            self._offset = max(self._offset, instant - datetime.now(UTC))

    def jumps(self, lead: LeadTimes) -> list[Jump]:
        """The clock buttons, from the current instant: the lead's next prompt, their next scorecard (with the
        workspace's digest when it falls before it), and a day later."""
        zone = ZoneInfo(lead.zone)
        now = self().astimezone(zone)
        prompt = _next(now, lead.prompt_at, lambda day: day.isoweekday() in lead.workdays)
        scorecard = _next(now, lead.scorecard_at, lambda day: day.isoweekday() == lead.scorecard_day)
        digest = _next(now.astimezone(self.zone), DIGEST_AT, lambda day: day.isoweekday() == FRIDAY)
        ticks = (digest, scorecard) if digest < scorecard else (scorecard,)
        return [
            Jump("prompt", f"To {_day_name(now, prompt)} {prompt:%H:%M}", (prompt,)),
            Jump("scorecard", f"To {_day_name(now, scorecard)}'s scorecard", ticks),
            Jump("next-day", "Next day", (now + timedelta(days=1),)),
        ]


def _next(now: datetime, at: time, wanted: Callable[[datetime], bool]) -> datetime:
    """The first instant after `now` at the local time `at` on a day `wanted` accepts."""
    for days in range(8):
        instant = datetime.combine(now.date() + timedelta(days=days), at, now.tzinfo)
        if instant > now and wanted(instant):
            return instant
    raise ValueError("no day of the week is wanted")


def _day_name(now: datetime, instant: datetime) -> str:
    if instant.date() == now.date():
        return "today"
    if instant.date() == now.date() + timedelta(days=1):
        return "tomorrow"
    return instant.strftime("%A")
