"""Showing a lead what was logged: one acknowledgement per entry, posted once and then kept up to date."""

from __future__ import annotations

from dataclasses import replace

from bot.services import entries
from bot.services.entries import Filed, Removed
from bot.slack.blocks.entries import deleted_message, logged_message
from bot.slack.deps import AppDeps


def show_filed(deps: AppDeps, filed: Filed, channel: str) -> None:
    """Update the entry's acknowledgement, or post it (in `channel`, in the entry's thread) if it has none yet."""
    with deps.session_factory.begin() as session:
        fresh = entries.current(session, filed.entry_id)
    if fresh is None:  # deleted meanwhile
        return
    # Later changes may have landed since the listener ran: show the entry as it is now.
    filed = replace(fresh, thread_ts=filed.thread_ts, appended=filed.appended)
    text, blocks = logged_message(filed)
    if filed.ack_channel and filed.ack_ts:
        deps.sender.update_message(filed.ack_channel, filed.ack_ts, text, blocks)
        return
    posted = deps.sender.post_message(channel, text, blocks, thread_ts=filed.thread_ts)
    with deps.session_factory.begin() as session:
        first = entries.record_ack(session, filed.entry_id, posted.channel, posted.ts)
    if not first:  # two messages in quick succession both acknowledged: keep the earlier one, up to date
        deps.sender.delete_message(posted.channel, posted.ts)
        show_filed(deps, filed, channel)  # now finds the earlier acknowledgement and updates it


def show_removed(deps: AppDeps, removed: Removed) -> None:
    """The entry is gone: its acknowledgement says so."""
    if removed.ack_channel and removed.ack_ts:
        text, blocks = deleted_message()
        deps.sender.update_message(removed.ack_channel, removed.ack_ts, text, blocks)
