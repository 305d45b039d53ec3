"""Drawing a queued delivery when it is sent, from what is stored then: a burst of changes is sent once, as it
stands, and a message that has nothing left to say is not sent at all."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from jinja2 import Environment
from sqlalchemy.orm import Session

from bot.coaching.schedule import local_date_of
from bot.delivery.scheduled import ScheduledPosts
from bot.services import entries, export, loops, summaries
from bot.services.entries import Removed
from bot.services.home import home_state
from bot.services.ports import Gateway, Posted
from bot.services.schedules import lead_timezone
from bot.slack.blocks.entries import deleted_message, logged_message, moved_message
from bot.slack.blocks.home import home_view
from bot.slack.blocks.loops import followup_message
from bot.slack.blocks.prompt import delivery_metadata
from bot.store import outbox as store
from bot.store.leads import workspace_of
from bot.store.models import Delivery, Kind, Lead
from bot.store.outbox import to_a_person


@dataclass(frozen=True)
class Drawn:
    """A queued delivery ready to go: the call that sends it, and how to find it if an earlier try got through."""

    channel: str | None  # paced per channel; None for calls that are not posts in a channel
    send: Callable[[], Posted | None]
    look: Callable[[], Posted | None] | None = None


@dataclass(frozen=True)
class Drawing:
    """What a queued delivery is drawn with."""

    gateways: Callable[[str], Gateway]  # a workspace's gateway, with its own token
    templates: Environment
    posts: ScheduledPosts
    retention_days: int
    now: datetime


def draw(session: Session, delivery: Delivery, drawing: Drawing) -> Drawn | None:
    """The send for this delivery as things stand; None when it has nothing left to say."""
    gateway, payload = drawing.gateways(delivery.team_id), json.loads(delivery.payload or "{}")
    if delivery.kind == Kind.ACK:
        return _acknowledgement(session, delivery, payload, gateway)
    if delivery.kind in (Kind.MESSAGE, Kind.REFLECT):
        text, blocks = str(payload["text"]), list(payload["blocks"])
        return _post(gateway, delivery, text, blocks)
    if delivery.kind == Kind.UPDATE:
        channel, ts, text, blocks = delivery.recipient, str(payload["ts"]), str(payload["text"]), payload["blocks"]
        return Drawn(channel, lambda: gateway.update_message(channel, ts, text, blocks))
    if delivery.kind == Kind.HOME:
        state = home_state(session, delivery.team_id, delivery.recipient, drawing.now)
        view = home_view(drawing.templates, state, drawing.retention_days)
        return Drawn(None, lambda: gateway.publish_home(delivery.recipient, view))
    if delivery.kind == Kind.EXPORT:
        return _export(session, delivery, drawing)
    if delivery.kind == Kind.FOLLOWUP:
        return _followup(session, delivery, gateway)
    if delivery.kind == Kind.SUMMARY:
        summary = summaries.queued_summary(session, delivery)
        if summary is None:
            return None
        look = finder(gateway, delivery.recipient, delivery.id)
        return Drawn(delivery.recipient, lambda: drawing.posts.post_summary(summary), look)
    raise ValueError(f"not a queued kind: {delivery.kind}")


def _acknowledgement(session: Session, delivery: Delivery, payload: dict[str, Any], gateway: Gateway) -> Drawn | None:
    entry_id = delivery.subject_id or 0
    filed = entries.current(session, entry_id)
    latest = store.latest_ack(session, entry_id)
    if filed is None:
        text, blocks = deleted_message(
            Removed(entry_id, None, None, str(payload.get("source", "dm")), by_slack=bool(payload.get("by_slack")))
        )
    elif latest is not None and latest.id != delivery.id:  # the answer moved on: its buttons would mislead
        text, blocks = moved_message()
    else:
        shown = replace(
            filed,
            thread_ts=delivery.thread_ts,
            appended=bool(payload.get("appended")),
            unshared=bool(payload.get("unshared")),
        )
        text, blocks = logged_message(shown)
    if delivery.ts is not None and delivery.channel is not None:
        channel, ts = delivery.channel, delivery.ts
        return Drawn(channel, lambda: gateway.update_message(channel, ts, text, blocks))
    if filed is None or (latest is not None and latest.id != delivery.id):
        return None  # never posted, and nothing to acknowledge any more
    return _post(gateway, delivery, text, blocks)


def _followup(session: Session, delivery: Delivery, gateway: Gateway) -> Drawn | None:
    lead = session.get(Lead, delivery.lead_id or 0)
    shown = loops.followup(session, delivery, lead_timezone(lead, workspace_of(session, lead))) if lead else None
    if shown is None:
        return None  # its hand-off, decision or absence is gone
    text, blocks = followup_message(shown)
    if delivery.ts is not None and delivery.channel is not None:
        channel, ts = delivery.channel, delivery.ts
        return Drawn(channel, lambda: gateway.update_message(channel, ts, text, blocks))
    return _post(gateway, delivery, text, blocks)


def _post(gateway: Gateway, delivery: Delivery, text: str, blocks: list[dict[str, Any]]) -> Drawn:
    recipient, thread_ts, metadata = delivery.recipient, delivery.thread_ts, delivery_metadata(delivery.id)
    return Drawn(
        recipient,
        lambda: gateway.post_message(recipient, text, blocks, metadata, thread_ts=thread_ts),
        finder(gateway, recipient, delivery.id, thread_ts),
    )


def finder(
    gateway: Gateway, recipient: str, delivery_id: int, thread_ts: str | None = None
) -> Callable[[], Posted | None]:
    """How to find the message of this delivery if an earlier try got through: in the channel, or the app's DM
    with a person, or the thread."""

    def look() -> Posted | None:
        channel = gateway.open_dm(recipient) if to_a_person(recipient) else recipient
        return gateway.find_delivery(channel, delivery_id, thread_ts)

    return look


def _export(session: Session, delivery: Delivery, drawing: Drawing) -> Drawn:
    record = export.lead_record(session, delivery.team_id, delivery.recipient)
    document = export.brag_markdown(record, drawing.now).encode()
    today = local_date_of(drawing.now, export.record_timezone(record))
    gateway, user_id = drawing.gateways(delivery.team_id), delivery.recipient

    def send() -> None:
        gateway.upload_file(
            gateway.open_dm(user_id),
            f"brag-document-{today:%Y-%m-%d}.md",
            document,
            f"Brag document, {today:%-d %B %Y}",
            comment="Everything you logged, by quarter and kind of work: ready for a review packet.",
        )

    return Drawn(None, send)
