"""The Slack gateway: Web API calls over slack_sdk's WebClient, with Slack's errors mapped to ours. No rendering,
no policy: the delivery service decides what to send, and when."""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.services.ports import (
    ChannelAccess,
    Posted,
    RateLimited,
    SlackError,
    SlackProfile,
    Transient,
    Unreachable,
    WorkspaceGone,
)
from bot.slack.blocks.prompt import METADATA_EVENT

logger = logging.getLogger(__name__)

TOKEN_GONE = frozenset({"token_revoked", "invalid_auth", "not_authed", "account_inactive", "team_disabled"})
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "is_archived",
        "not_in_channel",
        "restricted_action",
    }
)

T = TypeVar("T")


def make_client(token: str | None, api_url: str, timeout: int = 10, *, team_id: str | None = None) -> WebClient:
    """A WebClient for the given API base URL (Slack's own, or a test server); with `team_id`, for an org-wide
    token acting in that workspace of its organization."""
    # No automatic re-send after a dropped connection: Slack may have posted already, and only the courier knows
    # to look for the message before posting it again.
    if team_id is not None:
        return OrganizationClient(team_id, token=token, base_url=api_url, timeout=timeout, retry_handlers=[])
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])


class OrganizationClient(WebClient):
    """A client with an Enterprise Grid org-wide token: every call names the workspace it acts in. Slack needs
    team_id from org-wide apps on some methods and accepts it on all (it ignores it with a workspace's token)."""

    def __init__(self, team_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.team_id = team_id

    def api_call(
        self,
        api_method: str,
        *,
        json: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> SlackResponse:
        """The call, with team_id among its arguments (however slack_sdk sends them)."""
        if json is not None:
            json = {"team_id": self.team_id, **json}
        elif data is not None:
            data = {"team_id": self.team_id, **data}
        else:
            params = {"team_id": self.team_id, **(params or {})}
        return super().api_call(api_method, json=json, data=data, params=params, **kwargs)


def call_slack(call: Callable[[], T]) -> T:
    """Run one Web API call and translate its failure into a SlackError subclass."""
    try:
        return call()
    except SlackApiError as error:
        raise translate(error) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise Transient("connection_error") from error


def translate(error: SlackApiError) -> SlackError:
    """Map a SlackApiError to a retry decision."""
    response = error.response
    if response.status_code == 429:
        return RateLimited(float(response.headers.get("Retry-After", "1") or 1))
    if response.status_code >= 500:
        return Transient(f"http_{response.status_code}")
    code = str(response.get("error", "unknown_error"))
    if code == "ratelimited":
        return RateLimited(1.0)
    if code in TOKEN_GONE:
        return WorkspaceGone(code)
    if code in UNREACHABLE:
        return Unreachable(code)
    return SlackError(code)


class SlackGateway:
    """Implements services.ports.Gateway with a WebClient, or with a way to get one: a workspace's client in
    distributed mode is looked up (and its token refreshed) as each call starts, so a workspace that is gone fails
    that call, on the careful path, rather than whoever asked for its gateway."""

    def __init__(self, client: WebClient | Callable[[], WebClient]) -> None:
        self._client_of: Callable[[], WebClient] = (lambda: client) if isinstance(client, WebClient) else client

    @property
    def client(self) -> WebClient:
        """The client this call goes out with."""
        return self._client_of()

    def user_profile(self, user_id: str) -> SlackProfile:
        """users.info, reduced to what the coach uses."""
        response = call_slack(lambda: self.client.users_info(user=user_id))
        user: dict[str, Any] = response.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return SlackProfile(
            user_id=user_id,
            display_name=str(name or user_id),
            tz=user.get("tz"),
            is_admin=bool(user.get("is_admin")),
            is_owner=bool(user.get("is_owner")),
            is_bot=bool(user.get("is_bot")),
            deleted=bool(user.get("deleted")),
            team_id=user.get("team_id"),
        )

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> Posted:
        """chat.postMessage; returns the channel (D… for a DM) and ts."""
        response: SlackResponse = call_slack(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata, thread_ts=thread_ts
            )
        )
        return Posted(channel=str(response["channel"]), ts=str(response["ts"]))

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """views.open."""
        call_slack(lambda: self.client.views_open(trigger_id=trigger_id, view=view))

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """chat.update."""
        call_slack(lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks))

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """views.publish."""
        call_slack(lambda: self.client.views_publish(user_id=user_id, view=view))

    def upload_file(
        self, channel: str, filename: str, content: bytes, title: str, *, comment: str | None = None, alt_text: str = ""
    ) -> None:
        """files_upload_v2 into a channel (getUploadURLExternal, the upload, completeUploadExternal)."""
        extra: dict[str, Any] = {"initial_comment": comment} if comment else {"alt_txt": alt_text}
        call_slack(
            lambda: self.client.files_upload_v2(
                channel=channel, content=content, filename=filename, title=title, request_file_info=False, **extra
            )
        )

    def open_dm(self, user_id: str) -> str:
        """conversations.open for a one-to-one DM."""
        response = call_slack(lambda: self.client.conversations_open(users=user_id))
        channel: dict[str, Any] = response.get("channel") or {}
        return str(channel["id"])

    def find_delivery(self, channel: str, delivery_id: int, thread_ts: str | None = None) -> Posted | None:
        """Look through the channel's recent history (or the thread's replies) for the message of this delivery."""
        if thread_ts is None:
            response = call_slack(
                lambda: self.client.conversations_history(channel=channel, limit=50, include_all_metadata=True)
            )
        else:
            try:
                response = call_slack(
                    lambda: self.client.conversations_replies(
                        channel=channel, ts=thread_ts, limit=200, include_all_metadata=True
                    )
                )
            except SlackError as error:
                if error.code == "thread_not_found":  # no such thread (yet): nothing was posted in it
                    return None
                raise
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("delivery_id") == delivery_id:
                return Posted(channel=channel, ts=str(message["ts"]))
        return None

    def channel_access(self, channel: str) -> ChannelAccess:
        """conversations.info, then conversations.join for a public channel the bot is not in."""
        try:
            info: dict[str, Any] = call_slack(lambda: self.client.conversations_info(channel=channel))["channel"]
        except Unreachable:  # Slack hides private channels the bot is not in: same answer as a deleted one
            return ChannelAccess(name=channel, is_private=True, can_post=False, reason="hidden")
        name, private = str(info.get("name") or channel), bool(info.get("is_private"))
        if info.get("is_member"):
            return ChannelAccess(name, private, can_post=True)
        if private:
            return ChannelAccess(name, private, can_post=False, reason="private")
        try:
            call_slack(lambda: self.client.conversations_join(channel=channel))
        except (Transient, RateLimited):
            raise  # worth another try later, not a reason to tell anyone
        except SlackError as error:  # missing_scope without channels:join, or a channel that refuses apps
            logger.info("cannot join %s: %s", channel, error.code)
            return ChannelAccess(name, private, can_post=False, reason="no_join_scope")
        return ChannelAccess(name, private, can_post=True)
