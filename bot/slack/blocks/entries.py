"""What a captured entry looks like: the short acknowledgement, and the modal to answer, log or correct it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.coaching.categories import CATEGORIES, label
from bot.services.entries import Draft, Filed, Removed
from bot.slack.blocks.kit import Block, actions, button, clip, context, section
from bot.slack.payloads import parse_id
from bot.slack.text import escape_mrkdwn

EDIT_ACTION = "entry_edit"
HANDOFF_ACTION = "handoff_from_entry"  # opens the hand-off modal (bot/slack/blocks/loops.py)
SHARE_ACTION = "entry_make_shareable"  # value "<entry id>:<revision>": the words the lead saw when they chose
PRIVATE_ACTION = "entry_make_private"  # value "<entry id>"
LEGACY_TOGGLE_ACTION = "entry_share"  # older messages' blind toggle: now it only ever keeps the entry private
DELETE_ACTION = "entry_delete"
MODAL_CALLBACK = "entry_modal"
TEXT_BLOCK, TEXT_ACTION = "answer", "answer_text"
CATEGORIES_BLOCK, CATEGORIES_ACTION = "categories", "categories_select"
SHARE_BLOCK, SHARE_OPTION_ACTION = "sharing", "sharing_choice"
SHAREABLE = "shareable"
MINUTES_BLOCK, MINUTES_ACTION = "minutes", "minutes"
DURATIONS = {15: "15 minutes", 30: "30 minutes", 60: "An hour", 120: "Two hours", 240: "Half a day"}
ANSWER_MAX = 3000  # Slack's limit for a plain_text_input
PREVIEW_MAX = 600

DELETED = "Deleted from your log."
MOVED = "This answer continues below: its latest acknowledgement is next to your newest message."
SHARED_NOTE = "May appear in the team digest, with your name."
PRIVATE_NOTE = "Private to you: it's counted in your own scorecard only."
UNSHARED_NOTE = (
    "Private again: its words changed after you shared it, and only words you have seen shared reach the digest. "
    "Share it again if these may appear too."
)
DELETED_KEEPS_DM = "Deleted from your log. Your message in this DM stays: delete it too if you like."


@dataclass(frozen=True)
class ModalContext:
    """What a modal submission needs to know, carried in private_metadata."""

    delivery_id: int | None = None
    entry_id: int | None = None
    response_url: str | None = None  # set when the entry's acknowledgement was ephemeral
    revision: int | None = None  # the words the correction modal showed, which its sharing choice applies to

    def dump(self) -> str:
        """Serialise for private_metadata."""
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None) -> ModalContext:
        """Read private_metadata back; anything malformed reads as an empty context."""
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        url = data.get("response_url")
        return cls(
            delivery_id=_number(data.get("delivery_id")),
            entry_id=_number(data.get("entry_id")),
            response_url=url if isinstance(url, str) else None,
            revision=_number(data.get("revision")),
        )


def _number(value: object) -> int | None:
    """An id we wrote into private_metadata: a JSON number within range; anything else is not ours."""
    return parse_id(value) if isinstance(value, int) else None


def category_list(categories: tuple[str, ...]) -> str:
    """Readable labels, comma-separated."""
    return ", ".join(label(category) for category in categories)


def logged_message(filed: Filed) -> tuple[str, list[Block]]:
    """The acknowledgement of an entry: what was understood, with buttons to correct, share or delete it."""
    if filed.categories:
        understood = f"Logged: {category_list(filed.categories)}"
    else:
        understood = "Logged. I couldn't tell what kind of impact this was: pick categories?"
    if filed.appended:
        understood = f"Added to your answer. {understood}"
    sharing = SHARED_NOTE if filed.shareable else (UNSHARED_NOTE if filed.unshared else PRIVATE_NOTE)
    value = str(filed.entry_id)
    buttons = [
        button("Change categories", EDIT_ACTION, value),
        sharing_button(filed.entry_id, filed.shareable, filed.revision),
        delete_button(value),
    ]
    if "delegation" in filed.categories:  # so the coach can ask later whether it held
        buttons.insert(0, button("Record this hand-off", HANDOFF_ACTION, value))
    blocks = [section(escape_mrkdwn(understood)), context(sharing), actions(*buttons, block_id="entry_actions")]
    return f"{understood} {sharing}", blocks


def sharing_button(entry_id: int, shareable: bool, revision: int) -> Block:
    """The button that sets the other sharing state; it carries the state it sets (and the words it shares)."""
    if shareable:
        return button("Keep private", PRIVATE_ACTION, str(entry_id))
    return button("Share in digest", SHARE_ACTION, f"{entry_id}:{revision}")


def read_sharing_value(value: object) -> tuple[int, int | None] | None:
    """(entry id, revision) from a sharing button's value; the revision is None when it carries none."""
    if not isinstance(value, str):
        return None
    entry, _, revision = value.partition(":")
    entry_id = parse_id(entry)
    if entry_id is None:
        return None
    return entry_id, parse_id(revision)


def moved_message() -> tuple[str, list[Block]]:
    """What an entry's earlier acknowledgement says once a newer message carries it."""
    return MOVED, [context(MOVED)]


def deleted_message(removed: Removed) -> tuple[str, list[Block]]:
    """What the acknowledgement says once its entry is gone."""
    note = DELETED_KEEPS_DM if removed.source == "dm" and not removed.by_slack else DELETED
    return note, [context(note)]


