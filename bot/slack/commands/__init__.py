"""Slash-command listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.commands import coach, impact, placeholders, reflect
from bot.slack.deps import AppDeps


def register(app: App, deps: AppDeps) -> None:
    """Register every slash command."""
    coach.register(app, deps)
    reflect.register(app, deps)
    impact.register(app, deps)
    placeholders.register(app, deps)
