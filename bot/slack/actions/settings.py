"""The settings modal: opened from /coach settings or Home, the timezone search, and saving."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.services import settings
from bot.services.home import format_local
from bot.services.schedules import lead_timezone
from bot.slack.blocks.settings import (
    MODAL_CALLBACK,
    TIMEZONE_ACTION,
    read_settings,
    saved_view,
    timezone_options,
)
from bot.slack.deps import AppDeps
from bot.slack.handling import friendly_message
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, text_of
from bot.store.leads import workspace_of

FIRST_FIELD = "prompt_time"  # where an error that belongs to no one field is shown


def register(app: App, deps: AppDeps) -> None:
    """Register the timezone search and the modal's submission."""

    def timezones(ack: Ack, payload: dict[str, Any]) -> None:
        ack(options=timezone_options(text_of(payload, "value")))

    def submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        chosen = read_settings((view.get("state") or {}).get("values") or {})
        if isinstance(chosen, dict):
            ack(response_action="errors", errors=chosen)
            return
        team_id, user_id = actor(context)
        try:
            with deps.session_factory.begin() as session:
                lead = settings.save(session, team_id, user_id, chosen, deps.clock())
                timezone = lead_timezone(lead, workspace_of(session, lead))
                when = format_local(lead.next_prompt_at, timezone) if lead.next_prompt_at else None
                scorecard = format_local(lead.next_summary_at, timezone) if lead.next_summary_at else None
        except settings.InvalidSettings as invalid:
            ack(response_action="errors", errors=invalid.errors)
            return
        except Exception as error:  # the modal stays open with the reason, and nothing was saved
            ack(response_action="errors", errors={FIRST_FIELD: friendly_message(error)})
            return
        context["saved"] = True
        ack(response_action="update", view=saved_view(when, scorecard, timezone))

    def republish(context: BoltContext) -> None:
        if context.get("saved"):
            refresh_home(deps, *actor(context))

    app.options(TIMEZONE_ACTION)(timezones)
    app.view_submission(MODAL_CALLBACK)(ack=submit, lazy=[republish])
