"""The entry's buttons (change categories, share, keep private, delete) and the prompt's Answer button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond

from bot.services import entries
from bot.services.entries import Filed, Removed
from bot.services.errors import UserFacingError
from bot.slack.blocks.entries import ModalContext, deleted_message, entry_modal, logged_message, read_sharing_value
from bot.slack.deps import AppDeps, deps_of
from bot.slack.flows import new_entry_modal
from bot.slack.handling import guarded
from bot.slack.homes import in_home, refresh_home
from bot.slack.logged import show_filed, show_removed
from bot.slack.payloads import actor, parse_id, text_of

Button = Callable[[dict[str, Any], dict[str, Any], Respond, BoltContext], None]


def answer(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The prompt's Answer button: the entry modal, tied to that prompt."""
    deps = deps_of(context)
    prompt_text = text_of(body.get("message"), "text") or None
    modal = ModalContext(delivery_id=parse_id(action.get("value")))

    def work() -> None:
        deps.gateway.open_view(body["trigger_id"], new_entry_modal(deps, *actor(context), modal, prompt_text))

    guarded(respond, context, work)


def edit(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The correction modal, filled in with the entry as stored."""
    deps = deps_of(context)

    def work() -> None:
        with deps.session_factory.begin() as session:
            draft = entries.draft(session, *actor(context), _entry_id(action))
        modal = ModalContext(entry_id=draft.entry_id, response_url=_ephemeral_url(body))
        deps.gateway.open_view(body["trigger_id"], entry_modal(modal, draft=draft))

    guarded(respond, context, work)


def sharing(shareable: bool) -> Button:
    """A sharing button: it sets the state it names, so a double click or a replayed one changes nothing more."""

    def run(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        deps = deps_of(context)

        def work() -> None:
            value = read_sharing_value(action.get("value"))
            if value is None:
                raise UserFacingError(entries.NOT_YOURS)
            entry_id, revision = value
            with deps.session_factory.begin() as session:
                filed = entries.set_sharing(session, *actor(context), entry_id, shareable, revision, deps.clock())
            _show_in_place(deps, body, respond, context, filed)

        guarded(respond, context, work)
        refresh_home(deps, *actor(context), looking=in_home(body))

    return run


def delete(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Delete the entry (Slack keeps the DM itself)."""
    deps = deps_of(context)

    def work() -> None:
        with deps.session_factory.begin() as session:
            removed = entries.remove(session, *actor(context), _entry_id(action))
        _show_in_place(deps, body, respond, context, removed)

    guarded(respond, context, work)
    refresh_home(deps, *actor(context), looking=in_home(body))


def _entry_id(action: dict[str, Any]) -> int:
    entry_id = parse_id(action.get("value"))
    if entry_id is None:
        raise UserFacingError(entries.NOT_YOURS)
    return entry_id


def _ephemeral_url(body: dict[str, Any]) -> str | None:
    """The response_url, when the button sat on an ephemeral message (which only it can update)."""
    return body.get("response_url") if (body.get("container") or {}).get("is_ephemeral") else None


def _show_in_place(
    deps: AppDeps, body: dict[str, Any], respond: Respond, context: BoltContext, shown: Filed | Removed
) -> None:
    """Redraw the message the button was on."""
    if _ephemeral_url(body):
        text, blocks = logged_message(shown) if isinstance(shown, Filed) else deleted_message(shown)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)
    elif isinstance(shown, Filed):
        show_filed(deps, actor(context)[0], shown, actor(context)[1])
    else:
        show_removed(deps, actor(context)[0], shown)
