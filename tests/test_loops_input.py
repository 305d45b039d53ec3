"""Bad input to the coaching loops, through signed requests and the real database: `/handoff` and `/decision` with
no person, the wrong person, no words or a date in the past, their modals submitted the same way, and a follow-up's
answer buttons clicked by someone else or with an answer that isn't the loop's. Each gets a friendly answer that
names the problem (next to its field, in a modal), stores nothing, and logs nothing as a failure."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from slack_bolt import BoltResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.blocks.loops import ANSWER_PREFIX, DECISION_MODAL, ELEMENT, HANDOFF_MODAL
from bot.slack.handling import CANNOT_STORE, DATABASE_DOWN, SLACK_DOWN, SOMETHING_WENT_WRONG
from bot.store.models import Decision, Delivery, Handoff
from tests import test_loops
from tests.slack_api import Call, SlackAPIServer
from tests.support import SlackRequests, queue_settled, wait_until
from tests.test_loops import LEAD, SAM, Days, answer_text, click, delivery_of

lead = test_loops.lead  # fixtures: an enrolled lead in New York on Monday 30 November, and their days of ticks
days = test_loops.days

BOT_USER, GONE, OUTSIDER, STRANGER, OTHER = "U0BOT2", "U0GONE", "U0OUTSIDER", "U0NOBODY", "U0OTHER"
ELSEWHERE = "T0ELSEWHERE"
TODAY = date(2026, 11, 30)  # the `lead` fixture's Monday, in New York
A_WEEK_AHEAD = date(2026, 12, 7)
IN_THE_PAST = "2026-11-27"
HANDOFF_METADATA = json.dumps({"source": "command", "id": None})  # as the modal opened by `/handoff` carries it
NEVER_SAID = (SOMETHING_WENT_WRONG, DATABASE_DOWN, SLACK_DOWN, CANNOT_STORE)
IMPOLITE = re.compile(r"Traceback|\b\w+(?:Error|Exception)\b|NoneType|has no attribute|File \"")


@pytest.fixture(autouse=True)
def nothing_logged_as_a_failure(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Over every test here: no record at ERROR or above, and no traceback at any level (bad input is no fault)."""
    caplog.set_level(logging.DEBUG)
    yield
    loud = [
        f"{record.levelname} {record.name}: {record.getMessage()[:200]}"
        for record in (*caplog.get_records("setup"), *caplog.get_records("call"))
        if record.levelno >= logging.ERROR or record.exc_info or "Traceback" in record.getMessage()
    ]
    assert not loud, loud


# ---------------------------------------------------------------- helpers


def stored(session_factory: sessionmaker[Session]) -> tuple[int, int]:
    """How many hand-offs and decisions the database holds."""
    with session_factory() as session:
        handoffs = session.scalar(select(func.count()).select_from(Handoff))
        decisions = session.scalar(select(func.count()).select_from(Decision))
    return int(handoffs or 0), int(decisions or 0)


def assert_friendly(text: str, naming: str) -> None:
    """A person's answer that names the problem, and is neither a crash nor a generic excuse."""
    assert naming in text, text
    assert text not in NEVER_SAID, text
    assert not IMPOLITE.search(text), text
    assert "Recorded" not in text, text


def confirmed(slack: SlackAPIServer, session_factory: sessionmaker[Session]) -> bool:
    """Whether a "Recorded: …" confirmation reached the lead (once whatever was queued is sent)."""
    wait_until(lambda: queue_settled(session_factory))
    sent = [*slack.calls("chat.postMessage"), *slack.calls("response_url")]
    return any(str(call.params.get("text", "")).startswith("Recorded") for call in sent)


def handoff_command(requests: SlackRequests, slack: SlackAPIServer, text: str) -> str:
    """`/handoff TEXT` (lazy): its ephemeral answer, through the response_url."""
    answered = len(slack.calls("response_url"))
    response = requests.command("/handoff", text)
    assert (response.status, response.body) == (200, "")  # acknowledged at once, answered later
    return answer_text(slack, answered + 1)


