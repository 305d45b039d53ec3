"""The coaching loops' use cases: record a hand-off or a decision, note an absence, choose the day's follow-up at
prompt time and queue it once, and store the lead's answers (the message they answered is redrawn from them).

A follow-up rides on the lead's prompt schedule: it is queued by the tick that claims the day's prompt, so it comes
in the lead's timezone, on their workdays, never while paused and never at night; its delivery key is the lead's
local date, so there is at most one a day. The absence question and the quarter's list come instead of the prompt."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.coaching import loops as rules
from bot.coaching.loops import Due
from bot.coaching.schedule import local_date_of
from bot.services.errors import UserFacingError
from bot.services.ports import SlackProfile
from bot.services.schedules import lead_timezone
from bot.store import loops as store
from bot.store import outbox as outbox_store
from bot.store.deliveries import queue_once
from bot.store.leads import get_lead, get_or_create_lead, get_or_create_workspace, workspace_of
from bot.store.models import (
    Absence,
    AreaReview,
    Decision,
    Delivery,
    Diagnostic,
    Handoff,
    ImpactEntry,
    Kind,
    Lead,
    SoloArea,
)

Subject = TypeVar("Subject", Handoff, Decision, Absence, AreaReview)
REPLACES_PROMPT = frozenset({"absence", "quarter"})
NOT_YOURS = "That question isn't yours, or it has been deleted."


class WrongField(UserFacingError):
    """Bad input in one field of a hand-off or a decision; `field` names it (who, what, due)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Recorded:
    """A hand-off or decision just stored, as its confirmation tells it."""

    what: str
    person: str | None  # the delegate or owner; None: the team
    due_on: date
    asks_at_prompt_time: bool  # daily prompts are on, so the follow-up comes with them


def local_today(session: Session, team_id: str, user_id: str, default_timezone: str, now: datetime) -> date:
    """The person's local date (their timezone, else the workspace's, else the default)."""
    workspace = get_or_create_workspace(session, team_id, default_timezone)
    lead = get_lead(session, team_id, user_id)
    return local_date_of(now, lead_timezone(lead, workspace) if lead else workspace.timezone)


def check_person(profile: SlackProfile, team_id: str, user_id: str, role: str) -> str:
    """A delegate or owner must be another person of this workspace; returns their user id."""
    if profile.is_bot:
        raise WrongField(f"The {role} has to be a person, not a bot.", "who")
    if profile.deleted:
        raise WrongField(f"That account is deactivated: pick someone on your team as the {role}.", "who")
    if profile.team_id not in (None, team_id):
        raise WrongField(f"The {role} has to be in this workspace.", "who")
    if profile.user_id == user_id:
        raise WrongField(f"The {role} has to be someone else: pick a person on your team.", "who")
    return profile.user_id


def record_handoff(
    session: Session,
    team_id: str,
    user_id: str,
    delegate: SlackProfile,
    what: str,
    done_when: str | None,
    due_on: date,
    default_timezone: str,
    now: datetime,
    *,
    source: str = "command",
    source_id: int | None = None,
) -> Recorded:
    """Store a hand-off (one per diagnostic or entry it came from: recording it again updates it)."""
    who = check_person(delegate, team_id, user_id, "person you hand it to")
    today = local_today(session, team_id, user_id, default_timezone, now)
    with _told("what"):
        what = rules.check_what(what, "hand-off")
    with _told("due"):
        rules.check_due(due_on, today)
    lead = get_or_create_lead(session, team_id, user_id)
    handoff = _handoff_from(session, lead, source, source_id)
    if handoff is None:
        handoff = Handoff(lead_id=lead.id, source=source, created_at=now, asks=0, status="open")
        if source == "diagnostic":
            handoff.diagnostic_id = source_id
        elif source == "entry":
            handoff.entry_id = source_id
        session.add(handoff)
    handoff.delegate, handoff.delegate_name = who, delegate.display_name
    handoff.what, handoff.done_when = what, _note(done_when)
    handoff.due_on = handoff.next_ask_on = due_on
    handoff.status, handoff.answered_on = "open", None
    if source == "diagnostic" and source_id is not None:
        diagnostic = session.get_one(Diagnostic, source_id)
        diagnostic.outcome, diagnostic.outcome_at = "delegated", now
    session.flush()
    return Recorded(what, who, due_on, lead.enrolled)


