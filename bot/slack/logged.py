"""Showing a lead what was logged: the entry's acknowledgement is queued, and the courier posts or redraws it."""

from __future__ import annotations

from bot.delivery import outbox
from bot.services.entries import Filed, Removed
from bot.slack.deps import AppDeps


def show_filed(deps: AppDeps, team_id: str, filed: Filed, channel: str) -> None:
    """Post the entry's acknowledgement (in `channel`, in the entry's thread), or redraw the one it has."""
    with deps.session_factory.begin() as session:
        outbox.acknowledge(session, team_id, filed, channel, deps.clock())
    deps.courier.wake()


def show_removed(deps: AppDeps, team_id: str, removed: Removed) -> None:
    """The entry is gone: its acknowledgement will say so."""
    with deps.session_factory.begin() as session:
        outbox.acknowledge_removed(session, team_id, removed, deps.clock())
    deps.courier.wake()
