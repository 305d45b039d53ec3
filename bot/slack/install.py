"""Distributed mode's "Add to Slack": the install page, the OAuth redirect that stores a workspace's installation,
the pages that say how it went, and the installer's welcome DM. Built on slack_bolt's OAuth flow."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.tokens import SerialRotator, WorkspaceTokens
from bot.services import workspaces
from bot.slack.blocks.kit import section
from bot.slack.deps import AppDeps
from bot.store.installations import EncryptedInstallationStore, OAuthStates

logger = logging.getLogger(__name__)

# The bot scopes of manifest.yml, asked for by the install link (tests/test_package.py keeps them equal).
BOT_SCOPES = (
    "chat:write",
    "commands",
    "im:history",
    "im:write",
    "users:read",
    "files:write",
    "channels:read",
    "groups:read",
    "channels:join",
    "channels:history",
    "groups:history",
)
WELCOME = (
    "Thanks for adding Lead Coach to your workspace. Type `/coach start` and I'll send you one short reflection "
    "prompt at the end of each workday. As the person who installed me, you can also choose where the weekly team "
    "digest goes: `/coach digest #channel` (it only ever shows what its authors marked shareable)."
)
FAILURES = {
    "access_denied": (200, "Lead Coach was not installed", "You chose not to install it. Nothing was stored."),
    "invalid_browser": (400, "This install link has expired", "Start again from the install page."),
    "invalid_state": (400, "This install link has expired or was already used", "Start again from the install page."),
    "missing_code": (400, "Slack didn't send an install code", "Start again from the install page."),
    "invalid_code": (400, "Slack didn't confirm the install", "Nothing was stored. Start again from the install page."),
    "storage_error": (503, "The install couldn't be saved", "Nothing was stored. Please try again in a minute."),
}
LATER = "Its database doesn't answer just now. Please try again in a minute."
OTHER_FAILURE = (400, "Lead Coach was not installed", "Nothing was stored. Start again from the install page.")


@dataclass(frozen=True)
class Installs:
    """Distributed mode's parts: the encrypted installation store, the one-time states, each workspace's token."""

    client_id: str
    client_secret: str
    store: EncryptedInstallationStore
    states: OAuthStates
    tokens: WorkspaceTokens

    def serves(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Whether a request from this workspace (of this organization) has an installation to act with."""
        if self.store.find_bot(enterprise_id=enterprise_id, team_id=team_id) is not None:
            return True
        org_wide = enterprise_id is not None and self.store.find_bot(
            enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
        )
        return bool(org_wide)


def make_installs(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], client: WebClient
) -> Installs:
    """Distributed mode's parts on this database; `client` (no token, SLACK_API_URL) refreshes tokens."""
    assert settings.client_id is not None
    assert settings.client_secret is not None
    store = EncryptedInstallationStore(settings.client_id, engine, settings.encryption_keys)
    rotator = SerialRotator(store, client_id=settings.client_id, client_secret=settings.client_secret, client=client)
    tokens = WorkspaceTokens(store, session_factory, rotator, settings.slack_api_url)
    return Installs(settings.client_id, settings.client_secret, store, OAuthStates(engine), tokens)


