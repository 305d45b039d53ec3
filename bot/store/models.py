"""Typed ORM models. Every row belongs to a Slack workspace (team id), directly or through its lead."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, ClassVar

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Always hand back an aware UTC datetime."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class SlackText(TypeDecorator[str]):
    """Text as Slack sent it, made storable: a NUL or an unpaired surrogate (which JSON can carry and no database
    encoding can) becomes U+FFFD, so such a message is kept rather than refused."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Replace what no database can store; leave everything else alone."""
        if value is None or _UNSTORABLE.search(value) is None:
            return value
        return _UNSTORABLE.sub("\ufffd", value)


class LongSlackText(SlackText):
    """SlackText of any length."""

    impl = Text
    cache_ok = True


class Kind(StrEnum):
    """What a delivery is. Scheduled prompts, scorecards and digests are claimed by the tick and sent at once; the
    rest (and /reflect and `summary now`) wait in the queue (status `queued`) for the courier, and are drawn from
    the database when they are sent."""

    PROMPT = "prompt"
    REFLECT = "reflect"
    SUMMARY = "summary"
    DIGEST = "digest"
    ACK = "ack"  # an entry's acknowledgement, in its thread: posted once, then redrawn as the entry changes
    MESSAGE = "message"  # a message drawn when it was queued (a verdict, a notice)
    UPDATE = "update"  # a redraw of a message we posted earlier
    HOME = "home"  # a lead's App Home view
    EXPORT = "export"  # a lead's brag document, as a file in their DM
    FOLLOWUP = "followup"  # a coaching loop's question (a hand-off, a decision, an absence, the quarter's areas)


