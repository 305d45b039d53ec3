"""App Home through signed requests into the real app: the dashboard's figures, its buttons, and republishing
after every change the lead makes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.blocks.entries import DELETE_ACTION, EDIT_ACTION, MODAL_CALLBACK
from bot.slack.blocks.home import (
    CODING_ACTION,
    LOG_ACTION,
    PAUSE_ACTION,
    REFLECT_ACTION,
    RESUME_ACTION,
    SETTINGS_ACTION,
    START_ACTION,
)
from bot.store.models import ImpactEntry, Lead
from tests.seed import add_diagnostic, add_entry, add_prompt, enroll
from tests.slack_api import SlackAPIServer
from tests.support import Clock, SlackRequests, wait_until

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # Wednesday; the lead's week began Monday 16 Nov, 00:00 London
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
DAY = timedelta(days=1)


def open_home(requests: SlackRequests, slack: SlackAPIServer, user_id: str = "U0LEAD") -> dict[str, Any]:
    """The view published after the lead opens their Home tab."""
    slack.reset()
    assert requests.event({"type": "app_home_opened", "user": user_id, "channel": "D1", "tab": "home"}).status == 200
    [call] = slack.wait_for("views.publish")
    assert call.params["user_id"] == user_id
    return dict(call.params["view"])


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def elements(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for block in view["blocks"] if block["type"] == "actions" for e in block["elements"]]


def seed_week(session_factory: sessionmaker[Session], slack: SlackAPIServer) -> tuple[int, list[int]]:
    """A lead with a week whose figures are worked out by hand in the test; returns the lead and entry ids."""
    lead_id = enroll(session_factory, slack, "U0LEAD", NOW - timedelta(hours=1))
    with session_factory.begin() as session:
        add_entry(session, lead_id, MONDAY + timedelta(hours=10), "Unblocked Sam on the deploy", {"unblocking"})
        add_entry(session, lead_id, MONDAY + DAY, "Wrote up the queue decision", {"context", "unblocking"})
        add_entry(session, lead_id, MONDAY + DAY + timedelta(hours=3), "Handed over the rota", {"delegation"})
        add_entry(session, lead_id, MONDAY - timedelta(minutes=1), "Sunday night: last week", {"mentoring"})
        add_entry(session, lead_id, MONDAY - 3 * DAY, "Older", {"trust"})
        add_entry(session, lead_id, MONDAY - 9 * DAY, "Oldest, not among the latest five", {"trust"})
        add_prompt(session, lead_id, "U0LEAD", MONDAY + timedelta(hours=16, minutes=30), "answered")
        add_prompt(session, lead_id, "U0LEAD", MONDAY + DAY + timedelta(hours=16, minutes=30), "skipped")
        add_prompt(session, lead_id, "U0LEAD", MONDAY - 2 * DAY, "answered")  # last week
        add_diagnostic(session, lead_id, NOW - timedelta(hours=2), "delegate", 2, None)
        add_diagnostic(session, lead_id, NOW - 10 * DAY, "delegate", 1, "delegated")
        add_diagnostic(session, lead_id, NOW - 11 * DAY, "go", 3, "myself")
        ids = list(session.scalars(select(ImpactEntry.id).order_by(ImpactEntry.created_at.desc())))
    return lead_id, ids


@pytest.fixture
def week(session_factory: sessionmaker[Session], slack: SlackAPIServer, clock: Clock) -> tuple[int, list[int]]:
    """The clock at NOW and the hand-computed week seeded; Slack's record of calls starts empty."""
    clock.now = NOW
    seeded = seed_week(session_factory, slack)
    slack.reset()
    return seeded


