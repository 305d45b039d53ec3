"""The settings modal through signed requests into the real app: it opens filled in, round-trips, refuses bad
values with field errors, and the next tick follows what was saved."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary
from bot.jobs import run_tick
from bot.slack.blocks.settings import MODAL_CALLBACK, TIMEZONE_ACTION
from bot.store.models import Lead
from tests.slack.test_dashboard_blocks import submission
from tests.slack_api import SlackAPIServer
from tests.support import Clock, SlackRequests
from tests.ticks import make_tick

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # Wednesday


def enroll(requests: SlackRequests, slack: SlackAPIServer, clock: Clock) -> None:
    clock.now = NOW
    slack.set_user("U0LEAD", tz="Europe/London")
    requests.command("/coach", "start")
    slack.wait_for("response_url")
    slack.reset()


def open_settings(requests: SlackRequests, slack: SlackAPIServer) -> dict[str, Any]:
    requests.command("/coach", "settings")
    view = dict(slack.wait_for("views.open")[-1].params["view"])
    slack.reset()
    return view


def lead(session_factory: sessionmaker[Session]) -> Lead:
    with session_factory() as session:
        return session.scalars(select(Lead)).one()


def test_settings_open_filled_in_and_round_trip(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock)
    view = open_settings(requests, slack)
    assert view["callback_id"] == MODAL_CALLBACK
    initial = json.dumps(view)
    assert '"initial_time": "16:30"' in initial
    assert '"value": "Europe/London"' in initial

    values = submission(
        view,
        prompt_time={"selected_time": "09:15"},
        workdays={"selected_options": [{"value": "2"}, {"value": "4"}]},
        timezone={"selected_option": {"value": "Asia/Tokyo"}},
        summary_weekday={"selected_option": {"value": "1"}},
        summary_time={"selected_time": "08:00"},
        share_by_default={"selected_option": {"value": "shareable"}},
        paused_until={"selected_date": "2026-11-30"},
        audiences={"selected_options": [{"value": "ai-tools"}, {"value": "a-made-up-one"}]},
    )
    response = requests.view_submission(MODAL_CALLBACK, values)

    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_action"] == "update"
    assert "Tuesday 1 Dec, 09:15" in json.dumps(answer["view"])  # Tue/Thu after a pause through Monday 30 Nov
    stored = lead(session_factory)
    assert (stored.prompt_time, stored.workdays, stored.timezone) == (time(9, 15), "24", "Asia/Tokyo")
    assert (stored.summary_weekday, stored.summary_time, stored.share_by_default) == (1, time(8, 0), True)
    assert stored.paused_until == date(2026, 11, 30)
    assert stored.audiences == "ai-tools"  # AI-tool prompts may come now; an unknown choice is dropped
    assert stored.next_prompt_at == datetime(2026, 12, 1, 0, 15, tzinfo=UTC)  # 09:15 in Tokyo
    assert stored.next_summary_at == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # Monday 7 Dec, 08:00 in Tokyo

    again = json.dumps(open_settings(requests, slack))
    for expected in ('"initial_time": "09:15"', '"value": "Asia/Tokyo"', '"initial_date": "2026-11-30"'):
        assert expected in again
    audiences = next(b for b in json.loads(again)["blocks"] if b.get("block_id") == "audiences")["element"]
    assert [o["value"] for o in audiences["initial_options"]] == ["ai-tools"]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"timezone": {"selected_option": {"value": "Mars/Olympus_Mons"}}}, {"timezone"}),
        ({"workdays": {"selected_options": []}}, {"workdays"}),
        ({"paused_until": {"selected_date": "2026-11-01"}}, {"paused_until"}),
        ({"paused_until": {"selected_date": "2028-01-01"}}, {"paused_until"}),
        (
            {"prompt_time": {"selected_time": "7pm"}, "summary_weekday": {"selected_option": {"value": "9"}}},
            {"prompt_time", "summary_weekday"},
        ),
    ],
)
def test_bad_values_come_back_as_field_errors_and_nothing_changes(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    changes: dict[str, Any],
    errors: set[str],
) -> None:
    enroll(requests, slack, clock)
    before = lead(session_factory)

    response = requests.view_submission(MODAL_CALLBACK, submission(open_settings(requests, slack), **changes))

    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == errors
    after = lead(session_factory)
    assert (after.timezone, after.workdays, after.paused_until, after.next_prompt_at) == (
        before.timezone,
        before.workdays,
        before.paused_until,
        before.next_prompt_at,
    )


def test_the_timezone_menu_searches_as_the_lead_types(requests: SlackRequests) -> None:
    response = requests.options(TIMEZONE_ACTION, "berl")
    assert response.status == 200
    assert [option["value"] for option in json.loads(response.body)["options"]] == ["Europe/Berlin"]


def test_someone_never_enrolled_is_told_how_to_start(requests: SlackRequests, slack: SlackAPIServer) -> None:
    requests.command("/coach", "settings", user_id="U0STRANGER")
    [answer] = slack.wait_for("response_url")
    assert "/coach start" in answer.params["text"]
    assert slack.calls("views.open") == []


def test_the_next_tick_follows_the_saved_settings(
    requests: SlackRequests,
    slack: SlackAPIServer,
    clock: Clock,
    session_factory: sessionmaker[Session],
    library: PromptLibrary,
) -> None:
    enroll(requests, slack, clock)
    values = submission(
        open_settings(requests, slack),
        prompt_time={"selected_time": "14:00"},
        timezone={"selected_option": {"value": "Europe/Berlin"}},
    )
    requests.view_submission(MODAL_CALLBACK, values)
    tick = make_tick(session_factory, slack, library)
    slack.reset()

    run_tick(tick, datetime(2026, 11, 18, 12, 59, tzinfo=UTC))  # 13:59 in Berlin
    assert slack.calls("chat.postMessage") == []
    report = run_tick(tick, datetime(2026, 11, 18, 13, 0, 30, tzinfo=UTC))  # 14:00:30
    assert report.sent == 1
    run_tick(tick, datetime(2026, 11, 18, 16, 31, tzinfo=UTC))  # the old time: nothing more today
    assert len(slack.calls("chat.postMessage")) == 1


def test_a_pause_that_has_ended_does_not_stop_the_next_save(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock)
    requests.command("/coach", "pause until 2026-11-20")
    clock.now = NOW + timedelta(days=7)

    view = open_settings(requests, slack)
    assert "initial_date" not in json.dumps(view)
    response = requests.view_submission(MODAL_CALLBACK, submission(view, prompt_time={"selected_time": "17:00"}))

    assert json.loads(response.body)["response_action"] == "update"
    assert lead(session_factory).prompt_time == time(17, 0)


def test_values_left_as_shown_keep_following_their_defaults(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock)
    with session_factory.begin() as session:
        session.scalars(select(Lead)).one().timezone = None  # a profile without a usable zone: the workspace's
    view = open_settings(requests, slack)

    requests.view_submission(MODAL_CALLBACK, submission(view, prompt_time={"selected_time": "17:00"}))

    stored = lead(session_factory)
    assert (stored.timezone, stored.summary_time) == (None, None)  # still the workspace's zone and the prompt time
    assert stored.next_summary_at == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # Friday at the new prompt time


def test_the_holiday_calendar_follows_the_timezone_until_the_lead_picks_one_or_none(
    requests: SlackRequests, slack: SlackAPIServer, clock: Clock, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, slack, clock)  # in London
    view = open_settings(requests, slack)
    holidays = next(b for b in view["blocks"] if b.get("block_id") == "holidays")["element"]
    assert holidays["initial_value"] == "GB"  # the zone table's country for Europe/London

    unknown = requests.view_submission(MODAL_CALLBACK, submission(view, holidays={"value": "ZZ"}))
    assert set(json.loads(unknown.body)["errors"]) == {"holidays"}
    assert lead(session_factory).holiday_country is None

    requests.view_submission(MODAL_CALLBACK, submission(view, holidays={"value": "none"}))
    assert lead(session_factory).holiday_country == ""
    assert "none" in json.dumps(open_settings(requests, slack))
    requests.view_submission(MODAL_CALLBACK, submission(view, holidays={"value": "fr"}))
    assert lead(session_factory).holiday_country == "FR"
    requests.view_submission(MODAL_CALLBACK, submission(view, holidays={"value": "GB"}))
    assert lead(session_factory).holiday_country is None  # as the timezone gives it: following it again