def notice_text(kind: str) -> str:
    """What to say when a DM was not stored."""
    if kind == "invite":
        return (
            "Hi! I'm Lead Coach: I help tech leads see the work that leaves no commit behind. "
            "I only keep what enrolled leads write to me, so I haven't stored this. "
            "`/coach start` gets you a short reflection prompt at the end of each workday, "
            "and `/impact <what you did>` logs something any time."
        )
    return "I didn't catch any words there, so nothing was logged. Write a sentence or two about what you did."


def entry_modal(
    modal: ModalContext,
    *,
    prompt_text: str | None = None,
    draft: Draft | None = None,
    shareable: bool = False,
) -> dict[str, Any]:
    """The modal to answer a prompt, log an entry (no draft; sharing starts at the lead's default), or correct an
    existing entry (a draft)."""
    blocks: list[Block] = []
    chosen: tuple[str, ...] = ()
    if prompt_text:
        blocks.append(section(f"*{clip(prompt_text, PREVIEW_MAX)}*"))  # message text arrives escaped
    if draft is None:
        blocks.append(
            {
                "type": "input",
                "block_id": TEXT_BLOCK,
                "label": {"type": "plain_text", "text": "Your answer" if prompt_text else "What did you do?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": TEXT_ACTION,
                    "multiline": True,
                    "max_length": ANSWER_MAX,
                },
            }
        )
    else:
        blocks.append(context(f"“{clip(draft.text, PREVIEW_MAX)}”"))  # stored as Slack sent it: escaped
        chosen, shareable = draft.categories, draft.shareable
        modal = replace(modal, revision=draft.revision)
    blocks.append(_categories_input(chosen, optional=draft is None))
    blocks.append(_minutes_input(draft.minutes if draft else None))
    blocks.append(_sharing_input(shareable))
    title = "Correct entry" if draft else ("Answer" if prompt_text else "Log impact")
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": modal.dump(),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def read_submission(values: dict[str, Any]) -> tuple[str | None, tuple[str, ...], bool, int | None]:
    """The answer text (None when the modal had no text field), chosen categories, the sharing choice and about
    how long it took (None: not said).

    The text is escaped as Slack escapes message text, so every entry is stored in the same form."""
    text_state = values.get(TEXT_BLOCK, {}).get(TEXT_ACTION)
    text = escape_mrkdwn(text_state.get("value") or "") if isinstance(text_state, dict) else None
    chosen = values.get(CATEGORIES_BLOCK, {}).get(CATEGORIES_ACTION) or {}
    categories = tuple(str(option.get("value")) for option in chosen.get("selected_options") or [])
    sharing = values.get(SHARE_BLOCK, {}).get(SHARE_OPTION_ACTION) or {}
    shareable = any(option.get("value") == SHAREABLE for option in sharing.get("selected_options") or [])
    duration = (values.get(MINUTES_BLOCK, {}).get(MINUTES_ACTION) or {}).get("selected_option") or {}
    chosen_minutes = str(duration.get("value") or "")
    minutes = int(chosen_minutes) if chosen_minutes.isdigit() and int(chosen_minutes) in DURATIONS else None
    return text, categories, shareable, minutes


def _categories_input(chosen: tuple[str, ...], *, optional: bool) -> Block:
    options = [_option(label(key).capitalize(), key) for key in CATEGORIES]
    element: Block = {
        "type": "multi_static_select",
        "action_id": CATEGORIES_ACTION,
        "placeholder": {"type": "plain_text", "text": "Choose, or leave it to me"},
        "options": options,
    }
    if chosen:
        element["initial_options"] = [_option(label(key).capitalize(), key) for key in chosen]
    return {
        "type": "input",
        "block_id": CATEGORIES_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": "Categories"},
        "hint": {
            "type": "plain_text",
            "text": "Leave empty and I'll file it from your words." if optional else "Your choice wins over mine.",
        },
        "element": element,
    }


def _minutes_input(minutes: int | None) -> Block:
    options = [_option(text, str(value)) for value, text in DURATIONS.items()]
    element: Block = {
        "type": "static_select",
        "action_id": MINUTES_ACTION,
        "placeholder": {"type": "plain_text", "text": "Leave empty if you'd rather not say"},
        "options": options,
    }
    if minutes in DURATIONS:
        element["initial_option"] = _option(DURATIONS[minutes], str(minutes))
    return {
        "type": "input",
        "block_id": MINUTES_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": "About how long?"},
        "hint": {"type": "plain_text", "text": "Your scorecard weighs leading against hands-on work by time."},
        "element": element,
    }


def _sharing_input(shareable: bool) -> Block:
    option = _option("May appear in the team digest", SHAREABLE)
    element: Block = {"type": "checkboxes", "action_id": SHARE_OPTION_ACTION, "options": [option]}
    if shareable:
        element["initial_options"] = [option]
    return {
        "type": "input",
        "block_id": SHARE_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": "Sharing"},
        "element": element,
    }


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def delete_button(value: str) -> Block:
    """The entry's Delete button, which asks before deleting."""
    element = button("Delete", DELETE_ACTION, value, style="danger")
    element["confirm"] = {
        "title": {"type": "plain_text", "text": "Delete this entry?"},
        "text": {"type": "plain_text", "text": "It leaves your log and your scorecards. This can't be undone."},
        "confirm": {"type": "plain_text", "text": "Delete"},
        "deny": {"type": "plain_text", "text": "Keep it"},
    }
    return element
