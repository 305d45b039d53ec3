"""Publishing a lead's Home tab (after app_home_opened and after every change)."""

from __future__ import annotations

from bot.services.home import home_state
from bot.slack.blocks.home import home_view
from bot.slack.deps import AppDeps


def publish_home(deps: AppDeps, team_id: str, user_id: str) -> None:
    """Read the lead's state and publish their Home view."""
    with deps.session_factory.begin() as session:
        state = home_state(session, team_id, user_id)
    deps.sender.publish_home(user_id, home_view(deps.templates, state))
