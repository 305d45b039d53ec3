"""/why-am-i-coding through signed requests into the real app: modal, verdicts, field errors, outcomes, stats."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.diagnostic import Answers, check_answers
from bot.services.diagnostics import Verdict
from bot.slack.blocks.diagnostic import ELEMENT, FIELDS, MODAL_CALLBACK, OUTCOME_ACTIONS, verdict_message
from bot.slack.text import make_environment
from bot.store.models import Diagnostic, Lead
from tests.coaching.test_diagnostic import EXPECTED
from tests.slack_api import SlackAPIServer
from tests.support import Clock, SlackRequests, wait_until

LEAD = "U0LEAD"
HEADLINES = {
    "go": "Go ahead, timeboxed",
    "pair": "Pair, and let them drive.",
    "face_it": "Face the conversation first.",
    "delegate": "Delegate it.",
}
# Each of the twelve answer pairs: the verdict's headline and the reason it gives, in the words the lead chose.
VERDICT_TEXTS = {
    ("no", "strategic"): ("*Go ahead, timeboxed.*", "only you can crack this and nobody else could own it"),
    ("yes", "strategic"): ("*Delegate it.*", "What only you know belongs in a note for them"),
    ("with_support", "strategic"): ("*Pair, and let them drive.*", "knowledge to hand over, not code to write"),
    ("no", "hiding"): ("*Face the conversation first.*", "a comfortable place to hide"),
    ("yes", "hiding"): ("*Face the conversation first.*", "a comfortable place to hide"),
    ("with_support", "hiding"): ("*Face the conversation first.*", "a comfortable place to hide"),
    ("no", "leverage"): ("*Pair, and let them drive.*", "Teaching is the best reason"),
    ("yes", "leverage"): ("*Pair, and let them drive.*", "Teaching is the best reason"),
    ("with_support", "leverage"): ("*Pair, and let them drive.*", "Teaching is the best reason"),
    ("no", "dopamine"): ("*Go ahead, timeboxed, and bring someone in.*", "so next time someone could"),
    ("yes", "dopamine"): ("*Delegate it.*", "share in the team's wins, not to take their work"),
    ("with_support", "dopamine"): ("*Pair, and let them drive.*", "without taking the second from them"),
}


def values(task: str | None, ownership: str | None, pull: str | None, hours: str | None = None) -> dict[str, Any]:
    def radio(choice: str | None) -> dict[str, Any]:
        selected = {"value": choice, "text": {"type": "plain_text", "text": choice}} if choice else None
        return {ELEMENT: {"type": "radio_buttons", "selected_option": selected}}

    return {
        FIELDS["task"]: {ELEMENT: {"type": "plain_text_input", "value": task}},
        FIELDS["ownership"]: radio(ownership),
        FIELDS["pull"]: radio(pull),
        FIELDS["hours"]: {ELEMENT: {"type": "plain_text_input", "value": hours}},
    }


def diagnostics(session_factory: sessionmaker[Session]) -> list[Diagnostic]:
    with session_factory() as session:
        return list(session.scalars(select(Diagnostic).order_by(Diagnostic.id)))


@pytest.mark.parametrize(("answers", "expected"), VERDICT_TEXTS.items(), ids=[f"{o}-{p}" for o, p in VERDICT_TEXTS])
def test_each_answer_pair_gets_a_verdict_text_that_fits_it(answers: tuple[str, str], expected: tuple[str, str]) -> None:
    ownership, pull = answers
    answered = check_answers("the retry logic", ownership, pull, "3")
    assert isinstance(answered, Answers)
    shown = Verdict(1, "the retry logic", ownership, pull, 3.0, answered.verdict, None)
    _, blocks = verdict_message(make_environment(), shown)
    body = blocks[1]["text"]["text"]
    headline, reason = expected
    assert body.startswith(headline)
    assert reason in body
    assert ("owned by <name>" in body) == (answered.verdict == "delegate")  # a hand-off only when someone could own it
    assert "*Next step:*" in body


def test_the_command_opens_the_modal_with_the_task_filled_in(requests: SlackRequests, slack: SlackAPIServer) -> None:
    response = requests.command("/why-am-i-coding", "the retry logic in the billing worker")
    assert (response.status, response.body) == (200, "")
    [opened] = slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == MODAL_CALLBACK
    task = next(block for block in view["blocks"] if block["block_id"] == FIELDS["task"])
    assert task["element"]["initial_value"] == "the retry logic in the billing worker"
    pulls = next(block for block in view["blocks"] if block["block_id"] == FIELDS["pull"])
    assert [o["value"] for o in pulls["element"]["options"]] == ["strategic", "hiding", "leverage", "dopamine"]


@pytest.mark.parametrize(("answers", "expected"), EXPECTED.items(), ids=[f"{o}-{p}" for o, p in EXPECTED])
def test_each_pull_and_ownership_answer_gets_its_verdict_in_the_dm(
    requests: SlackRequests,
    slack: SlackAPIServer,
    session_factory: sessionmaker[Session],
    answers: tuple[str, str],
    expected: str,
) -> None:
    ownership, pull = answers
    response = requests.view_submission(MODAL_CALLBACK, values("Rewrite the cache layer", ownership, pull, "3"))
    assert (response.status, response.body) == (200, "")
    [posted] = slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == LEAD
    body = posted.params["blocks"][1]["text"]["text"]
    assert body.startswith(f"*{HEADLINES[expected]}")
    assert "*Next step:*" in body
    assert ("Outcome: Rewrite the cache layer" in body) == (expected == "delegate")
    [stored] = diagnostics(session_factory)
    assert (stored.task, stored.ownership, stored.pull, stored.hours, stored.verdict) == (
        "Rewrite the cache layer",
        ownership,
        pull,
        3.0,
        expected,
    )


def test_missing_answers_come_back_as_field_errors_and_nothing_is_stored(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    response = requests.view_submission(MODAL_CALLBACK, values("  ", None, "strategic", "soon"))
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {FIELDS["task"], FIELDS["ownership"], FIELDS["hours"]}
    assert diagnostics(session_factory) == []
    time.sleep(0.1)
    assert slack.calls("chat.postMessage") == []


def test_someone_not_enrolled_can_use_it_and_stays_without_prompts(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    requests.view_submission(MODAL_CALLBACK, values("Fix the flaky deploy", "no", "strategic"))
    slack.wait_for("chat.postMessage")
    with session_factory() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.user_id, lead.enrolled, lead.next_prompt_at) == (LEAD, False, None)


def test_outcome_buttons_record_what_happened_and_only_for_the_owner(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    requests.view_submission(MODAL_CALLBACK, values("Port the CLI to Go", "yes", "dopamine", "5"))
    [posted] = slack.wait_for("chat.postMessage")
    diagnostic_id = str(diagnostics(session_factory)[0].id)
    channel, ts = posted.response["channel"], posted.response["ts"]  # type: ignore[index]
    requests.message_button(OUTCOME_ACTIONS["delegated"], diagnostic_id, channel=channel, message_ts=ts, user_id="U0X")
    wait_until(lambda: any("isn't yours" in c.params["text"] for c in slack.calls("response_url")))
    assert diagnostics(session_factory)[0].outcome is None

    requests.message_button(
        OUTCOME_ACTIONS["delegated"],
        diagnostic_id,
        channel=channel,
        message_ts=ts,
        message_text=posted.params["text"],
    )
    [update] = slack.wait_for("chat.update")
    assert diagnostics(session_factory)[0].outcome == "delegated"
    assert update.params["blocks"][-1]["elements"][0]["text"] == "Recorded: you delegated it."


def test_stats_show_the_last_four_weeks_with_an_observation(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    empty = requests.command("/why-am-i-coding", "stats")
    assert "No coding diagnostics in the last four weeks" in json.loads(empty.body)["text"]
    history = [
        ("Old thing", "yes", "hiding", "8"),  # five weeks ago: left out
        ("Billing retries", "no", "strategic", "4"),
        ("Onboarding bot", "yes", "dopamine", "2"),
        ("Perf dashboard", "yes", "hiding", "2"),
        ("Search ranking", "no", "hiding", "1"),
        ("Infra cleanup", "with_support", "hiding", "1"),
    ]
    clock.advance(weeks=-5)
    for n, (task, ownership, pull, hours) in enumerate(history):
        requests.view_submission(MODAL_CALLBACK, values(task, ownership, pull, hours))
        clock.advance(weeks=5) if n == 0 else clock.advance(days=1)
    text = json.loads(requests.command("/why-am-i-coding", "STATS").body)["text"]
    assert "5 diagnostics" in text
    assert "• Face the conversation first: 3 (4 h)" in text
    assert "• Go ahead, timeboxed: 1 (4 h)" in text
    assert "• Delegate it: 1 (2 h)" in text
    assert "*40%* of your estimated coding hours" in text
    assert "Hand-offs made: *0*" in text
    assert "_3 of your last 5 coding sessions were put-offs" in text
    assert slack.calls("views.open") == []