def decision_command(requests: SlackRequests, text: str) -> str:
    """`/decision TEXT`: answered in the HTTP response itself."""
    response = requests.command("/decision", text)
    assert response.status == 200
    body = json.loads(str(response.body))
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def field(kind: str, **state: Any) -> dict[str, Any]:
    """One input block's state, as Slack sends it (the element's action id is ELEMENT)."""
    return {ELEMENT: {"type": kind, **state}}


def handoff_values(
    who: str | None = SAM, what: str = "the release checklist", due: str = "2026-12-04"
) -> dict[str, Any]:
    """The hand-off modal's state values (an empty users_select comes as null)."""
    return {
        "who": field("users_select", selected_user=who),
        "what": field("plain_text_input", value=what),
        "done_when": field("plain_text_input", value=None),
        "due": field("datepicker", selected_date=due),
    }


def decision_values(
    who: str | None = None, what: str = "which vendor we pick", due: str = "2026-12-04"
) -> dict[str, Any]:
    """The decision modal's state values."""
    return {
        "what": field("plain_text_input", value=what),
        "who": field("users_select", selected_user=who),
        "due": field("datepicker", selected_date=due),
        "assumption": field("plain_text_input", value=None),
    }


def refused(response: BoltResponse) -> dict[str, str]:
    """The field errors a modal submission was refused with."""
    assert response.status == 200
    body = json.loads(str(response.body))
    assert body["response_action"] == "errors", body
    errors: dict[str, str] = body["errors"]
    return errors


# ---------------------------------------------------------------- who the person is

Prepare = Callable[[SlackAPIServer], None]


def a_bot(slack: SlackAPIServer) -> None:
    slack.set_user(BOT_USER, name="deploybot", is_bot=True)


def deactivated(slack: SlackAPIServer) -> None:
    slack.set_user(GONE, name="gone", deleted=True)


def from_elsewhere(slack: SlackAPIServer) -> None:
    slack.set_user(OUTSIDER, name="outsider", team_id=ELSEWHERE)


def unknown(slack: SlackAPIServer) -> None:
    slack.set_user_not_found(STRANGER)


def nobody_new(slack: SlackAPIServer) -> None:
    """Only the lead and their teammates of the `lead` fixture."""


@dataclass(frozen=True)
class Refusal:
    """A `/handoff` the app must refuse: who is set up in Slack, what the lead typed, and what the answer names."""

    prepare: Prepare
    text: str
    naming: str


HANDOFF_REFUSALS = {
    "no mention": Refusal(nobody_new, "the release checklist by dec 18", "Who did you hand it to?"),
    "a date in the past": Refusal(nobody_new, f"<@{SAM}|sam> the checklist by 2026-01-05", "is in the past"),
    "a bot": Refusal(a_bot, f"<@{BOT_USER}|deploybot> the deploys by dec 18", "not a bot"),
    "a deactivated account": Refusal(deactivated, f"<@{GONE}|gone> the runbook by dec 18", "deactivated"),
    "another workspace": Refusal(from_elsewhere, f"<@{OUTSIDER}|outsider> the audit by dec 18", "this workspace"),
    "yourself": Refusal(nobody_new, f"<@{LEAD}|lead> the checklist by dec 18", "someone else"),
    "an unknown user": Refusal(unknown, f"<@{STRANGER}> the checklist by dec 18", "couldn't find"),
    "a mention and no words": Refusal(nobody_new, f"<@{SAM}|sam>", "Say what the hand-off is about"),
}


# ---------------------------------------------------------------- /handoff and /decision


@pytest.mark.parametrize("case", HANDOFF_REFUSALS.values(), ids=HANDOFF_REFUSALS.keys())
def test_a_handoff_command_the_app_cannot_use_is_answered_kindly_and_stores_nothing(
    case: Refusal,
    lead: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
) -> None:
    case.prepare(slack)
    assert_friendly(handoff_command(requests, slack, case.text), case.naming)
    assert stored(session_factory) == (0, 0)
    assert not confirmed(slack, session_factory)


