"""The coding diagnostic's modal, its verdict DM with outcome buttons, and how that reads once answered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment

from bot.coaching.diagnostic import OUTCOMES, OWNERSHIP, PULLS, VERDICTS
from bot.services.diagnostics import Verdict
from bot.slack.blocks.kit import Block, actions, button, clip, context, section
from bot.slack.text import escape_mrkdwn, render

MODAL_CALLBACK = "diagnostic_modal"
FIELDS = {"task": "task", "ownership": "ownership", "pull": "pull", "hours": "hours"}  # question -> block id
ELEMENT = "value"
OUTCOME_ACTIONS = {outcome: f"diagnostic_outcome_{outcome}" for outcome in OUTCOMES}
TASK_MAX = 500
HANDOFF_ACTION = "handoff_from_diagnostic"  # opens the hand-off modal (bot/slack/blocks/loops.py)
BUTTON_LABELS = {"delegated": "I delegated it", "paired": "We paired", "myself": "I did it myself"}


def diagnostic_modal(task: str) -> dict[str, Any]:
    """The diagnostic's questions, the task pre-filled from the command."""
    task_input: Block = {"type": "plain_text_input", "action_id": ELEMENT, "max_length": TASK_MAX}
    if task.strip():
        task_input["initial_value"] = clip(task.strip(), TASK_MAX)
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Why am I coding?"},
        "submit": {"type": "plain_text", "text": "Get a verdict"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(FIELDS["task"], "What are you about to code?", task_input),
            _input(FIELDS["ownership"], "Could someone on your team own this, with your support?", _radios(OWNERSHIP)),
            _input(FIELDS["pull"], "What's pulling you to it?", _radios(PULLS)),
            _input(
                FIELDS["hours"],
                "Hours you expect it to take",
                {"type": "plain_text_input", "action_id": ELEMENT, "max_length": 10},
                optional=True,
            ),
        ],
    }


def read_diagnostic(values: dict[str, Any]) -> tuple[str, str | None, str | None, str]:
    """(task, ownership, pull, hours text) from a submission's state; missing answers come back empty."""

    def state(question: str) -> dict[str, Any]:
        value = (values.get(FIELDS[question]) or {}).get(ELEMENT)
        return value if isinstance(value, dict) else {}

    def chosen(question: str) -> str | None:
        option = state(question).get("selected_option")
        return str(option.get("value")) if isinstance(option, dict) else None

    return (
        str(state("task").get("value") or ""),
        chosen("ownership"),
        chosen("pull"),
        str(state("hours").get("value") or ""),
    )


def verdict_message(env: Environment, verdict: Verdict) -> tuple[str, list[Block]]:
    """The verdict DM: reasoning and one next step, then buttons to record what happened."""
    body = render(
        env,
        "diagnostic_verdict.md.j2",
        verdict=verdict.verdict,
        pull=verdict.pull,
        task=clip(verdict.task, TASK_MAX),
        hours_text=f"{verdict.hours:g} h" if verdict.hours else "no estimate",
    )
    value = str(verdict.diagnostic_id)
    blocks = [
        context(f"*Why am I coding?* {escape_mrkdwn(clip(verdict.task, 200))}"),
        section(body),
        context("Later, tell me what happened:"),
        actions(*(button(BUTTON_LABELS[o], OUTCOME_ACTIONS[o], value) for o in OUTCOMES), block_id="outcome"),
    ]
    if verdict.verdict == "delegate":  # who, what, done when, by when: and a question on that date
        record = button("Record this hand-off", HANDOFF_ACTION, value, style="primary")
        blocks.insert(2, actions(record, block_id="handoff"))
    return f"{VERDICTS[verdict.verdict]}: {verdict.task}"[:300], blocks


def outcome_recorded(message_blocks: list[Block], verdict: Verdict) -> list[Block]:
    """The verdict DM once the lead has said what happened: the buttons give way to a note."""
    kept = [block for block in message_blocks if block.get("type") != "actions"][:-1]
    return [*kept, context(f"Recorded: you {OUTCOMES[verdict.outcome or 'myself']}.")]


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if optional:
        block["optional"] = True
    return block


def _radios(choices: Mapping[str, str]) -> Block:
    return {
        "type": "radio_buttons",
        "action_id": ELEMENT,
        "options": [{"text": {"type": "plain_text", "text": text}, "value": key} for key, text in choices.items()],
    }
