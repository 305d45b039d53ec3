"""Pacing shared by every process: slots are booked in the database, per workspace and per channel."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.store import pacing as slots

CHANNEL_INTERVAL = 1.0  # Slack allows about one message a second in a channel (with short bursts)


class Pacer:
    """Spaces calls at `per_minute` per workspace and `channel_interval` per channel, across processes, and holds
    a workspace and the channel back after a 429."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        per_minute: int,
        *,
        channel_interval: float = CHANNEL_INTERVAL,
        clock: Callable[[], float] = time.time,  # wall-clock: every process must read the same time
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session_factory = session_factory
        self.interval = 60.0 / per_minute
        self.channel_interval = channel_interval
        self._clock, self._sleep = clock, sleep

    def wait(self, team_id: str, channel: str | None) -> None:
        """Block until this workspace (and channel) may be called again, having booked the slot."""
        now = self._clock()
        with self.session_factory.begin() as session:
            earliest = now
            if channel and self.channel_interval > 0:
                earliest = slots.book(session, f"{team_id}/{channel}", now, self.channel_interval)
            slot = slots.book(session, team_id, earliest, self.interval)
        if slot > now:
            self._sleep(slot - now)

    def hold(self, team_id: str, channel: str | None, seconds: float) -> None:
        """Slack said 429: nobody calls this workspace, nor posts in the channel, for `seconds`."""
        until = self._clock() + seconds
        with self.session_factory.begin() as session:
            slots.hold(session, team_id, until)
            if channel:
                slots.hold(session, f"{team_id}/{channel}", until)