def test_a_by_that_is_not_a_date_stays_in_the_what_and_the_handoff_is_due_in_a_week(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    answer = handoff_command(requests, slack, f"<@{SAM}|sam> the doc written by Ana")
    assert "Recorded: *the doc written by Ana*, handed to <@U0SAM>" in answer
    assert "Monday 7 December" in answer
    with session_factory() as session:
        [handoff] = session.scalars(select(Handoff))
        assert (handoff.delegate, handoff.what, handoff.due_on) == (SAM, "the doc written by Ana", A_WEEK_AHEAD)
    assert stored(session_factory) == (1, 0)


def test_a_decision_due_in_the_past_is_answered_kindly_and_stores_nothing(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    assert_friendly(decision_command(requests, "which vendor we pick by 2026-01-05"), "is in the past")
    assert stored(session_factory) == (0, 0)
    assert not confirmed(slack, session_factory)


def test_decision_alone_opens_its_modal_and_stores_nothing(
    lead: str, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    response = requests.command("/decision")
    assert (response.status, response.body) == (200, "")
    [opened] = slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == DECISION_MODAL
    due = next(block for block in view["blocks"] if block["block_id"] == "due")
    assert due["element"]["initial_date"] == A_WEEK_AHEAD.isoformat()
    assert stored(session_factory) == (0, 0)


# ---------------------------------------------------------------- the modals


@dataclass(frozen=True)
class Submission:
    """A modal submission the app must refuse, and the field (and words) its error comes with."""

    prepare: Prepare
    callback_id: str
    values: dict[str, Any]
    field: str
    naming: str


SUBMISSIONS = {
    "handoff, no person": Submission(nobody_new, HANDOFF_MODAL, handoff_values(who=None), "who", "Pick the person"),
    "handoff to a bot": Submission(a_bot, HANDOFF_MODAL, handoff_values(who=BOT_USER), "who", "not a bot"),
    "handoff to an unknown user": Submission(
        unknown, HANDOFF_MODAL, handoff_values(who=STRANGER), "who", "couldn't find"
    ),
    "handoff due in the past": Submission(
        nobody_new, HANDOFF_MODAL, handoff_values(due=IN_THE_PAST), "due", "is in the past"
    ),
    "handoff with empty what": Submission(
        nobody_new, HANDOFF_MODAL, handoff_values(what="   "), "what", "Say what the hand-off is about"
    ),
    "decision owned by a bot": Submission(a_bot, DECISION_MODAL, decision_values(who=BOT_USER), "who", "not a bot"),
    "decision due in the past": Submission(
        nobody_new, DECISION_MODAL, decision_values(due=IN_THE_PAST), "due", "is in the past"
    ),
}


@pytest.mark.parametrize("case", SUBMISSIONS.values(), ids=SUBMISSIONS.keys())
def test_a_modal_the_app_cannot_use_stays_open_with_the_reason_by_its_field_and_stores_nothing(
    case: Submission,
    lead: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
) -> None:
    case.prepare(slack)
    metadata = HANDOFF_METADATA if case.callback_id == HANDOFF_MODAL else ""
    errors = refused(requests.view_submission(case.callback_id, case.values, private_metadata=metadata))
    assert list(errors) == [case.field], errors
    assert_friendly(errors[case.field], case.naming)
    assert stored(session_factory) == (0, 0)
    assert not confirmed(slack, session_factory)


@pytest.mark.parametrize(
    ("callback_id", "values", "after"),
    [
        (HANDOFF_MODAL, handoff_values(), (1, 0)),
        (DECISION_MODAL, decision_values(who=SAM), (0, 1)),
    ],
    ids=["handoff", "decision"],
)
def test_the_same_modals_filled_in_well_are_stored(
    callback_id: str,
    values: dict[str, Any],
    after: tuple[int, int],
    lead: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
) -> None:
    """The refusals above are about their one bad field: the values built the same way are otherwise fine."""
    metadata = HANDOFF_METADATA if callback_id == HANDOFF_MODAL else ""
    response = requests.view_submission(callback_id, values, private_metadata=metadata)
    assert (response.status, response.body) == (200, "")
    assert stored(session_factory) == after
    assert confirmed(slack, session_factory)


# ---------------------------------------------------------------- a follow-up's answer buttons


@dataclass(frozen=True)
class HandoffState:
    """What an answer would change: the hand-off, its delivery's payload, and the message's redraws."""

    status: str
    asks: int
    next_ask_on: date | None
    answered_on: date | None
    payload: str | None
    redraws: int


@pytest.fixture
def followup(lead: str, requests: SlackRequests, slack: SlackAPIServer, days: Days) -> Call:
    """The follow-up of a hand-off recorded on Monday, posted on its date, Wednesday."""
    answered = len(slack.calls("response_url"))
    requests.command("/handoff", f"<@{SAM}|sam> the checklist by 2026-12-02")
    assert "Recorded: *the checklist*" in answer_text(slack, answered + 1)
    days.through(TODAY, date(2026, 12, 2))
    [asked] = days.followups()
    return asked


def state_of(followup: Call, slack: SlackAPIServer, session_factory: sessionmaker[Session]) -> HandoffState:
    """The hand-off and its follow-up as they stand, once whatever was queued is sent."""
    wait_until(lambda: queue_settled(session_factory))
    ts = (followup.response or {})["ts"]
    with session_factory() as session:
        [handoff] = session.scalars(select(Handoff))
        delivery = session.get_one(Delivery, delivery_of(followup))
        return HandoffState(
            handoff.status,
            handoff.asks,
            handoff.next_ask_on,
            handoff.answered_on,
            delivery.payload,
            sum(call.params.get("ts") == ts for call in slack.calls("chat.update")),
        )


def redrawn(
    followup: Call, before: HandoffState, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> HandoffState:
    """The state once the follow-up was redrawn after `before` (an answer taken)."""
    state: HandoffState | None = None

    def changed() -> bool:
        nonlocal state
        state = state_of(followup, slack, session_factory)
        return state.redraws > before.redraws

    wait_until(changed)
    assert state is not None
    return state


def press(requests: SlackRequests, slack: SlackAPIServer, followup: Call, action_id: str, user_id: str = LEAD) -> str:
    """A click on one of the follow-up's buttons, by `user_id`; the ephemeral answer it got."""
    answered, response = len(slack.calls("response_url")), followup.response or {}
    requests.message_button(
        action_id,
        str(delivery_of(followup)),
        channel=str(response["channel"]),
        message_ts=str(response["ts"]),
        user_id=user_id,
    )
    return answer_text(slack, answered + 1)


def test_an_answer_clicked_by_someone_else_is_not_theirs_and_changes_nothing(
    followup: Call, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    before = state_of(followup, slack, session_factory)
    assert (before.status, before.answered_on) == ("open", None)

    assert_friendly(press(requests, slack, followup, ANSWER_PREFIX + "held", user_id=OTHER), "isn't yours")
    assert state_of(followup, slack, session_factory) == before

    click(requests, followup, ANSWER_PREFIX + "held")  # the lead's own click does change it
    after = redrawn(followup, before, slack, session_factory)
    assert (after.status, after.answered_on) == ("held", date(2026, 12, 2))


def test_an_answer_that_is_not_the_loops_is_refused_and_changes_nothing(
    followup: Call, requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    before = state_of(followup, slack, session_factory)

    assert_friendly(press(requests, slack, followup, ANSWER_PREFIX + "fire"), "didn't understand that answer")
    assert state_of(followup, slack, session_factory) == before

    click(requests, followup, ANSWER_PREFIX + "going")  # a hand-off's own answer is taken
    after = redrawn(followup, before, slack, session_factory)
    assert (after.status, after.next_ask_on) == ("going", date(2026, 12, 9))
