"""/why-am-i-coding: the modal opens at once; `stats` answers with the four-week trend."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond

from bot.coaching.diagnostic import VERDICTS
from bot.services import diagnostics
from bot.slack.blocks.diagnostic import diagnostic_modal
from bot.slack.deps import deps_of
from bot.slack.handling import guarded
from bot.slack.payloads import actor, text_of
from bot.slack.text import render

COMMAND = "/why-am-i-coding"


def is_stats(command: dict[str, Any]) -> bool:
    """`/why-am-i-coding stats`."""
    return text_of(command, "text").strip().lower() == "stats"


def stats(ack: Ack, context: BoltContext) -> None:
    """The last four weeks of answers, with an observation."""
    deps = deps_of(context)
    with deps.session_factory() as session:
        trend = diagnostics.recent_trend(session, *actor(context), deps.clock())
    ack(
        text=render(deps.templates, "diagnostic_stats.md.j2", trend=trend, verdicts=VERDICTS), response_type="ephemeral"
    )


def open_modal(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The diagnostic's modal, the task filled in from the command's text."""
    deps = deps_of(context)

    def work() -> None:
        deps.gateway.open_view(command["trigger_id"], diagnostic_modal(text_of(command, "text")))

    guarded(respond, context, work)
