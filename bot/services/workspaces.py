"""Workspace lifecycle."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.store.leads import clear_schedules, get_or_create_workspace, get_workspace


def deactivate(session: Session, team_id: str) -> None:
    """Stop every send for a workspace at once (uninstalled or tokens revoked); keep its data."""
    workspace = get_workspace(session, team_id)
    if workspace is None:
        return
    workspace.active = False
    workspace.next_digest_at = None
    clear_schedules(session, team_id)


def installed(session: Session, team_id: str, name: str | None, timezone: str, digest_channel: str | None) -> None:
    """Record that the app works in this workspace (its token was accepted)."""
    workspace = get_or_create_workspace(session, team_id, timezone)
    workspace.name = name or workspace.name
    workspace.active = True
    if workspace.digest_channel is None:
        workspace.digest_channel = digest_channel