def handoff_source(session: Session, team_id: str, user_id: str, source: str, source_id: int) -> str:
    """The words a hand-off recorded from a diagnostic (its task) or an entry starts from; refused if not theirs."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError("That isn't yours, or it has been deleted.")
    _handoff_from(session, lead, source, source_id)
    found = session.get(Diagnostic, source_id) if source == "diagnostic" else session.get(ImpactEntry, source_id)
    assert found is not None  # checked above
    return found.task if isinstance(found, Diagnostic) else found.text


def _handoff_from(session: Session, lead: Lead, source: str, source_id: int | None) -> Handoff | None:
    """The hand-off already recorded from this diagnostic or entry; refuses one that isn't the lead's."""
    if source == "command":
        return None
    owner = (
        session.get(Diagnostic, source_id or 0) if source == "diagnostic" else session.get(ImpactEntry, source_id or 0)
    )
    if owner is None or owner.lead_id != lead.id:
        raise UserFacingError("That isn't yours, or it has been deleted.")
    return store.handoff_recorded_from(session, source, source_id or 0)


def record_decision(
    session: Session,
    team_id: str,
    user_id: str,
    owner: SlackProfile | None,
    what: str,
    due_on: date,
    assumption: str | None,
    default_timezone: str,
    now: datetime,
) -> Recorded:
    """Store a decision left to the team (no owner) or to a person."""
    who = check_person(owner, team_id, user_id, "owner") if owner is not None else None
    today = local_today(session, team_id, user_id, default_timezone, now)
    with _told("what"):
        what = rules.check_what(what, "decision")
    with _told("due"):
        rules.check_due(due_on, today)
    lead = get_or_create_lead(session, team_id, user_id)
    session.add(
        Decision(
            lead_id=lead.id,
            what=what,
            owner=who,
            owner_name=owner.display_name if owner else None,
            due_on=due_on,
            next_ask_on=due_on,
            assumption=_note(assumption),
            asks=0,
            disagreed=False,
            created_at=now,
        )
    )
    session.flush()
    return Recorded(what, who, due_on, lead.enrolled)


def pause_changed(session: Session, lead: Lead, today: date, now: datetime) -> None:
    """Keep the lead's absence in step with their pause: a new pause of three workdays or more is remembered and
    asks (once) which decisions might wait; a pause stretched or cut short moves the absence's end; a pause ended
    before it began was no absence."""
    ongoing = store.open_absence(session, lead.id, today)
    last_day = lead.paused_until if lead.paused_until is not None and lead.paused_until >= today else None
    if ongoing is not None:
        if last_day is not None:
            ongoing.last_day = last_day
        elif ongoing.first_day >= today:
            session.delete(ongoing)
        else:
            ongoing.last_day = today - timedelta(days=1)
        return
    if last_day is None or not rules.is_long_absence(today, last_day, _workdays(lead)):
        return
    absence = Absence(lead_id=lead.id, first_day=today, last_day=last_day, created_at=now)
    session.add(absence)
    session.flush()
    _queue(session, lead, "away", absence.id, f"away-{absence.id}", now)


class DayPlanner:
    """What each lead of a tick's batch is asked today besides (or instead of) the prompt; reads the batch once."""

    def __init__(self, session: Session, leads: Sequence[Lead], now: datetime) -> None:
        ids = [lead.id for lead in leads]
        latest, earliest = (now + timedelta(hours=15)).date(), (now - timedelta(hours=13)).date()  # any zone's today
        self.due = store.due_followups(session, ids, latest)
        self.absences = store.unasked_absences(session, ids, earliest - rules.RETURN_WINDOW)
        quarters = sorted({rules.quarter_of(earliest), rules.quarter_of(latest)})
        self.reviewed = store.reviewed_quarters(session, ids, quarters)
        # Only leads without this quarter's review need their first prompt: on most days that is nobody.
        unreviewed = [i for i in ids if any((i, quarter) not in self.reviewed for quarter in quarters)]
        self.first_prompts = store.first_prompts(session, unreviewed) if unreviewed else {}

    def away(self, lead: Lead, day: date) -> bool:
        """Whether a Slack status says the lead is away that day (an absence from a status, not yet over)."""
        return any(a.source == "status" and a.first_day <= day <= a.last_day for a in self.absences.get(lead.id, []))

    def today(self, lead: Lead, day: date, timezone: str) -> Due | None:
        """The one loop question for the lead's day: back from an absence, the quarter's list, or a follow-up."""
        for absence in self.absences.get(lead.id, []):
            recent = day - rules.RETURN_WINDOW <= absence.last_day < day
            if recent and rules.is_long_absence(absence.first_day, absence.last_day, _workdays(lead)):
                return Due("absence", absence.id, absence.last_day)
        start, first_prompt = rules.quarter_start(day), self.first_prompts.get(lead.id)
        coached_before = first_prompt is not None and local_date_of(first_prompt, timezone) < start
        if coached_before and (lead.id, rules.quarter_of(day)) not in self.reviewed:
            return Due("quarter", 0, start)
        return rules.pick_followup(d for d in self.due.get(lead.id, []) if d.due_on <= day)


