"""The Home dashboard, the settings modal and the forget confirmation, built as plain functions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from bot.coaching.diagnostic import Run, trend
from bot.services.forget import Holdings
from bot.services.home import HomeState, RecentEntry, WeekSoFar
from bot.services.settings import LeadSettings
from bot.slack.blocks.entries import DELETE_ACTION, EDIT_ACTION
from bot.slack.blocks.forget import forget_modal, forgotten_view, not_deleted_view
from bot.slack.blocks.home import (
    PAUSE_ACTION,
    REFLECT_ACTION,
    RESUME_ACTION,
    SETTINGS_ACTION,
    home_view,
    sparkline,
)
from bot.slack.blocks.settings import read_settings, saved_view, settings_modal, timezone_options
from bot.slack.text import make_environment
from tests.slack.test_blocks import assert_valid_view

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
SETTINGS = LeadSettings(
    prompt_time=time(17, 15),
    workdays=frozenset({1, 3, 5}),
    timezone="Europe/Berlin",
    summary_weekday=4,
    summary_time=time(9, 0),
    share_by_default=True,
    paused_until=date(2026, 12, 24),
)


def enrolled(**changes: Any) -> HomeState:
    runs = [Run("dopamine", "delegate", 2.0, "delegated", NOW - timedelta(days=days)) for days in (1, 9, 10, 24)]
    state = HomeState(
        enrolled=True,
        entry_total=12,
        timezone="Europe/London",
        next_prompt_local="Wednesday 18 Nov, 16:30",
        next_scorecard_local="Friday 20 Nov, 16:30",
        week=WeekSoFar(
            moments=3, by_category=(("unblocking", 2), ("delegation", 1)), prompts_sent=2, prompts_answered=1
        ),
        recent=tuple(
            RecentEntry(
                entry_id=id_,
                text=f"entry {id_}",
                categories=("unblocking",),
                shareable=id_ == 7,
                logged_on="Tue 17 Nov",
            )
            for id_ in (9, 8, 7, 6, 5)
        ),
        coding=trend(runs, NOW),
    )
    return HomeState(**{**vars(state), **changes})


def elements(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for block in view["blocks"] if block["type"] == "actions" for e in block["elements"]]


def test_the_dashboard_shows_schedule_week_entries_and_coding_trend() -> None:
    view = home_view(make_environment(), enrolled())
    assert_valid_view(view)
    text = json.dumps(view, ensure_ascii=False)
    assert "Next reflection prompt: *Wednesday 18 Nov, 16:30* (Europe/London)" in text
    assert "Next weekly scorecard: *Friday 20 Nov, 16:30*" in text
    assert "3 moments of invisible impact, 1 of 2 prompts answered" in text
    assert "• Unblocking: 2" in text
    assert "• Delegation: 1" in text
    assert "The latest 5 of 12 entries" in text
    assert "may appear in the digest" in text  # entry 7 is shareable
    assert "4 diagnostics" in text
    assert "Week by week, oldest first: `▅▁█▅` 1 · 0 · 2 · 1" in text
    ids = [e["action_id"] for e in elements(view)]
    assert ids[:5] == [REFLECT_ACTION, "home_log", "home_why_coding", SETTINGS_ACTION, PAUSE_ACTION]
    edits = [e["value"] for e in elements(view) if e["action_id"] == EDIT_ACTION]
    deletes = [e for e in elements(view) if e["action_id"] == DELETE_ACTION]
    assert edits == ["9", "8", "7", "6", "5"]
    assert len(deletes) == 5
    assert all("confirm" in e for e in deletes)


def test_a_paused_lead_sees_when_the_pause_ends_and_a_resume_button() -> None:
    view = home_view(make_environment(), enrolled(paused_through="Thursday 24 December"))
    assert_valid_view(view)
    assert "Paused through *Thursday 24 December*" in json.dumps(view)
    ids = [e["action_id"] for e in elements(view)]
    assert RESUME_ACTION in ids
    assert PAUSE_ACTION not in ids


def test_an_empty_week_and_log_say_how_to_start_without_zeros_in_lists() -> None:
    state = enrolled(
        entry_total=0, recent=(), week=WeekSoFar(0, (), 0, 0), coding=trend([], NOW), next_scorecard_local=None
    )
    view = home_view(make_environment(), state)
    assert_valid_view(view)
    text = json.dumps(view)
    assert "Nothing logged yet this week" in text
    assert "No coding diagnostics in the last four weeks" in text
    assert "Week by week" not in text
    assert "The latest" not in text


def test_huge_entries_stay_within_slack_limits_and_home_keeps_its_fixed_shape() -> None:
    recent = tuple(RecentEntry(i, "x" * 40_000 + "\n" * 500, ("unblocking",) * 11, True, "Mon 1 Jan") for i in range(5))
    view = home_view(make_environment(), enrolled(recent=recent))
    assert_valid_view(view)
    assert len(view["blocks"]) == 21  # header … five entries of two blocks, the count … privacy: the most there is


def test_a_stopped_lead_is_welcomed_back_and_told_their_log_is_kept() -> None:
    view = home_view(make_environment(), HomeState(enrolled=False, entry_total=1))
    assert_valid_view(view)
    assert "Your log is kept: 1 entry" in json.dumps(view)


def test_sparkline_scales_to_the_busiest_week() -> None:
    assert sparkline((0, 0, 0, 0)) == "▁▁▁▁"
    assert sparkline((1, 2, 4, 8)) == "▂▃▅█"
    assert sparkline((0, 1, 0, 100)) == "▁▂▁█"


def submission(view: dict[str, Any], **overrides: dict[str, Any]) -> dict[str, Any]:
    """The state Slack would send back for an untouched modal, with some fields changed."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element")
        if block["type"] != "input" or element is None:
            continue
        state: dict[str, Any] = {"type": element["type"]}
        for initial, selected in (
            ("initial_time", "selected_time"),
            ("initial_date", "selected_date"),
            ("initial_option", "selected_option"),
            ("initial_options", "selected_options"),
        ):
            if initial in element:
                state[selected] = element[initial]
        state.update(overrides.get(block["block_id"], {}))
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def test_the_settings_modal_round_trips_every_value() -> None:
    view = settings_modal(SETTINGS)
    assert_valid_view(view)
    assert read_settings(submission(view)) == SETTINGS


