"""Replies and the impact log, through signed requests into the real app, with the rows checked afterwards."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.blocks.entries import (
    CATEGORIES_ACTION,
    CATEGORIES_BLOCK,
    DELETE_ACTION,
    EDIT_ACTION,
    MODAL_CALLBACK,
    MOVED,
    PRIVATE_ACTION,
    SHARE_ACTION,
    SHARE_BLOCK,
    SHARE_OPTION_ACTION,
    SHAREABLE,
    TEXT_ACTION,
    TEXT_BLOCK,
)
from bot.slack.blocks.prompt import ANSWER_ACTION
from bot.store.models import Delivery, EntryCategory, ImpactEntry, Lead, Reply
from tests.slack_api import Call, SlackAPIServer
from tests.support import Clock, SlackRequests, wait_until

LEAD = "U0LEAD"
DM = SlackAPIServer.dm_channel_id(LEAD)
_ts = itertools.count(1)


@dataclass
class Entry:
    id: int
    text: str
    source: str
    delivery_id: int | None
    shareable: bool
    by_lead: bool
    categories: set[str]
    ack_ts: str | None


def next_ts() -> str:
    return f"1795400000.{next(_ts):06d}"


def stored(session_factory: sessionmaker[Session]) -> list[Entry]:
    with session_factory() as session:
        rows = session.scalars(select(ImpactEntry).order_by(ImpactEntry.id)).all()
        return [
            Entry(
                row.id,
                row.text,
                row.source,
                row.delivery_id,
                row.shareable,
                row.categories_by_lead,
                set(session.scalars(select(EntryCategory.category).where(EntryCategory.entry_id == row.id))),
                row.ack_ts,
            )
            for row in rows
        ]


def replies(session_factory: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with session_factory() as session:
        return [(r.text, r.source, r.message_ts) for r in session.scalars(select(Reply).order_by(Reply.id))]


def enroll(requests: SlackRequests, session_factory: sessionmaker[Session], user: str = LEAD) -> None:
    requests.command("/coach", "start", user_id=user)

    def enrolled() -> bool:
        with session_factory() as session:
            lead = session.scalars(select(Lead).where(Lead.user_id == user)).one_or_none()
            return bool(lead and lead.enrolled)

    wait_until(enrolled)


def send_prompt(requests: SlackRequests, session_factory: sessionmaker[Session], user: str = LEAD) -> Delivery:
    """A prompt in the lead's DM, sent through /reflect."""
    requests.command("/reflect", user_id=user)

    def sent() -> Delivery | None:
        with session_factory() as session:
            return session.scalars(
                select(Delivery).where(Delivery.recipient == user, Delivery.status == "sent").order_by(Delivery.id)
            ).first()

    delivery: Delivery = wait_until(sent)
    return delivery


