"""Scheduled work: one tick does everything due at an instant. `coach tick` and the scheduler share it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.services.ports import Sender
from bot.store.events import prune_processed_events

logger = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=7)


@dataclass
class TickReport:
    """What one tick did."""

    pruned_events: int = 0

    def summary(self) -> str:
        """One line for the terminal and the log."""
        return f"tick: pruned {self.pruned_events} old event ids"


def run_tick(session_factory: sessionmaker[Session], sender: Sender, now: datetime) -> TickReport:
    """Do everything due at `now`."""
    report = TickReport()
    with session_factory.begin() as session:
        report.pruned_events = prune_processed_events(session, now - EVENT_MEMORY)
    logger.info(report.summary())
    return report
