"""Real life in the schedule, through signed events and real ticks: the profile's timezone, an away status,
public holidays, and catching up after the workers were down."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Absence, Delivery, Kind, Lead, Status
from tests.slack_api import SlackAPIServer
from tests.support import Clock, SlackRequests, queue_settled, wait_until
from tests.test_loops import Days
from tests.test_loops import days as days

LEAD = "U0LEAD"


def enroll(requests: SlackRequests, slack: SlackAPIServer, clock: Clock, tz: str, at: datetime) -> None:
    clock.now = at
    slack.set_user(LEAD, tz=tz)
    requests.command("/coach", "start")
    slack.wait_for("response_url")


def profile_event(tz: str, emoji: str = "", text: str = "", expiration: int = 0) -> dict[str, Any]:
    profile = {"status_emoji": emoji, "status_text": text, "status_expiration": expiration, "real_name": "Ada"}
    return {"type": "user_change", "user": {"id": LEAD, "tz": tz, "profile": profile, "is_bot": False}}


def the_lead(session_factory: sessionmaker[Session]) -> Lead:
    with session_factory() as session:
        return session.scalars(select(Lead).where(Lead.user_id == LEAD)).one()


def local(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(tz)).astimezone(UTC)


def prompts_on(session_factory: sessionmaker[Session]) -> dict[str, str]:
    """Period key (local date) -> kind of what the lead got that day: a prompt or a loop question."""
    with session_factory() as session:
        rows = session.execute(
            select(Delivery.period_key, Delivery.kind).where(Delivery.kind.in_((Kind.PROMPT, Kind.FOLLOWUP)))
        )
        return {key: kind for key, kind in rows}


def tick_days(days: Days, first: date, last: date, tz: str) -> None:
    day = first
    while day <= last:
        days.at(local(day, time(16, 30), tz))
        day += timedelta(days=1)


def test_a_profile_timezone_change_moves_the_next_prompt_unless_the_lead_chose_one(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock, "America/New_York", datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    assert the_lead(session_factory).next_prompt_at == local(date(2026, 11, 30), time(16, 30), "America/New_York")

    assert requests.event(profile_event("Europe/Berlin")).status == 200  # flew to Berlin
    lead = the_lead(session_factory)
    assert lead.timezone == "Europe/Berlin"
    assert lead.next_prompt_at == local(date(2026, 11, 30), time(16, 30), "Europe/Berlin")

    with session_factory.begin() as session:  # as saving a timezone in settings does
        session.scalars(select(Lead).where(Lead.user_id == LEAD)).one().timezone_chosen = True
    requests.event(profile_event("Asia/Tokyo"))
    assert the_lead(session_factory).timezone == "Europe/Berlin"

    requests.event({**profile_event("Asia/Tokyo"), "user": {"id": "U0SOMEONE", "tz": "Asia/Tokyo"}})
    with session_factory() as session:
        assert session.scalars(select(Lead.user_id)).all() == [LEAD]  # someone else's change stores nothing


def test_an_away_status_stops_prompts_until_it_clears_and_the_return_asks_what_waited(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    days: Days,
) -> None:
    tz = "America/New_York"
    enroll(requests, slack, clock, tz, datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    requests.event(profile_event(tz, ":palm_tree:", "Back soon"))  # no expiry: until cleared
    tick_days(days, date(2026, 11, 30), date(2026, 12, 6), tz)
    assert prompts_on(session_factory) == {}
    days.clock.now = local(date(2026, 12, 7), time(9, 0), tz)
    requests.event(profile_event(tz, "", ""))  # cleared on Monday morning
    tick_days(days, date(2026, 12, 7), date(2026, 12, 8), tz)
    assert prompts_on(session_factory) == {"2026-12-07": Kind.FOLLOWUP, "2026-12-08": Kind.PROMPT}
    with session_factory() as session:
        [absence] = session.scalars(select(Absence)).all()
    assert (absence.source, absence.first_day, absence.last_day, absence.asked_on) == (
        "status",
        date(2026, 11, 30),
        date(2026, 12, 6),
        date(2026, 12, 7),
    )


def test_an_away_status_that_expires_ends_by_itself(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    days: Days,
) -> None:
    tz = "America/New_York"
    enroll(requests, slack, clock, tz, datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    expires = int(local(date(2026, 12, 2), time(23, 0), tz).timestamp())  # through Wednesday
    requests.event(profile_event(tz, "", "OOO - conference", expires))
    tick_days(days, date(2026, 11, 30), date(2026, 12, 4), tz)
    # Away Monday to Wednesday (three workdays): Thursday asks what waited, Friday is a prompt again.
    assert prompts_on(session_factory) == {"2026-12-03": Kind.FOLLOWUP, "2026-12-04": Kind.PROMPT}


def test_no_prompt_on_the_leads_public_holidays(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    days: Days,
) -> None:
    tz = "America/Los_Angeles"
    enroll(requests, slack, clock, tz, local(date(2026, 12, 23), time(9, 0), tz))
    tick_days(days, date(2026, 12, 23), date(2026, 12, 28), tz)
    assert sorted(prompts_on(session_factory)) == ["2026-12-23", "2026-12-24", "2026-12-28"]  # not 25 December


def test_a_berlin_lead_who_works_saturdays_gets_nothing_on_26_december(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    days: Days,
) -> None:
    tz = "Europe/Berlin"
    enroll(requests, slack, clock, tz, local(date(2026, 12, 23), time(9, 0), tz))
    with session_factory.begin() as session:
        session.scalars(select(Lead).where(Lead.user_id == LEAD)).one().workdays = "1234567"
    tick_days(days, date(2026, 12, 23), date(2026, 12, 27), tz)
    # 25 and 26 December are public holidays in Germany; 27 December (a Sunday) is a workday for this lead.
    assert sorted(prompts_on(session_factory)) == ["2026-12-23", "2026-12-24", "2026-12-27"]


def test_a_late_scorecard_waits_for_the_leads_morning(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    days: Days,
) -> None:
    tz = "America/New_York"
    enroll(requests, slack, clock, tz, datetime(2026, 12, 4, 14, 0, tzinfo=UTC))  # Friday: scorecard at 16:30
    with session_factory.begin() as session:  # no prompts: only the scorecard is due
        session.scalars(select(Lead).where(Lead.user_id == LEAD)).one().next_prompt_at = None
    days.at(local(date(2026, 12, 6), time(2, 0), tz))  # the workers come back at 02:00 on Sunday
    with session_factory() as session:
        [card] = session.scalars(select(Delivery).where(Delivery.kind == Kind.SUMMARY)).all()
    assert card.status == Status.QUEUED
    assert card.next_attempt_at == local(date(2026, 12, 7), time(8, 0), tz)  # Monday 08:00
    assert not [c for c in slack.calls("chat.postMessage") if "Your week" in str(c.params.get("text"))]
    days.at(local(date(2026, 12, 7), time(8, 1), tz))
    [sent] = [c for c in slack.calls("chat.postMessage") if "Your week" in str(c.params.get("text"))]
    assert "Your week, 27 Nov – 4 Dec 2026" in sent.params["text"]  # the week it was due for


def test_after_days_down_the_first_tick_sends_todays_prompt_and_none_of_the_stale_ones(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    days: Days,
) -> None:
    tz = "America/New_York"
    enroll(requests, slack, clock, tz, local(date(2026, 12, 2), time(9, 0), tz))  # Wednesday
    report = days.at(local(date(2026, 12, 9), time(16, 45), tz))  # next Wednesday, 15 minutes after 16:30
    assert report.sent == 1  # Wednesday 2 to Tuesday 8 skipped as stale (and last Friday's scorecard)
    assert list(prompts_on(session_factory)) == ["2026-12-09"]
    assert the_lead(session_factory).next_prompt_at == local(date(2026, 12, 10), time(16, 30), tz)
    wait_until(lambda: queue_settled(session_factory))
    assert json.dumps([c.params for c in slack.calls("chat.postMessage")]).count("lead_coach_prompt") >= 1
