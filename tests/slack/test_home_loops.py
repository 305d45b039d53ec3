"""The coaching loops on App Home: four weeks of hand-offs and decisions counted in the lead's own timezone, what is
still to be asked, the last absence, and the two buttons that open the hand-off and decision modals.

Through signed requests into the real app and a real database (rows written straight in, as tests/seed.py does),
with the Slack-compatible server validating every view; and the Home builder on its own, as a plain function.

The lead lives in Pacific/Auckland, thirteen hours ahead of UTC in November, so their local date is a day later
than UTC's: the four-week window is only right if it is counted from their date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.loops import Rate
from bot.delivery.gateway import SlackGateway, make_client
from bot.services import enrollment
from bot.services.home import HomeState, LoopsState
from bot.slack.blocks.home import DECISION_ACTION, HANDOFF_ACTION, home_view
from bot.slack.blocks.loops import DECISION_MODAL, HANDOFF_MODAL
from bot.slack.text import make_environment
from bot.store.models import Absence, Decision, Handoff
from tests.slack.test_blocks import assert_valid_view
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN, TEAM_ID, Clock, SlackRequests

USER = "U0LEAD"
AUCKLAND = "Pacific/Auckland"  # NZDT in November: UTC+13
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # Monday 20:00 UTC = Tuesday 24 Nov, 09:00 in Auckland
TODAY = date(2026, 11, 24)  # the lead's local date at NOW (UTC's is still Monday 23 Nov)
# The four weeks through TODAY: 28 days, TODAY included, so the first day is TODAY - 27 days = Wednesday 28 Oct.
FIRST_DAY = date(2026, 10, 28)
HEADING = "*Could the team run without you?* (last four weeks)"


# ---------------------------------------------------------------- helpers


def enroll_in_auckland(session_factory: sessionmaker[Session], slack: SlackAPIServer) -> int:
    """The lead enrolled through the real service, their Slack profile in Auckland; returns the lead's id."""
    slack.set_user(USER, tz=AUCKLAND)
    profile = SlackGateway(make_client(BOT_TOKEN, slack.base_url)).user_profile(USER)
    with session_factory.begin() as session:
        return enrollment.start(session, profile, TEAM_ID, "UTC", NOW - timedelta(days=60)).lead.id


def handoff(lead_id: int, what: str, status: str, answered_on: date | None, next_ask_on: date | None = None) -> Handoff:
    """A hand-off to Sam: answered on `answered_on`; else still to be asked on `next_ask_on`; else asked, awaiting
    its answer."""
    due = answered_on or next_ask_on or TODAY
    return Handoff(
        lead_id=lead_id,
        delegate="U0SAM",
        delegate_name="Sam",
        what=what,
        due_on=due,
        source="command",
        status=status,
        asks=0 if answered_on is None and next_ask_on is not None else 1,
        next_ask_on=next_ask_on,
        answered_on=answered_on,
        created_at=datetime(due.year, due.month, due.day, tzinfo=UTC) - timedelta(days=7),
    )


def decision(
    lead_id: int, what: str, decided_by: str | None, decided_on: date | None, next_ask_on: date | None = None
) -> Decision:
    """A decision left to the team (or Priya, when the owner decided): made on `decided_on`; else asked again on
    `next_ask_on`. No assumption, so no assumption check is waiting."""
    due = decided_on or TODAY
    return Decision(
        lead_id=lead_id,
        what=what,
        owner="U0PRIYA" if decided_by == "owner" else None,
        owner_name="Priya" if decided_by == "owner" else None,
        due_on=due,
        decided_by=decided_by,
        decided_on=decided_on,
        disagreed=False,
        asks=1,
        next_ask_on=next_ask_on,
        check_on=None,
        created_at=datetime(due.year, due.month, due.day, tzinfo=UTC) - timedelta(days=7),
    )


def absence(lead_id: int, first_day: date, last_day: date, waited: str | None) -> Absence:
    """An absence, answered (asked the first workday back) when `waited`."""
    return Absence(
        lead_id=lead_id,
        first_day=first_day,
        last_day=last_day,
        expected="the hiring call",
        asked_on=last_day + timedelta(days=1) if waited else None,
        waited=waited,
        created_at=datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC),
    )


def open_home(requests: SlackRequests, slack: SlackAPIServer) -> dict[str, Any]:
    """The view published after the lead opens their Home tab."""
    slack.reset()
    assert requests.event({"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home"}).status == 200
    [call] = slack.wait_for("views.publish")
    assert call.params["user_id"] == USER
    return dict(call.params["view"])


def loops_text(view: dict[str, Any]) -> str:
    """The text of Home's loops section (the one section that starts with its heading)."""
    [found] = [
        block["text"]["text"]
        for block in view["blocks"]
        if block["type"] == "section" and block["text"]["text"].startswith(HEADING)
    ]
    return str(found)


def loop_buttons(view: dict[str, Any]) -> list[str]:
    """The action ids of the buttons in Home's loops block."""
    [block] = [b for b in view["blocks"] if b.get("block_id") == "home_loops"]
    return [element["action_id"] for element in block["elements"]]