def ask(session: Session, lead: Lead, due: Due, day: date, now: datetime) -> bool:
    """Queue today's loop question, due `now` (the prompt's time), once a day (its key is the local date), and mark
    it asked; False if the day already has one."""
    delivery_id = _queue(session, lead, due.loop, due.item_id or None, day.isoformat(), now)
    if delivery_id is None:
        return False
    if due.loop == "handoff":
        handoff = session.get_one(Handoff, due.item_id)
        handoff.asks, handoff.next_ask_on = handoff.asks + 1, None
    elif due.loop == "decision":
        decision = session.get_one(Decision, due.item_id)
        decision.asks, decision.next_ask_on = decision.asks + 1, None
    elif due.loop == "assumption":
        session.get_one(Decision, due.item_id).check_on = None
    elif due.loop == "absence":
        session.get_one(Absence, due.item_id).asked_on = day
    else:
        review = AreaReview(lead_id=lead.id, quarter=rules.quarter_of(day), asked_on=day, created_at=now)
        session.add(review)
        session.flush()
        session.get_one(Delivery, delivery_id).subject_id = review.id
    return True


def _queue(session: Session, lead: Lead, loop: str, subject_id: int | None, key: str, now: datetime) -> int | None:
    return queue_once(
        session,
        team_id=lead.team_id,
        lead_id=lead.id,
        kind=Kind.FOLLOWUP,
        period_key=key,
        recipient=lead.user_id,
        now=now,
        subject_id=subject_id,
        payload=json.dumps({"loop": loop}),
    )


# ---------------------------------------------------------------- figures

LATEST_ABSENCES = 3


@dataclass(frozen=True)
class LoopFacts:
    """What the loops add to a lead's scorecard and Home: answers of the four weeks through a local date."""

    handoffs: tuple[str, ...] = ()  # statuses of hand-offs answered
    decided_by: tuple[str, ...] = ()
    absences: tuple[str, ...] = ()  # what waited, newest first


def loop_facts(session: Session, through: dict[int, date]) -> dict[int, LoopFacts]:
    """Per lead (id: their local date), the answers of the four weeks through that date."""
    if not through:
        return {}
    ids, window = list(through), rules.RATE_WINDOW - timedelta(days=1)
    since = min(through.values()) - window

    def within(lead_id: int, on: date) -> bool:
        return through[lead_id] - window <= on <= through[lead_id]

    handoffs, decisions = defaultdict(list), defaultdict(list)
    for lead_id, on, status in store.handoffs_answered(session, ids, since):
        if within(lead_id, on):
            handoffs[lead_id].append(status)
    for lead_id, on, who in store.decisions_made(session, ids, since):
        if within(lead_id, on):
            decisions[lead_id].append(who)
    absences = store.latest_absences(session, ids, LATEST_ABSENCES)
    return {
        lead_id: LoopFacts(
            tuple(handoffs[lead_id]),
            tuple(decisions[lead_id]),
            tuple(str(a.waited) for a in absences.get(lead_id, [])),
        )
        for lead_id in ids
    }


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class Asked:
    """A follow-up message, as the person answering it may change it."""

    delivery: Delivery
    lead: Lead
    loop: str
    today: date


