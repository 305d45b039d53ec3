"""Test data written straight into the database: leads enrolled through the real service, and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.gateway import SlackGateway, make_client
from bot.local import history
from bot.local.history import add_diagnostic, add_entry
from bot.services import enrollment
from bot.store.models import (
    Absence,
    AreaReview,
    Decision,
    FilingMemory,
    Handoff,
    SoloArea,
)
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN
from tests.support import TEAM_ID as TEAM

__all__ = ["add_diagnostic", "add_entry", "add_loops", "add_memory", "add_prompt", "enroll"]


def enroll(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, user_id: str, now: datetime, **profile: Any
) -> int:
    slack.set_user(user_id, tz="Europe/London", **profile)
    profile = SlackGateway(make_client(BOT_TOKEN, slack.base_url)).user_profile(user_id)
    with session_factory.begin() as session:
        return enrollment.start(session, profile, TEAM, "UTC", now).lead.id


def add_prompt(session: Session, lead_id: int, user_id: str, at: datetime, status: str) -> None:
    history.add_prompt(session, TEAM, lead_id, user_id, at, status)


def add_loops(session: Session, lead_id: int, at: datetime) -> None:
    """One of each coaching loop's rows: a hand-off that held, a decision the team made, an absence and its answer,
    and a quarter's single-owner areas."""
    day = at.date()
    session.add(
        Handoff(
            lead_id=lead_id,
            delegate="U0SAM",
            delegate_name="Sam",
            what="the release checklist",
            done_when="the next release ships without me",
            due_on=day,
            source="command",
            status="held",
            asks=1,
            answered_on=day,
            created_at=at,
        )
    )
    session.add(
        Decision(
            lead_id=lead_id,
            what="which queue to use",
            due_on=day,
            assumption="the load stays under 1k/s",
            decided_by="team",
            decided_on=day,
            disagreed=True,
            asks=1,
            created_at=at,
        )
    )
    session.add(
        Absence(
            lead_id=lead_id, first_day=day, last_day=day, expected="the hiring call", waited="nothing", created_at=at
        )
    )
    review = AreaReview(lead_id=lead_id, quarter="2026-Q4", asked_on=day, created_at=at)
    session.add(review)
    session.flush()
    session.add(SoloArea(review_id=review.id, lead_id=lead_id, text="billing reconciliation", created_at=at))


def add_memory(session: Session, lead_id: int) -> None:
    """What one refiled entry taught the lead's filing."""
    session.add(FilingMemory(lead_id=lead_id, word="shadowed", category="mentoring", weight=1))
