"""Test helpers: signed Slack requests into the real app, and a clock tests can move."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.delivery.courier import Courier
from bot.store.models import Delivery, Status

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0TEAM"

_event_ids = count(1)


@dataclass
class Clock:
    """A settable clock for the app under test."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def settings_for(api_url: str, database_url: str, post_rate: int = 100_000) -> Settings:
    """Settings pointing at the test Slack server and database (unpaced unless a test paces)."""
    return Settings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=None,
        slack_api_url=api_url,
        database_url=database_url,
        port=3000,
        timezone="UTC",
        digest_channel=None,
        post_rate=post_rate,
        log_level="INFO",
    )


def wait_until(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll `check` until it returns something truthy (lazy listeners finish after the request); return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def queue_settled(session_factory: sessionmaker[Session], now: datetime | None = None) -> bool:
    """Whether the courier has nothing queued or in hand (everything the app queued is sent, or given up); with
    `now`, what waits for a later instant (a scorecard held for the lead's morning) does not count."""
    with session_factory() as session:
        busy = select(Delivery.id).where(Delivery.status.in_((Status.QUEUED, Status.CLAIMED)))
        if now is not None:
            busy = busy.where(or_(Delivery.status == Status.CLAIMED, Delivery.next_attempt_at <= now))
        return session.scalars(busy.limit(1)).first() is None


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send with this body, signed with slack_sdk's SignatureVerifier."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"x-slack-request-timestamp": ts, "x-slack-signature": signature}


class SlackRequests:
    """Builds Slack-shaped payloads, signs them and dispatches them into a Bolt app."""

    def __init__(self, app: App, response_url: str, team_id: str = TEAM_ID) -> None:
        self.app = app
        self.response_url = response_url
        self.team_id = team_id

    def dispatch(self, body: str, content_type: str, extra_headers: dict[str, str] | None = None) -> BoltResponse:
        """Sign and dispatch a raw body."""
        headers = {"content-type": content_type, **signed_headers(body), **(extra_headers or {})}
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def command(self, command: str, text: str = "", user_id: str = "U0LEAD") -> BoltResponse:
        """A slash command."""
        form = {
            "token": "legacy",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0APP",
            "response_url": self.response_url,
            "trigger_id": f"trigger-{next(_event_ids)}",
        }
        return self.dispatch(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], event_id: str | None = None, retry_num: int | None = None) -> BoltResponse:
        """An Events API event_callback."""
        body = {
            "token": "legacy",
            "team_id": self.team_id,
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_event_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": "U0BOT", "is_bot": True}],
        }
        extra = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"} if retry_num else {}
        return self.dispatch(json.dumps(body), "application/json", extra)

    def interaction(self, payload: dict[str, Any]) -> BoltResponse:
        """An interactivity payload (block_actions, view_submission…), form-encoded as Slack sends it."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.dispatch(body, "application/x-www-form-urlencoded")

    def _actor(self, user_id: str) -> dict[str, Any]:
        """The fields every interactivity payload carries about who acted, and a fresh trigger id."""
        return {
            "team": {"id": self.team_id, "domain": "acme"},
            "user": {"id": user_id, "team_id": self.team_id, "username": user_id.lower()},
            "api_app_id": "A0APP",
            "token": "legacy",
            "trigger_id": f"trigger-{next(_event_ids)}",
        }

    def home_button(self, action_id: str, user_id: str = "U0LEAD", value: str = "") -> BoltResponse:
        """A click on a button in the Home tab."""
        return self.home_action({"type": "button", "action_id": action_id, "value": value}, user_id)

    def home_date(self, action_id: str, selected_date: str, user_id: str = "U0LEAD") -> BoltResponse:
        """A date picked in a datepicker in the Home tab."""
        return self.home_action({"type": "datepicker", "action_id": action_id, "selected_date": selected_date}, user_id)

    def home_action(self, action: dict[str, Any], user_id: str = "U0LEAD") -> BoltResponse:
        """An interactive element used in the Home tab."""
        return self.interaction(
            {
                "type": "block_actions",
                **self._actor(user_id),
                "container": {"type": "view", "view_id": "V0HOME"},
                "view": {"id": "V0HOME", "type": "home", "team_id": self.team_id},
                "actions": [{"block_id": "b", "action_ts": str(time.time()), **action}],
            }
        )

    def options(self, action_id: str, value: str, user_id: str = "U0LEAD") -> BoltResponse:
        """A type-ahead query from an external_select in a modal (block_suggestion)."""
        return self.interaction(
            {
                "type": "block_suggestion",
                **self._actor(user_id),
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "container": {"type": "view", "view_id": "V0MODAL"},
                "view": {"id": "V0MODAL", "type": "modal", "team_id": self.team_id},
            }
        )

    def message_button(
        self,
        action_id: str,
        value: str,
        *,
        channel: str,
        message_ts: str,
        user_id: str = "U0LEAD",
        message_text: str = "",
        ephemeral: bool = False,
    ) -> BoltResponse:
        """A click on a button in a message (ephemeral ones carry only a response_url to update them)."""
        return self.interaction(
            {
                "type": "block_actions",
                **self._actor(user_id),
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel,
                    "is_ephemeral": ephemeral,
                },
                "channel": {"id": channel},
                "message": {"ts": message_ts, "text": message_text, "type": "message"},
                "response_url": self.response_url,
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": "b",
                        "value": value,
                        "action_ts": str(time.time()),
                    }
                ],
            }
        )

    def view_submission(
        self, callback_id: str, values: dict[str, Any], private_metadata: str = "", user_id: str = "U0LEAD"
    ) -> BoltResponse:
        """A modal's submission, with its state values as Slack sends them."""
        return self.interaction(
            {
                "type": "view_submission",
                **self._actor(user_id),
                "view": {
                    "id": "V0MODAL",
                    "type": "modal",
                    "team_id": self.team_id,
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "state": {"values": values},
                    "hash": "1",
                },
            }
        )


class Lazies(ThreadPoolExecutor):
    """The app's lazy listeners; `settle` waits for every one started so far, then sends what they queued (when
    given the app's courier, which then has no thread of its own)."""

    def __init__(self) -> None:
        super().__init__(8, thread_name_prefix="lazy")
        self.pending: list[Future[Any]] = []
        self.courier: Courier | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.pending.append(future)
        return future

    def settle(self) -> None:
        wait(self.pending, timeout=30)
        assert all(future.done() for future in self.pending), "a lazy listener is still running"
        self.pending.clear()
        if self.courier is not None:
            self.courier.drain_all()
