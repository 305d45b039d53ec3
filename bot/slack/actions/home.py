"""The Home tab's buttons: start, reflect now, log impact, why am I coding, settings, pause and resume.

Home has nowhere to show an answer, so a failure is told in the DM; the lead is looking at Home, so it is redrawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond

from bot.coaching.loops import DEFAULT_DUE
from bot.services import enrollment, loops
from bot.slack.blocks.diagnostic import diagnostic_modal
from bot.slack.blocks.entries import ModalContext
from bot.slack.blocks.loops import decision_modal, handoff_modal
from bot.slack.deps import AppDeps, deps_of
from bot.slack.flows import new_entry_modal, reflect_now
from bot.slack.handling import guarded
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, text_of

Work = Callable[[AppDeps, str, str, dict[str, Any]], None]
Listener = Callable[[dict[str, Any], BoltContext, Respond], None]


def changing(work: Work) -> Listener:
    """A button that changes something: do it, then redraw Home (whether or not it worked)."""

    def run(body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        deps, (team_id, user_id) = deps_of(context), actor(context)
        guarded(respond, context, lambda: work(deps, team_id, user_id, body))
        refresh_home(deps, team_id, user_id, looking=True)

    return run


def opening(
    build: Callable[[AppDeps, str, str], dict[str, Any]],
) -> Callable[[dict[str, Any], BoltContext, Respond], None]:
    """A button that opens a modal: it must open within the trigger's 3 seconds, so nothing is redrawn."""

    def run(body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        deps = deps_of(context)
        guarded(respond, context, lambda: deps.gateway.open_view(body["trigger_id"], build(deps, *actor(context))))

    return run


def start(deps: AppDeps, team_id: str, user_id: str, _body: dict[str, Any]) -> None:
    """Turn daily prompts on."""
    profile = deps.gateway.user_profile(user_id)  # asked before the unit of work opens
    with deps.session_factory.begin() as session:
        enrollment.start(session, profile, team_id, deps.settings.timezone, deps.clock())


def reflect(deps: AppDeps, team_id: str, user_id: str, _body: dict[str, Any]) -> None:
    """A prompt now."""
    reflect_now(deps, team_id, user_id)


def pause(deps: AppDeps, team_id: str, user_id: str, body: dict[str, Any]) -> None:
    """No prompts through the date picked."""
    chosen = text_of(body["actions"][0], "selected_date")
    with deps.session_factory.begin() as session:
        enrollment.pause(session, team_id, user_id, f"until {chosen}", deps.clock())


def resume(deps: AppDeps, team_id: str, user_id: str, _body: dict[str, Any]) -> None:
    """End the pause."""
    with deps.session_factory.begin() as session:
        enrollment.resume(session, team_id, user_id, deps.clock())


def log_modal(deps: AppDeps, team_id: str, user_id: str) -> dict[str, Any]:
    """The new-entry modal."""
    return new_entry_modal(deps, team_id, user_id, ModalContext())


def handoff_form(deps: AppDeps, team_id: str, user_id: str) -> dict[str, Any]:
    """The hand-off modal, due a week ahead."""
    with deps.session_factory.begin() as session:
        today = loops.local_today(session, team_id, user_id, deps.settings.timezone, deps.clock())
    return handoff_modal("", today + DEFAULT_DUE)


def decision_form(deps: AppDeps, team_id: str, user_id: str) -> dict[str, Any]:
    """The decision modal, due a week ahead."""
    with deps.session_factory.begin() as session:
        today = loops.local_today(session, team_id, user_id, deps.settings.timezone, deps.clock())
    return decision_modal("", today + DEFAULT_DUE)


def coding_modal(_deps: AppDeps, _team_id: str, _user_id: str) -> dict[str, Any]:
    """The diagnostic's modal, empty."""
    return diagnostic_modal("")