class InstallFlow(OAuthFlow):
    """Bolt's OAuth flow with our pages; a stored installation also records the workspace and welcomes the
    installer, or nothing is kept at all."""

    def __init__(self, deps: AppDeps, installs: Installs, client: WebClient) -> None:
        settings = OAuthSettings(
            client_id=installs.client_id,
            client_secret=installs.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            installation_store=installs.store,
            state_store=installs.states,
            callback_options=CallbackOptions(success=_installed_page, failure=_failure_page),
            logger=logger,
        )
        super().__init__(client=client, settings=settings, logger=logger)
        self.deps = deps

    def handle_installation(self, request: BoltRequest) -> BoltResponse:
        """The install page; without the database (its state is stored there) a page that says to come back."""
        try:
            return super().handle_installation(request)
        except SQLAlchemyError as error:
            logger.warning("the install page could not be shown (%s)", type(error).__name__)
            return _response(503, _page("Lead Coach can't be installed right now", f"<p>{html.escape(LATER)}</p>"))

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        """The "Add to Slack" page: its link carries our scopes and a state good once."""
        button = f'<p><a class="add" href="{html.escape(url)}">Add to Slack</a></p>'
        return _page("Add Lead Coach to Slack", f"<p>{html.escape(ABOUT)}</p>{button}")

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        """Keep the installation, record its workspace and queue the welcome DM; a failure keeps none of it."""
        try:
            self.settings.installation_store.save(installation)
            self._record(installation)
        except SQLAlchemyError as error:
            logger.warning("an installation could not be stored (%s)", type(error).__name__)
            self._forget(installation)
            raise BoltError("storage_error") from None
        self.deps.courier.wake()

    def _record(self, installation: Installation) -> None:
        team_id, deps = installation.team_id, self.deps
        if team_id is None:  # an org-wide install: each workspace is recorded when its first request comes
            return
        install = workspaces.Install(
            team_id=team_id,
            name=installation.team_name,
            timezone=deps.settings.timezone,
            digest_channel=deps.settings.digest_channel,
            installer=installation.user_id,
            enterprise_id=installation.enterprise_id,
        )
        now = deps.clock()
        with deps.session_factory.begin() as session:
            workspaces.installed(session, install, now)
            outbox.message(session, team_id, installation.user_id, WELCOME, [section(WELCOME)], now)

    def _forget(self, installation: Installation) -> None:
        try:
            self.settings.installation_store.delete_installation(
                enterprise_id=installation.enterprise_id, team_id=installation.team_id
            )
            self.settings.installation_store.delete_bot(
                enterprise_id=installation.enterprise_id, team_id=installation.team_id
            )
        except SQLAlchemyError:  # the database is down: it held nothing of this install either
            logger.warning("a half-stored installation could not be removed; the next install replaces it")


def organization_recorder(deps: AppDeps) -> Callable[[BoltContext, Callable[[], BoltResponse]], BoltResponse]:
    """A middleware that records, once per process, which organization a workspace served by an org-wide install
    belongs to: the worker finds the organization's token for it from that."""
    recorded: set[str] = set()

    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        team_id, enterprise_id = context.team_id, context.enterprise_id
        if context.is_enterprise_install and team_id and enterprise_id and team_id not in recorded:
            with deps.session_factory.begin() as session:  # its own unit of work, done before the listener runs
                workspaces.joined_organization(session, team_id, enterprise_id, deps.settings.timezone)
            recorded.add(team_id)
        return next()

    return middleware


ABOUT = (
    "Lead Coach sends each technical lead one short reflection prompt at the end of their workday and keeps score "
    "of the leadership work that leaves no commit behind. Adding it asks Slack for the permissions it needs to "
    "message leads, read their replies in its DM and post the weekly digest in the channel your workspace chooses."
)


def _installed_page(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.enterprise_name or "your workspace"
    body = (
        f"<p>Lead Coach is now in {html.escape(where)}.</p>"
        "<ol><li>Open Slack: I've sent you a direct message.</li>"
        "<li>Type <code>/coach start</code> to get your first reflection prompt at the end of your workday.</li>"
        "<li>Choose where the weekly team digest goes: <code>/coach digest #channel</code>.</li></ol>"
        "<p>Anyone in the workspace can start with <code>/coach start</code>. You can close this page.</p>"
    )
    return _response(200, _page("Lead Coach is installed", body))


def _failure_page(args: FailureArgs) -> BoltResponse:
    status, title, advice = FAILURES.get(args.reason, OTHER_FAILURE)
    logger.info("an install ended without an installation: %s", args.reason)
    install = html.escape(args.settings.install_path)
    body = f'<p>{html.escape(advice)}</p><p><a href="{install}">Go to the install page</a></p>'
    return _response(status, _page(title, body))


def _response(status: int, page: str) -> BoltResponse:
    return BoltResponse(status=status, body=page, headers={"Content-Type": "text/html; charset=utf-8"})


def _page(title: str, body: str) -> str:
    """A small self-contained HTML page."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
        "line-height:1.5;color:#24333f}a.add{display:inline-block;padding:.6rem 1.2rem;background:#4a154b;"
        "color:#fff;border-radius:.4rem;text-decoration:none}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
