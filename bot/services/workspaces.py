"""Workspace lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.coaching.schedule import next_occurrence
from bot.services.errors import UserFacingError
from bot.services.ports import ChannelAccess, SlackProfile
from bot.services.schedules import digest_schedule, refresh_next_prompt
from bot.store.leads import (
    clear_schedules,
    enrolled_leads,
    get_or_create_workspace,
    get_workspace,
    workspaces_of,
)
from bot.store.models import Workspace
from bot.store.retention import delete_workspace, uninstalled_before

NOT_ALLOWED = (
    "Only workspace admins and owners, or whoever installed Lead Coach, can choose the digest channel. "
    "Ask one of them to run `/coach digest #channel`."
)


def deactivate(session: Session, team_id: str, now: datetime) -> None:
    """Stop every send for a workspace at once (uninstalled or tokens revoked); its data is kept for the retention
    window, in case it is reinstalled."""
    workspace = get_workspace(session, team_id)
    if workspace is None:
        return
    workspace.active = False
    workspace.uninstalled_at = workspace.uninstalled_at or now
    workspace.next_digest_at = None
    clear_schedules(session, team_id)


def deactivate_organization(session: Session, enterprise_id: str, now: datetime) -> None:
    """An org-wide install is gone: every workspace of the organization stops, as if each were uninstalled."""
    for team_id in workspaces_of(session, enterprise_id):
        deactivate(session, team_id, now)


def joined_organization(session: Session, team_id: str, enterprise_id: str, timezone: str) -> None:
    """A workspace served by its organization's org-wide install: remember the organization, whose token it uses."""
    workspace = get_or_create_workspace(session, team_id, timezone)
    workspace.enterprise_id = enterprise_id


@dataclass(frozen=True)
class Install:
    """What start-up (single workspace) or an OAuth install (distributed) knows about a workspace."""

    team_id: str
    name: str | None
    timezone: str  # for a workspace seen for the first time
    digest_channel: str | None  # the first digest channel, unless someone chose one
    installer: str | None  # who installed the app: the operator says so, or the OAuth install tells
    enterprise_id: str | None = None  # its Enterprise Grid organization, if any


def installed(session: Session, install: Install, now: datetime) -> None:
    """Record that the app works in this workspace (its token was accepted); after a reinstall, sends resume."""
    workspace = get_or_create_workspace(session, install.team_id, install.timezone)
    workspace.name = install.name or workspace.name
    workspace.installer_user_id = install.installer or workspace.installer_user_id
    workspace.enterprise_id = install.enterprise_id or workspace.enterprise_id
    if not workspace.digest_chosen and workspace.digest_channel is None:  # the setting only seeds, never overrides
        workspace.digest_channel = install.digest_channel
    if not workspace.active:  # uninstalled before: everyone enrolled picks up where they were
        workspace.active, workspace.uninstalled_at = True, None
        for lead in enrolled_leads(session, install.team_id):
            refresh_next_prompt(lead, workspace, now)


def check_may_set_digest(session: Session, team_id: str, profile: SlackProfile) -> None:
    """Workspace admins and owners, and whoever installed the app, choose the digest channel; others are told so."""
    workspace = get_workspace(session, team_id)
    installer = workspace.installer_user_id if workspace else None
    if not (profile.is_admin or profile.is_owner or profile.user_id == installer):
        raise UserFacingError(NOT_ALLOWED)


def set_digest_channel(session: Session, team_id: str, channel: str | None, set_by: str, now: datetime) -> Workspace:
    """Send the weekly digest to this channel from now on (None: no digest)."""
    workspace = get_workspace(session, team_id)
    if workspace is None:
        raise UserFacingError("I don't know this workspace yet: try again in a minute.")
    workspace.digest_channel, workspace.digest_set_by, workspace.digest_chosen = channel, set_by, True
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
    session: Session,
    team_id: str,
    profile: SlackProfile,
    channel: str | None,
    access: ChannelAccess | None,
    now: datetime,
) -> DigestChoice:
    """`/coach digest`: only for those allowed; the channel is kept even when the bot can't post there yet, with the
    reason (`access`, looked up before this unit of work)."""
    check_may_set_digest(session, team_id, profile)
    workspace = set_digest_channel(session, team_id, channel, profile.user_id, now)
    return DigestChoice(channel, workspace.next_digest_at, workspace.timezone, access.reason if access else None)


def purge_uninstalled(session: Session, before: datetime) -> list[str]:
    """Delete every row of each workspace uninstalled before `before` and not reinstalled since; return their ids."""
    gone = uninstalled_before(session, before)
    for team_id in gone:
        delete_workspace(session, team_id)
    return gone
