"""The tick, end to end: the real services and database, the Slack-compatible server, simulated time."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.calendar import country_of, is_holiday
from bot.coaching.prompts import PromptLibrary, make_prompt_environment
from bot.delivery.gateway import SlackGateway, make_client
from bot.jobs import run_tick
from bot.services import enrollment, prompts
from bot.store.db import make_session_factory
from bot.store.models import Delivery, Lead
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN
from tests.ticks import make_tick, two_workers_at_once

TEAM = "T0TEAM"


def enroll(session_factory: sessionmaker[Session], slack: SlackAPIServer, user_id: str, tz: str, now: datetime) -> None:
    slack.set_user(user_id, tz=tz)
    profile = SlackGateway(make_client(BOT_TOKEN, slack.base_url)).user_profile(user_id)
    with session_factory.begin() as session:
        enrollment.start(session, profile, TEAM, "UTC", now)


def deliveries(session_factory: sessionmaker[Session]) -> list[Delivery]:
    with session_factory() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


ZONES = {
    "UNEWYORK": "America/New_York",  # US DST ends Sunday 1 November 2026
    "ULONDON": "Europe/London",  # EU DST ends Sunday 25 October 2026
    "UKOLKATA": "Asia/Kolkata",
    "USYDNEY": "Australia/Sydney",
    "ULOSANGELES": "America/Los_Angeles",
    "UTOKYO": "Asia/Tokyo",
    "UPAUSED": "Europe/Berlin",
}


def test_a_simulated_fortnight_gives_one_prompt_per_local_workday_at_local_time(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    start = datetime(2026, 10, 21, 0, 0, tzinfo=UTC)  # a Wednesday; both DST changes fall inside
    end = datetime(2026, 11, 5, 0, 0, tzinfo=UTC)
    for user_id, tz in ZONES.items():
        enroll(session_factory, slack, user_id, tz, start)
    with session_factory.begin() as session:
        paused = session.scalars(select(Lead).where(Lead.user_id == "UPAUSED")).one()
        paused.paused_until = date(2026, 10, 28)
        paused.next_prompt_at = datetime(2026, 10, 29, 15, 30, tzinfo=UTC)  # as /coach pause would set it
        paused.next_summary_at = datetime(2026, 10, 30, 15, 30, tzinfo=UTC)
    tick = make_tick(session_factory, slack, library)
    now = start
    while now < end:
        run_tick(tick, now)
        now += timedelta(minutes=30)

    sent = [d for d in deliveries(session_factory) if d.kind == "prompt"]
    assert all(d.status == "sent" for d in sent)
    scorecards = [d for d in deliveries(session_factory) if d.kind == "summary"]
    assert all(d.status == "sent" for d in scorecards)
    assert len(slack.calls("chat.postMessage")) == len(sent) + len(scorecards)
    by_lead: dict[str, list[Delivery]] = {}
    with session_factory() as session:
        users = {lead.id: lead.user_id for lead in session.scalars(select(Lead))}
    for delivery in sent:
        by_lead.setdefault(users[delivery.lead_id or 0], []).append(delivery)
    for user_id, tz in ZONES.items():
        zone = ZoneInfo(tz)
        expected = {
            day.date()
            for day in (start.astimezone(zone) + timedelta(days=n) for n in range(16))
            if day.isoweekday() <= 5 and start <= datetime.combine(day.date(), time(16, 30), zone) < end
        }
        if user_id == "UPAUSED":
            expected = {day for day in expected if day > date(2026, 10, 28)}
        # No prompt on the lead's public holidays: Culture Day in Japan falls in the fortnight.
        expected -= {day for day in expected if is_holiday(day, country_of(tz))}
        if user_id == "UTOKYO":
            assert date(2026, 11, 3) not in expected
        got = [d.period_key for d in by_lead.get(user_id, [])]
        assert sorted(got) == sorted(day.isoformat() for day in expected), user_id
        assert len(got) == len(set(got)), f"{user_id} got a day twice"
        for delivery in by_lead.get(user_id, []):
            due_local = delivery.due_at.astimezone(zone) if delivery.due_at else None
            assert due_local is not None
            assert (due_local.hour, due_local.minute) == (16, 30), (user_id, due_local)
            assert delivery.sent_at is not None
            assert timedelta(0) <= delivery.sent_at - delivery.due_at < timedelta(minutes=30)
        themes = [library.get(d.prompt_id or "") for d in by_lead.get(user_id, [])]
        assert all(a is not None and b is not None and a.theme != b.theme for a, b in itertools.pairwise(themes))
    # One scorecard per lead per ISO week, on Friday at the prompt time; none in a paused week.
    weeks: dict[str, list[str]] = {}
    for delivery in scorecards:
        weeks.setdefault(users[delivery.lead_id or 0], []).append(delivery.period_key)
        due_local = (delivery.due_at or start).astimezone(ZoneInfo(ZONES[users[delivery.lead_id or 0]]))
        assert (due_local.isoweekday(), due_local.hour, due_local.minute) == (5, 16, 30)
    assert weeks == {user: ["2026-W44"] if user == "UPAUSED" else ["2026-W43", "2026-W44"] for user in ZONES}


def test_nothing_is_sent_at_the_weekend(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    saturday = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    enroll(session_factory, slack, "UNEWYORK", "America/New_York", saturday)
    tick = make_tick(session_factory, slack, library)
    for hour in range(0, 48, 1):
        run_tick(tick, saturday + timedelta(hours=hour))
    assert slack.calls("chat.postMessage") == []


def due_now(session_factory: sessionmaker[Session], slack: SlackAPIServer, count: int, now: datetime) -> None:
    for n in range(count):
        enroll(session_factory, slack, f"ULEAD{n:03d}", "UTC", now - timedelta(days=1))
    with session_factory.begin() as session:
        for lead in session.scalars(select(Lead)):
            lead.next_prompt_at = now - timedelta(minutes=1)


def test_two_ticks_at_once_send_exactly_once(
    engine: Engine, database_url: str, slack: SlackAPIServer, library: PromptLibrary
) -> None:
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    first = make_session_factory(engine)
    due_now(first, slack, 60, now)
    reports = two_workers_at_once(engine, database_url, slack, library, now)
    posts = Counter(call.params["channel"] for call in slack.calls("chat.postMessage"))
    assert len(posts) == 60
    assert set(posts.values()) == {1}
    assert sum(report.sent for report in reports) == 60
    assert len(deliveries(first)) == 60


def test_rate_limits_and_server_errors_are_survived_with_nothing_lost_or_doubled(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    due_now(session_factory, slack, 20, now)
    slack.fail("chat.postMessage", status=429, retry_after=1, times=3)
    slack.fail("chat.postMessage", status=500, times=4)
    report = run_tick(make_tick(session_factory, slack, library), now)
    assert report.sent == 20
    answered = [c for c in slack.calls("chat.postMessage") if c.fault is None]
    assert Counter(c.params["channel"] for c in answered) == Counter({f"ULEAD{n:03d}": 1 for n in range(20)})
    assert {c.fault for c in slack.calls("chat.postMessage")} >= {"http_429", "http_500"}
    assert all(d.status == "sent" and d.ts for d in deliveries(session_factory))


def test_an_unreachable_lead_stops_being_prompted_and_others_are_not_held_up(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    due_now(session_factory, slack, 5, now)
    slack.fail("chat.postMessage", error="user_not_found", when={"channel": "ULEAD002"}, times=None)
    tick = make_tick(session_factory, slack, library)
    report = run_tick(tick, now)
    assert (report.sent, report.unreachable) == (4, 1)
    with session_factory() as session:
        gone = session.scalars(select(Lead).where(Lead.user_id == "ULEAD002")).one()
        assert gone.active is False
        assert gone.next_prompt_at is None
    for day in range(1, 4):
        run_tick(tick, now + timedelta(days=day))
    to_gone = [c for c in slack.calls("chat.postMessage") if c.params["channel"] == "ULEAD002"]
    assert len(to_gone) == 1


def test_a_prompt_due_more_than_three_hours_ago_is_skipped_not_sent_at_night(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    enroll(session_factory, slack, "ULONDON", "Europe/London", monday)
    tick = make_tick(session_factory, slack, library)
    report = run_tick(tick, datetime(2026, 11, 23, 20, 31, tzinfo=UTC))  # down since 16:30: four hours late
    assert (report.sent, report.late) == (0, 1)
    run_tick(tick, datetime(2026, 11, 24, 16, 31, tzinfo=UTC))
    assert [d.period_key for d in deliveries(session_factory)] == ["2026-11-24"]


@pytest.mark.parametrize("dm_known", [True, False], ids=["dm-known", "first-prompt-ever"])
def test_a_worker_that_died_after_posting_is_not_followed_by_a_second_post(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary, dm_known: bool
) -> None:
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    due_now(session_factory, slack, 2, now)
    tick = make_tick(session_factory, slack, library)
    if dm_known:
        with session_factory.begin() as session:
            for lead in session.scalars(select(Lead)):
                lead.dm_channel = SlackAPIServer.dm_channel_id(lead.user_id)
    with session_factory.begin() as session:  # a worker claims both, posts the first, and dies
        claimed = prompts.claim_due_prompts(session, library, make_prompt_environment(), now)
    tick.courier.posts.post_prompt(claimed.outgoing[0])
    assert run_tick(tick, now + timedelta(minutes=1)).sent == 0  # the claims are leased to the dead worker
    report = run_tick(tick, now + timedelta(minutes=6))  # lease over: the next tick takes them over
    assert report.sent == 2
    assert Counter(c.params["channel"] for c in slack.calls("chat.postMessage")) == Counter(
        {"ULEAD000": 1, "ULEAD001": 1}
    )
    assert all(d.status == "sent" for d in deliveries(session_factory))
    assert len(slack.calls("conversations.open")) == (0 if dm_known else 2)


def test_a_lead_with_an_unreadable_schedule_does_not_hold_up_the_others(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    due_now(session_factory, slack, 3, now)
    with session_factory.begin() as session:
        broken = session.scalars(select(Lead).where(Lead.user_id == "ULEAD001")).one()
        broken.timezone = "Mars/Olympus_Mons"
    report = run_tick(make_tick(session_factory, slack, library), now)
    assert report.sent == 2
    with session_factory() as session:
        assert session.scalars(select(Lead).where(Lead.user_id == "ULEAD001")).one().next_prompt_at is None


def test_posts_keep_to_the_workspace_rate(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary
) -> None:
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    due_now(session_factory, slack, 25, now)
    per_minute = 1200  # one post every 50 ms
    report = run_tick(make_tick(session_factory, slack, library, per_minute=per_minute), now)
    assert report.sent == 25
    times = sorted(call.time for call in slack.calls("chat.postMessage"))
    # Slots are booked 50 ms apart; a post may land a little after its slot but never before it.
    assert times[-1] - times[0] >= 24 * 60 / per_minute * 0.95
    assert all(later - earlier >= 0.0 for earlier, later in itertools.pairwise(times))
    window = [t for t in times if t - times[0] < 0.5]
    assert len(window) <= 0.5 * per_minute / 60 + 2


@pytest.mark.parametrize("response", ["skip", "reject"])
def test_responses_are_recorded_only_for_the_lead_the_prompt_was_sent_to(
    session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary, response: str
) -> None:
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
    due_now(session_factory, slack, 2, now)
    run_tick(make_tick(session_factory, slack, library), now)
    first = deliveries(session_factory)[0]
    with session_factory() as session, pytest.raises(prompts.UserFacingError):
        prompts.respond_to_prompt(
            session, TEAM, "ULEAD001" if first.recipient == "ULEAD000" else "ULEAD000", first.id, response
        )
    with session_factory.begin() as session:
        prompts.respond_to_prompt(session, TEAM, first.recipient, first.id, response)
    assert deliveries(session_factory)[0].status == prompts.RESPONSES[response]
