"""Coaching loops through signed requests and real ticks: hand-offs, decisions, absences and the quarter's areas,
each followed up once, at the lead's local prompt time, on workdays, at most one a day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.jobs import TickReport, run_tick
from bot.slack.blocks.diagnostic import HANDOFF_ACTION as DIAGNOSTIC_HANDOFF
from bot.slack.blocks.diagnostic import MODAL_CALLBACK as DIAGNOSTIC_CALLBACK
from bot.slack.blocks.entries import HANDOFF_ACTION as ENTRY_HANDOFF
from bot.slack.blocks.loops import (
    ANSWER_PREFIX,
    AREAS_MODAL,
    DECISION_MODAL,
    DISAGREED_ACTION,
    HANDOFF_MODAL,
    LIST_AREAS_ACTION,
    NOTE_ACTION,
    NOTE_MODAL,
    SHARED_ACTION,
)
from bot.store.models import Absence, AreaReview, Decision, Delivery, Diagnostic, Handoff, ImpactEntry, Kind, SoloArea
from tests.slack.test_why_coding import values as diagnostic_values
from tests.slack_api import Call, SlackAPIServer
from tests.support import Clock, SlackRequests, queue_settled, wait_until
from tests.ticks import make_tick

LEAD, SAM, PRIYA = "U0LEAD", "U0SAM", "U0PRIYA"
ZONE = "America/New_York"  # 16:30 local is 21:30 UTC in winter
MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 in New York
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def prompt_time(day: date) -> datetime:
    """16:30 in New York on that day, in UTC."""
    return datetime.combine(day, time(16, 30), ZoneInfo(ZONE)).astimezone(UTC)


@pytest.fixture
def lead(requests: SlackRequests, slack: SlackAPIServer, clock: Clock) -> str:
    """An enrolled lead in New York, and two teammates."""
    clock.now = MONDAY
    slack.set_user(LEAD, tz=ZONE)
    slack.set_user(SAM, name="sam", tz=ZONE)
    slack.set_user(PRIYA, name="priya", tz=ZONE)
    requests.command("/coach", "start")
    slack.wait_for("response_url")
    return LEAD


class Days:
    """Runs the real tick at the lead's prompt time, day by day, and collects what the loops posted."""

    def __init__(
        self, session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary, clock: Clock
    ):
        self.session_factory, self.slack, self.clock = session_factory, slack, clock
        self.tick = make_tick(session_factory, slack, library, clock=clock)

    def at(self, instant: datetime) -> TickReport:
        # What the app is still sending holds its lead's row, and a tick skips a lead another worker holds.
        wait_until(lambda: queue_settled(self.session_factory, self.clock.now), 10)
        self.clock.now = instant  # the app's clock too: what it queues is due when the tick says
        report = run_tick(self.tick, instant)
        wait_until(lambda: queue_settled(self.session_factory, instant), 10)
        return report

    def through(self, first: date, last: date) -> dict[date, TickReport]:
        """A tick at 16:30 local every day (weekends too: nothing is due then)."""
        reports, day = {}, first
        while day <= last:
            reports[day] = self.at(prompt_time(day))
            day += timedelta(days=1)
        return reports

    def followups(self, *loops: str) -> list[Call]:
        """Every follow-up posted (each delivery's first post), oldest first; only these loops' if given."""
        with self.session_factory() as session:
            rows = session.execute(select(Delivery.id, Delivery.payload).where(Delivery.kind == Kind.FOLLOWUP))
            ids = {i for i, payload in rows if not loops or json.loads(payload or "{}").get("loop") in loops}
        return [
            c
            for c in self.slack.calls("chat.postMessage")
            if c.error is None and (c.params.get("metadata") or {}).get("event_payload", {}).get("delivery_id") in ids
        ]


@pytest.fixture
def days(session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary, clock: Clock) -> Days:
    return Days(session_factory, slack, library, clock)


def answer_text(slack: SlackAPIServer, count: int = 1) -> str:
    return str(slack.wait_for("response_url", count=count)[-1].params["text"])


def delivery_of(call: Call) -> int:
    return int(call.params["metadata"]["event_payload"]["delivery_id"])


