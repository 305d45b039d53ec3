"""Slash-command listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.commands import coach, impact, reflect, why_coding
from bot.slack.deps import AppDeps


def register(app: App, deps: AppDeps) -> None:
    """Register every slash command."""
    coach.register(app, deps)
    reflect.register(app, deps)
    impact.register(app, deps)
    why_coding.register(app, deps)