@pytest.fixture
def lead_id(session_factory: sessionmaker[Session], slack: SlackAPIServer, clock: Clock) -> int:
    """The clock at NOW, an enrolled lead in Auckland; Slack's record of calls starts empty."""
    clock.now = NOW
    enrolled = enroll_in_auckland(session_factory, slack)
    slack.reset()
    return enrolled


# ---------------------------------------------------------------- Home through the app


def test_home_counts_four_weeks_of_loops_through_the_leads_local_today(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], lead_id: int
) -> None:
    with session_factory.begin() as session:
        session.add_all(
            [
                # Counted (28 Oct .. 24 Nov): held, held, came_back -> 2 held of 3 settled = 67%.
                handoff(lead_id, "the release checklist", "held", TODAY),  # local today; UTC's tomorrow
                handoff(lead_id, "the on-call rota", "held", FIRST_DAY),  # the window's first day
                handoff(lead_id, "the hiring loop", "came_back", date(2026, 11, 10)),
                # Not counted: 20 Oct is five weeks before 24 Nov (24 Nov - 35 days), before 28 Oct.
                handoff(lead_id, "the budget sheet", "held", date(2026, 10, 20)),
                # Not answered: still to be asked on 1 Dec -> 1 hand-off waiting.
                handoff(lead_id, "the vendor call", "open", None, next_ask_on=date(2026, 12, 1)),
            ]
        )
        session.add_all(
            [
                # Counted: team, owner (made without the lead) and me -> 2 of 3 made = 67%, three made: shown.
                decision(lead_id, "which queue to use", "team", TODAY),  # local today; UTC's tomorrow
                decision(lead_id, "the API versioning", "owner", FIRST_DAY),  # the window's first day
                decision(lead_id, "the retro format", "me", date(2026, 11, 12)),
                # Not counted: 27 Oct is the day before the window (it would make 3 of 4 = 75%).
                decision(lead_id, "the team name", "team", date(2026, 10, 27)),
            ]
        )
        session.add_all(
            [
                # Answered: 2-6 Nov "fire", 16-18 Nov "decisions", 12-16 Oct "nothing". The newest by its days,
                # 16-18 Nov -> "a decision or two waited"; stored in the middle, so neither the first nor the last
                # row is the right one.
                absence(lead_id, date(2026, 11, 2), date(2026, 11, 6), "fire"),
                absence(lead_id, date(2026, 11, 16), date(2026, 11, 18), "decisions"),
                absence(lead_id, date(2026, 10, 12), date(2026, 10, 16), "nothing"),
                absence(lead_id, date(2026, 11, 20), date(2026, 11, 23), None),  # newer, but not answered yet
            ]
        )

    view = open_home(requests, slack)

    assert loops_text(view) == "\n".join(
        [
            HEADING,
            "Hand-offs that held: 2 of 3 (67%)",
            "Decisions the team made without you: 2 of 3 (67%)",
            "Last absence: a decision or two waited",
            "Still to ask about: 1 hand-off, 0 decisions",
        ]
    )
    assert loop_buttons(view) == [HANDOFF_ACTION, DECISION_ACTION]


def test_two_decisions_made_show_no_autonomy_and_no_answered_hand_off_shows_none_followed_up(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], lead_id: int
) -> None:
    with session_factory.begin() as session:
        session.add_all(
            [
                # Asked, not answered yet: nothing settled, nothing more to ask -> none followed up, none waiting.
                handoff(lead_id, "the release checklist", "open", None),
                # Recorded, first asked on its due day, 1 Dec: nothing answered, 1 hand-off waiting.
                handoff(lead_id, "the on-call rota", "open", None, next_ask_on=date(2026, 12, 1)),
                # Two decisions made in the window (team, me): below the three the autonomy rate needs.
                decision(lead_id, "which queue to use", "team", date(2026, 11, 20)),
                decision(lead_id, "the retro format", "me", TODAY),
                # Still open, asked again on 1 Dec: not made, 1 decision waiting.
                decision(lead_id, "the API versioning", "open", None, next_ask_on=date(2026, 12, 1)),
            ]
        )

    text = loops_text(open_home(requests, slack))

    assert text == "\n".join(
        [HEADING, "Hand-offs that held: none followed up yet", "Still to ask about: 1 hand-off, 1 decision"]
    )
    assert "Decisions the team made without you" not in text
    assert "Last absence" not in text


def test_a_lead_with_no_loops_yet_sees_none_followed_up_and_nothing_waiting(
    requests: SlackRequests, slack: SlackAPIServer, lead_id: int
) -> None:
    view = open_home(requests, slack)

    assert loops_text(view) == f"{HEADING}\nHand-offs that held: none followed up yet"
    assert loop_buttons(view) == [HANDOFF_ACTION, DECISION_ACTION]


