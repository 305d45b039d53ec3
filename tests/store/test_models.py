from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.leads import get_or_create_lead, get_or_create_workspace
from bot.store.models import Delivery, Diagnostic, EntryCategory, ImpactEntry, Lead, Reply


def make_lead(session: Session, user_id: str = "U1") -> Lead:
    get_or_create_workspace(session, "T1", "UTC")
    return get_or_create_lead(session, "T1", user_id)


def test_timestamps_come_back_aware_in_utc(session_factory: sessionmaker[Session]) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    with session_factory.begin() as session:
        lead = make_lead(session)
        lead.next_prompt_at = moment
    with session_factory() as session:
        stored = session.scalars(select(Lead)).one().next_prompt_at
    assert stored == moment
    assert stored is not None
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        lead = make_lead(session)
        lead.next_prompt_at = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_a_second_delivery_for_the_same_period_is_impossible(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        lead = make_lead(session)
        session.add(Delivery(team_id="T1", lead_id=lead.id, kind="prompt", period_key="2026-11-23", recipient="U1"))
    with session_factory() as session:
        session.add(Delivery(team_id="T1", lead_id=lead.id, kind="prompt", period_key="2026-11-23", recipient="U1"))
        with pytest.raises(IntegrityError):
            session.commit()
    with session_factory.begin() as session:  # another kind or another period is fine
        session.add(Delivery(team_id="T1", lead_id=lead.id, kind="summary", period_key="2026-11-23", recipient="U1"))
        session.add(Delivery(team_id="T1", lead_id=lead.id, kind="prompt", period_key="2026-11-24", recipient="U1"))
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 3


def test_get_or_create_lead_is_idempotent_and_team_scoped(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        first = make_lead(session, "U1")
        again = get_or_create_lead(session, "T1", "U1")
        get_or_create_workspace(session, "T2", "UTC")
        other_team = get_or_create_lead(session, "T2", "U1")
    assert first.id == again.id
    assert other_team.id != first.id


def test_deleting_a_lead_removes_everything_of_theirs(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        lead, other = make_lead(session, "U1"), make_lead(session, "U2")
        for owner in (lead, other):
            delivery = Delivery(team_id="T1", lead_id=owner.id, kind="prompt", period_key="d", recipient=owner.user_id)
            session.add(delivery)
            session.flush()
            entry = ImpactEntry(lead_id=owner.id, delivery_id=delivery.id, text="paired on deploys", source="dm")
            session.add(entry)
            session.flush()
            session.add(
                Reply(
                    entry_id=entry.id,
                    lead_id=owner.id,
                    text=entry.text,
                    source="dm",
                    channel=f"D{owner.user_id}",
                    message_ts="1.1",
                )
            )
            session.add(EntryCategory(entry_id=entry.id, category="mentoring"))
            session.add(Diagnostic(lead_id=owner.id, task="t", ownership="no", pull="strategic", verdict="go"))
    with session_factory.begin() as session:
        session.delete(session.get(Lead, lead.id))
    with session_factory() as session:
        for model in (Delivery, Reply, ImpactEntry, Diagnostic):
            assert session.scalar(select(func.count()).select_from(model)) == 1, model
        assert session.scalar(select(func.count()).select_from(EntryCategory)) == 1
        assert session.scalars(select(Reply.lead_id)).one() == other.id


def test_created_at_defaults_to_now_in_utc(session_factory: sessionmaker[Session]) -> None:
    before = datetime.now(UTC)
    with session_factory.begin() as session:
        lead = make_lead(session)
    assert before - timedelta(seconds=5) <= lead.created_at <= datetime.now(UTC)
