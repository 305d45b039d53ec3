"""The entry modal: a new entry, or the lead's correction of one; stored before Slack is answered."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond

from bot.services import entries
from bot.services.entries import Filed
from bot.slack.blocks.entries import CATEGORIES_BLOCK, TEXT_BLOCK, ModalContext, logged_message, read_submission
from bot.slack.deps import deps_of
from bot.slack.handling import friendly_message
from bot.slack.homes import refresh_home
from bot.slack.logged import show_filed
from bot.slack.payloads import actor


def submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """Store it; anything wrong keeps the modal open with the reason, and nothing is saved."""
    deps, modal = deps_of(context), ModalContext.load(view.get("private_metadata"))
    field = CATEGORIES_BLOCK if modal.entry_id is not None else TEXT_BLOCK
    try:
        text, categories, shareable, minutes = read_submission((view.get("state") or {}).get("values") or {})
        team_id, user_id = actor(context)
        with deps.session_factory.begin() as session:
            if modal.entry_id is not None:
                filed = entries.correct(
                    session,
                    deps.filing,
                    team_id,
                    user_id,
                    modal.entry_id,
                    categories,
                    shareable,
                    modal.revision,
                    deps.clock(),
                    minutes,
                )
            else:
                filed = entries.log_entry(
                    session,
                    deps.filing,
                    team_id=team_id,
                    user_id=user_id,
                    text=text or "",
                    source="modal",
                    default_timezone=deps.settings.timezone,
                    now=deps.clock(),
                    delivery_id=modal.delivery_id,
                    categories=categories,
                    shareable=shareable,
                    minutes=minutes,
                )
    except Exception as error:  # the modal stays open with the reason, and nothing was saved
        ack(response_action="errors", errors={field: friendly_message(error)})
        return
    context["filed"] = filed
    ack()


def confirm(view: dict[str, Any], context: BoltContext) -> None:
    """Show what was filed: where the modal was started from (a command, an ephemeral message), else in the DM."""
    filed, deps = context.get("filed"), deps_of(context)
    if not isinstance(filed, Filed):
        return
    url = ModalContext.load(view.get("private_metadata")).response_url
    if url and not _trusted(url, deps.settings.slack_api_url):
        url = None
    if url and not filed.ack_ts:  # started from a slash command or an ephemeral message: answer there
        text, blocks = logged_message(filed)
        Respond(response_url=url)(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)
    else:
        show_filed(deps, actor(context)[0], filed, actor(context)[1])
    refresh_home(deps, *actor(context))


def _trusted(url: str, api_url: str) -> bool:
    """A response_url Slack (or the configured API server) issued: private_metadata comes back from the client."""
    where = urlsplit(url)
    return (where.scheme, where.netloc) == ("https", "hooks.slack.com") or where.netloc == urlsplit(api_url).netloc
