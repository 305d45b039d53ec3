"""The privacy promise across random sequences of what leads, Slack and the scheduler do: the real app and database,
driven through signed requests and the real tick.

A hypothesis state machine keeps a model of every entry (its messages, how often its words changed, and whether
its author shared the words it has now) and checks, after every step:

- privacy: every word of a lead's that a channel post quotes (the weekly digest, as posted or as it would read now)
  is in an entry its author shared after those words were written, quoted exactly as the entry reads now; and every
  entry shared that way in the digest's week is in it;
- tenancy: a request naming another workspace changes no row and makes no Slack call;
- the database holds exactly the entries, words, revisions and sharing the model predicts.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from jinja2 import Environment
from slack_bolt import BoltResponse
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot import container
from bot.coaching.filing import Filing
from bot.coaching.prompts import PromptLibrary
from bot.config import Settings
from bot.delivery.gateway import make_client
from bot.jobs import Tick, run_tick
from bot.services import workspaces
from bot.services.summaries import preview_digest
from bot.slack.app import create_app
from bot.slack.blocks.entries import (
    CATEGORIES_ACTION,
    CATEGORIES_BLOCK,
    DELETE_ACTION,
    EDIT_ACTION,
    LEGACY_TOGGLE_ACTION,
    PRIVATE_ACTION,
    SHARE_ACTION,
    SHARE_BLOCK,
    SHARE_OPTION_ACTION,
    SHAREABLE,
    TEXT_ACTION,
    TEXT_BLOCK,
)
from bot.slack.blocks.entries import MODAL_CALLBACK as ENTRY_CALLBACK
from bot.slack.blocks.forget import MODAL_CALLBACK as FORGET_CALLBACK
from bot.slack.blocks.scorecard import SHARED_SHOWN, digest_message
from bot.slack.handling import DATABASE_DOWN, SOMETHING_WENT_WRONG
from bot.slack.screening import NOT_INSTALLED
from bot.slack.text import make_environment
from bot.store.models import Base, Delivery, ImpactEntry, Lead, Reply, Workspace
from tests.slack_api import Call, SlackAPIServer
from tests.support import BOT_TOKEN, TEAM_ID, Clock, Lazies, SlackRequests
from tests.ticks import make_tick

LEAD, PEER = "U0LEAD", "U0PEER"  # two leads of the installed workspace; LEAD is a workspace admin
LEADS = (LEAD, PEER)
OTHER_TEAM = "T0OTHER"  # a workspace that never installed the app
DIGEST = "C0DIGEST"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
REPLY_WINDOW = timedelta(hours=36)  # a DM this soon after a prompt (or its thread's entry) joins it
RETENTION = timedelta(days=30)  # an uninstalled workspace's data goes after this (Tick's default)
WEEK = timedelta(days=7)
PROMPT_KINDS = ("prompt", "reflect")
ANSWERABLE = ("sent", "skipped", "answered")
TOKEN = re.compile(r"pvt\d{4}")  # every message a lead writes carries one, so quoted words can be traced
PHRASES = (
    "Paired with Sam on the deploy",
    "Mentored Ana through her first incident review",
    "Unblocked Tom on the VPN issue",
    "Kept quiet so the team chose the schema",
    "Wrote the ADR for the queue choice",
    "Fixed the flaky login bug myself",
    "Interviewed two backend candidates",
)
NEVER_SAID = (SOMETHING_WENT_WRONG, DATABASE_DOWN)
MACHINE_SETTINGS = hypothesis_settings(
    max_examples=20,
    stateful_step_count=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def dm_channel(user: str) -> str:
    return SlackAPIServer.dm_channel_id(user)


def other_lead(user: str) -> str:
    return PEER if user == LEAD else LEAD


def week_of(instant: datetime) -> tuple[int, int]:
    """The ISO (year, week) of a UTC instant: the digest is claimed once per channel and week."""
    year, week, _ = instant.isocalendar()
    return year, week


def next_monday(instant: datetime) -> datetime:
    midnight = instant.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=instant.weekday()) + WEEK


# ---------------------------------------------------------------- the app, with lazy listeners the test waits for


class ErrorLog(logging.Handler):
    """Every record logged at ERROR or above: a listener that failed unexpectedly."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def wipe(engine: Engine) -> None:
    """Empty every table (the schema and its migration record stay)."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@dataclass
class World:
    """What every example drives: one app, one database and one Slack server, emptied between examples."""

    requests: SlackRequests
    other: SlackRequests  # the same requests, naming a workspace that never installed the app
    slack: SlackAPIServer
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    lazies: Lazies
    tick: Tick
    errors: ErrorLog
    templates: Environment = field(default_factory=make_environment)
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        self.lazies.settle()
        wipe(self.engine)
        self.slack.reset()
        self.errors.records.clear()
        self.clock.now = START

    def new_ts(self) -> str:
        """A Slack message ts, unique and increasing (so an entry's messages read in the order they were sent)."""
        return f"1796200000.{next(self.serial):06d}"


# ---------------------------------------------------------------- Slack-shaped events


def dm_event(user: str, ts: str, words: str, thread_ts: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "channel": dm_channel(user),
        "channel_type": "im",
        "user": user,
        "text": words,
        "ts": ts,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def edit_event(user: str, ts: str, old: str, new: str, event_ts: str, *, top_level_user: bool) -> dict[str, Any]:
    """message_changed as Slack sends it (the author inside `message`; some tests also put it at the top)."""
    event: dict[str, Any] = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": dm_channel(user),
        "channel_type": "im",
        "ts": event_ts,
        "event_ts": event_ts,
        "message": {"type": "message", "user": user, "text": new, "ts": ts, "edited": {"user": user, "ts": event_ts}},
        "previous_message": {"type": "message", "user": user, "text": old, "ts": ts},
    }
    if top_level_user:
        event["user"] = user
    return event


def deletion_event(user: str, ts: str, old: str, event_ts: str, *, tombstone: bool) -> dict[str, Any]:
    """message_deleted, or, for a message with a thread, the tombstone Slack announces as a change."""
    previous = {"type": "message", "user": user, "text": old, "ts": ts}
    common = {"type": "message", "hidden": True, "channel": dm_channel(user), "channel_type": "im", "ts": event_ts}
    if tombstone:
        stone = {"type": "message", "subtype": "tombstone", "user": "USLACKBOT", "text": "This message was deleted."}
        return {**common, "subtype": "message_changed", "message": {**stone, "ts": ts}, "previous_message": previous}
    return {**common, "subtype": "message_deleted", "deleted_ts": ts, "previous_message": previous}


def sharing_values(shareable: bool, words: str | None = None) -> dict[str, Any]:
    """The entry modal's state: no categories chosen, the sharing box ticked or not, and maybe an answer."""
    ticked = [{"value": SHAREABLE, "text": {"type": "plain_text", "text": "share"}}] if shareable else []
    values: dict[str, Any] = {
        CATEGORIES_BLOCK: {CATEGORIES_ACTION: {"type": "multi_static_select", "selected_options": []}},
        SHARE_BLOCK: {SHARE_OPTION_ACTION: {"type": "checkboxes", "selected_options": ticked}},
    }
    if words is not None:
        values[TEXT_BLOCK] = {TEXT_ACTION: {"type": "plain_text_input", "value": words}}
    return values


def quoted_moments(blocks: list[dict[str, Any]]) -> list[str]:
    """The words of each shared moment a digest quotes, as they read before being quoted."""
    moments: list[str] = []
    shared_part = False
    for block in blocks:
        if block.get("type") != "section":
            shared_part = shared_part and block.get("type") != "context"
            continue
        body = str(block["text"]["text"])
        if body == "*Shared by their authors*":
            shared_part = True
        elif shared_part:
            quote = body.rsplit("\n— ", 1)[0]
            lines = quote.split("\n")
            assert all(line.startswith(">") for line in lines), body
            moments.append("\n".join(line[2:] for line in lines))
    return moments


# ---------------------------------------------------------------- the model


@dataclass
class Message:
    ts: str
    text: str


@dataclass(eq=False)
class Entry:
    """One entry as the model expects it; the object itself (not its database id) is what a button was drawn for."""

    id: int
    author: str
    source: str  # dm | command | modal
    created_at: datetime
    delivery_id: int | None = None
    messages: list[Message] = field(default_factory=list)  # a DM entry's messages, oldest first
    words: str = ""  # an /impact or modal entry's words, which never change
    revision: int = 1  # 1, plus one for every change of its words
    shared: bool = False  # its author shared the words it has now

    @property
    def text(self) -> str:
        if self.source != "dm":
            return self.words
        return "\n\n".join(message.text for message in sorted(self.messages, key=lambda m: m.ts))


@dataclass(frozen=True, eq=False)
class Button:
    """A Share button (or correction modal) a lead was shown: drawn for one entry's words at one revision."""

    entry: Entry
    revision: int


@dataclass(frozen=True, eq=False)
class Modal:
    """A correction modal Slack has open for a lead, with the private_metadata the app gave it."""

    user: str
    metadata: str
    shown: Button


@dataclass
class TeamModel:
    exists: bool = False
    active: bool = False
    uninstalled_at: datetime | None = None
    channel: str | None = None
    claimed: set[tuple[str, tuple[int, int]]] = field(default_factory=set)  # (channel, ISO week) with a digest


@dataclass(frozen=True)
class Prompt:
    id: int
    sent_at: datetime
    status: str
    ts: str | None


class PrivacyMachine(RuleBasedStateMachine):
    """Leads write, edit, delete, share and unshare; admins choose the digest; the workspace comes and goes; the
    clock moves and the digest goes out; and another workspace sends the same requests, which must do nothing."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        world.reset()
        self.entries: dict[int, Entry] = {}
        self.enrolled = dict.fromkeys(LEADS, False)
        self.team = TeamModel()
        self.sent: dict[str, list[str]] = {user: [] for user in LEADS}  # every message ts each lead wrote
        self.top_level: dict[str, list[str]] = {user: [] for user in LEADS}  # those not in a thread
        self.slack_text: dict[str, str] = {}  # ts -> the message's words as Slack has them now
        self.buttons: list[Button] = []
        self.retired: set[int] = set()  # ids of entries that are gone
        self.modals: list[Modal] = []
        self.tokens = itertools.count(1)
        self.checked_calls = 0

    # ------------------------------------------------------------ helpers

    @property
    def now(self) -> datetime:
        return self.world.clock.now

    def words(self) -> str:
        number = next(self.tokens)
        return f"{PHRASES[number % len(PHRASES)]} pvt{number:04d}"

    def settle(self) -> None:
        self.world.lazies.settle()

    def event(self, event: dict[str, Any]) -> None:
        response = self.world.requests.event(event)
        assert response.status == 200, response.body
        self.settle()

    def command(self, command: str, words: str, user: str) -> BoltResponse:
        response = self.world.requests.command(command, words, user_id=user)
        assert response.status == 200, response.body
        self.settle()
        return response

    def click(self, action_id: str, value: str, user: str, entry: Entry | None = None, times: int = 1) -> None:
        ephemeral = entry is not None and entry.source == "command"  # /impact's acknowledgement is ephemeral
        for _ in range(times):  # a double click sends both before either is handled
            response = self.world.requests.message_button(
                action_id,
                value,
                channel=dm_channel(user),
                message_ts="1796100000.000100",
                user_id=user,
                ephemeral=ephemeral,
            )
            assert response.status == 200, response.body
        self.settle()

    def shown(self, entry: Entry) -> None:
        """The lead now sees the entry's acknowledgement, with a Share button for its current words."""
        self.buttons.append(Button(entry, entry.revision))

    def workspace_seen(self) -> None:
        """A request that creates the workspace's row if it has none (after a purge): new, active, no channel."""
        if not self.team.exists:
            self.team = TeamModel(exists=True, active=True)

    def words_changed(self, entry: Entry) -> None:
        entry.revision += 1
        entry.shared = False
        self.shown(entry)

    def live(self, entry: Entry) -> bool:
        return self.entries.get(entry.id) is entry

    def owns(self, user: str, entry: Entry) -> bool:
        return self.live(entry) and entry.author == user

    def entry_holding(self, user: str, ts: str) -> tuple[Entry, Message] | None:
        """The entry holding this message of the lead's, if it still does."""
        for entry in self.entries.values():
            for message in entry.messages:
                if entry.author == user and message.ts == ts:
                    return entry, message
        return None

    def prompts(self, user: str) -> list[Prompt]:
        """The lead's prompts that reached them (read from the database: the tick sends them on its own)."""
        with self.world.session_factory() as session:
            rows = session.execute(
                select(Delivery.id, Delivery.sent_at, Delivery.status, Delivery.ts)
                .join(Lead, Lead.id == Delivery.lead_id)
                .where(Lead.team_id == TEAM_ID, Lead.user_id == user, Delivery.kind.in_(PROMPT_KINDS))
                .where(Delivery.sent_at.is_not(None))
            )
            return [Prompt(id, sent_at, status, ts) for id, sent_at, status, ts in rows if sent_at is not None]

    def placement(self, user: str, thread_ts: str | None) -> tuple[Entry | None, int | None]:
        """Where a new DM goes: (the entry it joins, None) or (None, the prompt a new entry answers, if any)."""
        prompts = self.prompts(user)
        if thread_ts is not None:
            root = self.entry_holding(user, thread_ts)
            if root is not None:
                return (None, None) if root[0].created_at < self.now - REPLY_WINDOW else (root[0], None)
            prompt = next((p for p in prompts if p.ts == thread_ts), None)
        else:
            prompt = max(prompts, key=lambda p: (p.sent_at, p.id), default=None)
        if prompt is None or prompt.status not in ANSWERABLE or prompt.sent_at < self.now - REPLY_WINDOW:
            return None, None
        answers = [e for e in self.entries.values() if e.delivery_id == prompt.id and e.source == "dm"]
        if answers:
            return min(answers, key=lambda e: e.id), None
        return None, prompt.id

    def stored_entry_of_message(self, user: str, ts: str) -> int | None:
        with self.world.session_factory() as session:
            query = select(Reply.entry_id).where(Reply.channel == dm_channel(user), Reply.message_ts == ts)
            return session.scalars(query).one_or_none()

    def stored_entry_with_words(self, words: str) -> int | None:
        with self.world.session_factory() as session:
            return session.scalars(select(ImpactEntry.id).where(ImpactEntry.text == words)).one_or_none()

    def new_entry(self, entry_id: int | None, **fields: Any) -> Entry:
        assert entry_id is not None, "the entry was not stored"
        assert entry_id not in self.entries, f"a new entry got the id of entry {entry_id}, which still exists"
        entry = Entry(id=entry_id, created_at=self.now, **fields)
        self.entries[entry_id] = entry
        self.shown(entry)
        return entry

    def remove(self, entry: Entry) -> None:
        del self.entries[entry.id]
        self.retired.add(entry.id)

    def forget_everything_of(self, user: str) -> None:
        for entry in [e for e in self.entries.values() if e.author == user]:
            self.remove(entry)
        self.enrolled[user] = False

    def buttons_to_click(self, data: st.DataObject) -> Button:
        """A button the lead saw: often one showing an entry's current words, else any earlier (stale) one."""
        current = [Button(entry, entry.revision) for entry in self.entries.values()]
        choices = st.sampled_from(self.buttons)
        if current:
            choices = st.sampled_from(current) | choices
        return data.draw(choices, label="button")

    def check_digest(self, blocks: list[dict[str, Any]], fallback: str, until: datetime) -> None:
        """Only words shared since they were written, each quoted as its entry reads now, and all of them."""
        shared = [entry for entry in self.entries.values() if entry.shared]
        allowed = {token for entry in shared for token in TOKEN.findall(entry.text)}
        owner = {token: entry for entry in self.entries.values() for token in TOKEN.findall(entry.text)}
        leaked = set(TOKEN.findall(json.dumps([blocks, fallback]))) - allowed
        reused = sorted({owner[t].id for t in leaked if t in owner} & self.retired)
        hint = f" (entry ids {reused} were used before by entries since deleted)" if reused else ""
        assert not leaked, f"the digest quotes words nobody shared since they were written: {sorted(leaked)}{hint}"
        quoted: list[Entry] = []
        for words in quoted_moments(blocks):
            tokens = TOKEN.findall(words)
            assert tokens, f"a shared moment with none of the leads' words: {words!r}"
            entry = owner[tokens[0]]
            assert entry.shared, f"entry {entry.id} is quoted but was not shared as it reads now"
            assert words == entry.text, f"entry {entry.id} is quoted as {words!r} but reads {entry.text!r}"
            quoted.append(entry)
        expected = [entry for entry in shared if until - WEEK <= entry.created_at < until]
        assert len(expected) <= SHARED_SHOWN, "more shared entries than the digest shows: check only what it shows"
        missing = sorted({e.id for e in expected} - {e.id for e in quoted})
        assert not missing, f"the digest leaves out entries {missing}, shared in its week"
        assert len(quoted) == len({e.id for e in quoted}), "the digest quotes an entry twice"

    def check_channel_posts(self, calls: list[Call]) -> None:
        """Whatever reaches a channel (not a DM) quotes only words shared since they were written."""
        allowed = {token for entry in self.entries.values() if entry.shared for token in TOKEN.findall(entry.text)}
        for call in calls:
            channel = str(call.params.get("channel") or "")
            if call.method in ("chat.postMessage", "chat.update") and not channel.startswith(("D", "U")):
                leaked = set(TOKEN.findall(json.dumps(call.params))) - allowed
                assert not leaked, f"{call.method} to {channel} quotes words nobody shared: {sorted(leaked)}"

    # ------------------------------------------------------------ start-up

    @initialize()
    def start_up_with_two_leads_who_shared_an_entry(self) -> None:
        """Start-up records the installation; both leads enrol and the admin chooses the digest channel. LEAD answers a
        prompt and PEER writes a DM, and each shares that entry (so later DMs from LEAD add to a shared answer)."""
        self.install()
        for user in LEADS:
            self.enrol(user)
        self.choose_the_digest_channel(LEAD, on=True)
        self.reflect(LEAD)
        for user in LEADS:
            self.send(user, None)
        for entry in list(self.entries.values()):
            self.share(entry)

    # ------------------------------------------------------------ leads and their entries

    @rule(user=st.sampled_from(LEADS))
    def enrol(self, user: str) -> None:
        """/coach start: DMs become entries."""
        self.command("/coach", "start", user)
        self.enrolled[user] = True
        self.workspace_seen()

    @rule(user=st.sampled_from(LEADS))
    def reflect(self, user: str) -> None:
        """/reflect: a prompt in the DM, which the next DMs answer."""
        self.command("/reflect", "", user)
        self.workspace_seen()

    @rule(user=st.sampled_from(LEADS))
    def write_a_dm(self, user: str) -> None:
        """A DM to the bot: a new entry, or more words for the answer to a prompt sent in the last 36 hours."""
        self.send(user, None)

    @precondition(lambda self: any(self.top_level.values()))
    @rule(data=st.data())
    def reply_in_a_thread(self, data: st.DataObject) -> None:
        """A reply in the thread of one of the lead's DMs or prompts: more words for that entry (if recent)."""
        user = data.draw(st.sampled_from([u for u in LEADS if self.top_level[u]]), label="author")
        parents = self.top_level[user] + [p.ts for p in self.prompts(user) if p.ts]
        self.send(user, data.draw(st.sampled_from(parents), label="thread"))

    def send(self, user: str, thread_ts: str | None) -> None:
        """A new DM from the lead, in the thread of `thread_ts` if given; the model says where it must land."""
        ts, words = self.world.new_ts(), self.words()
        joins, answers = self.placement(user, thread_ts)
        self.event(dm_event(user, ts, words, thread_ts))
        self.sent[user].append(ts)
        self.slack_text[ts] = words
        if thread_ts is None:
            self.top_level[user].append(ts)
        stored_in = self.stored_entry_of_message(user, ts)
        self.workspace_seen()
        if not self.enrolled[user]:
            assert stored_in is None, "a DM of someone not enrolled was stored"
            return
        if joins is not None:
            assert stored_in == joins.id, f"the message went to entry {stored_in}, not {joins.id}"
            joins.messages.append(Message(ts, words))
            self.words_changed(joins)
        else:
            self.new_entry(stored_in, author=user, source="dm", delivery_id=answers, messages=[Message(ts, words)])

    @precondition(lambda self: any(entry.messages for entry in self.entries.values()))
    @rule(data=st.data(), same_event=st.booleans())
    def slack_delivers_a_dm_again(self, data: st.DataObject, same_event: bool) -> None:
        """Slack delivers a stored message again (a retry): nothing changes."""
        entry = data.draw(st.sampled_from([e for e in self.entries.values() if e.messages]), label="entry")
        message = data.draw(st.sampled_from(entry.messages), label="message")
        event = dm_event(entry.author, message.ts, message.text)
        event_id = f"EvAGAIN{message.ts}" if same_event else None
        for _ in range(2 if same_event else 1):
            assert self.world.requests.event(event, event_id=event_id).status == 200
        self.settle()

    @rule(user=st.sampled_from(LEADS))
    def log_with_the_impact_command(self, user: str) -> None:
        """/impact <words>: an entry of its own, private."""
        words = self.words()
        response = self.command("/impact", words, user)
        assert "Logged" in str(response.body), response.body
        self.workspace_seen()
        self.new_entry(self.stored_entry_with_words(words), author=user, source="command", words=words)

    @rule(user=st.sampled_from(LEADS), shareable=st.booleans())
    def log_in_the_modal(self, user: str, shareable: bool) -> None:
        """The Log impact modal, its sharing box ticked or not: shared (or not) as it is written."""
        words = self.words()
        response = self.world.requests.view_submission(ENTRY_CALLBACK, sharing_values(shareable, words), "{}", user)
        assert response.status == 200, response.body
        self.settle()
        self.workspace_seen()
        entry = self.new_entry(self.stored_entry_with_words(words), author=user, source="modal", words=words)
        entry.shared = shareable

    @precondition(lambda self: any(self.sent.values()))
    @rule(data=st.data(), same_words=st.booleans(), top_level_user=st.booleans())
    def edit_a_message_in_slack(self, data: st.DataObject, same_words: bool, top_level_user: bool) -> None:
        """The lead edits one of their DMs (or Slack says it changed when only its thread grew)."""
        user, ts = self.message_to_change(data)
        self.edit(user, ts, self.slack_text[ts] if same_words else self.words(), top_level_user=top_level_user)

    @precondition(lambda self: any(self.sent.values()))
    @rule(data=st.data(), tombstone=st.booleans())
    def delete_a_message_in_slack(self, data: st.DataObject, tombstone: bool) -> None:
        """The lead deletes one of their DMs: it leaves its entry, and an entry left with none goes."""
        user, ts = self.message_to_change(data)
        self.delete(user, ts, tombstone=tombstone)

    @precondition(lambda self: any(entry.shared and entry.messages for entry in self.entries.values()))
    @rule(data=st.data(), how=st.sampled_from(["thread reply", "edit", "deletion", "answer"]))
    def change_the_words_of_a_shared_entry(self, data: st.DataObject, how: str) -> None:
        """The author adds to a shared entry (a reply in its thread, or another DM answering its prompt), edits one of
        its messages, or deletes one: private again until shared again."""
        entry = data.draw(st.sampled_from([e for e in self.entries.values() if e.shared and e.messages]), label="entry")
        message = data.draw(st.sampled_from(entry.messages), label="message")
        if how == "thread reply":
            self.send(entry.author, message.ts)
        elif how == "answer":
            self.send(entry.author, None)  # joins the entry if it answers the latest prompt
        elif how == "edit":
            self.edit(entry.author, message.ts, self.words(), top_level_user=False)
        else:
            self.delete(entry.author, message.ts, tombstone=False)

    def message_to_change(self, data: st.DataObject) -> tuple[str, str]:
        """(author, ts) of a DM: often one still in an entry, else any the lead ever sent."""
        held = [(e.author, m.ts) for e in self.entries.values() for m in e.messages]
        every = [(user, ts) for user in LEADS for ts in self.sent[user]]
        choices = (st.sampled_from(held) | st.sampled_from(every)) if held else st.sampled_from(every)
        return data.draw(choices, label="message")

    def edit(self, user: str, ts: str, new: str, *, top_level_user: bool) -> None:
        old = self.slack_text[ts]
        held = self.entry_holding(user, ts)
        self.event(edit_event(user, ts, old, new, self.world.new_ts(), top_level_user=top_level_user))
        self.slack_text[ts] = new
        if held is not None and held[1].text != new:
            held[1].text = new
            self.words_changed(held[0])

    def delete(self, user: str, ts: str, *, tombstone: bool) -> None:
        held = self.entry_holding(user, ts)
        self.event(deletion_event(user, ts, self.slack_text[ts], self.world.new_ts(), tombstone=tombstone))
        if held is None:
            return
        entry, message = held
        entry.messages.remove(message)
        if entry.messages:
            self.words_changed(entry)
        else:
            self.remove(entry)

    @precondition(lambda self: self.entries)
    @rule(data=st.data())
    def share_from_the_latest_acknowledgement(self, data: st.DataObject) -> None:
        """The author clicks Share on the acknowledgement showing the entry's current words: shared."""
        self.share(data.draw(st.sampled_from(list(self.entries.values())), label="entry"))

    def share(self, entry: Entry) -> None:
        self.click(SHARE_ACTION, f"{entry.id}:{entry.revision}", entry.author, entry)
        entry.shared = True

    @precondition(lambda self: self.buttons)
    @rule(data=st.data(), by_author=st.integers(0, 4), double=st.booleans())
    def click_share(self, data: st.DataObject, by_author: int, double: bool) -> None:
        """Share in digest, from a button showing the current words or earlier ones, maybe twice, maybe by someone
        else: it shares only the words it showed, and only for their author."""
        button = self.buttons_to_click(data)
        user = button.entry.author if by_author else other_lead(button.entry.author)
        value = f"{button.entry.id}:{button.revision}"
        self.click(SHARE_ACTION, value, user, button.entry, times=2 if double else 1)
        if self.owns(user, button.entry) and button.revision == button.entry.revision:
            button.entry.shared = True

    @precondition(lambda self: any(self.live(b.entry) and b.revision < b.entry.revision for b in self.buttons))
    @rule(data=st.data(), double=st.booleans())
    def click_share_on_an_older_acknowledgement(self, data: st.DataObject, double: bool) -> None:
        """The author clicks Share on a button drawn before the entry's words last changed (a replayed click, or one
        on a message the newer acknowledgement replaced): refused, it stays as it is."""
        stale = [b for b in self.buttons if self.live(b.entry) and b.revision < b.entry.revision]
        button = data.draw(st.sampled_from(stale), label="button")
        value = f"{button.entry.id}:{button.revision}"
        self.click(SHARE_ACTION, value, button.entry.author, button.entry, times=2 if double else 1)

    @precondition(lambda self: self.buttons)
    @rule(data=st.data(), legacy=st.booleans(), by_author=st.integers(0, 4))
    def click_keep_private(self, data: st.DataObject, legacy: bool, by_author: int) -> None:
        """Keep private (or an old message's blind toggle): private, for the author only."""
        button = self.buttons_to_click(data)
        user = button.entry.author if by_author else other_lead(button.entry.author)
        self.click(LEGACY_TOGGLE_ACTION if legacy else PRIVATE_ACTION, str(button.entry.id), user, button.entry)
        if self.owns(user, button.entry):
            button.entry.shared = False

    @precondition(lambda self: self.buttons)
    @rule(data=st.data(), by_author=st.integers(0, 4))
    def click_delete(self, data: st.DataObject, by_author: int) -> None:
        """The entry's Delete button: gone, for the author only."""
        button = self.buttons_to_click(data)
        user = button.entry.author if by_author else other_lead(button.entry.author)
        self.click(DELETE_ACTION, str(button.entry.id), user, button.entry)
        if self.owns(user, button.entry):
            self.remove(button.entry)

    @precondition(lambda self: self.buttons)
    @rule(data=st.data())
    def open_the_correction_modal(self, data: st.DataObject) -> None:
        """Change categories: a modal showing the entry's words, with a sharing box."""
        button = self.buttons_to_click(data)
        user = button.entry.author
        # The modal shows the words of the entry the button names now, so it is drawn for that entry.
        entry = self.entries.get(button.entry.id)
        mark = len(self.world.slack.calls("views.open"))
        self.click(EDIT_ACTION, str(button.entry.id), user, button.entry)
        opened = self.world.slack.calls("views.open")[mark:]
        assert len(opened) == int(entry is not None and entry.author == user), opened
        if opened and entry is not None:
            metadata = str(opened[0].params["view"]["private_metadata"])
            self.modals.append(Modal(user, metadata, Button(entry, entry.revision)))

    @precondition(lambda self: any(not self.live(button.entry) for button in self.buttons))
    @rule(data=st.data(), action=st.sampled_from([SHARE_ACTION, PRIVATE_ACTION, DELETE_ACTION]))
    def click_a_button_of_a_deleted_entry(self, data: st.DataObject, action: str) -> None:
        """A button whose entry is gone: on an acknowledgement /coach forget left behind, or a replayed click. It
        names an entry that no longer exists, so it changes nothing, whatever entry came after."""
        dead = [b for b in self.buttons if not self.live(b.entry)]
        # Often one whose id a newer entry has (a database that reuses ids would let it act on that entry).
        taken = [b for b in dead if b.entry.id in self.entries]
        choices = (st.sampled_from(taken) | st.sampled_from(dead)) if taken else st.sampled_from(dead)
        button = data.draw(choices, label="button")
        value = f"{button.entry.id}:{button.revision}" if action == SHARE_ACTION else str(button.entry.id)
        self.click(action, value, button.entry.author, button.entry)

    @precondition(lambda self: self.modals)
    @rule(data=st.data(), shareable=st.booleans(), by_author=st.integers(0, 4))
    def save_the_correction_modal(self, data: st.DataObject, shareable: bool, by_author: int) -> None:
        """Save a correction modal opened earlier, its sharing box ticked or not: sharing holds only if the words
        it showed are still the entry's."""
        modal = data.draw(st.sampled_from(self.modals), label="modal")
        user = modal.user if by_author else other_lead(modal.user)
        response = self.world.requests.view_submission(ENTRY_CALLBACK, sharing_values(shareable), modal.metadata, user)
        assert response.status == 200, response.body
        self.settle()
        entry = modal.shown.entry
        if self.owns(user, entry) and (not shareable or modal.shown.revision == entry.revision):
            entry.shared = shareable

    @rule(user=st.sampled_from(LEADS), forget=st.booleans())
    def stop_or_forget(self, user: str, forget: bool) -> None:
        """/coach stop (DMs are not stored; what was logged stays), or /coach forget, confirmed (every row of the lead
        goes)."""
        if not forget:
            self.command("/coach", "stop", user)
            self.enrolled[user] = False
            return
        self.command("/coach", "forget", user)
        response = self.world.requests.view_submission(FORGET_CALLBACK, {}, "", user)
        assert response.status == 200, response.body
        self.settle()
        self.forget_everything_of(user)

    # ------------------------------------------------------------ the workspace and the digest

    @rule(user=st.sampled_from(LEADS), on=st.booleans())
    def choose_the_digest_channel(self, user: str, on: bool) -> None:
        """/coach digest #channel or off: only the admin may."""
        self.command("/coach", f"digest <#{DIGEST}|lead-digest>" if on else "digest off", user)
        if user == LEAD and self.team.exists:
            self.team.channel = DIGEST if on else None

    @rule(how=st.sampled_from(["app_uninstalled", "tokens_revoked", "reinstalled"]))
    def uninstall_or_reinstall(self, how: str) -> None:
        """Uninstalled (or its token revoked): nothing more is sent, the data stays for the retention window; or
        installed again."""
        if how == "reinstalled":
            self.install()
            return
        event: dict[str, Any] = {"type": how}
        if how == "tokens_revoked":
            event["tokens"] = {"bot": ["U0BOT"]}
        self.event(event)
        if self.team.exists:
            self.team.active = False
            self.team.uninstalled_at = self.team.uninstalled_at or self.now

    def install(self) -> None:
        """What start-up (`coach serve`) does once Slack accepts the workspace's token: installed, sends resume."""
        with self.world.session_factory.begin() as session:
            install = workspaces.Install(
                team_id=TEAM_ID, name=None, timezone="UTC", digest_channel=None, installer=None
            )
            workspaces.installed(session, install, self.now)
        self.team.exists = self.team.active = True
        self.team.uninstalled_at = None

    @rule(minutes=st.sampled_from([1, 7, 45, 6 * 60, 20 * 60, 37 * 60]))
    def time_passes(self, minutes: int) -> None:
        """The clock moves on, past the 36-hour reply window sometimes."""
        self.world.clock.advance(minutes=minutes)

    @rule(next_week=st.booleans())
    def the_weekly_digest_is_due(self, next_week: bool) -> None:
        """The tick posts the digest that is due now (at most one per channel and week), with everything else due."""
        if next_week and self.team.channel and (self.team.channel, week_of(self.now)) in self.team.claimed:
            self.world.clock.now = next_monday(self.now) + timedelta(minutes=17)
        now = self.now
        with self.world.session_factory.begin() as session:
            session.execute(update(Workspace).where(Workspace.team_id == TEAM_ID).values(next_digest_at=now))
        mark = len(self.world.slack.calls())
        run_tick(self.world.tick, now)
        if self.team.exists and not self.team.active and (self.team.uninstalled_at or now) < now - RETENTION:
            for user in LEADS:
                self.forget_everything_of(user)
            self.team = TeamModel()
        claim = (self.team.channel or "", week_of(now))
        due = self.team.exists and self.team.active and self.team.channel is not None
        expected = due and claim not in self.team.claimed
        posts = [c for c in self.world.slack.calls()[mark:] if c.method == "chat.postMessage"]
        digests = [c for c in posts if c.params.get("channel") == DIGEST]
        assert len(digests) == int(expected), f"expected {int(expected)} digest(s), got {len(digests)}"
        if expected:
            self.team.claimed.add(claim)
            self.check_digest(digests[0].params["blocks"], str(digests[0].params.get("text")), now)

    # ------------------------------------------------------------ another workspace

    @rule(data=st.data())
    def another_workspace_sends_the_same_requests(self, data: st.DataObject) -> None:
        """Commands, DMs, edits, deletions, clicks and modals naming a workspace that never installed the app, about
        the installed workspace's leads, messages and entries: answered, and nothing stored or sent."""
        other = self.world.other
        user = data.draw(st.sampled_from(LEADS), label="as")
        messages = [ts for u in LEADS for ts in self.sent[u]] or [self.world.new_ts()]
        ts = data.draw(st.sampled_from(messages), label="ts")
        entries = list(self.entries.values()) or [Entry(1, user, "dm", self.now)]
        entry = data.draw(st.sampled_from(entries), label="entry")
        channel = dm_channel(user)
        kinds: dict[str, Callable[[], BoltResponse]] = {
            "start": lambda: other.command("/coach", "start", user),
            "stop": lambda: other.command("/coach", "stop", user),
            "forget": lambda: other.command("/coach", "forget", user),
            "digest": lambda: other.command("/coach", f"digest <#{DIGEST}|lead-digest>", user),
            "digest off": lambda: other.command("/coach", "digest off", user),
            "impact": lambda: other.command("/impact", self.words(), user),
            "reflect": lambda: other.command("/reflect", "", user),
            "dm": lambda: other.event(dm_event(user, self.world.new_ts(), self.words())),
            "thread reply": lambda: other.event(dm_event(user, self.world.new_ts(), self.words(), ts)),
            "edit": lambda: other.event(
                edit_event(
                    user, ts, self.slack_text.get(ts, ""), self.words(), self.world.new_ts(), top_level_user=True
                )
            ),
            "deletion": lambda: other.event(deletion_event(user, ts, "", self.world.new_ts(), tombstone=False)),
            "tombstone": lambda: other.event(deletion_event(user, ts, "", self.world.new_ts(), tombstone=True)),
            "share": lambda: other.message_button(
                SHARE_ACTION, f"{entry.id}:{entry.revision}", channel=channel, message_ts=ts, user_id=entry.author
            ),
            "keep private": lambda: other.message_button(
                PRIVATE_ACTION, str(entry.id), channel=channel, message_ts=ts, user_id=entry.author
            ),
            "delete": lambda: other.message_button(
                DELETE_ACTION, str(entry.id), channel=channel, message_ts=ts, user_id=entry.author
            ),
            "change categories": lambda: other.message_button(
                EDIT_ACTION, str(entry.id), channel=channel, message_ts=ts, user_id=entry.author
            ),
            "correction modal": lambda: other.view_submission(
                ENTRY_CALLBACK,
                sharing_values(True),
                json.dumps({"entry_id": entry.id, "revision": entry.revision}),
                entry.author,
            ),
            "log modal": lambda: other.view_submission(ENTRY_CALLBACK, sharing_values(True, self.words()), "{}", user),
            "forget modal": lambda: other.view_submission(FORGET_CALLBACK, {}, "", user),
            "uninstalled": lambda: other.event({"type": "app_uninstalled"}),
            "tokens revoked": lambda: other.event({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}}),
            "home opened": lambda: other.event({"type": "app_home_opened", "user": user, "tab": "home"}),
        }
        kind = data.draw(st.sampled_from(sorted(kinds)), label="request")
        self.settle()
        rows, calls = every_row(self.world.engine), len(self.world.slack.calls())
        response = kinds[kind]()
        self.settle()
        assert response.status == 200, (kind, response.status, response.body)
        if kind in ("start", "stop", "forget", "digest", "digest off", "impact", "reflect"):
            assert NOT_INSTALLED in str(response.body), (kind, response.body)
        assert every_row(self.world.engine) == rows, f"a request from another workspace ({kind}) changed rows"
        assert self.world.slack.calls()[calls:] == [], f"a request from another workspace ({kind}) called Slack"

    # ------------------------------------------------------------ after every step

    @invariant()
    def the_database_holds_what_the_model_predicts(self) -> None:
        """Entries (author, words, revision, sharing, creation time), enrolment and the workspace's digest state."""
        with self.world.session_factory() as session:
            rows = session.execute(
                select(
                    ImpactEntry.id,
                    Lead.team_id,
                    Lead.user_id,
                    ImpactEntry.text,
                    ImpactEntry.revision,
                    ImpactEntry.shareable,
                    ImpactEntry.created_at,
                ).join(Lead, Lead.id == ImpactEntry.lead_id)
            ).all()
            query = select(Lead.user_id, Lead.enrolled).where(Lead.team_id == TEAM_ID)
            enrolled = {user: bool(flag) for user, flag in session.execute(query)}
            team = session.get(Workspace, TEAM_ID)
            stored_team = (team is not None, team.active if team else False, team.digest_channel if team else None)
        stored = {row[0]: tuple(row[1:]) for row in rows}
        expected = {
            e.id: (TEAM_ID, e.author, e.text, e.revision, e.shared, e.created_at) for e in self.entries.values()
        }
        differing = {i for i in stored.keys() | expected.keys() if stored.get(i) != expected.get(i)}
        reused = sorted(differing & self.retired)
        hint = f" (entry ids {reused} were used before by entries since deleted)" if reused else ""
        assert stored == expected, f"the database's entries differ from the model's{hint}"
        assert {user: enrolled.get(user, False) for user in LEADS} == self.enrolled
        assert stored_team == (self.team.exists, self.team.active, self.team.channel)

    @invariant()
    def the_digest_as_it_would_read_now_quotes_only_words_shared_since_they_were_written(self) -> None:
        """The digest of the seven days up to now, built and rendered but not sent."""
        if not self.team.exists:
            return
        with self.world.session_factory() as session:
            outgoing = preview_digest(session, TEAM_ID, None, self.now)
        fallback, blocks = digest_message(self.world.templates, outgoing, outgoing.names)
        self.check_digest(blocks, fallback, self.now)

    @invariant()
    def every_channel_post_quotes_only_shared_words_and_nothing_failed(self) -> None:
        """What the app sent since the last step: no failure apologies, valid payloads, no error logged."""
        calls = self.world.slack.calls()
        new, self.checked_calls = calls[self.checked_calls :], len(calls)
        self.check_channel_posts(new)
        for call in new:
            said = json.dumps(call.params)
            assert not any(apology in said for apology in NEVER_SAID), said
        self.world.slack.assert_all_valid()
        assert not self.world.errors.records, [record.getMessage() for record in self.world.errors.records]

    def teardown(self) -> None:
        self.settle()


