"""Block action and view listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.actions import entries, forget, home, prompt_buttons, settings
from bot.slack.deps import AppDeps


def register(app: App, deps: AppDeps) -> None:
    """Register every button, menu and modal listener."""
    home.register(app, deps)
    prompt_buttons.register(app, deps)
    entries.register(app, deps)
    settings.register(app, deps)
    forget.register(app, deps)
