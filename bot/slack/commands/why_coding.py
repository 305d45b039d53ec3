"""/why-am-i-coding: the modal opens at once; `stats` answers with the four-week trend."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond

from bot.coaching.diagnostic import VERDICTS, Answers, check_answers
from bot.delivery import outbox
from bot.services import diagnostics
from bot.slack.blocks.diagnostic import (
    FIELDS,
    MODAL_CALLBACK,
    OUTCOME_ACTIONS,
    diagnostic_modal,
    outcome_recorded,
    read_diagnostic,
    verdict_message,
)
from bot.slack.deps import AppDeps
from bot.slack.handling import friendly_message, on_failure_tell
from bot.slack.homes import refresh_home
from bot.slack.payloads import actor, parse_id, text_of
from bot.slack.text import render

COMMAND = "/why-am-i-coding"


def is_stats(command: dict[str, Any]) -> bool:
    """`/why-am-i-coding stats`."""
    return text_of(command, "text").strip().lower() == "stats"


def register(app: App, deps: AppDeps) -> None:
    """Register the command, the modal's submission and the outcome buttons."""

    def ack_now(ack: Ack) -> None:
        ack()

    def stats(ack: Ack, context: BoltContext) -> None:
        with deps.session_factory() as session:
            trend = diagnostics.recent_trend(session, *actor(context), deps.clock())
        ack(
            text=render(deps.templates, "diagnostic_stats.md.j2", trend=trend, verdicts=VERDICTS),
            response_type="ephemeral",
        )

    def open_modal(command: dict[str, Any]) -> None:
        deps.gateway.open_view(command["trigger_id"], diagnostic_modal(text_of(command, "text")))

    def submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        answers = check_answers(*read_diagnostic((view.get("state") or {}).get("values") or {}))
        if not isinstance(answers, Answers):
            ack(response_action="errors", errors={FIELDS[question]: text for question, text in answers.items()})
            return
        try:
            with deps.session_factory.begin() as session:
                team_id, user_id = actor(context)
                verdict = diagnostics.record(session, team_id, user_id, answers, deps.settings.timezone, deps.clock())
                # The verdict is queued with the answers it judges: both are kept, or neither.
                text, blocks = verdict_message(deps.templates, verdict)
                outbox.message(session, team_id, user_id, text, blocks, deps.clock())
                outbox.home(session, team_id, user_id, deps.clock())
        except Exception as error:  # the modal stays open with the reason, and nothing was saved
            ack(response_action="errors", errors={FIELDS["task"]: friendly_message(error)})
            return
        deps.courier.wake()
        ack()

    def record_outcome(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        outcome = next(key for key, action_id in OUTCOME_ACTIONS.items() if action_id == action["action_id"])
        diagnostic_id = parse_id(action.get("value")) or 0

        def work() -> None:
            team_id, _ = actor(context)
            message, container = body.get("message") or {}, body.get("container")
            channel, ts = text_of(container, "channel_id"), text_of(container, "message_ts")
            with deps.session_factory.begin() as session:
                verdict = diagnostics.record_outcome(session, *actor(context), diagnostic_id, outcome, deps.clock())
                blocks = outcome_recorded([b for b in message.get("blocks") or [] if isinstance(b, dict)], verdict)
                if channel and ts:  # the message clicked is redrawn to show the outcome
                    outbox.redraw(session, team_id, channel, ts, text_of(message, "text"), blocks, deps.clock())
            deps.courier.wake()

        on_failure_tell(respond, work)
        refresh_home(deps, *actor(context))

    app.command(COMMAND, matchers=[is_stats])(stats)
    app.command(COMMAND)(ack=ack_now, lazy=[open_modal])
    app.view_submission(MODAL_CALLBACK)(submit)
    for action_id in OUTCOME_ACTIONS.values():
        app.action(action_id)(ack=ack_now, lazy=[record_outcome])
