"""What services need from Slack, as a small interface; bot/slack implements it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class SlackProfile:
    """The parts of a Slack user's profile the coach uses."""

    user_id: str
    display_name: str
    tz: str | None
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    team_id: str | None = None  # another workspace's for someone from outside (Slack Connect)


@dataclass(frozen=True)
class Posted:
    """Where a message landed."""

    channel: str
    ts: str


@dataclass(frozen=True)
class ChannelAccess:
    """What the bot may do in a channel: `reason` says why it can't post, if it can't."""

    name: str
    is_private: bool
    can_post: bool
    reason: str | None = None  # "private" | "no_join_scope" | "hidden" (private and not invited, or gone)


class SlackError(Exception):
    """Slack answered with an error; `code` is Slack's error string."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Unreachable(SlackError):
    """The person or channel cannot be reached (deactivated, gone, not allowed): do not retry."""


class WorkspaceGone(SlackError):
    """Slack no longer accepts our token for the workspace (uninstalled, revoked): stop sending there."""


class RateLimited(SlackError):
    """Slack said 429; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("ratelimited")
        self.retry_after = retry_after


class Transient(SlackError):
    """A 5xx, a timeout or a dropped connection: worth a retry with backoff."""


class Gateway(Protocol):
    """The Slack Web API calls the app makes: transport only (the delivery service decides what and when)."""

    def user_profile(self, user_id: str) -> SlackProfile:
        """Look a user up (users.info)."""
        ...

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> Posted:
        """Post a message (in a thread when `thread_ts` is given); a user id as channel means the app's DM."""
        ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal in answer to a button or command (views.open)."""
        ...

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Replace a message we posted."""
        ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish someone's App Home view."""
        ...

    def upload_file(
        self, channel: str, filename: str, content: bytes, title: str, *, comment: str | None = None, alt_text: str = ""
    ) -> None:
        """Share a file in a channel (a DM channel id for a lead's export), with a comment or an alt text."""
        ...

    def find_delivery(self, channel: str, delivery_id: int, thread_ts: str | None = None) -> Posted | None:
        """A message already posted in this channel (or thread) for this delivery, if any (recovery after a crash)."""
        ...

    def channel_access(self, channel: str) -> ChannelAccess:
        """Whether the bot can post in a channel, joining a public one if it may."""
        ...

    def open_dm(self, user_id: str) -> str:
        """The id of the app's DM channel with this user (conversations.open)."""
        ...
