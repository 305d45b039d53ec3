"""The App Home tab."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from bot.services.home import HomeState
from bot.slack.blocks.kit import actions, button, context, divider, header, section
from bot.slack.text import render

START_ACTION = "home_start"


def home_view(env: Environment, state: HomeState) -> dict[str, Any]:
    """The Home tab for a lead, enrolled or not."""
    blocks = [header("Lead Coach"), section(render(env, "home_welcome.md.j2")), divider()]
    if state.enrolled and state.next_prompt_local:
        blocks.append(
            section(f"You're enrolled. Next reflection prompt: *{state.next_prompt_local}* ({state.timezone}).")
        )
    elif state.enrolled:
        blocks.append(section("You're enrolled; prompts are paused or off for now."))
    else:
        blocks.append(section("Get one short reflection prompt at the end of each workday."))
        blocks.append(actions(button("Start coaching", START_ACTION, style="primary")))
    blocks.append(context(render(env, "privacy.md.j2")))
    return {"type": "home", "blocks": blocks}