def dm(
    requests: SlackRequests,
    words: str,
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    user: str = LEAD,
    event_id: str | None = None,
    retry_num: int | None = None,
    **extra: Any,
) -> str:
    ts = ts or next_ts()
    event: dict[str, Any] = {
        "type": "message",
        "channel": SlackAPIServer.dm_channel_id(user),
        "channel_type": "im",
        "user": user,
        "text": words,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    response = requests.event(event, event_id=event_id, retry_num=retry_num)
    assert response.status == 200, response.body
    return ts


def acks(slack: SlackAPIServer) -> list[Call]:
    return [c for c in slack.calls("chat.postMessage") if str(c.params.get("text", "")).startswith(("Logged", "Added"))]


def modal_values(answer: str | None, categories: tuple[str, ...] = (), shareable: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {
        CATEGORIES_BLOCK: {
            CATEGORIES_ACTION: {
                "type": "multi_static_select",
                "selected_options": [{"value": key, "text": {"type": "plain_text", "text": key}} for key in categories],
            }
        },
        SHARE_BLOCK: {
            SHARE_OPTION_ACTION: {
                "type": "checkboxes",
                "selected_options": [{"value": SHAREABLE, "text": {"type": "plain_text", "text": "share"}}]
                if shareable
                else [],
            }
        },
    }
    if answer is not None:
        values[TEXT_BLOCK] = {TEXT_ACTION: {"type": "plain_text_input", "value": answer}}
    return values


# --- capturing DMs --------------------------------------------------------------------------------------------


def test_a_reply_in_the_prompts_thread_is_its_answer_filed_and_acknowledged_in_the_thread(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    prompt = send_prompt(requests, session_factory)
    dm(requests, "Paired with Priya on the flaky test so she can own the fix from now on", thread_ts=prompt.ts)

    [entry] = stored(session_factory)
    assert (entry.source, entry.delivery_id) == ("dm", prompt.id)
    assert "delegation" in entry.categories  # filed (by the rules and the model) as it is stored
    assert [(source) for _, source, _ in replies(session_factory)] == ["thread"]
    with session_factory() as session:
        assert session.get_one(Delivery, prompt.id).status == "answered"
    [ack] = wait_until(lambda: acks(slack))
    assert ack.params["thread_ts"] == prompt.ts
    assert "delegation" in ack.params["text"]
    wait_until(lambda: stored(session_factory)[0].ack_ts == ack.response["ts"])  # type: ignore[index]


def test_a_plain_dm_answers_the_prompt_of_the_last_36_hours_and_later_stands_alone(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    enroll(requests, session_factory)
    prompt = send_prompt(requests, session_factory)
    clock.advance(hours=35)
    dm(requests, "Walked the new hire through our deploy runbook")
    clock.advance(hours=2)
    dm(requests, "Told product the billing rewrite is a revenue risk if we wait")

    first, second = stored(session_factory)
    assert first.delivery_id == prompt.id
    assert second.delivery_id is None
    assert "hiring_onboarding" in first.categories
    assert "alignment" in second.categories
    assert [source for _, source, _ in replies(session_factory)] == ["dm", "dm"]


def test_several_messages_for_the_same_prompt_append_to_one_answer(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    prompt = send_prompt(requests, session_factory)
    dm(requests, "Stayed out of the schema debate and let the team decide.")
    wait_until(lambda: stored(session_factory)[0].ack_ts is not None)  # posted, not just reserved
    dm(requests, "Also unblocked Tom by getting him prod read access.")

    [entry] = stored(session_factory)
    assert entry.delivery_id == prompt.id
    assert entry.text == "\n\n".join(
        [
            "Stayed out of the schema debate and let the team decide.",
            "Also unblocked Tom by getting him prod read access.",
        ]
    )
    assert {"stayed_quiet", "unblocking"} <= entry.categories
    # The acknowledgement moves beside the newest message; the first one says where it went and loses its buttons.
    first_ack, second_ack = wait_until(lambda: acks(slack) if len(acks(slack)) == 2 else None)
    assert second_ack.params["text"].startswith("Added to your answer")
    moved = wait_until(lambda: [c for c in slack.calls("chat.update") if c.params["text"] == MOVED])
    assert moved[0].params["ts"] == first_ack.response["ts"]
    wait_until(lambda: stored(session_factory)[0].ack_ts is not None)
    assert stored(session_factory)[0].ack_ts == second_ack.response["ts"]


def test_a_retried_or_repeated_event_is_stored_once(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    ts = dm(requests, "Reviewed Ana's RFC and caught a data-loss risk in the migration", event_id="Ev0RETRY")
    dm(
        requests,
        "Reviewed Ana's RFC and caught a data-loss risk in the migration",
        ts=ts,
        event_id="Ev0RETRY",
        retry_num=1,
    )
    dm(requests, "Reviewed Ana's RFC and caught a data-loss risk in the migration", ts=ts, event_id="Ev0OTHER")
    assert len(stored(session_factory)) == 1
    assert len(replies(session_factory)) == 1


@pytest.mark.parametrize(
    "extra",
    [{"bot_id": "B0OTHER"}, {"subtype": "bot_message", "bot_id": "B0OTHER"}, {"user": "U0BOT", "bot_id": "B0US"}],
    ids=["other bot", "bot_message", "ourselves"],
)
def test_messages_from_bots_are_ignored(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session], extra: dict[str, str]
) -> None:
    enroll(requests, session_factory)
    posts_before = len(slack.calls("chat.postMessage"))
    dm(requests, "Deploy finished: 42 services updated", **extra)
    time.sleep(0.2)
    assert stored(session_factory) == []
    assert len(slack.calls("chat.postMessage")) == posts_before


def test_someone_not_enrolled_gets_one_invitation_and_nothing_is_stored(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    dm(requests, "hello? what is this bot", user="U0STRANGER")
    dm(requests, "anyone there", user="U0STRANGER")
    [invitation] = wait_until(lambda: slack.calls("chat.postMessage"))
    assert "/coach start" in invitation.params["text"]
    time.sleep(0.2)
    assert len(slack.calls("chat.postMessage")) == 1
    assert stored(session_factory) == []
    assert replies(session_factory) == []


def test_an_empty_message_gets_a_helpful_reply_and_nothing_is_stored(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    dm(requests, "   \n ", subtype="file_share")
    [reply] = wait_until(lambda: slack.calls("chat.postMessage"))
    assert "nothing was logged" in reply.params["text"]
    assert stored(session_factory) == []


def test_any_text_slack_can_send_is_stored_intact(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    body = (
        "Mentored <@U024BE7LH> on <#C0ARCH|architecture> review 🚀 — see <https://example.com/adr/7|ADR 7>.\n"
        "```\nSELECT * FROM leads WHERE id = 1;\n```\nשלום عليكم 你好 "
    )
    huge = (body * (40_000 // len(body) + 1))[:40_000]
    dm(requests, huge)
    [entry] = stored(session_factory)
    assert entry.text == huge
    assert replies(session_factory)[0][0] == huge
    assert "mentoring" in entry.categories


# --- edits and deletions -----------------------------------------------------------------------------------------


def test_an_edit_updates_the_text_and_refiles_it(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    ts = dm(requests, "Fixed the flaky login bug myself")
    wait_until(lambda: stored(session_factory)[0].ack_ts is not None)  # posted, not just reserved
    changed = {
        "subtype": "message_changed",
        "message": {"type": "message", "user": LEAD, "text": "Interviewed two backend candidates", "ts": ts},
        "previous_message": {"type": "message", "user": LEAD, "text": "Fixed the flaky login bug myself", "ts": ts},
        "hidden": True,
    }
    dm(requests, "", **changed)
    [entry] = stored(session_factory)
    assert entry.text == "Interviewed two backend candidates"
    assert entry.categories == {"hiring_onboarding"}
    update = wait_until(lambda: slack.calls("chat.update"))[-1]
    assert "hiring" in update.params["text"]


def test_a_deleted_message_leaves_its_entry_and_an_empty_entry_goes(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    send_prompt(requests, session_factory)
    first = dm(requests, "Wrote the ADR for the queue choice")
    wait_until(lambda: stored(session_factory)[0].ack_ts is not None)  # posted, not just reserved
    second = dm(requests, "and mediated between Sam and Ana on the API naming")
    dm(requests, "", subtype="message_deleted", deleted_ts=second, hidden=True)
    [entry] = stored(session_factory)
    assert entry.text == "Wrote the ADR for the queue choice"
    assert "trust" not in entry.categories
    dm(requests, "", subtype="message_deleted", deleted_ts=first, hidden=True)
    assert stored(session_factory) == []
    assert replies(session_factory) == []
    wait_until(lambda: any("Deleted" in c.params["text"] for c in slack.calls("chat.update")))


def test_a_database_failure_leaves_nothing_half_written_and_the_retry_stores_once(
    requests: SlackRequests, session_factory: sessionmaker[Session], engine: Engine
) -> None:
    enroll(requests, session_factory)
    with engine.begin() as connection:  # the replies table goes missing mid-way: the event id was already recorded
        connection.execute(text("ALTER TABLE replies RENAME TO replies_away"))
    event = {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": LEAD,
        "text": "Unblocked Ravi",
        "ts": "1.5",
    }
    response = requests.event(event, event_id="Ev0DBDOWN")
    assert response.status == 503
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE replies_away RENAME TO replies"))
    assert stored(session_factory) == []
    assert requests.event(event, event_id="Ev0DBDOWN", retry_num=1).status == 200
    assert requests.event(event, event_id="Ev0DBDOWN", retry_num=2).status == 200
    [entry] = stored(session_factory)
    assert entry.text == "Unblocked Ravi"


# --- the Answer button, /impact and the modal --------------------------------------------------------------------


def test_the_answer_button_opens_a_modal_whose_answer_is_stored_against_the_prompt(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    prompt = send_prompt(requests, session_factory)
    requests.message_button(
        ANSWER_ACTION, str(prompt.id), channel=DM, message_ts=prompt.ts or "", message_text="What did you hand off?"
    )
    [opened] = wait_until(lambda: slack.calls("views.open"))
    view = opened.params["view"]
    assert view["callback_id"] == MODAL_CALLBACK
    text_input = next(b for b in view["blocks"] if b.get("block_id") == TEXT_BLOCK)["element"]
    assert (text_input["multiline"], text_input["max_length"]) == (True, 3000)

    empty = requests.view_submission(MODAL_CALLBACK, modal_values("   "), view["private_metadata"])
    assert json.loads(empty.body)["response_action"] == "errors"
    assert stored(session_factory) == []

    response = requests.view_submission(
        MODAL_CALLBACK, modal_values("Handed the release train to Ana"), view["private_metadata"]
    )
    assert (response.status, response.body) == (200, "")
    [entry] = stored(session_factory)
    assert (entry.source, entry.delivery_id, entry.shareable, entry.by_lead) == ("modal", prompt.id, False, False)
    assert "delegation" in entry.categories
    [ack] = wait_until(lambda: acks(slack))
    assert ack.params["thread_ts"] == prompt.ts


def test_a_modal_naming_another_leads_prompt_is_refused_and_stores_nothing(
    requests: SlackRequests, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory, user="U0OTHER")
    theirs = send_prompt(requests, session_factory, user="U0OTHER")
    response = requests.view_submission(
        MODAL_CALLBACK, modal_values("Mine now"), json.dumps({"delivery_id": theirs.id}), user_id=LEAD
    )
    assert json.loads(response.body)["response_action"] == "errors"
    assert stored(session_factory) == []


def test_impact_with_text_logs_at_once_and_acknowledges_ephemerally(
    requests: SlackRequests, session_factory: sessionmaker[Session]
) -> None:
    response = requests.command("/impact", "Set up the onboarding checklist for next week's new joiner")
    body = json.loads(response.body)
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("Logged: ")
    [entry] = stored(session_factory)
    assert (entry.source, entry.delivery_id) == ("command", None)
    assert "hiring_onboarding" in entry.categories


def test_impact_alone_opens_the_modal_and_the_lead_may_choose_categories_and_sharing(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    assert requests.command("/impact", "  ").status == 200
    [opened] = wait_until(lambda: slack.calls("views.open"))
    metadata = opened.params["view"]["private_metadata"]
    requests.view_submission(
        MODAL_CALLBACK, modal_values("Wrote up why we chose Kafka", ("context", "architecture_risk"), True), metadata
    )
    [entry] = stored(session_factory)
    assert (entry.categories, entry.shareable, entry.by_lead) == ({"context", "architecture_risk"}, True, True)
    [answer] = wait_until(lambda: slack.calls("response_url"))
    assert answer.params["text"].startswith("Logged: ")


# --- corrections: categories, sharing, delete ----------------------------------------------------------------------


def test_the_leads_categories_win_over_the_rules_even_after_an_edit(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    ts = dm(requests, "Fixed the flaky login bug myself")
    entry = wait_until(lambda: stored(session_factory)[0] if stored(session_factory)[0].ack_ts else None)
    requests.message_button(EDIT_ACTION, str(entry.id), channel=DM, message_ts=entry.ack_ts)
    [opened] = wait_until(lambda: slack.calls("views.open"))
    view = opened.params["view"]
    assert TEXT_BLOCK not in {b.get("block_id") for b in view["blocks"]}
    categories = next(b for b in view["blocks"] if b.get("block_id") == CATEGORIES_BLOCK)["element"]
    assert [o["value"] for o in categories["initial_options"]] == ["hands_on"]
    requests.view_submission(MODAL_CALLBACK, modal_values(None, ("mentoring",)), view["private_metadata"])
    assert stored(session_factory)[0].categories == {"mentoring"}
    changed = {
        "subtype": "message_changed",
        "message": {"type": "message", "user": LEAD, "text": "Fixed the flaky login bug with Ana", "ts": ts},
    }
    dm(requests, "", **changed)
    [after] = stored(session_factory)
    assert (after.text, after.categories, after.by_lead) == ("Fixed the flaky login bug with Ana", {"mentoring"}, True)


def test_the_sharing_buttons_set_the_state_they_carry_and_redraw_the_acknowledgement(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    dm(requests, "Explained the outage timeline to the support leads")
    entry = wait_until(lambda: stored(session_factory)[0] if stored(session_factory)[0].ack_ts else None)
    assert entry.shareable is False
    for clicks in (1, 2):  # a double click: the second sets what the first did
        requests.message_button(SHARE_ACTION, f"{entry.id}:1", channel=DM, message_ts=entry.ack_ts)
        wait_until(lambda n=clicks: len(slack.calls("chat.update")) == n)
        assert stored(session_factory)[0].shareable is True
    redrawn = slack.calls("chat.update")[-1].params["blocks"]
    assert "team digest" in redrawn[1]["elements"][0]["text"]
    assert redrawn[2]["elements"][1]["action_id"] == PRIVATE_ACTION
    for clicks in (3, 4):
        requests.message_button(PRIVATE_ACTION, str(entry.id), channel=DM, message_ts=entry.ack_ts)
        wait_until(lambda n=clicks: len(slack.calls("chat.update")) == n)
        assert stored(session_factory)[0].shareable is False


def test_buttons_on_an_ephemeral_acknowledgement_answer_through_its_response_url(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    requests.command("/impact", "Pushed back on the deadline with the VP, with numbers")
    [entry] = stored(session_factory)
    requests.message_button(SHARE_ACTION, f"{entry.id}:1", channel="C0GENERAL", message_ts="1.1", ephemeral=True)
    [redraw] = wait_until(lambda: slack.calls("response_url"))
    assert redraw.params["replace_original"] in (True, "true")
    assert stored(session_factory)[0].shareable is True


def test_the_delete_button_removes_the_entry_and_someone_else_cannot(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    dm(requests, "Ran the retro for the payments incident")
    entry = wait_until(lambda: stored(session_factory)[0] if stored(session_factory)[0].ack_ts else None)
    requests.message_button(DELETE_ACTION, str(entry.id), channel=DM, message_ts=entry.ack_ts, user_id="U0OTHER")
    wait_until(lambda: any("isn't yours" in c.params["text"] for c in slack.calls("response_url")))
    assert len(stored(session_factory)) == 1
    requests.message_button(DELETE_ACTION, str(entry.id), channel=DM, message_ts=entry.ack_ts)
    wait_until(lambda: any("Deleted" in c.params["text"] for c in slack.calls("chat.update")))
    assert stored(session_factory) == []
    assert replies(session_factory) == []


# --- what the review of this change found ------------------------------------------------------------------------


def test_deleting_a_message_that_has_a_thread_removes_its_entry(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    ts = dm(requests, "Coached Ana through her first incident review")
    wait_until(lambda: stored(session_factory)[0].ack_ts is not None)  # posted, not just reserved
    tombstone = {  # Slack keeps a deleted message that has a thread as a tombstone, announced as a change
        "type": "message",
        "subtype": "message_changed",
        "channel": DM,
        "channel_type": "im",
        "hidden": True,
        "ts": next_ts(),
        "message": {
            "type": "message",
            "subtype": "tombstone",
            "user": "USLACKBOT",
            "text": "This message was deleted.",
            "ts": ts,
        },
        "previous_message": {
            "type": "message",
            "user": LEAD,
            "text": "Coached Ana through her first incident review",
            "ts": ts,
        },
    }
    assert requests.event(tombstone).status == 200
    assert stored(session_factory) == []


def test_two_messages_at_once_get_one_acknowledgement_and_no_deleted_post(
    requests: SlackRequests, slack: SlackAPIServer, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    send_prompt(requests, session_factory)
    dm(requests, "Unblocked Tom on the VPN issue")
    dm(requests, "and wrote the runbook for it")
    wait_until(lambda: stored(session_factory)[0].ack_ts not in (None, "pending"))
    time.sleep(0.3)
    assert len(acks(slack)) == 1
    assert slack.calls("chat.delete") == []
    [entry] = stored(session_factory)
    assert entry.categories >= {"unblocking", "context"}


def test_a_thread_reply_to_an_old_prompt_stands_alone(
    requests: SlackRequests, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    enroll(requests, session_factory)
    prompt = send_prompt(requests, session_factory)
    clock.advance(hours=40)
    dm(requests, "Late answer: I let the team pick the queue", thread_ts=prompt.ts)
    [entry] = stored(session_factory)
    assert entry.delivery_id is None


def test_a_modal_naming_another_leads_entry_changes_nothing(
    requests: SlackRequests, session_factory: sessionmaker[Session]
) -> None:
    requests.command("/impact", "Reviewed the storage RFC", user_id="U0OTHER")
    [theirs] = stored(session_factory)
    response = requests.view_submission(
        MODAL_CALLBACK, modal_values(None, ("hands_on",), True), json.dumps({"entry_id": theirs.id}), user_id=LEAD
    )
    assert json.loads(response.body)["response_action"] == "errors"
    assert stored(session_factory) == [theirs]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message", "channel_type": "im", "channel": DM, "text": "no user, no ts"},
        {"type": "message", "channel_type": "im", "channel": DM, "subtype": "message_changed", "message": "x"},
        {"type": "message", "channel_type": "im", "channel": DM, "subtype": "message_deleted"},
        {"type": "message", "channel_type": "im", "user": LEAD, "ts": "1.2", "text": "no channel"},
    ],
    ids=["no user", "message not a dict", "no deleted ts", "no channel"],
)
def test_malformed_message_events_are_answered_200_and_store_nothing(
    requests: SlackRequests, session_factory: sessionmaker[Session], event: dict[str, Any]
) -> None:
    enroll(requests, session_factory)
    assert requests.event(event).status == 200
    assert stored(session_factory) == []


def test_messages_arriving_together_for_one_prompt_make_one_entry_with_both_texts(
    requests: SlackRequests, session_factory: sessionmaker[Session]
) -> None:
    enroll(requests, session_factory)
    prompt = send_prompt(requests, session_factory)
    texts = [f"Part {n}: handed the on-call rota to Sam" for n in range(6)]
    barrier = threading.Barrier(len(texts))

    def send(words: str) -> None:
        barrier.wait()
        dm(requests, words)

    threads = [threading.Thread(target=send, args=(words,)) for words in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    [entry] = stored(session_factory)
    assert entry.delivery_id == prompt.id
    assert sorted(entry.text.split("\n\n")) == sorted(texts)
    assert len(replies(session_factory)) == len(texts)
