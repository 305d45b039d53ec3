"""Showing a lead what was logged: one acknowledgement per entry, posted once and then kept up to date."""

from __future__ import annotations

from dataclasses import replace

from bot.services import entries
from bot.services.entries import PENDING_ACK, Filed, Removed
from bot.slack.blocks.entries import deleted_message, logged_message, moved_message
from bot.slack.deps import AppDeps


def show_filed(deps: AppDeps, filed: Filed, channel: str) -> None:
    """Update the entry's acknowledgement, or post it (in `channel`, in the entry's thread) if it has none yet."""
    with deps.session_factory.begin() as session:
        fresh = entries.current(session, filed.entry_id)
        # Two messages in quick succession: only the listener that reserves the acknowledgement posts it.
        claimed = fresh is not None and fresh.ack_ts is None and entries.claim_ack(session, filed.entry_id)
    if filed.moved_from is not None:  # the earlier acknowledgement's buttons would act on words it never showed
        moved_text, moved_blocks = moved_message() if fresh is not None else deleted_message(_gone(filed))
        deps.sender.update_message(*filed.moved_from, moved_text, moved_blocks)
    if fresh is None or fresh.ack_ts == PENDING_ACK:  # deleted meanwhile, or being posted by the other listener
        return
    # Later changes may have landed since the listener ran: show the entry as it is now.
    shown = replace(fresh, thread_ts=filed.thread_ts, appended=filed.appended, unshared=filed.unshared)
    text, blocks = logged_message(shown)
    if not claimed:  # it has an acknowledgement, or another listener reserved it a moment ago and will post it
        if shown.ack_channel and shown.ack_ts:
            deps.sender.update_message(shown.ack_channel, shown.ack_ts, text, blocks)
        return
    try:
        posted = deps.sender.post_message(channel, text, blocks, thread_ts=shown.thread_ts)
    except Exception:
        with deps.session_factory.begin() as session:
            entries.release_ack(session, filed.entry_id)
        raise
    with deps.session_factory.begin() as session:
        entries.record_ack(session, filed.entry_id, posted.channel, posted.ts)
        latest = entries.current(session, filed.entry_id)
    if latest is None:  # deleted while we posted: nobody else knew where this acknowledgement is
        text, blocks = deleted_message(_gone(filed))
        deps.sender.update_message(posted.channel, posted.ts, text, blocks)
    elif (latest.categories, latest.shareable, latest.revision) != (shown.categories, shown.shareable, shown.revision):
        text, blocks = logged_message(replace(latest, appended=filed.appended, unshared=filed.unshared))
        deps.sender.update_message(posted.channel, posted.ts, text, blocks)


def _gone(filed: Filed) -> Removed:
    return Removed(filed.entry_id, None, None, filed.source, by_slack=True)


def show_removed(deps: AppDeps, removed: Removed) -> None:
    """The entry is gone: its acknowledgement says so."""
    if removed.ack_channel and removed.ack_ts and removed.ack_ts != PENDING_ACK:
        text, blocks = deleted_message(removed)
        deps.sender.update_message(removed.ack_channel, removed.ack_ts, text, blocks)