@pytest.mark.parametrize(
    ("action_id", "callback_id", "title"),
    [(HANDOFF_ACTION, HANDOFF_MODAL, "Record a hand-off"), (DECISION_ACTION, DECISION_MODAL, "Leave a decision")],
)
def test_the_loop_buttons_on_home_open_their_modals_due_a_week_after_the_leads_today(
    requests: SlackRequests, slack: SlackAPIServer, lead_id: int, action_id: str, callback_id: str, title: str
) -> None:
    assert requests.home_button(action_id).status == 200

    [opened] = slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == callback_id
    assert view["title"]["text"] == title
    [due] = [block for block in view["blocks"] if block.get("block_id") == "due"]
    assert due["element"]["type"] == "datepicker"
    # Auckland's today is Tuesday 24 Nov, a week later 1 Dec (from UTC's Monday 23 Nov it would be 30 Nov).
    assert due["element"]["initial_date"] == "2026-12-01"
    assert not slack.calls("chat.postMessage")  # nothing went wrong, so nothing was told in the DM


# ---------------------------------------------------------------- the Home builder


def dashboard(loops: LoopsState | None) -> HomeState:
    """An enrolled lead's Home state with nothing but the loops to show."""
    return HomeState(
        enrolled=True, entry_total=0, timezone=AUCKLAND, next_prompt_local="Tuesday 24 Nov, 16:30", loops=loops
    )


def built(loops: LoopsState | None) -> dict[str, Any]:
    """The Home view for those loops, valid Block Kit."""
    view = home_view(make_environment(), dashboard(loops))
    assert_valid_view(view)
    return view


def test_the_loops_section_shows_each_figure_and_its_buttons() -> None:
    loops = LoopsState(
        held=Rate(2, 3), autonomy=Rate(3, 4), last_absence="fire", waiting_handoffs=2, waiting_decisions=3
    )

    view = built(loops)

    assert loops_text(view) == "\n".join(
        [
            HEADING,
            "Hand-offs that held: 2 of 3 (67%)",
            "Decisions the team made without you: 3 of 4 (75%)",
            "Last absence: a fire waited",
            "Still to ask about: 2 hand-offs, 3 decisions",
        ]
    )
    assert loop_buttons(view) == [HANDOFF_ACTION, DECISION_ACTION]
    [block] = [b for b in view["blocks"] if b.get("block_id") == "home_loops"]
    assert [element["text"]["text"] for element in block["elements"]] == ["Record a hand-off", "Leave a decision"]


@pytest.mark.parametrize(
    ("handoffs", "decisions", "line"),
    [
        (1, 1, "Still to ask about: 1 hand-off, 1 decision"),
        (1, 0, "Still to ask about: 1 hand-off, 0 decisions"),
        (0, 1, "Still to ask about: 0 hand-offs, 1 decision"),
        (2, 5, "Still to ask about: 2 hand-offs, 5 decisions"),
    ],
)
def test_what_is_still_to_ask_about_is_singular_for_one_and_plural_otherwise(
    handoffs: int, decisions: int, line: str
) -> None:
    loops = LoopsState(
        held=None, autonomy=None, last_absence=None, waiting_handoffs=handoffs, waiting_decisions=decisions
    )
    assert loops_text(built(loops)).splitlines()[-1] == line


def test_without_answers_or_anything_waiting_the_section_says_none_followed_up_and_no_more() -> None:
    loops = LoopsState(held=None, autonomy=None, last_absence=None, waiting_handoffs=0, waiting_decisions=0)
    assert loops_text(built(loops)) == f"{HEADING}\nHand-offs that held: none followed up yet"


@pytest.mark.parametrize(
    ("held", "line"),
    [
        (Rate(1, 1), "Hand-offs that held: 1 of 1 (100%)"),
        (Rate(0, 2), "Hand-offs that held: 0 of 2 (0%)"),  # none held is a figure, not "none followed up"
        (Rate(1, 3), "Hand-offs that held: 1 of 3 (33%)"),
    ],
)
def test_the_held_rate_is_shown_as_a_count_and_a_whole_percentage(held: Rate, line: str) -> None:
    loops = LoopsState(held=held, autonomy=None, last_absence=None, waiting_handoffs=0, waiting_decisions=0)
    assert loops_text(built(loops)) == f"{HEADING}\n{line}"


@pytest.mark.parametrize(
    ("waited", "line"),
    [
        ("nothing", "Last absence: nothing waited"),
        ("decisions", "Last absence: a decision or two waited"),
        ("fire", "Last absence: a fire waited"),
    ],
)
def test_the_last_absence_says_what_waited(waited: str, line: str) -> None:
    loops = LoopsState(held=None, autonomy=None, last_absence=waited, waiting_handoffs=0, waiting_decisions=0)
    assert loops_text(built(loops)).splitlines()[-1] == line


def test_home_without_loops_state_has_no_loops_section_or_buttons() -> None:
    view = built(None)
    text = json.dumps(view)
    assert "Could the team run without you" not in text
    assert HANDOFF_ACTION not in text
    assert DECISION_ACTION not in text
