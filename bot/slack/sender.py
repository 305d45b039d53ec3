"""The Sender port over slack_sdk's WebClient, with Slack's errors mapped to ours."""

from __future__ import annotations

import urllib.error
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.services.ports import Posted, RateLimited, SlackError, SlackProfile, Transient, Unreachable
from bot.services.prompts import OutgoingPrompt
from bot.slack.blocks.prompt import METADATA_EVENT, prompt_message, prompt_metadata

UNREACHABLE = frozenset(
    {
        "account_inactive",
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


def make_client(token: str | None, api_url: str, timeout: int = 10) -> WebClient:
    """A WebClient for the given API base URL (Slack's own, or a test server)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout)


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
    if code in UNREACHABLE:
        return Unreachable(code)
    return SlackError(code)


class SlackSender:
    """Implements services.ports.Sender with a WebClient."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

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
        )

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
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

    def delete_message(self, channel: str, ts: str) -> None:
        """chat.delete."""
        call_slack(lambda: self.client.chat_delete(channel=channel, ts=ts))

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """views.open."""
        call_slack(lambda: self.client.views_open(trigger_id=trigger_id, view=view))

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """chat.update."""
        call_slack(lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks))

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """views.publish."""
        call_slack(lambda: self.client.views_publish(user_id=user_id, view=view))

    def post_prompt(self, prompt: OutgoingPrompt) -> Posted:
        """Post a prompt to the lead (a user id as channel posts in the app's DM)."""
        text, blocks = prompt_message(prompt)
        return self.post_message(prompt.user_id, text, blocks, prompt_metadata(prompt.delivery_id))

    def open_dm(self, user_id: str) -> str:
        """conversations.open for a one-to-one DM."""
        response = call_slack(lambda: self.client.conversations_open(users=user_id))
        channel: dict[str, Any] = response.get("channel") or {}
        return str(channel["id"])

    def find_prompt(self, channel: str, delivery_id: int) -> Posted | None:
        """Look through the DM's recent history for the prompt of this delivery."""
        response = call_slack(
            lambda: self.client.conversations_history(channel=channel, limit=50, include_all_metadata=True)
        )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("delivery_id") == delivery_id:
                return Posted(channel=channel, ts=str(message["ts"]))
        return None
