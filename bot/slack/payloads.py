"""Who a request comes from, and reading the values Slack's payloads carry back to us."""

from __future__ import annotations

import re

from slack_bolt import BoltContext

MAX_ID = 2**31 - 1  # our ids are 32-bit integers on every database
_ID = re.compile(r"[0-9]{1,10}")


def actor(context: BoltContext) -> tuple[str, str]:
    """(team id, user id) of who sent the request, read from the same fields for commands, buttons, modals and
    events (Bolt's context: a command's team_id, an interaction's team.id, an event's authorizations)."""
    return str(context.team_id or ""), str(context.user_id or "")


def parse_id(value: object) -> int | None:
    """A row id a button or private_metadata carries: plain ASCII digits within range, anything else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def text_of(mapping: object, key: str) -> str:
    """A string field of a payload object; anything else (missing, a number, a nested object) reads as ""."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) else ""
