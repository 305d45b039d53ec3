"""The daily prompt message, and how it reads once the lead has responded."""

from __future__ import annotations

from bot.services.prompts import OutgoingPrompt
from bot.slack.blocks.kit import Block, actions, button, context, section
from bot.slack.text import escape_mrkdwn

ANSWER_ACTION = "prompt_answer"
CHOICE_PREFIX = "prompt_choice_"  # + the choice's index; the value is "<delivery id>:<index>"
SKIP_ACTION = "prompt_skip"
REJECT_ACTION = "prompt_reject"
METADATA_EVENT = "lead_coach_prompt"  # tags every delivery (prompts, scorecards, digests); kept for old messages

ACKNOWLEDGEMENTS = {
    "skipped": "Skipped for today. A skipped day never counts against you.",
    "rejected": "Noted: I won't send you this one again.",
}


def prompt_message(prompt: OutgoingPrompt) -> tuple[str, list[Block]]:
    """Fallback text and blocks for a prompt DM."""
    about = f"*{escape_mrkdwn(prompt.theme_title)}* · from _{escape_mrkdwn(prompt.source)}_"
    if prompt.nudged:
        about += " · a theme you haven't logged in a while"
    value = str(prompt.delivery_id)
    blocks = [
        section(escape_mrkdwn(prompt.text)),
        context(about),
        context(f"Why ask: {escape_mrkdwn(prompt.why)}"),
    ]
    if prompt.choices:  # one tap logs the answer; a sentence more goes in the thread
        taps = [button(c, f"{CHOICE_PREFIX}{n}", f"{value}:{n}") for n, c in enumerate(prompt.choices)]
        blocks.append(actions(*taps, block_id="prompt_choices"))
    blocks.append(
        actions(
            button("Answer", ANSWER_ACTION, value, style="primary"),
            button("Skip today", SKIP_ACTION, value),
            button("Not a good prompt", REJECT_ACTION, value),
            block_id="prompt_actions",
        )
    )
    return prompt.text, blocks


def chosen_message(prompt_text: str, choice: str) -> tuple[str, list[Block]]:
    """The prompt once a quick answer was tapped: the answer, and an invitation to say a sentence more."""
    note = f"You answered: *{escape_mrkdwn(choice)}*. A sentence more? Reply in this thread and I'll add it."
    return f"{prompt_text}\nYou answered: {choice}", [section(escape_mrkdwn(prompt_text)), context(note)]


def delivery_metadata(delivery_id: int) -> dict[str, object]:
    """Message metadata that lets a restarted worker find a delivery it already posted."""
    return {"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id}}


def responded_message(prompt_text: str, status: str) -> tuple[str, list[Block]]:
    """The prompt as it reads after Skip today or Not a good prompt: the buttons give way to a note."""
    note = ACKNOWLEDGEMENTS[status]
    return f"{prompt_text}\n{note}", [section(escape_mrkdwn(prompt_text)), context(note)]
