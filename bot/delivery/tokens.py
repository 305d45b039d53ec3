"""Distributed mode: each workspace's bot token, from its installation, refreshed before it expires, so every
send to a workspace goes out with that workspace's own token."""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.gateway import SlackGateway, make_client, translate
from bot.services.ports import Gateway, SlackError, WorkspaceGone
from bot.store.installations import EncryptedInstallationStore, UnreadableToken
from bot.store.leads import get_workspace

REFRESH_MINUTES = 120  # a rotating token is refreshed this long before it expires (Bolt's default for requests)


class SerialRotator(TokenRotator):
    """slack_sdk's token rotator, one refresh at a time per workspace in this process and always from the stored
    pair as it is now: a refresh token works once, so a second refresh of the same pair would be refused and
    take the workspace for uninstalled. Shared by the courier and Bolt's authorization of requests; a refresh
    refused because another process refreshed the pair first takes that process's new pair."""

    def __init__(self, store: EncryptedInstallationStore, *, client_id: str, client_secret: str, client: WebClient):
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.store = store
        self._locks: dict[tuple[str | None, str | None], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def perform_token_rotation(
        self, *, installation: Installation, minutes_before_expiration: int = REFRESH_MINUTES
    ) -> Installation | None:
        """The refreshed installation, stored, or the one another thread just refreshed; None if none is due."""
        with self._locks_guard:
            lock = self._locks.setdefault((installation.enterprise_id, installation.team_id), threading.Lock())
        with lock:
            current = self._stored(installation)
            if current is None:  # uninstalled meanwhile
                return None
            try:
                refreshed = super().perform_token_rotation(
                    installation=current, minutes_before_expiration=minutes_before_expiration
                )
            except SlackTokenRotationError:
                # Another process may have used the same refresh token a moment ago: then its new pair is stored.
                latest = self._stored(installation)
                if latest is None or latest.bot_refresh_token == current.bot_refresh_token:
                    raise
                return latest
            if refreshed is not None:
                self.store.save(refreshed)
                return refreshed
            return current if current.bot_token != installation.bot_token else None

    def _stored(self, installation: Installation) -> Installation | None:
        return self.store.find_installation(
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            is_enterprise_install=installation.is_enterprise_install,
        )


class WorkspaceTokens:
    """Finds a workspace's installation (its own, or its organization's org-wide one) and hands out a client with
    its bot token, refreshing the token first when it is about to expire and storing the new pair."""

    def __init__(
        self,
        store: EncryptedInstallationStore,
        session_factory: sessionmaker[Session],
        rotator: SerialRotator,
        api_url: str,
    ) -> None:
        self.store = store
        self.session_factory = session_factory
        self.rotator = rotator
        self.api_url = api_url

    def installation(self, team_id: str) -> Installation | None:
        """The installation whose token serves this workspace, if there is one."""
        with self.session_factory() as session:
            workspace = get_workspace(session, team_id)
            enterprise_id = workspace.enterprise_id if workspace is not None else None
        found = self.store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
        if found is None and enterprise_id is not None:
            found = self.store.find_installation(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
        return found

    def client(self, team_id: str) -> WebClient:
        """A client with the workspace's current bot token; WorkspaceGone when it has none (never installed,
        uninstalled, or its refresh token refused), another SlackError when the refresh failed for now."""
        installation = self.installation(team_id)
        if installation is None or installation.bot_token is None:
            raise WorkspaceGone("not_installed")
        try:
            refreshed = self.rotator.perform_token_rotation(installation=installation)
        except SlackTokenRotationError as error:
            failure = translate(error.api_error)
            raise WorkspaceGone(failure.code) if failure.code == "invalid_refresh_token" else failure from None
        installation = refreshed or installation
        token = installation.bot_token
        assert token is not None
        return make_client(token, self.api_url, team_id=team_id if installation.is_enterprise_install else None)

    def gateway(self, team_id: str) -> Gateway:
        """The workspace's gateway: its client is looked up as each call starts (outside any transaction)."""
        return SlackGateway(lambda: self._client_or_refusal(team_id))

    def _client_or_refusal(self, team_id: str) -> WebClient:
        try:
            return self.client(team_id)
        except UnreadableToken as error:  # the operator dropped a key too soon: nothing can be sent there
            raise SlackError("unreadable_token") from error
