"""APScheduler wiring: one job, every minute, asks the database what is due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

logger = logging.getLogger(__name__)

# A tick that starts late still does its work (it asks the database what is due), so a generous grace
# is right; coalescing means a process that was asleep runs one catch-up tick, not a burst.
JOB_DEFAULTS = {"misfire_grace_time": 50, "coalesce": True, "max_instances": 1}


def make_scheduler(tick: Callable[[datetime], object], *, blocking: bool) -> BaseScheduler:
    """A scheduler in UTC with an in-memory job store (never shared between processes)."""
    scheduler: BaseScheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone=UTC, job_defaults=JOB_DEFAULTS
    )

    def run() -> None:
        tick(datetime.now(UTC))

    # The first tick runs at start-up: a restarted worker catches up at once rather than at the next minute.
    first = datetime.now(UTC)
    scheduler.add_job(run, CronTrigger(second=0, timezone=UTC), id="tick", name="tick", next_run_time=first)
    return scheduler
