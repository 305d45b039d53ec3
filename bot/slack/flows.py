"""Work more than one listener does: modals built from the lead's stored state, and a prompt sent right now."""

from __future__ import annotations

from typing import Any

from bot.delivery import outbox
from bot.services import entries, forget, prompts, settings
from bot.slack.blocks.entries import ModalContext, entry_modal
from bot.slack.blocks.forget import forget_modal
from bot.slack.blocks.prompt import prompt_message
from bot.slack.blocks.settings import settings_modal
from bot.slack.deps import AppDeps


def new_entry_modal(
    deps: AppDeps, team_id: str, user_id: str, modal: ModalContext, prompt_text: str | None = None
) -> dict[str, Any]:
    """The modal for a new entry, its sharing choice starting at the lead's default."""
    with deps.session_factory() as session:
        shareable = entries.shares_by_default(session, team_id, user_id)
    return entry_modal(modal, prompt_text=prompt_text, shareable=shareable)


def settings_view(deps: AppDeps, team_id: str, user_id: str) -> dict[str, Any]:
    """The settings modal, filled in with the lead's current settings."""
    with deps.session_factory() as session:
        return settings_modal(settings.current(session, team_id, user_id, deps.clock()))


def forget_view(deps: AppDeps, team_id: str, user_id: str) -> dict[str, Any]:
    """The confirmation before forgetting, saying how much would be deleted."""
    with deps.session_factory() as session:
        return forget_modal(forget.holdings(session, team_id, user_id))


def reflect_now(deps: AppDeps, team_id: str, user_id: str) -> None:
    """Send the lead a prompt in their DM right now, outside the schedule (queued for the courier)."""
    now = deps.clock()
    with deps.session_factory.begin() as session:
        outgoing = prompts.claim_reflection(
            session, deps.library, deps.prompt_env, team_id, user_id, deps.settings.timezone, now
        )
        text, blocks = prompt_message(outgoing)
        outbox.claimed_now(session, outgoing.delivery_id, now, text=text, blocks=blocks)
    deps.courier.wake()