def test_home_for_an_enrolled_lead_holds_this_weeks_figures(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:
    _, ids = week

    view = open_home(requests, slack)

    text = texts(view)
    assert "Next reflection prompt: *Wednesday 18 Nov, 16:30* (Europe/London)" in text
    assert "Next weekly scorecard: *Friday 20 Nov, 16:30*" in text
    assert "*This week so far:* 3 moments of invisible impact, 1 of 2 prompts answered." in text
    assert "• Unblocking: 2\\n• Context sharing and documentation: 1\\n• Delegation: 1" in text
    assert "Mentoring" not in text.split("Recent entries")[0]  # Sunday night belongs to last week
    assert "The latest 5 of 6 entries" in text
    assert "Oldest, not among the latest five" not in text
    assert [e["value"] for e in elements(view) if e["action_id"] == EDIT_ACTION] == [str(i) for i in ids[:5]]
    assert [e["value"] for e in elements(view) if e["action_id"] == DELETE_ACTION] == [str(i) for i in ids[:5]]
    assert "3 diagnostics" in text
    assert "Week by week, oldest first: `▁▁█▅` 0 · 0 · 2 · 1" in text  # 10 and 11 days ago: last week
    assert [e["action_id"] for e in elements(view)][:5] == [
        REFLECT_ACTION,
        LOG_ACTION,
        CODING_ACTION,
        SETTINGS_ACTION,
        PAUSE_ACTION,
    ]


def test_home_for_a_new_lead_offers_start_and_the_privacy_promise(
    requests: SlackRequests, slack: SlackAPIServer
) -> None:
    view = open_home(requests, slack, "U0NEW")
    assert [e["action_id"] for e in elements(view)] == [START_ACTION]
    assert "Nothing reaches a channel unless you mark it shareable" in texts(view)


def test_a_stopped_lead_sees_start_and_that_their_log_is_kept(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:
    requests.command("/coach", "stop")
    view = open_home(requests, slack)
    assert [e["action_id"] for e in elements(view)] == [START_ACTION]
    assert "Your log is kept: 6 entries" in texts(view)


def watching(requests: SlackRequests, slack: SlackAPIServer) -> None:
    """The lead opens Home and keeps looking at it: changes redraw it from now on (counted afresh)."""
    open_home(requests, slack)
    slack.reset()


def last_home(slack: SlackAPIServer, count: int) -> str:
    """The text of the last Home view published, once `count` publishes have happened."""
    return texts(slack.wait_for("views.publish", count=count)[-1].params["view"])


def test_home_is_published_again_after_every_change_the_lead_makes(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:
    watching(requests, slack)
    requests.command("/impact", "Talked Priya through the incident review")
    assert "Talked Priya through the incident review" in last_home(slack, 1)

    requests.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0LEAD",
            "user": "U0LEAD",
            "text": "Kept quiet so the team chose the schema",
            "ts": "1763467300.000100",
        }
    )
    assert "Kept quiet so the team chose the schema" in last_home(slack, 2)

    with session_factory() as session:
        newest = session.scalars(select(ImpactEntry.id).order_by(ImpactEntry.id.desc())).first()
    requests.home_button(DELETE_ACTION, value=str(newest))
    assert "Kept quiet so the team chose the schema" not in last_home(slack, 3)

    requests.home_button("entry_make_shareable", value=f"{newest - 1}:1")
    assert "may appear in the digest" in last_home(slack, 4)


def test_a_burst_of_changes_publishes_home_a_few_times_and_last_with_all_of_them(
    requests: SlackRequests, slack: SlackAPIServer, week: tuple[int, list[int]]
) -> None:
    watching(requests, slack)
    slack.delay("views.publish", 2)  # the first refresh is still publishing while the rest arrive
    for n in range(10):
        requests.command("/impact", f"Burst entry {n}")
    published = wait_until(lambda: [c for c in slack.calls("views.publish") if "Burst entry 9" in texts(c.params)])
    assert "The latest 5 of 16 entries" in texts(published[-1].params["view"])
    # The first, and one that waited for it and read all ten; the rest saw a refresh already waiting.
    assert len(slack.calls("views.publish")) <= 3


def test_edit_from_home_opens_the_correction_modal_and_saving_it_refreshes_home(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:
    _, ids = week
    watching(requests, slack)

    requests.home_button(EDIT_ACTION, value=str(ids[0]))

    [opened] = slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == MODAL_CALLBACK
    chosen = {"categories": {"categories_select": {"selected_options": [{"value": "trust"}]}}}
    assert requests.view_submission(MODAL_CALLBACK, chosen, view["private_metadata"]).status == 200
    assert "Trust and conflict" in last_home(slack, 1)


def test_the_home_buttons_open_their_modals(
    requests: SlackRequests, slack: SlackAPIServer, week: tuple[int, list[int]]
) -> None:
    for action_id, callback in (
        (LOG_ACTION, "entry_modal"),
        (CODING_ACTION, "diagnostic_modal"),
        (SETTINGS_ACTION, "settings_modal"),
    ):
        requests.home_button(action_id)
        view = slack.wait_for("views.open")[-1].params["view"]
        assert view["callback_id"].startswith(callback), action_id
        slack.reset()


def test_reflect_now_from_home_sends_a_prompt_and_counts_it(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:

    requests.home_button(REFLECT_ACTION)

    [prompt] = slack.wait_for("chat.postMessage")
    assert prompt.params["channel"] == "U0LEAD"
    assert "1 of 3 prompts answered" in last_home(slack, 1)


def test_pause_and_resume_from_home(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:

    requests.home_date(PAUSE_ACTION, "2026-12-24")

    home = last_home(slack, 1)
    assert "Paused through *Thursday 24 December*" in home
    assert "Friday 25 Dec, 16:30" in home
    assert RESUME_ACTION in home
    with session_factory() as session:
        assert session.scalars(select(Lead.paused_until)).one() == date(2026, 12, 24)

    requests.home_button(RESUME_ACTION)
    assert "Next reflection prompt: *Wednesday 18 Nov, 16:30*" in last_home(slack, 2)
    with session_factory() as session:
        assert session.scalars(select(Lead.paused_until)).one() is None


def test_a_pause_date_in_the_past_is_explained_in_the_dm_and_changes_nothing(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:

    requests.home_date(PAUSE_ACTION, "2026-11-01")

    [told] = slack.wait_for("chat.postMessage")
    assert "2026-11-01 is in the past" in told.params["text"]
    assert "Traceback" not in told.params["text"]
    slack.wait_for("views.publish")
    with session_factory() as session:
        assert session.scalars(select(Lead.paused_until)).one() is None


def test_a_home_view_that_slack_refuses_does_not_undo_the_change(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:
    watching(requests, slack)
    slack.fail("views.publish", status=500, times=None)

    response = requests.command("/impact", "Reviewed the on-call handbook with the new hire")

    assert response.status == 200
    wait_until(lambda: slack.calls("views.publish"))
    with session_factory() as session:
        texts_stored = list(session.scalars(select(ImpactEntry.text)))
    assert "Reviewed the on-call handbook with the new hire" in texts_stored


def test_log_impact_starts_from_the_leads_sharing_default(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:
    lead_id, _ = week
    for shares in (False, True):
        with session_factory.begin() as session:
            session.get_one(Lead, lead_id).share_by_default = shares
        slack.reset()
        requests.home_button(LOG_ACTION)
        [opened] = slack.wait_for("views.open")
        [sharing] = [b for b in opened.params["view"]["blocks"] if b.get("block_id") == "sharing"]
        assert ("initial_options" in sharing["element"]) is shares


def test_a_home_button_that_fails_is_explained_in_the_dm_and_home_is_refreshed(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], week: tuple[int, list[int]]
) -> None:
    peer_id = enroll(session_factory, slack, "U0PEER", NOW)
    with session_factory.begin() as session:
        add_entry(session, peer_id, NOW, "The peer's own words", {"trust"})
        peer_entry = session.scalars(select(ImpactEntry.id).where(ImpactEntry.lead_id == peer_id)).one()
    slack.reset()

    for action_id in (DELETE_ACTION, EDIT_ACTION, "entry_share"):
        requests.home_button(action_id, value=str(peer_entry))

    told = slack.wait_for("chat.postMessage", count=3)
    assert {call.params["channel"] for call in told} == {"U0LEAD"}
    assert all("isn't yours" in call.params["text"] for call in told)
    slack.wait_for("views.publish")  # after Delete and Share (perhaps once for both); Edit only opens a modal
    assert slack.calls("views.open") == []
    with session_factory() as session:
        assert session.scalars(select(ImpactEntry.text).where(ImpactEntry.id == peer_entry)).one()