def asked(session: Session, team_id: str, user_id: str, delivery_id: int, now: datetime) -> Asked:
    """The follow-up a click or a modal refers to, if it was sent to this person; refused otherwise."""
    found = session.get(Delivery, delivery_id)
    # Locked as the courier locks a send it records (its lead, then the delivery): an answer that lands while the
    # message is being sent waits for the record, then asks for a redraw the record cannot overwrite.
    lead = session.get(Lead, found.lead_id, with_for_update=True) if found is not None and found.lead_id else None
    delivery = session.get(Delivery, delivery_id, with_for_update=True, populate_existing=True) if lead else None
    theirs = lead is not None and (lead.team_id, lead.user_id) == (team_id, user_id)
    if delivery is None or lead is None or delivery.kind != Kind.FOLLOWUP or not theirs:
        raise UserFacingError(NOT_YOURS)
    loop = str(json.loads(delivery.payload or "{}").get("loop", ""))
    today = local_date_of(now, lead_timezone(lead, workspace_of(session, lead)))
    return Asked(delivery, lead, loop, today)


def answer(session: Session, team_id: str, user_id: str, delivery_id: int, choice: str, now: datetime) -> None:
    """Store the answer to a follow-up and redraw the message that asked it."""
    question = asked(session, team_id, user_id, delivery_id, now)
    subject, today = question.delivery.subject_id or 0, question.today
    if question.loop == "handoff":
        handoff = _subject(session, Handoff, subject)
        with _told("answer"):
            result = rules.answer_handoff(choice, handoff.asks, today)
        handoff.status, handoff.next_ask_on, handoff.answered_on = result.status, result.next_ask_on, today
    elif question.loop == "decision":
        decision = _subject(session, Decision, subject)
        with _told("answer"):
            made = rules.answer_decision(choice, decision.asks, bool(decision.assumption), today)
        decision.decided_by, decision.next_ask_on = made.decided_by, made.next_ask_on
        decision.decided_on, decision.check_on = made.decided_on, made.check_on
    elif question.loop == "assumption" and choice in rules.ASSUMPTION_ANSWERS:
        _subject(session, Decision, subject).assumption_held = choice
    elif question.loop == "absence" and choice in rules.ABSENCE_ANSWERS:
        _subject(session, Absence, subject).waited = choice
    else:
        raise UserFacingError("I didn't understand that answer.")
    _redraw(question, now, answer=choice)


def disagreed(session: Session, team_id: str, user_id: str, delivery_id: int, now: datetime) -> None:
    """The lead disagreed with the decision and committed to it anyway."""
    question = asked(session, team_id, user_id, delivery_id, now)
    if question.loop != "decision":
        raise UserFacingError("I didn't understand that answer.")
    _subject(session, Decision, question.delivery.subject_id or 0).disagreed = True
    _redraw(question, now)


def add_note(session: Session, team_id: str, user_id: str, delivery_id: int, text: str, now: datetime) -> None:
    """The optional note of an answer (for an absence ahead: the decisions that might wait)."""
    question = asked(session, team_id, user_id, delivery_id, now)
    subject, note = question.delivery.subject_id or 0, _note(text)
    if question.loop == "handoff":
        _subject(session, Handoff, subject).note = note
    elif question.loop in ("decision", "assumption"):
        _subject(session, Decision, subject).note = note
    elif question.loop == "absence":
        _subject(session, Absence, subject).note = note
    elif question.loop == "away":
        _subject(session, Absence, subject).expected = note
    else:
        raise UserFacingError(NOT_YOURS)
    _redraw(question, now)


def list_areas(session: Session, team_id: str, user_id: str, delivery_id: int, text: str, now: datetime) -> int:
    """This quarter's areas only one person understands (the list replaces the one given before); how many."""
    question = asked(session, team_id, user_id, delivery_id, now)
    if question.loop != "quarter":
        raise UserFacingError(NOT_YOURS)
    review = _subject(session, AreaReview, question.delivery.subject_id or 0)
    areas = rules.solo_areas(text)
    store.clear_areas(session, review.id)
    session.add_all(SoloArea(review_id=review.id, lead_id=review.lead_id, text=a, created_at=now) for a in areas)
    _redraw(question, now)
    return len(areas)


