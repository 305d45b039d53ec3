"""What services need from Slack, as a small interface; bot/slack implements it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.services.prompts import OutgoingPrompt


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


@dataclass(frozen=True)
class Posted:
    """Where a message landed."""

    channel: str
    ts: str


class SlackError(Exception):
    """Slack answered with an error; `code` is Slack's error string."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Unreachable(SlackError):
    """The person or channel cannot be reached (deactivated, gone, not allowed): do not retry."""


class RateLimited(SlackError):
    """Slack said 429; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("ratelimited")
        self.retry_after = retry_after


class Transient(SlackError):
    """A 5xx, a timeout or a dropped connection: worth a retry with backoff."""


class Sender(Protocol):
    """The Slack Web API calls services make."""

    def user_profile(self, user_id: str) -> SlackProfile:
        """Look a user up (users.info)."""
        ...

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        metadata: dict[str, Any] | None = None,
        thread_ts: str | None = None,
    ) -> Posted:
        """Post a message (in a thread when `thread_ts` is given); a user id as channel means the app's DM."""
        ...

    def delete_message(self, channel: str, ts: str) -> None:
        """Delete a message we posted."""
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

    def post_prompt(self, prompt: OutgoingPrompt) -> Posted:
        """Post a daily prompt to the lead's DM, tagged so it can be found again."""
        ...

    def find_prompt(self, channel: str, delivery_id: int) -> Posted | None:
        """A prompt already posted in this DM for this delivery, if any (for recovery after a crash)."""
        ...

    def open_dm(self, user_id: str) -> str:
        """The id of the app's DM channel with this user (conversations.open)."""
        ...