def test_only_words_shared_after_they_were_written_reach_the_digest_and_other_workspaces_change_nothing(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    slack: SlackAPIServer,
    clock: Clock,
    library: PromptLibrary,
    filing: Filing,
) -> None:
    slack.set_user(LEAD, is_admin=True)
    slack.set_user(PEER)
    slack.set_channel(DIGEST, is_private=False, is_member=True, name="lead-digest")
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        with Lazies() as lazies:
            client = make_client(BOT_TOKEN, slack.base_url)
            deps = container.build(settings, session_factory, client, library, filing, clock=clock, channel_interval=0)
            lazies.courier = deps.courier
            app = create_app(deps, client, team_id=TEAM_ID, executor=lazies)
            response_url = slack.url + "/respond/1"
            world = World(
                requests=SlackRequests(app, response_url),
                other=SlackRequests(app, response_url, team_id=OTHER_TEAM),
                slack=slack,
                engine=engine,
                session_factory=session_factory,
                clock=clock,
                lazies=lazies,
                tick=make_tick(session_factory, slack, library),
                errors=errors,
            )

            class OnThisWorld(PrivacyMachine):
                def __init__(self) -> None:
                    super().__init__(world)

            run_state_machine_as_test(OnThisWorld, settings=MACHINE_SETTINGS)
    finally:
        logging.getLogger().removeHandler(errors)