def mark_shared(
    session: Session, team_id: str, user_id: str, delivery_id: int, shared_ids: set[int], now: datetime
) -> None:
    """Tick off last quarter's areas that are now shared (those not ticked are single-owner still)."""
    question = asked(session, team_id, user_id, delivery_id, now)
    review = _subject(session, AreaReview, question.delivery.subject_id or 0)
    earlier = store.review_of(session, review.lead_id, rules.previous_quarter(review.asked_on))
    for area in store.areas_of(session, earlier.id) if earlier else []:
        if area.id in shared_ids and area.shared_on is None:
            area.shared_on = question.today
        elif area.id not in shared_ids:
            area.shared_on = None
    _redraw(question, now)


def _redraw(question: Asked, now: datetime, **payload: str) -> None:
    if payload:
        question.delivery.payload = json.dumps(json.loads(question.delivery.payload or "{}") | payload)
    outbox_store.requeue(question.delivery, now)


def _subject(session: Session, model: type[Subject], item_id: int) -> Subject:
    item = session.get(model, item_id)
    if item is None:
        raise UserFacingError(NOT_YOURS)
    return item


@contextmanager
def _told(field: str) -> Iterator[None]:
    """A domain check's complaint, shown to the lead as is (next to `field` in a modal)."""
    try:
        yield
    except rules.LoopError as error:
        raise WrongField(str(error), field) from None


def _note(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    return cleaned[: rules.NOTE_MAX] or None


def _workdays(lead: Lead) -> frozenset[int]:
    return frozenset(int(day) for day in lead.workdays)


# ---------------------------------------------------------------- drawing


@dataclass(frozen=True)
class Area:
    """An area only one person understands, as a quarter's message lists it."""

    area_id: int
    text: str
    shared: bool


@dataclass(frozen=True)
class FollowUp:
    """What a loop's message shows, read when it is sent or redrawn."""

    delivery_id: int
    loop: str
    answer: str | None = None  # the answer given through this message
    what: str = ""
    person: str | None = None  # the delegate or the owner; None: the team
    done_when: str | None = None
    recorded_on: date | None = None
    due_on: date | None = None
    assumption: str | None = None
    note: str | None = None
    ask_again_on: date | None = None
    disagreed: bool = False
    first_day: date | None = None  # an absence's
    last_day: date | None = None
    areas: tuple[Area, ...] = ()  # this quarter's list
    earlier: tuple[Area, ...] = ()  # last quarter's, to tick off


def followup(session: Session, delivery: Delivery, timezone: str) -> FollowUp | None:
    """The message of a loop's delivery as things stand; None once its subject is gone."""
    payload = json.loads(delivery.payload or "{}")
    loop, subject, shown = str(payload.get("loop", "")), delivery.subject_id or 0, payload.get("answer")
    base = FollowUp(delivery.id, loop, answer=str(shown) if shown else None)
    if loop == "handoff" and (handoff := session.get(Handoff, subject)) is not None:
        return replace(
            base,
            what=handoff.what,
            person=handoff.delegate,
            done_when=handoff.done_when,
            recorded_on=local_date_of(handoff.created_at, timezone),
            due_on=handoff.due_on,
            note=handoff.note,
            ask_again_on=handoff.next_ask_on,
        )
    if loop in ("decision", "assumption") and (decision := session.get(Decision, subject)) is not None:
        return replace(
            base,
            what=decision.what,
            person=decision.owner,
            recorded_on=local_date_of(decision.created_at, timezone),
            due_on=decision.due_on,
            assumption=decision.assumption,
            note=decision.note,
            ask_again_on=decision.next_ask_on,
            disagreed=decision.disagreed,
        )
    if loop in ("absence", "away") and (absence := session.get(Absence, subject)) is not None:
        note = absence.expected if loop == "away" else absence.note
        return replace(
            base, note=note, assumption=absence.expected, first_day=absence.first_day, last_day=absence.last_day
        )
    if loop == "quarter" and (review := session.get(AreaReview, subject)) is not None:
        earlier = store.review_of(session, review.lead_id, rules.previous_quarter(review.asked_on))
        return replace(
            base,
            what=review.quarter,
            areas=tuple(Area(a.id, a.text, a.shared_on is not None) for a in store.areas_of(session, review.id)),
            earlier=tuple(
                Area(a.id, a.text, a.shared_on is not None)
                for a in (store.areas_of(session, earlier.id) if earlier else [])
            ),
        )
    return None
