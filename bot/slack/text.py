"""The one Jinja2 environment for message text, and Slack-safe escaping."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES_DIR = Path(str(files("bot.slack") / "templates"))  # shipped inside the package (package-data)


def escape_mrkdwn(value: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_environment() -> Environment:
    """Build the template environment once at start-up; undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mrkdwn"] = escape_mrkdwn
    return env


def render(env: Environment, template: str, /, **context: Any) -> str:
    """Render a template from bot/slack/templates, stripped of outer whitespace."""
    return env.get_template(template).render(**context).strip()
