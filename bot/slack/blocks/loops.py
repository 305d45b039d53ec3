"""The coaching loops in Slack: the hand-off and decision modals, and each follow-up message, asked and answered.

Stored words are kept as Slack sends message text (escaped), so they are shown as they are."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.coaching.loops import (
    ABSENCE_ANSWERS,
    ASSUMPTION_ANSWERS,
    DECISION_ANSWERS,
    HANDOFF_ANSWERS,
    NOTE_MAX,
    WHAT_MAX,
)
from bot.services.loops import FollowUp
from bot.slack.blocks.kit import Block, actions, button, clip, context, section
from bot.slack.text import escape_mrkdwn

HANDOFF_MODAL = "handoff_modal"
DECISION_MODAL = "decision_modal"
NOTE_MODAL = "followup_note_modal"
AREAS_MODAL = "followup_areas_modal"
ANSWER_PREFIX = "followup_answer_"  # + the answer's key; the value is the delivery id
NOTE_ACTION = "followup_note"
DISAGREED_ACTION = "followup_disagreed"
LIST_AREAS_ACTION = "followup_list_areas"
SHARED_ACTION = "followup_areas_shared"
ELEMENT = "value"
FIELDS = ("who", "what", "done_when", "due", "assumption", "note", "areas")  # block ids
MAX_CHECKBOXES = 10  # Slack's limit for one checkboxes element
AREAS_MAX = 3000


def day(on: date | None) -> str:
    """'Tuesday 8 December'."""
    return f"{on:%A} {on.day} {on:%B}" if on else "no date"


def person(user_id: str | None) -> str:
    """A mention, or the team."""
    return f"<@{user_id}>" if user_id else "the team"


# ---------------------------------------------------------------- modals


def handoff_modal(what: str, due_on: date, source: str = "command", source_id: int | None = None) -> dict[str, Any]:
    """Record a hand-off: who, what, done when, by when (the SMART part of delegating)."""
    blocks = [
        _input("who", "Who owns it now?", {"type": "users_select", "action_id": ELEMENT}),
        _input("what", "What did you hand over?", _text(WHAT_MAX, what)),
        _input("done_when", "Done when…", _text(NOTE_MAX, "", multiline=True), optional=True),
        _input("due", "By when?", {"type": "datepicker", "action_id": ELEMENT, "initial_date": due_on.isoformat()}),
    ]
    return _modal(HANDOFF_MODAL, "Record a hand-off", blocks, json.dumps({"source": source, "id": source_id}))


def decision_modal(what: str, due_on: date) -> dict[str, Any]:
    """Leave a decision to the team or a person: what, who owns it, by when, and the riskiest assumption."""
    owner = {"type": "users_select", "action_id": ELEMENT, "placeholder": _plain("The team, unless you pick someone")}
    blocks = [
        _input("what", "What needs deciding?", _text(WHAT_MAX, what)),
        _input("who", "Who owns it? (empty: the team)", owner, optional=True),
        _input("due", "Decided by", {"type": "datepicker", "action_id": ELEMENT, "initial_date": due_on.isoformat()}),
        _input(
            "assumption",
            "The assumption most likely to be wrong",
            _text(NOTE_MAX, "", multiline=True),
            optional=True,
        ),
    ]
    return _modal(DECISION_MODAL, "Leave a decision", blocks, "")


def note_modal(delivery_id: int, label: str, current: str | None) -> dict[str, Any]:
    """The optional words of an answer."""
    blocks = [_input("note", label, _text(NOTE_MAX, _unescaped(current or ""), multiline=True))]
    return _modal(NOTE_MODAL, "Add a note", blocks, str(delivery_id))


def areas_modal(delivery_id: int, areas: list[str]) -> dict[str, Any]:
    """This quarter's single-owner areas, one a line; starts from the list as it stands."""
    element = _text(AREAS_MAX, "\n".join(_unescaped(a) for a in areas), multiline=True)
    element["placeholder"] = _plain("billing reconciliation (only Priya)\nthe deploy pipeline")
    blocks = [_input("areas", "One area a line", element, optional=True)]
    return _modal(AREAS_MODAL, "Single-owner areas", blocks, str(delivery_id))