class Status(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"  # waiting for the courier
    CLAIMED = "claimed"  # a worker holds it and is sending it
    SENT = "sent"
    FAILED = "failed"  # Slack refused it for good
    EXPIRED = "expired"  # it could not be sent while it still meant something
    ANSWERED = "answered"  # a prompt the lead answered
    SKIPPED = "skipped"
    REJECTED = "rejected"


def utcnow() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Buttons in old messages carry these tables' ids: SQLite would hand a deleted row's id to the next row, and an old
# button would then act on a row it never showed. (PostgreSQL's sequences never reuse an id.)
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    """The one declarative base; constraint names are fixed so migrations are portable."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), str: SlackText(255)}


class Workspace(Base):
    """A Slack workspace the app is installed in."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(SlackText(32), primary_key=True)
    name: Mapped[str | None]
    timezone: Mapped[str] = mapped_column(SlackText(64), default="UTC")
    digest_channel: Mapped[str | None] = mapped_column(SlackText(32))
    digest_weekday: Mapped[int] = mapped_column(Integer, default=5)  # ISO weekday, 5 = Friday
    digest_time: Mapped[time] = mapped_column(Time, default=time(16, 0))
    next_digest_at: Mapped[datetime | None] = mapped_column(index=True)
    digest_set_by: Mapped[str | None] = mapped_column(SlackText(32))  # told if the channel can't be posted to
    installer_user_id: Mapped[str | None] = mapped_column(SlackText(32))
    enterprise_id: Mapped[str | None] = mapped_column(SlackText(32))  # its Enterprise Grid organization, if any
    digest_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # a channel, or off
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    uninstalled_at: Mapped[datetime | None] = mapped_column(index=True)  # its data goes after the retention window
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Lead(Base):
    """A person coached in one workspace; `enrolled` means daily prompts are on."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(SlackText(32))
    display_name: Mapped[str | None]
    timezone: Mapped[str | None] = mapped_column(SlackText(64))  # None: the workspace's
    timezone_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # in settings
    holiday_country: Mapped[str | None] = mapped_column(SlackText(8))  # None: the timezone's country; "": none
    prompt_time: Mapped[time] = mapped_column(Time, default=time(16, 30))
    workdays: Mapped[str] = mapped_column(SlackText(7), default="12345")  # ISO weekday digits
    summary_weekday: Mapped[int] = mapped_column(Integer, default=5)
    summary_time: Mapped[time | None] = mapped_column(Time)  # None: the prompt time
    share_by_default: Mapped[bool] = mapped_column(Boolean, default=False)
    audiences: Mapped[str] = mapped_column(SlackText(64), default="", server_default="")  # AUDIENCES keys, ","
    focus: Mapped[str | None] = mapped_column(SlackText(32))  # the category of the last scorecard's focus
    paused_until: Mapped[date | None] = mapped_column(Date)  # inclusive, in the lead's local dates
    enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once Slack says unreachable
    dm_channel: Mapped[str | None] = mapped_column(SlackText(32))
    next_prompt_at: Mapped[datetime | None] = mapped_column(index=True)
    next_summary_at: Mapped[datetime | None] = mapped_column(index=True)
    invited_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """One message we owe someone; the unique key makes a second one for the same period impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("team_id", "recipient", "kind", "period_key"),
        Index(None, "lead_id", "created_at"),
        Index(None, "status", "claimed_at"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(SlackText(16))  # a Kind
    period_key: Mapped[str] = mapped_column(SlackText(40))  # local date, ISO week, or a one-off key
    recipient: Mapped[str] = mapped_column(SlackText(32))  # user id or channel id
    prompt_id: Mapped[str | None] = mapped_column(SlackText(64))
    channel: Mapped[str | None] = mapped_column(SlackText(32))
    ts: Mapped[str | None] = mapped_column(SlackText(32))
    thread_ts: Mapped[str | None] = mapped_column(SlackText(32))  # posted in this thread
    subject_id: Mapped[int | None] = mapped_column(
        Integer, index=True
    )  # what a queued kind shows: an entry, for an ack
    payload: Mapped[str | None] = mapped_column(LongSlackText)  # JSON the courier needs to draw it
    status: Mapped[str] = mapped_column(SlackText(16), default=Status.CLAIMED)  # a Status
    redraw: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # changed while claimed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # a queued delivery is sent from this instant
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(SlackText(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImpactEntry(Base):
    """A piece of invisible work, filed into categories: an answer to a prompt, a DM, or logged directly."""

    __tablename__ = "impact_entries"
    __table_args__ = (Index(None, "lead_id", "created_at"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(LongSlackText)  # the lead's words; for DMs, their messages joined in order
    source: Mapped[str] = mapped_column(SlackText(16))  # dm | modal | command
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)  # for the words at `revision`, never later ones
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # bumped when the words change
    categories_by_lead: Mapped[bool] = mapped_column(Boolean, default=False)  # the lead's correction wins
    minutes: Mapped[int | None] = mapped_column(Integer)  # "about how long?", if the lead said
    ack_channel: Mapped[str | None] = mapped_column(SlackText(32))  # our "Logged: …" message, kept up to date
    ack_ts: Mapped[str | None] = mapped_column(SlackText(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]


class Reply(Base):
    """One DM message of a lead, part of an impact entry; kept per message so edits and deletions land."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("channel", "message_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("impact_entries.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(LongSlackText)
    source: Mapped[str] = mapped_column(SlackText(16))  # thread | dm | choice (a quick answer tapped)
    channel: Mapped[str] = mapped_column(SlackText(32))
    message_ts: Mapped[str] = mapped_column(SlackText(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]


class EntryCategory(Base):
    """One category an impact entry is filed under (multi-label)."""

    __tablename__ = "entry_categories"

    entry_id: Mapped[int] = mapped_column(ForeignKey("impact_entries.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(SlackText(32), primary_key=True)


class Diagnostic(Base):
    """One run of the 'why am I coding?' diagnostic."""

    __tablename__ = "diagnostics"
    __table_args__ = (Index(None, "lead_id", "created_at"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    task: Mapped[str] = mapped_column(LongSlackText)
    ownership: Mapped[str] = mapped_column(SlackText(16))  # yes | with_support | no
    pull: Mapped[str] = mapped_column(SlackText(16))  # strategic | hiding | leverage | dopamine
    hours: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(SlackText(16))
    outcome: Mapped[str | None] = mapped_column(SlackText(16))  # delegated | paired | myself
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """An Events API event id we have handled, so a retry is processed once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(SlackText(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(SlackText(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PaceSlot(Base):
    """When the next Slack call for a workspace (key: team id) or one of its channels (team id/channel) may go.
    Every process books its calls here, so adding processes never adds calls per minute."""

    __tablename__ = "pace_slots"

    key: Mapped[str] = mapped_column(SlackText(80), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch


class Handoff(Base):
    """Work a lead handed to someone, and whether it held; recorded once per diagnostic or entry it came from."""

    __tablename__ = "handoffs"
    __table_args__ = (UniqueConstraint("diagnostic_id"), UniqueConstraint("entry_id"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    delegate: Mapped[str] = mapped_column(SlackText(32))  # a user id
    delegate_name: Mapped[str | None]  # their display name when recorded, for the brag document
    what: Mapped[str] = mapped_column(LongSlackText)
    done_when: Mapped[str | None] = mapped_column(LongSlackText)
    due_on: Mapped[date] = mapped_column(Date)  # the lead's local date
    source: Mapped[str] = mapped_column(SlackText(16))  # command | diagnostic | entry
    diagnostic_id: Mapped[int | None] = mapped_column(ForeignKey("diagnostics.id", ondelete="SET NULL"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("impact_entries.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(SlackText(16), default="open")  # open, or a HANDOFF_ANSWERS key
    asks: Mapped[int] = mapped_column(Integer, default=0)  # follow-ups sent
    next_ask_on: Mapped[date | None] = mapped_column(Date, index=True)  # None: nothing more to ask
    note: Mapped[str | None] = mapped_column(LongSlackText)
    answered_on: Mapped[date | None] = mapped_column(Date)  # the lead's local date of the latest answer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """A decision a lead left to the team or a person, and who made it in the end."""

    __tablename__ = "decisions"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(LongSlackText)
    owner: Mapped[str | None] = mapped_column(SlackText(32))  # a user id; None: the team
    owner_name: Mapped[str | None]  # their display name when recorded
    due_on: Mapped[date] = mapped_column(Date)
    assumption: Mapped[str | None] = mapped_column(LongSlackText)  # the one most likely to be wrong
    decided_by: Mapped[str | None] = mapped_column(SlackText(16))  # a DECISION_ANSWERS key
    disagreed: Mapped[bool] = mapped_column(Boolean, default=False)  # the lead disagreed and committed
    asks: Mapped[int] = mapped_column(Integer, default=0)
    next_ask_on: Mapped[date | None] = mapped_column(Date, index=True)
    decided_on: Mapped[date | None] = mapped_column(Date)
    check_on: Mapped[date | None] = mapped_column(Date, index=True)  # when to ask whether the assumption held
    assumption_held: Mapped[str | None] = mapped_column(SlackText(16))  # an ASSUMPTION_ANSWERS key
    note: Mapped[str | None] = mapped_column(LongSlackText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Absence(Base):
    """A pause of three workdays or more: what the lead expected to wait for them, and what did."""

    __tablename__ = "absences"
    __table_args__ = (UniqueConstraint("lead_id", "first_day"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)  # while a Slack status says away: its expiry, or far ahead
    source: Mapped[str] = mapped_column(SlackText(16), default="pause", server_default="pause")  # pause | status
    expected: Mapped[str | None] = mapped_column(LongSlackText)  # decisions that might wait, said before leaving
    asked_on: Mapped[date | None] = mapped_column(Date)  # the first day back, once asked
    waited: Mapped[str | None] = mapped_column(SlackText(16))  # an ABSENCE_ANSWERS key
    note: Mapped[str | None] = mapped_column(LongSlackText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AreaReview(Base):
    """One quarter's look at the areas only one person on the lead's team understands."""

    __tablename__ = "area_reviews"
    __table_args__ = (UniqueConstraint("lead_id", "quarter"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    quarter: Mapped[str] = mapped_column(SlackText(8))  # "2026-Q4"
    asked_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SoloArea(Base):
    """An area only one person understands, listed in a quarter's review; ticked off once it is shared."""

    __tablename__ = "solo_areas"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("area_reviews.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(LongSlackText)
    shared_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FilingMemory(Base):
    """What a lead's corrections taught the filing: a word of a refiled entry, and a category they added (weight
    above zero) or took away (below zero)."""

    __tablename__ = "filing_memory"

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    word: Mapped[str] = mapped_column(SlackText(40), primary_key=True)
    category: Mapped[str] = mapped_column(SlackText(32), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer, default=0)


# Distributed mode: slack_sdk's installation and OAuth-state stores keep their rows in these tables, built by
# slack_sdk itself on our metadata so that our migrations create them (never the stores at run time) and the schema
# check covers them. Tokens are stored encrypted (bot/store/installations.py): a Fernet token is about twice as
# long as the token it hides, longer than the 200 characters slack_sdk allows, so those columns are text.
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
for _table in (SLACK_INSTALLATIONS, SLACK_BOTS):
    for _name in TOKEN_COLUMNS:
        if _name in _table.c:
            _table.c[_name].type = Text()
