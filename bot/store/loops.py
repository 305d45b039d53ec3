"""Queries behind the coaching loops: what is due to be asked, and the rows a lead's figures and export read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.coaching.loops import Due
from bot.store.models import Absence, AreaReview, Decision, Delivery, Handoff, Kind, SoloArea


def due_followups(session: Session, lead_ids: Sequence[int], until: date) -> dict[int, list[Due]]:
    """Per lead, the hand-offs, decisions and assumption checks due on or before `until` (a local date)."""
    due: dict[int, list[Due]] = defaultdict(list)
    handoffs = select(Handoff.lead_id, Handoff.id, Handoff.next_ask_on).where(
        Handoff.lead_id.in_(lead_ids), Handoff.next_ask_on <= until
    )
    for lead_id, item_id, on in session.execute(handoffs):
        due[lead_id].append(Due("handoff", item_id, on or until))
    decisions = select(Decision.lead_id, Decision.id, Decision.next_ask_on).where(
        Decision.lead_id.in_(lead_ids), Decision.next_ask_on <= until
    )
    for lead_id, item_id, on in session.execute(decisions):
        due[lead_id].append(Due("decision", item_id, on or until))
    checks = select(Decision.lead_id, Decision.id, Decision.check_on).where(
        Decision.lead_id.in_(lead_ids), Decision.check_on <= until
    )
    for lead_id, item_id, on in session.execute(checks):
        due[lead_id].append(Due("assumption", item_id, on or until))
    return due


def unasked_absences(session: Session, lead_ids: Sequence[int], ended_since: date) -> dict[int, list[Absence]]:
    """Per lead, absences not yet asked about that ended on or after `ended_since`, oldest first."""
    query = (
        select(Absence)
        .where(Absence.lead_id.in_(lead_ids), Absence.asked_on.is_(None), Absence.last_day >= ended_since)
        .order_by(Absence.first_day)
    )
    found: dict[int, list[Absence]] = defaultdict(list)
    for absence in session.scalars(query):
        found[absence.lead_id].append(absence)
    return found


def reviewed_quarters(session: Session, lead_ids: Sequence[int], quarters: Sequence[str]) -> set[tuple[int, str]]:
    """(lead id, quarter) pairs that already have their review."""
    query = select(AreaReview.lead_id, AreaReview.quarter).where(
        AreaReview.lead_id.in_(lead_ids), AreaReview.quarter.in_(quarters)
    )
    return {(lead_id, quarter) for lead_id, quarter in session.execute(query)}


def review_of(session: Session, lead_id: int, quarter: str) -> AreaReview | None:
    """The lead's review of a quarter."""
    query = select(AreaReview).where(AreaReview.lead_id == lead_id, AreaReview.quarter == quarter)
    return session.scalars(query).first()


def areas_of(session: Session, review_id: int) -> list[SoloArea]:
    """The areas a review listed, in the order given."""
    return list(session.scalars(select(SoloArea).where(SoloArea.review_id == review_id).order_by(SoloArea.id)))


def open_absence(session: Session, lead_id: int, on: date) -> Absence | None:
    """The lead's absence not yet asked about that covers a day, or ends the day before it (one that is extended)."""
    query = select(Absence).where(Absence.lead_id == lead_id, Absence.asked_on.is_(None), Absence.first_day <= on)
    return next((a for a in session.scalars(query.order_by(Absence.first_day.desc())) if a.last_day >= on), None)


def handoffs_answered(session: Session, lead_ids: Sequence[int], since: date) -> list[tuple[int, date, str]]:
    """(lead id, local date, status) of every hand-off answered since a date."""
    query = select(Handoff.lead_id, Handoff.answered_on, Handoff.status).where(
        Handoff.lead_id.in_(lead_ids), Handoff.answered_on >= since
    )
    return [(lead_id, on, status) for lead_id, on, status in session.execute(query) if on is not None]


