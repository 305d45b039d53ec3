"""A lead's corrections teach the filing of their later entries (and only theirs), and an entry's "about how long?"
is stored: the pure rules, then through signed requests into the real app."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.memory import LEARNED, adjusted, lessons, words_of
from bot.slack.blocks.entries import (
    CATEGORIES_ACTION,
    CATEGORIES_BLOCK,
    MINUTES_ACTION,
    MINUTES_BLOCK,
    MODAL_CALLBACK,
    ModalContext,
)
from bot.store.models import FilingMemory, ImpactEntry
from tests.slack.test_entries import dm, enroll, stored
from tests.slack_api import SlackAPIServer
from tests.support import SlackRequests, queue_settled, wait_until

LEAD, PEER = "U0LEAD", "U0PEER"


def test_words_are_the_distinctive_ones_once_each() -> None:
    assert words_of("Shadowed Kim through the on-call handover, then shadowed again!") == (
        "shadowed",
        "kim",
        "through",
        "on-call",
        "handover",
    )
    assert len(words_of(" ".join(f"word{n:02d}" for n in range(50)))) == 30


def test_a_correction_teaches_each_word_what_was_added_and_taken_away() -> None:
    taught = lessons(("shadowed", "handover"), before=("hands_on",), after=("mentoring",))
    assert taught == {
        ("shadowed", "mentoring"): 1,
        ("handover", "mentoring"): 1,
        ("shadowed", "hands_on"): -1,
        ("handover", "hands_on"): -1,
    }


def test_one_word_of_one_correction_is_not_enough_two_are() -> None:
    memory = {("shadowed", "mentoring"): 1, ("handover", "mentoring"): 1}
    assert adjusted((), ("shadowed", "deploy"), memory) == ()
    assert adjusted((), ("shadowed", "handover"), memory) == ("mentoring",)
    assert adjusted(("hands_on",), ("refactor",), {("refactor", "hands_on"): -LEARNED}) == ()
    assert adjusted(("context",), ("refactor",), {("refactor", "hands_on"): -LEARNED}) == ("context",)


def correct(requests: SlackRequests, entry_id: int, categories: tuple[str, ...], minutes: str | None = None) -> None:
    values: dict[str, Any] = {
        CATEGORIES_BLOCK: {
            CATEGORIES_ACTION: {
                "type": "multi_static_select",
                "selected_options": [{"value": key, "text": {"type": "plain_text", "text": key}} for key in categories],
            }
        }
    }
    if minutes is not None:
        selected = {"value": minutes, "text": {"type": "plain_text", "text": minutes}}
        values[MINUTES_BLOCK] = {MINUTES_ACTION: {"type": "static_select", "selected_option": selected}}
    metadata = ModalContext(entry_id=entry_id, revision=1).dump()
    response = requests.view_submission(MODAL_CALLBACK, values, private_metadata=metadata)
    assert (response.status, response.body) == (200, "")


def categories_of(session_factory: sessionmaker[Session], text: str) -> set[str]:
    return next(entry.categories for entry in stored(session_factory) if entry.text == text)


def test_a_leads_corrections_file_their_later_entries_and_nobody_elses(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    enroll(requests, session_factory, user=PEER)
    dm(requests, "zorblat session with Kim on the quarnix pipeline")  # words no rule knows
    dm(requests, "zorblat hour with Ode, quarnix again")
    wait_until(lambda: queue_settled(session_factory))
    for text in ("zorblat session with Kim on the quarnix pipeline", "zorblat hour with Ode, quarnix again"):
        assert categories_of(session_factory, text) == set()
        entry_id = next(e.id for e in stored(session_factory) if e.text == text)
        correct(requests, entry_id, ("mentoring",), minutes="30")
    with session_factory() as session:
        taught = {(m.word, m.category): m.weight for m in session.scalars(select(FilingMemory))}
        assert {e.minutes for e in session.scalars(select(ImpactEntry))} == {30}
    assert taught[("zorblat", "mentoring")] == 2
    assert taught[("quarnix", "mentoring")] == 2

    dm(requests, "another zorblat this morning")  # one word, taught twice
    dm(requests, "zorblat for the new joiner", user=PEER)  # someone else's corrections teach nothing here
    wait_until(lambda: queue_settled(session_factory))
    assert categories_of(session_factory, "another zorblat this morning") == {"mentoring"}
    assert "mentoring" not in categories_of(session_factory, "zorblat for the new joiner")
