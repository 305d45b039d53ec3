"""One-tap answers: a prompt with quick answers shows them as buttons; a tap logs the answer, filed by the prompt's
theme, acknowledges it in the prompt's thread and invites a sentence more there, which joins the same entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.categories import THEME_CATEGORIES
from bot.coaching.prompts import Prompt, PromptLibrary
from bot.services.prompts import OutgoingPrompt
from bot.slack.blocks.prompt import CHOICE_PREFIX, prompt_message
from bot.store.models import Delivery, EntryCategory, ImpactEntry, Kind, Lead, Status
from tests.slack.test_entries import dm, enroll
from tests.slack_api import SlackAPIServer
from tests.support import TEAM_ID, SlackRequests, queue_settled, wait_until

LEAD, DM, PROMPT_TS = "U0LEAD", "D0LEAD", "1795300000.000001"  # before any DM the test sends


def with_choices(library: PromptLibrary) -> Prompt:
    """A prompt whose second quick answer files under some category (its own, or its theme's)."""
    return next(p for p in library if len(p.choices) > 1 and files_under(p, 1))


def files_under(prompt: Prompt, index: int) -> set[str]:
    """How a tap on one of the prompt's quick answers files: the choice's own categories, else its theme's."""
    own = prompt.choice_categories[index]
    return set(own) if own is not None else set(THEME_CATEGORIES.get(prompt.theme, ()))


def test_a_prompt_with_choices_shows_them_as_buttons_beside_skip_and_not_a_good_prompt(library: PromptLibrary) -> None:
    prompt = with_choices(library)
    outgoing = OutgoingPrompt(
        7, TEAM_ID, 1, LEAD, DM, datetime(2026, 11, 30, 21, 30, tzinfo=UTC), 1, "A question?", prompt.why,
        prompt.theme_title, prompt.source, prompt.choices, False,
    )  # fmt: skip
    _, blocks = prompt_message(outgoing)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["value"]) for b in buttons[: len(prompt.choices)]] == [
        (choice, f"7:{n}") for n, choice in enumerate(prompt.choices)
    ]
    assert [b["text"]["text"] for b in buttons[len(prompt.choices) :]] == ["Answer", "Skip today", "Not a good prompt"]


def sent_prompt(session_factory: sessionmaker[Session], prompt: Prompt) -> int:
    """A prompt that reached the lead's DM."""
    with session_factory.begin() as session:
        lead_id = session.scalars(select(Lead.id).where(Lead.user_id == LEAD)).one()
        delivery = Delivery(
            team_id=TEAM_ID, lead_id=lead_id, kind=Kind.PROMPT, period_key="2026-11-30", recipient=LEAD,
            prompt_id=prompt.id, channel=DM, ts=PROMPT_TS, status=Status.SENT, sent_at=datetime.now(UTC),
        )  # fmt: skip
        session.add(delivery)
        session.flush()
        return delivery.id


def test_a_tap_logs_the_answer_filed_by_the_theme_and_a_reply_in_the_thread_adds_to_it(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], library: PromptLibrary
) -> None:
    enroll(requests, session_factory)
    prompt = with_choices(library)
    delivery_id = sent_prompt(session_factory, prompt)
    tap = dict(channel=DM, message_ts=PROMPT_TS, message_text="A question?")
    for _ in range(2):  # a double tap logs once
        requests.message_button(f"{CHOICE_PREFIX}1", f"{delivery_id}:1", **tap)
    wait_until(lambda: queue_settled(session_factory))

    with session_factory() as session:
        [entry] = session.scalars(select(ImpactEntry)).all()
        categories = set(session.scalars(select(EntryCategory.category).where(EntryCategory.entry_id == entry.id)))
        assert session.get_one(Delivery, delivery_id).status == Status.ANSWERED
    assert (entry.text, entry.delivery_id) == (prompt.choices[1], delivery_id)
    assert categories == files_under(prompt, 1)
    [ack] = [c for c in slack.calls("chat.postMessage") if c.params.get("thread_ts") == PROMPT_TS]
    assert ack.params["text"].startswith("Logged")
    redrawn = [c for c in slack.calls("chat.update") if c.params["ts"] == PROMPT_TS]
    assert "A sentence more? Reply in this thread" in json.dumps(redrawn[-1].params["blocks"])

    dm(requests, "it was the schema review with the data team", thread_ts=PROMPT_TS)
    wait_until(lambda: queue_settled(session_factory))
    with session_factory() as session:
        [entry] = session.scalars(select(ImpactEntry)).all()
    assert entry.text == f"{prompt.choices[1]}\n\nit was the schema review with the data team"


def test_a_tap_on_someone_elses_prompt_or_an_unknown_choice_logs_nothing(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], library: PromptLibrary
) -> None:
    enroll(requests, session_factory)
    enroll(requests, session_factory, user="U0PEER")
    delivery_id = sent_prompt(session_factory, with_choices(library))
    requests.message_button(f"{CHOICE_PREFIX}0", f"{delivery_id}:0", channel=DM, message_ts=PROMPT_TS, user_id="U0PEER")
    requests.message_button(f"{CHOICE_PREFIX}9", f"{delivery_id}:9", channel=DM, message_ts=PROMPT_TS)
    told = [c.params["text"] for c in slack.wait_for("response_url", 2)]
    assert any("isn't yours" in text for text in told)
    assert any("isn't on offer" in text for text in told)
    with session_factory() as session:
        assert session.scalars(select(ImpactEntry)).all() == []
