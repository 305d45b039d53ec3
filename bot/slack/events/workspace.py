"""Home opened, a person's profile changing, and the workspace uninstalling the app or revoking its tokens."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import presence, workspaces
from bot.slack.deps import deps_of
from bot.slack.homes import publish_home, refresh_home
from bot.slack.payloads import actor, text_of


def home_opened(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """Queue their Home view before Slack is answered; the courier publishes it."""
    team_id, user_id = actor(context)
    if event.get("tab", "home") == "home" and user_id:
        publish_home(deps_of(context), team_id, user_id)
    ack()


def profile_changed(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    """A user's profile changed (timezone, status): a lead's schedule follows, before Slack is answered (a database
    failure makes Slack retry). Anyone else's change is read and dropped."""
    user = event.get("user")
    if isinstance(user, dict):
        details = user.get("profile")
        expiration = details.get("status_expiration") if isinstance(details, dict) else None
        profile = presence.Profile(
            user_id=text_of(user, "id"),
            tz=text_of(user, "tz") or None,
            status_emoji=text_of(details, "status_emoji"),
            status_text=text_of(details, "status_text"),
            status_expiration=expiration if isinstance(expiration, int) and expiration > 0 else 0,
        )
        deps, team_id = deps_of(context), actor(context)[0]
        with deps.session_factory.begin() as session:
            changed = presence.profile_changed(session, team_id, profile, deps.clock())
        if changed:
            refresh_home(deps, team_id, profile.user_id)
    ack()


def workspace_gone(context: BoltContext) -> None:
    """Nothing more is sent there: in distributed mode its tokens are deleted at once (an org-wide install's, for
    every workspace of the organization). Runs before Slack is answered: if the database is down, Slack retries."""
    deps = deps_of(context)
    org_wide = bool(context.is_enterprise_install) and context.enterprise_id is not None
    if deps.installation_store is not None:  # before the unit of work: the store has its own connection
        team_id = None if org_wide else context.team_id
        deps.installation_store.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
    with deps.session_factory.begin() as session:
        if org_wide:
            workspaces.deactivate_organization(session, str(context.enterprise_id), deps.clock())
        else:
            workspaces.deactivate(session, str(context.team_id), deps.clock())
