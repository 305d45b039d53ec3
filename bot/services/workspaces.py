"""Workspace lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.coaching.schedule import next_occurrence
from bot.services.errors import UserFacingError
from bot.services.ports import Sender, SlackProfile
from bot.services.schedules import digest_schedule
from bot.store.leads import clear_schedules, get_or_create_workspace, get_workspace
from bot.store.models import Workspace

NOT_ALLOWED = (
    "Only workspace admins and owners, or whoever installed Lead Coach, can choose the digest channel. "
    "Ask one of them to run `/coach digest #channel`."
)


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
    if workspace.digest_channel is None and workspace.digest_set_by is None:  # nobody chose, or turned it off
        workspace.digest_channel = digest_channel


def may_set_digest(session: Session, team_id: str, profile: SlackProfile) -> bool:
    """Workspace admins and owners, and whoever installed the app, choose the digest channel."""
    workspace = get_workspace(session, team_id)
    installer = workspace.installer_user_id if workspace else None
    return profile.is_admin or profile.is_owner or profile.user_id == installer


def set_digest_channel(session: Session, team_id: str, channel: str | None, set_by: str, now: datetime) -> Workspace:
    """Send the weekly digest to this channel from now on (None: no digest)."""
    workspace = get_workspace(session, team_id)
    if workspace is None:
        raise UserFacingError("I don't know this workspace yet: try again in a minute.")
    workspace.digest_channel, workspace.digest_set_by = channel, set_by
    workspace.next_digest_at = next_occurrence(digest_schedule(workspace), now) if channel else None
    return workspace


@dataclass(frozen=True)
class DigestChoice:
    """Where the digest now goes and when; `reason` says why the bot can't post there yet, if it can't."""

    channel: str | None
    when: datetime | None
    timezone: str
    reason: str | None


def choose_digest_channel(
    session: Session, sender: Sender, team_id: str, user_id: str, channel: str | None, now: datetime
) -> DigestChoice:
    """`/coach digest`: only for those allowed; a public channel is joined, anything else is kept with a reason."""
    if not may_set_digest(session, team_id, sender.user_profile(user_id)):
        raise UserFacingError(NOT_ALLOWED)
    access = sender.channel_access(channel) if channel else None
    workspace = set_digest_channel(session, team_id, channel, user_id, now)
    return DigestChoice(channel, workspace.next_digest_at, workspace.timezone, access.reason if access else None)
