"""The local workspace's clock: real time moved forward by the page's clock buttons, in the lead's zone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

PROMPT_AT = time(16, 30)  # the default prompt and scorecard time (DESIGN.md §3)
DIGEST_AT = time(16, 0)  # the default digest time, Fridays
FRIDAY = 4


@dataclass(frozen=True)
class Jump:
    """Where a clock button takes the clock: the instants the tick runs at, the last one where the clock stays."""

    name: str
    label: str
    ticks: tuple[datetime, ...]


class TryClock:
    """Now, as the app sees it: the real time plus how far the page has moved the clock (only ever forward)."""

    def __init__(self, timezone: str, start: datetime | None = None) -> None:
        self.zone = ZoneInfo(timezone)
        self._lock = threading.Lock()
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def __call__(self) -> datetime:
        """The current instant, in UTC."""
        with self._lock:
            return datetime.now(UTC) + self._offset

    def local(self) -> datetime:
        """The current instant in the lead's zone."""
        return self().astimezone(self.zone)

    def move_to(self, instant: datetime) -> None:
        """Move the clock to `instant`; never back (what the app stored stays in the past)."""
        with self._lock:
            self._offset = max(self._offset, instant - datetime.now(UTC))

    def jumps(self) -> list[Jump]:
        """The clock buttons, from the current instant."""
        now = self.local()
        prompt = self._next(now, PROMPT_AT, lambda day: day.weekday() < 5)
        friday = self._next(now, PROMPT_AT, lambda day: day.weekday() == FRIDAY)
        digest = datetime.combine(friday.date(), DIGEST_AT, self.zone)
        next_day = now + timedelta(days=1)
        return [
            Jump("prompt", f"To {_day_name(now, prompt)} 16:30", (prompt,)),
            Jump(
                "scorecard", f"To {_day_name(now, friday)}'s scorecard", (*((digest,) if digest > now else ()), friday)
            ),
            Jump("next-day", "Next day", (next_day,)),
        ]

    def _next(self, now: datetime, at: time, wanted: Callable[[datetime], bool]) -> datetime:
        for days in range(8):
            day = now.date() + timedelta(days=days)
            instant = datetime.combine(day, at, self.zone)
            if instant > now and wanted(instant):
                return instant
        raise AssertionError("every week has a weekday")  # pragma: no cover


def _day_name(now: datetime, instant: datetime) -> str:
    if instant.date() == now.date():
        return "today"
    if instant.date() == now.date() + timedelta(days=1):
        return "tomorrow"
    return instant.strftime("%A")
