"""The confirmation before a lead's record is deleted, and what they see after."""

from __future__ import annotations

from typing import Any

from bot.services.forget import Holdings
from bot.slack.blocks.kit import context, section

MODAL_CALLBACK = "forget_confirm"


def forget_modal(held: Holdings) -> dict[str, Any]:
    """Ask before deleting everything, saying exactly what goes."""
    what = (
        f"• {_count(held.entries, 'entry', 'entries')} in your impact log\n"
        f"• {_count(held.replies, 'DM reply', 'DM replies')} they were made of\n"
        f"• {_count(held.diagnostics, 'coding diagnostic', 'coding diagnostics')}\n"
        f"• {_count(held.deliveries, 'record', 'records')} of prompts and scorecards sent to you\n"
        "• your settings and schedule"
    )
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Delete everything?"},
        "submit": {"type": "plain_text", "text": "Delete everything"},
        "close": {"type": "plain_text", "text": "Keep it"},
        "blocks": [
            section(f"This deletes everything Lead Coach stores about you, at once and for good:\n{what}"),
            context(
                "It can't be undone. Want a copy first? Cancel and run `/coach export`. "
                "Messages in our DM stay in Slack; delete them there if you like."
            ),
        ],
    }


def forgotten_view(deleted: Holdings) -> dict[str, Any]:
    """The modal once the record is gone."""
    return _notice(
        "Deleted",
        f"Done: {_count(deleted.entries, 'entry', 'entries')}, "
        f"{_count(deleted.diagnostics, 'diagnostic', 'diagnostics')} and your settings are gone. "
        "`/coach start` begins afresh whenever you like.",
    )


def not_deleted_view(reason: str) -> dict[str, Any]:
    """The modal when deleting failed: nothing was deleted, and why."""
    return _notice("Nothing deleted", reason)


def _notice(title: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [section(text)],
    }


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