def decisions_made(session: Session, lead_ids: Sequence[int], since: date) -> list[tuple[int, date, str]]:
    """(lead id, local date, who) of every decision made since a date."""
    query = select(Decision.lead_id, Decision.decided_on, Decision.decided_by).where(
        Decision.lead_id.in_(lead_ids), Decision.decided_on >= since
    )
    return [(lead_id, on, str(who)) for lead_id, on, who in session.execute(query) if on is not None]


def latest_absences(session: Session, lead_ids: Sequence[int], limit: int) -> dict[int, list[Absence]]:
    """Per lead, their latest answered absences, newest first."""
    query = (
        select(Absence)
        .where(Absence.lead_id.in_(lead_ids), Absence.waited.is_not(None))
        .order_by(Absence.lead_id, Absence.first_day.desc())
    )
    found: dict[int, list[Absence]] = defaultdict(list)
    for absence in session.scalars(query):
        if len(found[absence.lead_id]) < limit:
            found[absence.lead_id].append(absence)
    return found


def waiting_counts(session: Session, lead_id: int) -> tuple[int, int]:
    """(hand-offs, decisions) of the lead still to be asked about."""
    handoffs = session.scalar(
        select(func.count()).select_from(Handoff).where(Handoff.lead_id == lead_id, Handoff.next_ask_on.is_not(None))
    )
    decisions = session.scalar(
        select(func.count())
        .select_from(Decision)
        .where(Decision.lead_id == lead_id, (Decision.next_ask_on.is_not(None)) | (Decision.check_on.is_not(None)))
    )
    return int(handoffs or 0), int(decisions or 0)


def handoffs_of(session: Session, lead_id: int) -> list[Handoff]:
    """Every hand-off of the lead, by id."""
    return list(session.scalars(select(Handoff).where(Handoff.lead_id == lead_id).order_by(Handoff.id)))


def decisions_of(session: Session, lead_id: int) -> list[Decision]:
    """Every decision of the lead, by id."""
    return list(session.scalars(select(Decision).where(Decision.lead_id == lead_id).order_by(Decision.id)))


def absences_of(session: Session, lead_id: int) -> list[Absence]:
    """Every absence of the lead, oldest first."""
    return list(session.scalars(select(Absence).where(Absence.lead_id == lead_id).order_by(Absence.first_day)))


def reviews_of(session: Session, lead_id: int) -> list[AreaReview]:
    """Every quarter's review of the lead, by id."""
    return list(session.scalars(select(AreaReview).where(AreaReview.lead_id == lead_id).order_by(AreaReview.id)))


def solo_areas_of(session: Session, lead_id: int) -> list[tuple[str, SoloArea]]:
    """Every area the lead listed, with its quarter, oldest first."""
    query = (
        select(AreaReview.quarter, SoloArea)
        .join(AreaReview, AreaReview.id == SoloArea.review_id)
        .where(SoloArea.lead_id == lead_id)
        .order_by(SoloArea.id)
    )
    return [(quarter, area) for quarter, area in session.execute(query)]


def first_prompts(session: Session, lead_ids: Sequence[int]) -> dict[int, datetime]:
    """Per lead, when their first daily prompt was due: coached since then."""
    query = (
        select(Delivery.lead_id, func.min(Delivery.due_at))
        .where(Delivery.lead_id.in_(lead_ids), Delivery.kind == Kind.PROMPT)
        .group_by(Delivery.lead_id)
    )
    return {lead_id: first for lead_id, first in session.execute(query) if lead_id is not None and first is not None}


def handoff_recorded_from(session: Session, source: str, source_id: int) -> Handoff | None:
    """The hand-off already recorded from this diagnostic or entry (`source`), if any."""
    column = Handoff.diagnostic_id if source == "diagnostic" else Handoff.entry_id
    return session.scalars(select(Handoff).where(column == source_id)).one_or_none()


def clear_areas(session: Session, review_id: int) -> None:
    """Remove a review's areas (its list is given again as a whole)."""
    session.execute(delete(SoloArea).where(SoloArea.review_id == review_id))
