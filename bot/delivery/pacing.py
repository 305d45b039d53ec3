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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session_factory = session_factory
        self.interval = 60.0 / per_minute
        self.channel_interval = channel_interval
        self._sleep = sleep

    def wait(self, team_id: str, channel: str | None, longest: float = float("inf")) -> bool:
        """Block until this workspace (and channel) may be called again, having booked the slot; False, at once,
        if that is more than `longest` seconds away (the slot goes unused)."""
        with self.session_factory.begin() as session:
            after = 0.0
            if channel and self.channel_interval > 0:
                after = slots.book(session, f"{team_id}/{channel}", self.channel_interval)
            delay = slots.book(session, team_id, self.interval, after)
        if delay > longest:
            return False
        if delay > 0:
            self._sleep(delay)
        return True

    def hold(self, team_id: str, channel: str | None, seconds: float) -> None:
        """Slack said 429: nobody calls this workspace, nor posts in the channel, for `seconds`."""
        with self.session_factory.begin() as session:  # channel, then workspace: the order `wait` locks them in
            if channel:
                slots.hold(session, f"{team_id}/{channel}", seconds)
            slots.hold(session, team_id, seconds)
