"""The coding diagnostic's use cases: record a run and its verdict, its outcome later, and the trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.coaching.diagnostic import OUTCOMES, TREND_WINDOW, Answers, Run, Trend, trend
from bot.services.errors import UserFacingError
from bot.store.entries import diagnostics_since
from bot.store.leads import get_lead, get_or_create_lead, get_or_create_workspace
from bot.store.models import Diagnostic, Lead


@dataclass(frozen=True)
class Verdict:
    """A stored diagnostic, as its DM shows it."""

    diagnostic_id: int
    task: str
    ownership: str
    pull: str
    hours: float | None
    verdict: str
    outcome: str | None


def record(
    session: Session, team_id: str, user_id: str, answers: Answers, default_timezone: str, now: datetime
) -> Verdict:
    """Store a run; someone not enrolled is added quietly, with daily prompts off."""
    get_or_create_workspace(session, team_id, default_timezone)
    lead = get_or_create_lead(session, team_id, user_id)
    diagnostic = Diagnostic(
        lead_id=lead.id,
        task=answers.task,
        ownership=answers.ownership,
        pull=answers.pull,
        hours=answers.hours,
        verdict=answers.verdict,
        created_at=now,
    )
    session.add(diagnostic)
    session.flush()
    return _verdict(diagnostic)


def record_outcome(
    session: Session, team_id: str, user_id: str, diagnostic_id: int, outcome: str, now: datetime
) -> Verdict:
    """What the lead ended up doing, for their own diagnostic only."""
    diagnostic = session.get(Diagnostic, diagnostic_id)
    lead = session.get(Lead, diagnostic.lead_id) if diagnostic is not None else None
    if diagnostic is None or lead is None or (lead.team_id, lead.user_id) != (team_id, user_id):
        raise UserFacingError("That diagnostic isn't yours, or it has been deleted.")
    if outcome not in OUTCOMES:
        raise UserFacingError("I didn't understand that choice.")
    diagnostic.outcome, diagnostic.outcome_at = outcome, now
    return _verdict(diagnostic)


def recent_trend(session: Session, team_id: str, user_id: str, now: datetime) -> Trend:
    """The lead's last four weeks of diagnostics."""
    lead = get_lead(session, team_id, user_id)
    rows = diagnostics_since(session, lead.id, now - TREND_WINDOW) if lead is not None else []
    return trend([Run(d.pull, d.verdict, d.hours, d.outcome, d.created_at) for d in rows], now)


def _verdict(diagnostic: Diagnostic) -> Verdict:
    return Verdict(
        diagnostic_id=diagnostic.id,
        task=diagnostic.task,
        ownership=diagnostic.ownership,
        pull=diagnostic.pull,
        hours=diagnostic.hours,
        verdict=diagnostic.verdict,
        outcome=diagnostic.outcome,
    )
