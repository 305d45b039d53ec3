"""The entry's buttons (change categories, share, delete), the prompt's Answer button, and the entry modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond

from bot.services import entries
from bot.services.entries import Filed, Removed
from bot.services.errors import UserFacingError
from bot.slack.blocks.entries import (
    CATEGORIES_BLOCK,
    DELETE_ACTION,
    EDIT_ACTION,
    LEGACY_TOGGLE_ACTION,
    MODAL_CALLBACK,
    PRIVATE_ACTION,
    SHARE_ACTION,
    TEXT_BLOCK,
    ModalContext,
    deleted_message,
    entry_modal,
    logged_message,
    read_sharing_value,
    read_submission,
)
from bot.slack.blocks.prompt import ANSWER_ACTION
from bot.slack.deps import AppDeps
from bot.slack.flows import new_entry_modal
from bot.slack.handling import friendly_message, on_failure_tell, tell_in_dm
from bot.slack.homes import in_home, refresh_home
from bot.slack.logged import show_filed, show_removed
from bot.slack.payloads import actor, parse_id, text_of


def register(app: App, deps: AppDeps) -> None:
    """Register the entry buttons, the Answer button and the modal's submission."""

    def ack_now(ack: Ack) -> None:
        ack()

    def tell(context: BoltContext, respond: Respond, work: Callable[[], None]) -> None:
        """Run a button's work; a failure is told where the button was, or in the DM for one in App Home."""
        on_failure_tell(respond, work, dm=lambda text: tell_in_dm(deps, *actor(context), text))

    def answer(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        prompt_text = text_of(body.get("message"), "text") or None
        modal = ModalContext(delivery_id=parse_id(action.get("value")))

        def work() -> None:
            deps.gateway.open_view(body["trigger_id"], new_entry_modal(deps, *actor(context), modal, prompt_text))

        tell(context, respond, work)

    def edit(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        def work() -> None:
            with deps.session_factory.begin() as session:
                draft = entries.draft(session, *actor(context), _entry_id(action))
            modal = ModalContext(entry_id=draft.entry_id, response_url=_ephemeral_url(body))
            deps.gateway.open_view(body["trigger_id"], entry_modal(modal, draft=draft))

        tell(context, respond, work)

    def sharing(shareable: bool) -> Callable[[dict[str, Any], dict[str, Any], Respond, BoltContext], None]:
        """A sharing button: it sets the state it names, so a double click or a replayed one changes nothing more."""

        def run(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
            def work() -> None:
                value = read_sharing_value(action.get("value"))
                if value is None:
                    raise UserFacingError(entries.NOT_YOURS)
                entry_id, revision = value
                with deps.session_factory.begin() as session:
                    filed = entries.set_sharing(session, *actor(context), entry_id, shareable, revision, deps.clock())
                _show_in_place(deps, body, respond, context, filed)

            tell(context, respond, work)
            refresh_home(deps, *actor(context), looking=in_home(body))

        return run

    def delete(body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        def work() -> None:
            with deps.session_factory.begin() as session:
                removed = entries.remove(session, *actor(context), _entry_id(action))
            _show_in_place(deps, body, respond, context, removed)

        tell(context, respond, work)
        refresh_home(deps, *actor(context), looking=in_home(body))

    def submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        modal = ModalContext.load(view.get("private_metadata"))
        field = CATEGORIES_BLOCK if modal.entry_id is not None else TEXT_BLOCK
        try:
            text, categories, shareable = read_submission((view.get("state") or {}).get("values") or {})
            team_id, user_id = actor(context)
            with deps.session_factory.begin() as session:
                if modal.entry_id is not None:
                    filed = entries.correct(
                        session,
                        deps.rules,
                        team_id,
                        user_id,
                        modal.entry_id,
                        categories,
                        shareable,
                        modal.revision,
                        deps.clock(),
                    )
                else:
                    filed = entries.log_entry(
                        session,
                        deps.rules,
                        team_id=team_id,
                        user_id=user_id,
                        text=text or "",
                        source="modal",
                        default_timezone=deps.settings.timezone,
                        now=deps.clock(),
                        delivery_id=modal.delivery_id,
                        categories=categories,
                        shareable=shareable,
                    )
        except Exception as error:  # the modal stays open with the reason, and nothing was saved
            ack(response_action="errors", errors={field: friendly_message(error)})
            return
        context["filed"] = filed
        ack()

    def confirm(view: dict[str, Any], context: BoltContext) -> None:
        filed = context.get("filed")
        if not isinstance(filed, Filed):
            return
        url = ModalContext.load(view.get("private_metadata")).response_url
        if url and not _trusted(url, deps.settings.slack_api_url):
            url = None
        if url and not filed.ack_ts:  # started from a slash command or an ephemeral message: answer there
            text, blocks = logged_message(filed)
            Respond(response_url=url)(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)
        else:
            show_filed(deps, *actor(context), filed, actor(context)[1])
        refresh_home(deps, *actor(context))

    app.action(ANSWER_ACTION)(ack=ack_now, lazy=[answer])
    app.action(EDIT_ACTION)(ack=ack_now, lazy=[edit])
    app.action(SHARE_ACTION)(ack=ack_now, lazy=[sharing(True)])
    app.action(PRIVATE_ACTION)(ack=ack_now, lazy=[sharing(False)])
    app.action(LEGACY_TOGGLE_ACTION)(ack=ack_now, lazy=[sharing(False)])  # its message never said what it set
    app.action(DELETE_ACTION)(ack=ack_now, lazy=[delete])
    app.view_submission(MODAL_CALLBACK)(ack=submit, lazy=[confirm])


def _entry_id(action: dict[str, Any]) -> int:
    entry_id = parse_id(action.get("value"))
    if entry_id is None:
        raise UserFacingError(entries.NOT_YOURS)
    return entry_id


def _trusted(url: str, api_url: str) -> bool:
    """A response_url Slack (or the configured API server) issued: private_metadata comes back from the client."""
    where = urlsplit(url)
    return (where.scheme, where.netloc) == ("https", "hooks.slack.com") or where.netloc == urlsplit(api_url).netloc


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
        show_filed(deps, *actor(context), shown, actor(context)[1])
    else:
        show_removed(deps, actor(context)[0], shown)
