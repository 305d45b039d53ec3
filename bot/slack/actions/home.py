"""The Home tab's buttons: start, reflect now, log impact, why am I coding, settings, pause and resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.services import enrollment
from bot.slack.blocks.diagnostic import diagnostic_modal
from bot.slack.blocks.entries import ModalContext
from bot.slack.blocks.home import (
    CODING_ACTION,
    LOG_ACTION,
    PAUSE_ACTION,
    REFLECT_ACTION,
    RESUME_ACTION,
    SETTINGS_ACTION,
    START_ACTION,
)
from bot.slack.deps import AppDeps
from bot.slack.flows import new_entry_modal, reflect_now, settings_view
from bot.slack.handling import friendly_message, tell_in_dm
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, text_of


def register(app: App, deps: AppDeps) -> None:
    """Register every Home button."""

    def ack_now(ack: Ack) -> None:
        ack()

    def handled(work: Callable[[str, str, dict[str, Any]], None]) -> Callable[[dict[str, Any], BoltContext], None]:
        """Run a button's work; Home has nowhere to show an error, so it goes to the lead's DM; then refresh."""

        def run(body: dict[str, Any], context: BoltContext) -> None:
            team_id, user_id = actor(context)
            try:
                work(team_id, user_id, body)
            except Exception as error:  # every failure is told to the lead; unexpected ones are logged
                tell_in_dm(deps, team_id, user_id, friendly_message(error))
            refresh_home(deps, team_id, user_id, looking=True)

        return run

    def start(team_id: str, user_id: str, _body: dict[str, Any]) -> None:
        profile = deps.gateway.user_profile(user_id)  # asked before the unit of work opens
        with deps.session_factory.begin() as session:
            enrollment.start(session, profile, team_id, deps.settings.timezone, deps.clock())

    def reflect(team_id: str, user_id: str, _body: dict[str, Any]) -> None:
        reflect_now(deps, team_id, user_id)

    def pause(team_id: str, user_id: str, body: dict[str, Any]) -> None:
        chosen = text_of(body["actions"][0], "selected_date")
        with deps.session_factory.begin() as session:
            enrollment.pause(session, team_id, user_id, f"until {chosen}", deps.clock())

    def resume(team_id: str, user_id: str, _body: dict[str, Any]) -> None:
        with deps.session_factory.begin() as session:
            enrollment.resume(session, team_id, user_id, deps.clock())

    def open_modal(build: Callable[[str, str], dict[str, Any]]) -> Callable[[dict[str, Any], BoltContext], None]:
        """A button that opens a modal: it must open within the trigger's 3 seconds, so nothing is refreshed."""

        def run(body: dict[str, Any], context: BoltContext) -> None:
            team_id, user_id = actor(context)
            try:
                deps.gateway.open_view(body["trigger_id"], build(team_id, user_id))
            except Exception as error:  # every failure is told to the lead; unexpected ones are logged
                tell_in_dm(deps, team_id, user_id, friendly_message(error))

        return run

    app.action(START_ACTION)(ack=ack_now, lazy=[handled(start)])
    app.action(REFLECT_ACTION)(ack=ack_now, lazy=[handled(reflect)])
    app.action(PAUSE_ACTION)(ack=ack_now, lazy=[handled(pause)])
    app.action(RESUME_ACTION)(ack=ack_now, lazy=[handled(resume)])
    app.action(LOG_ACTION)(
        ack=ack_now, lazy=[open_modal(lambda team, user: new_entry_modal(deps, team, user, ModalContext()))]
    )
    app.action(CODING_ACTION)(ack=ack_now, lazy=[open_modal(lambda *_: diagnostic_modal(""))])
    app.action(SETTINGS_ACTION)(ack=ack_now, lazy=[open_modal(lambda team, user: settings_view(deps, team, user))])