def click(requests: SlackRequests, call: Call, action_id: str) -> None:
    response = call.response or {}
    requests.message_button(
        action_id, str(delivery_of(call)), channel=str(response["channel"]), message_ts=str(response["ts"])
    )


def handoffs(session_factory: sessionmaker[Session]) -> list[Handoff]:
    with session_factory() as session:
        return list(session.scalars(select(Handoff).order_by(Handoff.id)))


def test_a_handoff_by_command_is_asked_about_once_on_its_date_and_still_going_asks_again_twice(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    requests.command("/handoff", f"<@{SAM}|sam> the release checklist by 2026-12-02")
    assert "Recorded: *the release checklist*, handed to <@U0SAM>" in answer_text(slack, 2)
    assert "Wednesday 2 December, at your prompt time" in answer_text(slack, 2)
    [stored] = handoffs(session_factory)
    assert (stored.delegate, stored.what, stored.due_on, stored.source) == (
        SAM,
        "the release checklist",
        date(2026, 12, 2),
        "command",
    )

    days.through(date(2026, 11, 30), date(2026, 12, 1))
    assert days.followups() == []
    reports = days.through(date(2026, 12, 2), date(2026, 12, 2))
    [first] = days.followups()
    assert reports[date(2026, 12, 2)].followups == 1
    assert first.params["channel"] in (LEAD, "D0LEAD")
    assert "the release checklist" in json.dumps(first.params["blocks"])
    assert "<@U0SAM>" in json.dumps(first.params["blocks"])
    assert days.at(prompt_time(date(2026, 12, 2)) + timedelta(minutes=5)).followups == 0  # a second tick: nothing
    assert len(days.followups()) == 1

    for asked_on in (date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 16)):
        latest = days.followups()[-1]
        click(requests, latest, ANSWER_PREFIX + "going")
        wait_until(lambda: queue_settled(session_factory))
        updated = [c for c in slack.calls("chat.update") if c.params["ts"] == (latest.response or {})["ts"]]
        assert "Still going" in json.dumps(updated[-1].params["blocks"])
        days.through(asked_on + timedelta(days=1), asked_on + timedelta(days=7))
    assert len(days.followups()) == 3  # the first question and two more, never a fourth
    [stored] = handoffs(session_factory)
    assert (stored.status, stored.asks, stored.next_ask_on) == ("going", 3, None)
    assert "I won't ask again" in json.dumps(slack.calls("chat.update")[-1].params["blocks"])


def modal_values(**fields: str) -> dict[str, Any]:
    """A loop modal's state as Slack sends it: a user picker, a date picker, or text."""
    values: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "who":
            element = {"type": "users_select", "selected_user": value}
        elif field == "due":
            element = {"type": "datepicker", "selected_date": value}
        else:
            element = {"type": "plain_text_input", "value": value}
        values[field] = {"value": element}
    return values


