"""/handoff and /decision: record what the lead handed over or left to others, to be followed up on its date.

`/handoff @person what [by DATE]` and `/decision what [by DATE]` store at once; either command alone opens its
modal. The person is looked up in Slack before anything is stored: a bot, a deactivated account or someone outside
the workspace gets a friendly answer and nothing is stored."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond

from bot.coaching.loops import DEFAULT_DUE, LoopError, split_due_date
from bot.services import loops
from bot.services.errors import UserFacingError
from bot.services.loops import Recorded, WrongField
from bot.services.ports import SlackProfile, Unreachable
from bot.slack.blocks.loops import day, decision_modal, handoff_modal, person
from bot.slack.deps import AppDeps, deps_of
from bot.slack.handling import guarded
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, text_of

HANDOFF = "/handoff"
DECISION = "/decision"
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)", re.DOTALL)
HANDOFF_USAGE = "Try `/handoff @sam the release checklist by dec 18`, or `/handoff` alone for a form."


def handoff(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Record a hand-off from the command's words, or open the modal when there are none."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    text = text_of(command, "text").strip()

    def work() -> str | None:
        today = _today(deps, team_id, user_id)
        if not text:
            deps.gateway.open_view(command["trigger_id"], handoff_modal("", today + DEFAULT_DUE))
            return None
        found = MENTION.match(text)
        if found is None:
            raise UserFacingError(f"Who did you hand it to? Start with an @mention. {HANDOFF_USAGE}")
        delegate = look_up(deps, found[1])  # asked before the unit of work opens
        what, due_on = _what_and_date(found[2], today)
        with deps.session_factory.begin() as session:
            recorded = loops.record_handoff(
                session, team_id, user_id, delegate, what, None, due_on, deps.settings.timezone, deps.clock()
            )
        refresh_home(deps, team_id, user_id)
        return handoff_recorded(recorded)

    guarded(respond, context, work)


def decision(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Record a decision left to the team, before Slack is answered; alone, the modal opens (lazily)."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    text = text_of(command, "text").strip()
    if not text:
        ack()
        return
    try:
        with deps.session_factory.begin() as session:
            today = loops.local_today(session, team_id, user_id, deps.settings.timezone, deps.clock())
            what, due_on = _what_and_date(text, today)
            recorded = loops.record_decision(
                session, team_id, user_id, None, what, due_on, None, deps.settings.timezone, deps.clock()
            )
    except UserFacingError as error:
        ack(text=str(error), response_type="ephemeral")
        return
    ack(text=decision_recorded(recorded), response_type="ephemeral")
    refresh_home(deps, team_id, user_id)


def decision_form(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """`/decision` alone: the modal."""
    deps, (team_id, user_id) = deps_of(context), actor(context)
    if text_of(command, "text").strip():
        return

    def work() -> None:
        due = _today(deps, team_id, user_id) + DEFAULT_DUE
        deps.gateway.open_view(command["trigger_id"], decision_modal("", due))

    guarded(respond, context, work)


def look_up(deps: AppDeps, user_id: str) -> SlackProfile:
    """A delegate or owner as Slack knows them; someone Slack can't find is the lead's to fix, not a retry."""
    try:
        return deps.gateway.user_profile(user_id)
    except Unreachable:
        raise WrongField("I couldn't find that person in this workspace: pick someone else.", "who") from None


def handoff_recorded(recorded: Recorded) -> str:
    """The confirmation of a hand-off."""
    return (
        f"Recorded: *{recorded.what}*, handed to {person(recorded.person)}. {_when(recorded)} whether it held: "
        "owned and done, still going, or back with you."
    )


def decision_recorded(recorded: Recorded) -> str:
    """The confirmation of a decision left to others."""
    return f"Recorded: *{recorded.what}*, left to {person(recorded.person)}. {_when(recorded)} who made the call."


def _when(recorded: Recorded) -> str:
    if recorded.asks_at_prompt_time:
        return f"On {day(recorded.due_on)}, at your prompt time, I'll ask"
    return f"Daily prompts are off, so from {day(recorded.due_on)} (once `/coach start` turns them on) I'll ask"


def _today(deps: AppDeps, team_id: str, user_id: str) -> date:
    with deps.session_factory.begin() as session:
        return loops.local_today(session, team_id, user_id, deps.settings.timezone, deps.clock())


def _what_and_date(text: str, today: date) -> tuple[str, date]:
    try:
        return split_due_date(text, today)
    except LoopError as error:
        raise UserFacingError(f"{error} Dates read like `by dec 18`, `by 2026-12-18` or `by 10d`.") from None
