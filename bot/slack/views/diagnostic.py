"""The diagnostic's modal: answers checked, stored, and the verdict queued for the DM, before Slack is answered."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.coaching.diagnostic import Answers, check_answers
from bot.delivery import outbox
from bot.services import diagnostics
from bot.slack.blocks.diagnostic import FIELDS, read_diagnostic, verdict_message
from bot.slack.deps import deps_of
from bot.slack.handling import friendly_message
from bot.slack.payloads import actor


def submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """Missing answers come back as field errors; otherwise the verdict goes to the DM."""
    answers = check_answers(*read_diagnostic((view.get("state") or {}).get("values") or {}))
    if not isinstance(answers, Answers):
        ack(response_action="errors", errors={FIELDS[question]: text for question, text in answers.items()})
        return
    deps, (team_id, user_id) = deps_of(context), actor(context)
    try:
        with deps.session_factory.begin() as session:
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