def read_modal(values: dict[str, Any]) -> dict[str, str]:
    """Each field's value (a user id, text escaped as Slack escapes messages, or a date), "" when empty."""
    read: dict[str, str] = {}
    for field in FIELDS:
        state = (values.get(field) or {}).get(ELEMENT)
        if not isinstance(state, dict):
            continue
        value = state.get("selected_user") or state.get("selected_date") or state.get("value") or ""
        read[field] = escape_mrkdwn(value) if state.get("type") == "plain_text_input" else str(value)
    return read


# ---------------------------------------------------------------- messages


def followup_message(shown: FollowUp) -> tuple[str, list[Block]]:
    """A loop's message: the question with its buttons, or the answer once given."""
    build = {
        "handoff": _handoff,
        "decision": _decision,
        "assumption": _assumption,
        "absence": _absence,
        "away": _away,
        "quarter": _quarter,
    }[shown.loop]
    return build(shown)


def _handoff(shown: FollowUp) -> tuple[str, list[Block]]:
    done_when = f" Done when: {clip(shown.done_when, 300)}." if shown.done_when else ""
    recorded = f"On {day(shown.recorded_on)} you" if shown.recorded_on else "You"
    question = (
        f":handshake: *Did the hand-off hold?*\n{recorded} handed *{clip(shown.what, WHAT_MAX)}* to "
        f"{person(shown.person)}, by {day(shown.due_on)}.{done_when}"
    )
    blocks = [section(question)]
    if shown.answer is None:
        buttons = [button(label, ANSWER_PREFIX + key, str(shown.delivery_id)) for key, label in HANDOFF_ANSWERS.items()]
        blocks.append(actions(*buttons, block_id="answer"))
    else:
        blocks.append(context(f"*{HANDOFF_ANSWERS[shown.answer]}.* {_handoff_advice(shown)}"))
    blocks.extend(_note(shown, "Add a note"))
    return f"Did the hand-off of {clip(shown.what, 100)} hold?", blocks


def _handoff_advice(shown: FollowUp) -> str:
    if shown.answer == "going":
        if shown.ask_again_on:
            return f"I'll ask again on {day(shown.ask_again_on)}."
        return "I won't ask again: it's theirs to finish."
    if shown.answer == "held":
        return "Someone else owns that now: one less thing that needs you."
    return "Worth a thought: was the outcome clear, and did they have the authority to reach it?"


def _decision(shown: FollowUp) -> tuple[str, list[Block]]:
    owner = "" if shown.person is None else f", owned by {person(shown.person)}"
    question = (
        f":scales: *Was it decided, and by whom?*\n*{clip(shown.what, WHAT_MAX)}*{owner}, due {day(shown.due_on)}."
    )
    blocks = [section(question)]
    if shown.answer is None:
        keys = [k for k in DECISION_ANSWERS if k != "owner" or shown.person is not None]
        buttons = [button(DECISION_ANSWERS[k], ANSWER_PREFIX + k, str(shown.delivery_id)) for k in keys]
        blocks.append(actions(*buttons, block_id="answer"))
    else:
        blocks.append(context(f"*{DECISION_ANSWERS[shown.answer]}.* {_decision_advice(shown)}"))
    if shown.disagreed:
        blocks.append(context("You disagreed and committed: you said so, then backed the decision."))
    elif shown.answer != "open":
        value = str(shown.delivery_id)
        blocks.append(actions(button("I disagreed and committed", DISAGREED_ACTION, value), block_id="disagreed"))
    blocks.extend(_note(shown, "Add a note"))
    return f"Was {clip(shown.what, 100)} decided?", blocks


def _decision_advice(shown: FollowUp) -> str:
    if shown.answer == "open":
        if shown.ask_again_on:
            return f"I'll ask once more on {day(shown.ask_again_on)}."
        return "I'll stop asking; it's on your list, not mine."
    check = " In four weeks I'll ask whether the assumption held." if shown.assumption else ""
    if shown.answer == "me":
        return "Next time, could the owner have made the call with the context you had?" + check
    return "Made without you: that's the team growing." + check


def _assumption(shown: FollowUp) -> tuple[str, list[Block]]:
    question = (
        f":mag: *Did the assumption hold?*\nYou left *{clip(shown.what, WHAT_MAX)}* to {person(shown.person)}. "
        f"The assumption most likely to be wrong was: _{clip(shown.assumption or '', 500)}_"
    )
    blocks = [section(question)]
    if shown.answer is None:
        buttons = [button(t, ANSWER_PREFIX + k, str(shown.delivery_id)) for k, t in ASSUMPTION_ANSWERS.items()]
        blocks.append(actions(*buttons, block_id="answer"))
    else:
        blocks.append(context(f"*{ASSUMPTION_ANSWERS[shown.answer]}.*"))
    blocks.extend(_note(shown, "Add a note"))
    return "Did the assumption hold?", blocks


