"""The Sender port over slack_sdk's WebClient, with Slack's errors mapped to ours."""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from jinja2 import Environment
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.coaching.mentions import mentioned_users
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
from bot.services.prompts import OutgoingPrompt
from bot.services.scorecards import OutgoingDigest, OutgoingSummary
from bot.slack.blocks.prompt import METADATA_EVENT, delivery_metadata, prompt_message
from bot.slack.blocks.scorecard import chart_bars, digest_message, scorecard_message, span
from bot.slack.chart import bar_chart_png
from bot.slack.text import make_environment, render

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


def make_client(token: str | None, api_url: str, timeout: int = 10) -> WebClient:
    """A WebClient for the given API base URL (Slack's own, or a test server)."""
    # No automatic re-send after a dropped connection: Slack may have posted already, and only the tick knows
    # to look for the message before posting it again.
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])


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


class SlackSender:
    """Implements services.ports.Sender with a WebClient."""

    def __init__(self, client: WebClient, templates: Environment | None = None) -> None:
        self.client = client
        self.templates = templates or make_environment()
        self._charts: dict[int, bool] = {}  # delivery id -> chart uploaded, while its message is being posted

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

    def upload_file(self, channel: str, filename: str, content: bytes, title: str, comment: str) -> None:
        """files_upload_v2 into a channel (getUploadURLExternal, the upload, completeUploadExternal)."""
        call_slack(
            lambda: self.client.files_upload_v2(
                channel=channel,
                content=content,
                filename=filename,
                title=title,
                initial_comment=comment,
                request_file_info=False,
            )
        )

    def post_prompt(self, prompt: OutgoingPrompt) -> Posted:
        """Post a prompt to the lead (a user id as channel posts in the app's DM)."""
        text, blocks = prompt_message(prompt)
        return self.post_message(prompt.user_id, text, blocks, delivery_metadata(prompt.delivery_id))

    def open_dm(self, user_id: str) -> str:
        """conversations.open for a one-to-one DM."""
        response = call_slack(lambda: self.client.conversations_open(users=user_id))
        channel: dict[str, Any] = response.get("channel") or {}
        return str(channel["id"])

    def find_delivery(self, channel: str, delivery_id: int) -> Posted | None:
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

    def post_summary(self, summary: OutgoingSummary) -> Posted:
        """The chart first (best effort, first attempt only), then the scorecard; the text chart stands in."""
        channel = summary.dm_channel or self.open_dm(summary.user_id)
        card = summary.scorecard
        uploaded = self._charts.get(summary.delivery_id)
        if uploaded is None:
            # Once per delivery, and never on a re-attempt after a crash: a second chart is worse than the text one.
            uploaded = summary.attempts == 1 and not card.is_empty and self._upload_chart(channel, summary)
            self._charts[summary.delivery_id] = uploaded
        names = self._names(summary.names, (m.text for m in card.highlights))
        text, blocks = scorecard_message(self.templates, summary, names, chart_uploaded=uploaded)
        posted = self.post_message(channel, text, blocks, delivery_metadata(summary.delivery_id))
        self._charts.pop(summary.delivery_id, None)
        return posted

    def _upload_chart(self, channel: str, summary: OutgoingSummary) -> bool:
        title = f"Your week, {span(summary.first_day, summary.last_day)}"
        try:
            png = bar_chart_png(title, chart_bars(summary.scorecard))
            call_slack(
                lambda: self.client.files_upload_v2(
                    channel=channel,
                    content=png,
                    filename=f"scorecard-{summary.scorecard.week}.png",
                    title=title,
                    alt_txt="Bar chart of this week's moments by category, against last week",
                    request_file_info=False,
                )
            )
        except Exception as error:  # the chart is a nicety: any failure falls back to the text chart
            logger.warning("chart for delivery %d not uploaded (%s): text chart instead", summary.delivery_id, error)
            return False
        return True

    def post_digest(self, digest: OutgoingDigest) -> Posted:
        """Post the digest; a public channel the bot left is joined again, anything else tells whoever set it."""
        names = self._names(digest.names, (m.text for m in digest.digest.shared))
        text, blocks = digest_message(self.templates, digest, names)

        def post() -> Posted:
            return self.post_message(digest.channel, text, blocks, delivery_metadata(digest.delivery_id))

        try:
            return post()
        except Unreachable as refused:
            access = self.channel_access(digest.channel) if refused.code == "not_in_channel" else None
            if access is not None and access.can_post:
                return post()
            if digest.notify:
                reason = access.reason if access else "hidden"
                note = render(self.templates, "digest_blocked.md.j2", channel=digest.channel, reason=reason)
                self.post_message(digest.notify, note, None)
            raise

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

    def _names(self, known: dict[str, str], texts: Iterable[str]) -> dict[str, str]:
        """Names for every user mentioned in the texts: our leads' from the database, the rest from users.info."""
        names = dict(known)
        for user_id in mentioned_users(texts) - set(names):
            try:
                names[user_id] = self.user_profile(user_id).display_name
            except SlackError:
                continue  # shown as "@someone": a missing name never stops a scorecard
        return names