def test_unreadable_settings_come_back_as_errors_per_field() -> None:
    values = submission(
        settings_modal(SETTINGS),
        prompt_time={"selected_time": "25:99"},
        summary_time={"selected_time": None},
        share_by_default={"selected_option": None},
        paused_until={"selected_date": "2026-02-30"},
    )
    assert read_settings(values) == {
        "prompt_time": "Pick a time, like 16:30.",
        "summary_time": "Pick a time, like 16:30.",
        "share_by_default": "Choose private or shareable.",
        "paused_until": "Pick a date from the calendar.",
    }


@pytest.mark.parametrize("values", [{}, {"workdays": "nonsense"}, {"timezone": {"settings_timezone": []}}])
def test_malformed_submissions_never_raise(values: dict[str, Any]) -> None:
    assert isinstance(read_settings(values), dict | LeadSettings)


def test_timezone_options_match_what_the_lead_types() -> None:
    assert [o["value"] for o in timezone_options("new york")] == ["America/New_York"]
    assert len(timezone_options("a")) == 100


def test_saved_view_says_when_the_next_prompt_comes() -> None:
    view = saved_view("Monday 23 Nov, 17:15", "Thursday 26 Nov, 09:00", "Europe/Berlin")
    assert_valid_view(view)
    assert "Monday 23 Nov, 17:15" in json.dumps(view)
    assert_valid_view(saved_view(None, None, "UTC"))


def test_the_forget_modal_says_exactly_what_goes() -> None:
    view = forget_modal(Holdings(entries=1, replies=3, diagnostics=0, deliveries=12))
    assert_valid_view(view)
    text = json.dumps(view)
    assert "1 entry in your impact log" in text
    assert "3 DM replies" in text
    assert "12 records" in text
    assert "/coach export" in text
    assert_valid_view(forgotten_view(Holdings(2, 2, 1, 5)))
    assert_valid_view(not_deleted_view("Sorry"))


def test_home_states_how_long_an_uninstalled_workspaces_data_is_kept() -> None:
    for state in (HomeState(enrolled=False), enrolled()):
        view = home_view(make_environment(), state, retention_days=45)
        assert_valid_view(view)
        assert "deleted 45 days later unless it is reinstalled" in json.dumps(view)