def button_in(call: Call, action_id: str) -> dict[str, Any]:
    """A button of a posted message."""
    return next(
        element
        for block in call.params["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == action_id
    )


def updates_of(slack: SlackAPIServer, call: Call) -> list[str]:
    """The redraws of a posted message, as JSON."""
    ts = (call.response or {})["ts"]
    return [json.dumps(c.params["blocks"]) for c in slack.calls("chat.update") if c.params["ts"] == ts]


def test_a_handoff_from_a_delegate_verdict_is_recorded_once_and_asked_about_once(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    requests.view_submission(DIAGNOSTIC_CALLBACK, diagnostic_values("Rewrite the cache layer", "yes", "dopamine"))
    [verdict] = [c for c in slack.wait_for("chat.postMessage") if "Rewrite the cache layer" in c.params["text"]]
    record = button_in(verdict, DIAGNOSTIC_HANDOFF)
    requests.message_button(
        DIAGNOSTIC_HANDOFF, record["value"], channel=verdict.response["channel"], message_ts=verdict.response["ts"]
    )
    [opened] = slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == HANDOFF_MODAL
    what = next(b for b in view["blocks"] if b["block_id"] == "what")
    assert what["element"]["initial_value"] == "Rewrite the cache layer"
    due = next(b for b in view["blocks"] if b["block_id"] == "due")
    assert due["element"]["initial_date"] == "2026-12-07"  # a week after Monday, the lead's local today

    for day in ("2026-12-02", "2026-12-03"):  # saved twice (the modal was reopened): still one hand-off
        values = modal_values(who=SAM, what="Rewrite the cache layer", done_when="Sam ships it", due=day)
        response = requests.view_submission(HANDOFF_MODAL, values, private_metadata=view["private_metadata"])
        assert (response.status, response.body) == (200, "")
    [stored] = handoffs(session_factory)
    assert (stored.source, stored.due_on, stored.done_when) == ("diagnostic", date(2026, 12, 3), "Sam ships it")
    with session_factory() as session:
        assert session.get_one(Diagnostic, stored.diagnostic_id).outcome == "delegated"

    days.through(date(2026, 11, 30), date(2026, 12, 3))
    [asked] = days.followups()
    with session_factory() as session:
        assert session.get_one(Delivery, delivery_of(asked)).period_key == "2026-12-03"
    assert "Sam ships it" in json.dumps(asked.params["blocks"])
    click(requests, asked, ANSWER_PREFIX + "held")
    wait_until(lambda: queue_settled(session_factory))
    assert "Owned and done" in updates_of(slack, asked)[-1]
    [stored] = handoffs(session_factory)
    assert (stored.status, stored.answered_on, stored.next_ask_on) == ("held", date(2026, 12, 3), None)
    days.through(date(2026, 12, 4), date(2026, 12, 11))
    assert len(days.followups()) == 1  # answered: never asked again


def test_a_handoff_from_a_delegation_entry_starts_from_its_words_and_is_asked_about_once(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    dm = {"type": "message", "channel_type": "im", "channel": "D0LEAD", "user": LEAD, "ts": "1764511200.000100"}
    requests.event({**dm, "text": "Delegated the release checklist to Sam & Priya"})
    [ack] = [c for c in slack.wait_for("chat.postMessage") if c.params.get("thread_ts") == dm["ts"]]
    record = button_in(ack, ENTRY_HANDOFF)
    requests.message_button(ENTRY_HANDOFF, record["value"], channel="D0LEAD", message_ts=ack.response["ts"])
    [opened] = slack.wait_for("views.open")
    what = next(b for b in opened.params["view"]["blocks"] if b["block_id"] == "what")
    assert what["element"]["initial_value"] == "Delegated the release checklist to Sam & Priya"  # unescaped to edit

    metadata = opened.params["view"]["private_metadata"]
    values = modal_values(who=SAM, what="The release checklist & its runbook", due="2026-12-04")
    requests.view_submission(HANDOFF_MODAL, values, private_metadata=metadata)
    [stored] = handoffs(session_factory)
    with session_factory() as session:
        entry_id = session.scalars(select(ImpactEntry.id)).one()
    assert (stored.source, stored.entry_id) == ("entry", entry_id)
    assert stored.what == "The release checklist &amp; its runbook"  # kept as Slack keeps message text
    [told] = [c for c in slack.wait_for("chat.postMessage", 2) if "Recorded" in c.params["text"]]
    assert "Friday 4 December, at your prompt time" in told.params["text"]

    reports = days.through(date(2026, 11, 30), date(2026, 12, 7))
    [asked] = days.followups()
    assert [day for day, report in reports.items() if report.followups] == [date(2026, 12, 4)]
    assert "The release checklist &amp; its runbook" in json.dumps(asked.params["blocks"])


@pytest.mark.parametrize(
    ("choice", "shown", "status"),
    [
        ("held", "Owned and done", "held"),
        ("going", "I'll ask again on Wednesday 9 December", "going"),
        ("stepped_in", "I stepped back in", "stepped_in"),
        ("came_back", "It came back to me", "came_back"),
    ],
)
def test_each_handoff_answer_is_stored_and_redraws_the_question(
    lead: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    days: Days,
    choice: str,
    shown: str,
    status: str,
) -> None:
    requests.command("/handoff", f"<@{SAM}|sam> the release checklist by 2026-12-02")
    answer_text(slack, 2)
    days.through(date(2026, 11, 30), date(2026, 12, 2))
    [asked] = days.followups()
    click(requests, asked, ANSWER_PREFIX + choice)
    wait_until(lambda: queue_settled(session_factory))
    [redrawn] = updates_of(slack, asked)
    assert shown in redrawn
    assert ANSWER_PREFIX not in redrawn  # the answer buttons give way to the answer
    [stored] = handoffs(session_factory)
    assert (stored.status, stored.answered_on) == (status, date(2026, 12, 2))
    assert stored.next_ask_on == (date(2026, 12, 9) if choice == "going" else None)

    requests.message_button(NOTE_ACTION, str(delivery_of(asked)), channel="D0LEAD", message_ts=asked.response["ts"])
    [opened] = slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == NOTE_MODAL
    note = modal_values(note="Sam asked good questions <3")
    requests.view_submission(NOTE_MODAL, note, private_metadata=opened.params["view"]["private_metadata"])
    wait_until(lambda: queue_settled(session_factory))
    assert handoffs(session_factory)[0].note == "Sam asked good questions &lt;3"
    assert "Sam asked good questions &lt;3" in updates_of(slack, asked)[-1]


def test_a_five_workday_pause_asks_before_and_after_and_what_was_due_waits_a_day(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    requests.command("/handoff", f"<@{SAM}|sam> the on-call rota by 2026-12-04")  # due while away
    answer_text(slack, 2)
    days.through(date(2026, 11, 30), date(2026, 12, 1))
    days.clock.now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # Wednesday morning in New York
    assert "no prompts through Tuesday 8 December" in requests.command("/coach", "pause until 2026-12-08").body
    wait_until(lambda: queue_settled(session_factory))
    [away] = days.followups()  # Wed, Thu, Fri, Mon, Tue: five workdays
    assert "which decisions might wait for you" in away.params["text"]
    requests.message_button(NOTE_ACTION, str(delivery_of(away)), channel="D0LEAD", message_ts=away.response["ts"])
    [opened] = slack.wait_for("views.open")
    note = modal_values(note="the hiring call")
    requests.view_submission(NOTE_MODAL, note, private_metadata=opened.params["view"]["private_metadata"])
    wait_until(lambda: queue_settled(session_factory))
    assert "the hiring call" in updates_of(slack, away)[-1]
    requests.command("/coach", "pause until 2026-12-08")  # said again: still one absence, asked once
    wait_until(lambda: queue_settled(session_factory))

    reports = days.through(date(2026, 12, 2), date(2026, 12, 10))
    asked = days.followups()[1:]
    with session_factory() as session:
        keys = [session.get_one(Delivery, delivery_of(c)).period_key for c in asked]
        prompted = set(session.scalars(select(Delivery.period_key).where(Delivery.kind == Kind.PROMPT)))
    assert keys == ["2026-12-09", "2026-12-10"]  # back on Wednesday: what waited; the hand-off the day after
    assert "2026-12-09" not in prompted  # the absence question comes instead of the prompt
    assert "2026-12-10" in prompted  # and the hand-off's beside it
    assert not {"2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07", "2026-12-08"} & prompted
    assert all(reports[day].sent == 0 for day in (date(2026, 12, 5), date(2026, 12, 6)))
    back = asked[0]
    assert "the hiring call" in json.dumps(back.params["blocks"])  # what they expected, shown back
    click(requests, back, ANSWER_PREFIX + "decisions")
    wait_until(lambda: queue_settled(session_factory))
    with session_factory() as session:
        [absence] = session.scalars(select(Absence)).all()
    assert (absence.first_day, absence.last_day, absence.expected, absence.waited) == (
        date(2026, 12, 2),
        date(2026, 12, 8),
        "the hiring call",
        "decisions",
    )
    assert "A decision or two waited" in updates_of(slack, back)[-1]


def test_a_short_pause_asks_nothing_and_a_resumed_one_ends_early(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    requests.command("/coach", "pause until 2026-12-01")  # Monday and Tuesday: two workdays
    wait_until(lambda: queue_settled(session_factory))
    with session_factory() as session:
        assert session.scalars(select(Absence)).all() == []
    requests.command("/coach", "resume")
    requests.command("/coach", "pause 2w")
    wait_until(lambda: queue_settled(session_factory))
    days.clock.now = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    requests.command("/coach", "resume")  # back on Thursday: away Monday to Wednesday
    days.through(date(2026, 12, 3), date(2026, 12, 3))
    with session_factory() as session:
        [absence] = session.scalars(select(Absence)).all()
    assert (absence.first_day, absence.last_day, absence.asked_on) == (
        date(2026, 11, 30),
        date(2026, 12, 2),
        date(2026, 12, 3),
    )
    assert [c.params["text"] for c in days.followups()][-1] == "Welcome back. What waited for you?"


def decisions(session_factory: sessionmaker[Session]) -> list[Decision]:
    with session_factory() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def test_a_decision_left_to_the_team_is_asked_about_on_its_date_and_once_more_if_still_open(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    response = requests.command("/decision", "which queue the billing worker uses by dec 2")
    assert "Recorded: *which queue the billing worker uses*, left to the team" in response.body
    days.through(date(2026, 11, 30), date(2026, 12, 2))
    [asked] = days.followups()
    buttons = [e["action_id"] for b in asked.params["blocks"] for e in b.get("elements", []) if "action_id" in e]
    assert ANSWER_PREFIX + "owner" not in buttons  # no owner but the team
    assert {ANSWER_PREFIX + key for key in ("me", "team", "open")} <= set(buttons)
    click(requests, asked, ANSWER_PREFIX + "open")
    days.through(date(2026, 12, 3), date(2026, 12, 9))
    [_, again] = days.followups()
    with session_factory() as session:
        assert session.get_one(Delivery, delivery_of(again)).period_key == "2026-12-09"
    click(requests, again, ANSWER_PREFIX + "open")
    wait_until(lambda: queue_settled(session_factory))
    assert "I'll stop asking" in updates_of(slack, again)[-1]
    days.through(date(2026, 12, 10), date(2026, 12, 17))
    assert len(days.followups()) == 2
    [stored] = decisions(session_factory)
    assert (stored.decided_by, stored.asks, stored.next_ask_on, stored.check_on) == ("open", 2, None, None)


def test_a_decision_with_an_owner_and_an_assumption_gets_its_follow_up_and_the_check_once_each(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    requests.command("/decision")
    [opened] = slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == DECISION_MODAL
    values = modal_values(who=PRIYA, what="the retry policy", due="2026-12-03", assumption="traffic stays flat")
    response = requests.view_submission(DECISION_MODAL, values)
    assert (response.status, response.body) == (200, "")
    [stored] = decisions(session_factory)
    assert (stored.owner, stored.owner_name, stored.assumption) == (PRIYA, "priya", "traffic stays flat")

    days.through(date(2026, 11, 30), date(2026, 12, 3))
    [asked] = days.followups()
    assert "<@U0PRIYA>" in json.dumps(asked.params["blocks"])
    click(requests, asked, ANSWER_PREFIX + "owner")
    click(requests, asked, DISAGREED_ACTION)
    wait_until(lambda: queue_settled(session_factory))
    assert "You disagreed and committed" in updates_of(slack, asked)[-1]
    [stored] = decisions(session_factory)
    assert (stored.decided_by, stored.decided_on, stored.disagreed) == ("owner", date(2026, 12, 3), True)
    assert stored.check_on == date(2026, 12, 31)  # four weeks later

    days.through(date(2026, 12, 4), date(2027, 1, 8))
    [_, check] = days.followups("decision", "assumption")
    with session_factory() as session:
        assert session.get_one(Delivery, delivery_of(check)).period_key == "2026-12-31"
    assert "traffic stays flat" in json.dumps(check.params["blocks"])
    click(requests, check, ANSWER_PREFIX + "wrong")
    wait_until(lambda: queue_settled(session_factory))
    assert "It turned out wrong" in updates_of(slack, check)[-1]
    assert decisions(session_factory)[0].assumption_held == "wrong"


def test_follow_ups_skip_weekends_and_nights_and_come_one_a_day(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    requests.command("/handoff", f"<@{SAM}|sam> the flaky test by 2026-12-05")  # a Saturday
    requests.command("/handoff", f"<@{PRIYA}|priya> the onboarding doc by 2026-12-05")
    requests.command("/decision", "the on-call rota by 2026-12-06")  # a Sunday
    slack.wait_for("response_url", 3)
    days.through(date(2026, 11, 30), date(2026, 12, 6))
    assert days.followups() == []
    assert days.at(datetime(2026, 12, 7, 8, 0, tzinfo=UTC)).followups == 0  # 03:00 in New York: not yet
    days.at(datetime(2026, 12, 8, 4, 0, tzinfo=UTC))  # Monday's tick came at 23:00 local: too late, skipped
    days.through(date(2026, 12, 8), date(2026, 12, 10))
    with session_factory() as session:
        sent = [session.get_one(Delivery, delivery_of(c)) for c in days.followups()]
    assert [d.period_key for d in sent] == ["2026-12-08", "2026-12-09", "2026-12-10"]  # one a day, from Tuesday
    for delivery in sent:
        local = (delivery.sent_at or NEVER).astimezone(ZoneInfo(ZONE))
        assert local.weekday() < 5
        assert time(16, 30) <= local.time() < time(19, 30), local  # never late at night


def test_the_quarter_asks_for_single_owner_areas_and_the_next_quarter_shows_them_back(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], days: Days
) -> None:
    days.through(date(2026, 11, 30), date(2026, 12, 31))
    assert days.followups() == []
    days.through(date(2027, 1, 1), date(2027, 1, 6))  # New Year's Day is a holiday: Monday 4 is the first workday
    [asked] = days.followups()
    with session_factory() as session:
        assert session.get_one(Delivery, delivery_of(asked)).period_key == "2027-01-04"
        prompted = set(session.scalars(select(Delivery.period_key).where(Delivery.kind == Kind.PROMPT)))
    assert not {"2027-01-01", "2027-01-04"} & prompted  # a holiday; then the quarter's question instead of a prompt
    assert {"2027-01-05", "2027-01-06"} <= prompted
    requests.message_button(
        LIST_AREAS_ACTION, str(delivery_of(asked)), channel="D0LEAD", message_ts=asked.response["ts"]
    )
    [opened] = slack.wait_for("views.open")
    areas = modal_values(areas="- billing reconciliation (only Priya)\n\n• the deploy pipeline\nthe deploy pipeline\n")
    requests.view_submission(AREAS_MODAL, areas, private_metadata=opened.params["view"]["private_metadata"])
    wait_until(lambda: queue_settled(session_factory))
    assert "the deploy pipeline" in updates_of(slack, asked)[-1]
    with session_factory() as session:
        listed = list(session.scalars(select(SoloArea).order_by(SoloArea.id)))
    assert [a.text for a in listed] == ["billing reconciliation (only Priya)", "the deploy pipeline"]

    days.at(prompt_time(date(2027, 4, 1)))  # the worker was down since: this tick reschedules, the next one asks
    days.at(prompt_time(date(2027, 4, 1)) + timedelta(minutes=1))
    [_, again] = days.followups()
    checkboxes = next(
        e for b in again.params["blocks"] for e in b.get("elements", []) if e.get("action_id") == SHARED_ACTION
    )
    assert [o["text"]["text"] for o in checkboxes["options"]] == [a.text for a in listed]
    block_id = next(b["block_id"] for b in again.params["blocks"] if checkboxes in b.get("elements", []))
    requests.interaction(
        {
            "type": "block_actions",
            **requests._actor(LEAD),
            "container": {"type": "message", "message_ts": again.response["ts"], "channel_id": "D0LEAD"},
            "channel": {"id": "D0LEAD"},
            "message": {"ts": again.response["ts"], "text": ""},
            "response_url": requests.response_url,
            "actions": [
                {
                    "type": "checkboxes",
                    "action_id": SHARED_ACTION,
                    "block_id": block_id,
                    "selected_options": [checkboxes["options"][1]],
                    "action_ts": "1",
                }
            ],
        }
    )
    wait_until(lambda: queue_settled(session_factory))
    with session_factory() as session:
        shared = {a.text: a.shared_on for a in session.scalars(select(SoloArea))}
        reviews = list(session.scalars(select(AreaReview.quarter).order_by(AreaReview.id)))
    assert shared == {"billing reconciliation (only Priya)": None, "the deploy pipeline": date(2027, 4, 1)}
    assert reviews == ["2027-Q1", "2027-Q2"]
    redrawn = json.loads(updates_of(slack, again)[-1])
    ticked = next(e for b in redrawn for e in b.get("elements", []) if e.get("action_id") == SHARED_ACTION)
    assert [o["value"] for o in ticked["initial_options"]] == [checkboxes["options"][1]["value"]]
