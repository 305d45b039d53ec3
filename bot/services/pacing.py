"""Per-workspace pacing of posts, shared by the threads of one process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces posts evenly at `per_minute` per workspace, and holds a workspace back after a 429."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, team_id: str) -> None:
        """Block until this workspace may post again, and book the slot."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(team_id, now))
            self._next[team_id] = slot + self.interval
        if slot > now:
            self._sleep(slot - now)

    def hold(self, team_id: str, seconds: float) -> None:
        """Slack said 429: nobody posts to this workspace for `seconds`."""
        with self._lock:
            resume = self._clock() + seconds
            self._next[team_id] = max(self._next.get(team_id, resume), resume)
