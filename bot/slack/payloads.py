"""Reading who acted from Slack's interactivity payloads."""

from __future__ import annotations

from typing import Any


def actor(body: dict[str, Any]) -> tuple[str, str]:
    """(team id, user id) of the person who clicked or submitted."""
    user = body["user"]
    return str(user.get("team_id") or (body.get("team") or {}).get("id")), str(user["id"])
