"""Commands declared in the manifest whose issues have not landed yet answer kindly."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.deps import AppDeps
from bot.slack.text import render

NOT_YET = ("/why-am-i-coding",)


def register(app: App, deps: AppDeps) -> None:
    """Register a 'coming soon' answer for each command not built yet."""

    def coming_soon(ack: Ack, command: dict[str, Any]) -> None:
        ack(text=render(deps.templates, "coming_soon.md.j2", command=command["command"]))

    for name in NOT_YET:
        app.command(name)(coming_soon)
