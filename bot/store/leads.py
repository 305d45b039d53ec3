"""Queries about workspaces and leads."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.models import Lead, Workspace


def get_workspace(session: Session, team_id: str) -> Workspace | None:
    """The workspace with this team id, if known."""
    return session.get(Workspace, team_id)


def workspaces_of(session: Session, enterprise_id: str) -> list[str]:
    """Team ids of the workspaces of an Enterprise Grid organization."""
    return list(session.scalars(select(Workspace.team_id).where(Workspace.enterprise_id == enterprise_id)))


def get_or_create_workspace(session: Session, team_id: str, timezone: str) -> Workspace:
    """The workspace with this team id, created with the default timezone if new."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        try:
            with session.begin_nested():
                workspace = Workspace(team_id=team_id, timezone=timezone)
                session.add(workspace)
        except IntegrityError:  # another request created it first
            workspace = session.get(Workspace, team_id, populate_existing=True)
            assert workspace is not None
    return workspace


def workspace_of(session: Session, lead: Lead) -> Workspace:
    """The workspace a lead belongs to (the foreign key guarantees there is one)."""
    workspace = session.get(Workspace, lead.team_id)
    assert workspace is not None
    return workspace


def get_lead(session: Session, team_id: str, user_id: str, *, for_update: bool = False) -> Lead | None:
    """The lead for this Slack user in this workspace, if known; `for_update` locks the row (PostgreSQL)."""
    query = select(Lead).where(Lead.team_id == team_id, Lead.user_id == user_id)
    return session.scalars(query.with_for_update() if for_update else query).one_or_none()


def get_or_create_lead(session: Session, team_id: str, user_id: str) -> Lead:
    """The lead for this user, created (not enrolled) if new."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        try:
            with session.begin_nested():
                lead = Lead(team_id=team_id, user_id=user_id)
                session.add(lead)
        except IntegrityError:  # another request created it first
            lead = get_lead(session, team_id, user_id)
            assert lead is not None
    return lead


def clear_schedules(session: Session, team_id: str) -> None:
    """Nothing more is due for anyone in this workspace."""
    session.execute(update(Lead).where(Lead.team_id == team_id).values(next_prompt_at=None, next_summary_at=None))


def set_dm_channel(session: Session, lead_id: int, channel: str) -> None:
    """The app's DM channel with this lead, learnt from a message posted there."""
    changed = or_(Lead.dm_channel.is_(None), Lead.dm_channel != channel)
    session.execute(update(Lead).where(Lead.id == lead_id, changed).values(dm_channel=channel))


def enrolled_leads(session: Session, team_id: str) -> list[Lead]:
    """The workspace's leads with daily prompts on."""
    return list(session.scalars(select(Lead).where(Lead.team_id == team_id, Lead.enrolled)))