def _absence(shown: FollowUp) -> tuple[str, list[Block]]:
    expected = (
        f"\nBefore you left you thought this might wait: _{clip(shown.assumption, 500)}_" if shown.assumption else ""
    )
    away = f" (away {day(shown.first_day)} to {day(shown.last_day)})" if shown.first_day and shown.last_day else ""
    blocks = [section(f":wave: *Welcome back{away}. What waited for you?*{expected}")]
    if shown.answer is None:
        buttons = [button(t, ANSWER_PREFIX + k, str(shown.delivery_id)) for k, t in ABSENCE_ANSWERS.items()]
        blocks.append(actions(*buttons, block_id="answer"))
    else:
        verdict = {
            "nothing": "Nothing waited: the team ran without you.",
            "decisions": "A decision or two waited.",
            "fire": "A fire waited.",
        }[shown.answer]
        blocks.append(context(f"*{verdict}* Your scorecard keeps the trend."))
    blocks.extend(_note(shown, "Say what waited"))
    return "Welcome back. What waited for you?", blocks


def _away(shown: FollowUp) -> tuple[str, list[Block]]:
    text = (
        ":palm_tree: *Before you go: which decisions might wait for you?*\n"
        "Optional. On your first day back I'll ask what actually waited: the vacation test of "
        "_The hard truth about technical leadership_."
    )
    return "Before you go: which decisions might wait for you?", [section(text), *_note(shown, "Note them")]


def _quarter(shown: FollowUp) -> tuple[str, list[Block]]:
    text = (
        ":jigsaw: *Once a quarter: which areas does only one person on your team understand?*\n"
        "The bus factor, from _Leveraged impact and the 70/30 rule_. List them and next quarter I'll show the "
        "list back, to tick off what is shared by then."
    )
    blocks = [section(text)]
    earlier = shown.earlier[:MAX_CHECKBOXES]
    if earlier:
        options = [_option(clip(area.text, 150), str(area.area_id)) for area in earlier]
        element: Block = {"type": "checkboxes", "action_id": SHARED_ACTION, "options": options}
        ticked = [option for option, area in zip(options, earlier, strict=True) if area.shared]
        if ticked:
            element["initial_options"] = ticked
        blocks.append(section("Last quarter you listed these. Tick what more than one person understands now:"))
        blocks.append({"type": "actions", "block_id": f"shared_{shown.delivery_id}", "elements": [element]})
    if shown.areas:
        blocks.append(section("*This quarter:*\n" + "\n".join(f"• {clip(a.text, 300)}" for a in shown.areas)))
    label = "Edit this quarter's list" if shown.areas else "List this quarter's areas"
    blocks.append(actions(button(label, LIST_AREAS_ACTION, str(shown.delivery_id)), block_id="list"))
    return "Which areas does only one person on your team understand?", blocks


def _note(shown: FollowUp, label: str) -> list[Block]:
    value = str(shown.delivery_id)
    if shown.note:
        edit = actions(button("Edit the note", NOTE_ACTION, value), block_id="note")
        return [context(f"_Note:_ {clip(shown.note, 1000)}"), edit]
    return [actions(button(label, NOTE_ACTION, value), block_id="note")]


def note_label(loop: str) -> str:
    """The note field's label for a loop."""
    return {
        "away": "Decisions that might wait for you",
        "absence": "What waited for you?",
    }.get(loop, "Anything to remember about it?")


def areas_of(shown: FollowUp) -> list[str]:
    """What the areas modal starts from: this quarter's list, else last quarter's areas not yet shared."""
    return [a.text for a in shown.areas] or [a.text for a in shown.earlier if not a.shared]


def _unescaped(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _modal(callback_id: str, title: str, blocks: list[Block], metadata: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": _plain(title),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}
    if optional:
        block["optional"] = True
    return block


def _text(limit: int, initial: str, *, multiline: bool = False) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": ELEMENT, "max_length": limit}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = clip(initial, limit)
    return element


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text}, "value": value}
