"""Bad input (random, malformed, oversized, mistyped or naming another lead) never gets a 500 or a traceback, and
never writes to another lead's data."""

from __future__ import annotations

import contextlib
import http.client
import importlib
import io
import json
import logging
import pkgutil
import re
import socket
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from slack_bolt import App, BoltResponse
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

import bot.slack.blocks
from bot import container
from bot.coaching.categories import CATEGORIES
from bot.coaching.diagnostic import OWNERSHIP, PULLS
from bot.coaching.filing import Filing
from bot.coaching.prompts import PromptLibrary
from bot.config import Settings
from bot.delivery.gateway import make_client
from bot.slack.app import create_app
from bot.slack.blocks.diagnostic import MODAL_CALLBACK as DIAGNOSTIC_CALLBACK
from bot.slack.blocks.diagnostic import OUTCOME_ACTIONS
from bot.slack.blocks.entries import DELETE_ACTION, EDIT_ACTION, LEGACY_TOGGLE_ACTION, PRIVATE_ACTION, SHARE_ACTION
from bot.slack.blocks.entries import MODAL_CALLBACK as ENTRY_CALLBACK
from bot.slack.blocks.forget import MODAL_CALLBACK as FORGET_CALLBACK
from bot.slack.blocks.home import (
    CODING_ACTION,
    LOG_ACTION,
    PAUSE_ACTION,
    REFLECT_ACTION,
    RESUME_ACTION,
    SETTINGS_ACTION,
    START_ACTION,
)
from bot.slack.blocks.prompt import ANSWER_ACTION, REJECT_ACTION, SKIP_ACTION
from bot.slack.blocks.settings import MODAL_CALLBACK as SETTINGS_CALLBACK
from bot.slack.blocks.settings import TIMEZONE_ACTION
from bot.slack.handling import CANNOT_STORE, DATABASE_DOWN
from bot.slack.screening import NOT_INSTALLED
from bot.store.db import database_answers, make_engine, make_session_factory
from bot.store.models import Base, Delivery, Diagnostic, ImpactEntry, Lead, Reply
from bot.web import MAX_BODY_BYTES, make_wsgi_app
from tests.seed import add_diagnostic, add_entry, add_prompt, enroll
from tests.slack_api import Call, SlackAPIServer
from tests.support import BOT_TOKEN, TEAM_ID, Clock, Lazies, SlackRequests, signed_headers
from tests.test_serve import Served, served  # noqa: F401 - `served` is the fixture running `coach serve`
from tests.test_serve import http as http_get

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

VICTIM = "U0VICTIM"  # an enrolled lead whose rows nobody else's input may touch
ACTOR = "U0LEAD"  # an enrolled lead sending the bad input
STRANGER = "U0STRANGER"  # someone never seen before
COMMANDS = ("/coach", "/impact", "/reflect", "/why-am-i-coding")
SUBCOMMANDS = (
    *("", "start", "stop", "pause", "pause 5d", "pause until 2026-12-24", "pause until 1999-01-01", "resume"),
    *("settings", "summary", "summary now", "digest off", "digest <#C0DIGEST|leads>", "export", "forget"),
    *("help", "stats"),
)
ACTION_IDS = (
    *(EDIT_ACTION, SHARE_ACTION, PRIVATE_ACTION, LEGACY_TOGGLE_ACTION, DELETE_ACTION, ANSWER_ACTION, SKIP_ACTION),
    *(REJECT_ACTION, *OUTCOME_ACTIONS.values()),
    *(START_ACTION, REFLECT_ACTION, LOG_ACTION, CODING_ACTION, SETTINGS_ACTION, PAUSE_ACTION, RESUME_ACTION),
    *(TIMEZONE_ACTION, "no_such_action"),
)
CALLBACK_IDS = (ENTRY_CALLBACK, DIAGNOSTIC_CALLBACK, SETTINGS_CALLBACK, FORGET_CALLBACK, "no_such_modal")
BLOCK_IDS = (
    *("answer", "categories", "sharing", "task", "ownership", "pull", "hours", "prompt_time", "workdays"),
    *("timezone", "summary_weekday", "summary_time", "share_by_default", "paused_until"),
)
ELEMENT_IDS = ("answer_text", "categories_select", "sharing_choice", "value", TIMEZONE_ACTION)
CHOICES = (
    *CATEGORIES,
    *OWNERSHIP,
    *PULLS,
    *("shareable", "private", "1", "5", "7", "8", "Europe/Berlin", "Mars/Olympus"),
)
SUBTYPES = ("message_changed", "message_deleted", "file_share", "thread_broadcast", "bot_message")
WORKSPACE_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})  # rightly stop every lead's sends
PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What must never reach a person: a traceback or an exception's name or message.
IMPOLITE = re.compile(
    r"Traceback|\b\w+(?:Error|Exception)\b|NoneType|has no attribute|is not (?:iterable|subscriptable)"
)
# Generated input never says any of this, so if an answer does, the app said it.
MENTIONS_ERRORS = re.compile(r"error|exception|traceback|nonetype|attribute|iterable|subscriptable", re.IGNORECASE)


SPEAKING = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url", "views.open", "views.update"}
    | {"views.publish", "files.completeUploadExternal"}
)  # every way the app says something to someone


def said(slack: SlackAPIServer, since: int = 0) -> list[Call]:
    """What the app said (messages, ephemeral answers, modals, Home) since the `since`-th call."""
    return [call for call in slack.calls()[since:] if call.method in SPEAKING]


def assert_polite(text: str) -> None:
    """Nothing in what a person sees looks like a crash."""
    assert not IMPOLITE.search(text), text


def innocent(text: str) -> bool:
    """Generated text that neither is the victim's user id nor mentions errors."""
    return VICTIM not in text and not MENTIONS_ERRORS.search(text)


@pytest.fixture(autouse=True)
def nothing_logged_as_a_failure(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Over every test here: no record at ERROR or above, and no traceback at any level (bad input is not a fault)."""
    caplog.set_level(logging.DEBUG)
    yield
    loud = [
        f"{record.levelname} {record.name}: {record.getMessage()[:200]}"
        for record in (*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records)
        if record.levelno >= logging.ERROR or record.exc_info or "Traceback" in record.getMessage()
    ]
    assert not loud, loud


# ---------------------------------------------------------------- the app, with lazy listeners a test can wait for


@pytest.fixture
def lazies() -> Iterator[Lazies]:
    with Lazies() as executor:
        yield executor


@pytest.fixture
def app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    slack: SlackAPIServer,
    clock: Clock,
    library: PromptLibrary,
    filing: Filing,
    lazies: Lazies,
) -> App:
    """The real app, as conftest builds it, with lazy listeners on `lazies`."""
    client = make_client(BOT_TOKEN, slack.base_url)
    deps = container.build(settings, session_factory, client, library, filing, clock=clock, channel_interval=0)
    lazies.courier = deps.courier
    return create_app(deps, client, team_id=TEAM_ID, executor=lazies)


@pytest.fixture
def wsgi(app: App, engine: Engine) -> WSGIApplication:
    """The HTTP entry point `coach serve` runs, called in-process."""
    return make_wsgi_app(app, lambda: database_answers(engine))


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


def signature(body: bytes) -> dict[str, str]:
    """Slack's signature headers for a body (a body that isn't UTF-8 is signed as Latin-1)."""
    try:
        return signed_headers(body.decode())
    except UnicodeDecodeError:
        return signed_headers(body.decode("latin-1"))


def post(wsgi: WSGIApplication, body: bytes, content_type: str | None) -> Answer:
    """A signed POST /slack/events through the WSGI app, as waitress would make it."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    for name, value in signature(body).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    statuses: list[str] = []

    def start_response(status: str, _headers: list[tuple[str, str]], _exc_info: Any = None) -> Callable[..., Any]:
        statuses.append(status)
        return lambda _data: None

    chunks = b"".join(wsgi(environ, start_response))
    return Answer(int(statuses[0].split()[0]), chunks.decode("utf-8", "replace"))


def post_over_http(base: str, body: bytes, content_type: str | None) -> Answer:
    """A signed POST /slack/events over a socket; no Content-Type header at all when None. A server that answers
    before reading the whole body (413) may close on the rest of it: its answer is read all the same."""
    where = urllib.parse.urlsplit(base)
    headers = {
        "Host": where.netloc,
        "Content-Length": str(len(body)),
        "Connection": "close",
        **signature(body),
        **({"Content-Type": content_type} if content_type else {}),
    }
    head = "POST /slack/events HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((where.hostname or "127.0.0.1", where.port or 80), timeout=30) as connection:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(head.encode() + b"\r\n" + body)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return Answer(response.status, response.read().decode("utf-8", "replace"))


def form(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def interaction(payload: Any) -> bytes:
    return form({"payload": json.dumps(payload)})


# ---------------------------------------------------------------- the leads and their rows


@dataclass(frozen=True)
class SeededLead:
    """The ids of an enrolled lead's rows."""

    lead_id: int
    entry_ids: tuple[int, ...]
    delivery_ids: tuple[int, ...]
    diagnostic_ids: tuple[int, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return self.entry_ids + self.delivery_ids + self.diagnostic_ids


def seed_lead(session_factory: sessionmaker[Session], slack: SlackAPIServer, clock: Clock, user_id: str) -> SeededLead:
    """An enrolled lead with entries (one shareable), replies, a sent prompt and a diagnostic."""
    now = clock()
    lead_id = enroll(session_factory, slack, user_id, now - timedelta(days=2))
    with session_factory.begin() as session:
        add_entry(session, lead_id, now - timedelta(days=1), f"{user_id}: unblocked the deploy", {"unblocking"})
        add_entry(session, lead_id, now - timedelta(hours=3), f"{user_id}: wrote the ADR", set(), shareable=True)
        add_prompt(session, lead_id, user_id, now - timedelta(hours=2), "sent")
        add_diagnostic(session, lead_id, now - timedelta(days=1), "delegate", 2, None)
    with session_factory() as session:

        def ids(column: Any) -> tuple[int, ...]:
            return tuple(session.scalars(select(column.id).where(column.lead_id == lead_id).order_by(column.id)))

        return SeededLead(lead_id, ids(ImpactEntry), ids(Delivery), ids(Diagnostic))


@pytest.fixture
def victim(session_factory: sessionmaker[Session], slack: SlackAPIServer, clock: Clock) -> SeededLead:
    """The lead whose rows must stay as they are; the actor is enrolled too, with rows of their own."""
    seed_lead(session_factory, slack, clock, ACTOR)
    return seed_lead(session_factory, slack, clock, VICTIM)


def victim_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the victim: their lead row, entries, entry categories, replies, deliveries and diagnostics."""
    tables = Base.metadata.tables
    leads, entries, categories = tables["leads"], tables["impact_entries"], tables["entry_categories"]
    with engine.connect() as connection:
        lead_ids = select(leads.c.id).where(leads.c.user_id == VICTIM).scalar_subquery()
        entry_ids = select(entries.c.id).where(entries.c.lead_id.in_(lead_ids)).scalar_subquery()
        rows = {
            "leads": select(leads).where(leads.c.user_id == VICTIM).order_by(leads.c.id),
            "entry_categories": select(categories)
            .where(categories.c.entry_id.in_(entry_ids))
            .order_by(categories.c.entry_id, categories.c.category),
            **{
                name: select(tables[name]).where(tables[name].c.lead_id.in_(lead_ids)).order_by(tables[name].c.id)
                for name in ("impact_entries", "replies", "deliveries", "diagnostics")
            },
        }
        return {name: [tuple(row) for row in connection.execute(query)] for name, query in rows.items()}


def every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def test_the_victim_has_a_row_in_every_table_checked(victim: SeededLead, engine: Engine) -> None:
    """Otherwise 'unchanged' would prove nothing for that table."""
    assert all(victim_rows(engine).values()), victim_rows(engine)


class Guard:
    """Checks one request: not a 5xx, polite, every message it caused polite, and the victim's rows unchanged."""

    def __init__(self, slack: SlackAPIServer, lazies: Lazies, engine: Engine) -> None:
        self.slack, self.lazies, self.engine = slack, lazies, engine
        self.mark = len(slack.calls())
        self.before = victim_rows(engine)

    def check(self, answer: Answer) -> None:
        assert answer.status < 500, answer
        assert_polite(answer.body)
        self.lazies.settle()
        for call in said(self.slack, self.mark):
            assert_polite(json.dumps(call.params, ensure_ascii=False))
        assert victim_rows(self.engine) == self.before


# ---------------------------------------------------------------- strategies

texts = st.text(max_size=40).filter(innocent)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8).filter(innocent), inner, max_size=3)
    ),
    max_leaves=6,
)
actor_ids = st.sampled_from([ACTOR, STRANGER, ""]) | texts
team_ids = st.sampled_from([TEAM_ID, "T0OTHER", ""]) | texts
channels = st.sampled_from([SlackAPIServer.dm_channel_id(ACTOR), "C0GENERAL", ""]) | texts
timestamps = st.sampled_from(["1763890000.000100", "1.5", ""]) | st.floats(0, 2e9).map(lambda ts: f"{ts:.6f}") | texts


def mostly(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The right kind of value seven times in eight, else any JSON at all (a wrong type, null, a list…)."""
    return st.integers(0, 7).flatmap(lambda roll: json_values if roll == 0 else right)


def shaped(
    required: dict[str, st.SearchStrategy[Any]], **optional: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object: `required` fields always there, the others maybe missing; any field may be mistyped."""
    return st.fixed_dictionaries(
        {name: mostly(strategy) for name, strategy in required.items()},
        optional={name: mostly(strategy) for name, strategy in optional.items()},
    )


def ids_naming(victim: SeededLead) -> st.SearchStrategy[Any]:
    """Row ids as Slack would carry them: mostly the victim's, some that exist nowhere."""
    return st.sampled_from(victim.ids) | st.integers(-1, 10**20) | st.just(VICTIM)


def slash_commands(response_url: str) -> st.SearchStrategy[dict[str, str]]:
    """Form fields of our slash commands (and one we don't have), any of them missing or random."""
    text = st.sampled_from(SUBCOMMANDS) | texts | st.tuples(st.sampled_from(SUBCOMMANDS), texts).map(" ".join)
    return st.fixed_dictionaries(
        {"command": st.sampled_from((*COMMANDS, "/dance"))},
        optional={
            "text": text,
            "team_id": team_ids,
            "user_id": actor_ids,
            "channel_id": channels,
            "response_url": st.sampled_from([response_url, "", "not a url"]),
            "trigger_id": texts,
            "api_app_id": texts,
            "enterprise_id": texts,
            "is_enterprise_install": st.sampled_from(["true", "false", "maybe"]),
        },
    )


def interaction_payloads(victim: SeededLead, response_url: str) -> st.SearchStrategy[Any]:
    """block_actions, view_submission and block_suggestion payloads with missing and wrong-typed fields."""
    ids = ids_naming(victim)
    user = shaped({"id": actor_ids}, team_id=team_ids, username=texts)
    option = shaped({"value": st.sampled_from(CHOICES) | ids.map(str)})
    element = shaped(
        {},
        value=texts | ids.map(str),
        selected_option=option,
        selected_options=st.lists(option, max_size=3),
        selected_time=st.sampled_from(["16:30", "25:99", "9:00"]) | texts,
        selected_date=st.dates().map(str) | texts,
    )
    values = st.dictionaries(
        st.sampled_from(BLOCK_IDS) | texts,
        mostly(st.dictionaries(st.sampled_from(ELEMENT_IDS) | texts, mostly(element), max_size=2)),
        max_size=8,
    )
    metadata = shaped({}, entry_id=ids, delivery_id=ids, response_url=st.just(response_url), user_id=ids)
    view = shaped(
        {"type": st.sampled_from(["modal", "home"]), "callback_id": st.sampled_from(CALLBACK_IDS)},
        id=texts,
        private_metadata=metadata.map(json.dumps) | texts,
        state=shaped({"values": values}),
        team_id=team_ids,
    )
    action = shaped(
        {"action_id": st.sampled_from(ACTION_IDS)},
        value=ids.map(str),
        type=st.sampled_from(["button", "datepicker"]),
        selected_date=st.dates().map(str),
        block_id=texts,
    )
    container = shaped(
        {"type": st.sampled_from(["message", "view"])},
        channel_id=channels,
        message_ts=timestamps,
        is_ephemeral=st.booleans(),
    )
    actor_fields = {"team": shaped({"id": team_ids}), "trigger_id": texts, "api_app_id": texts}
    block_actions = shaped(
        {"type": st.just("block_actions"), "user": user, "actions": st.lists(action, min_size=1, max_size=2)},
        container=container,
        message=shaped({"ts": timestamps}, text=texts),
        response_url=st.sampled_from([response_url, "not a url"]),
        view=view,
        **actor_fields,
    )
    view_submission = shaped({"type": st.just("view_submission"), "user": user, "view": view}, **actor_fields)
    block_suggestion = shaped(
        {"type": st.just("block_suggestion"), "user": user, "action_id": st.sampled_from(ACTION_IDS)},
        value=texts,
        view=view,
        **actor_fields,
    )
    return mostly(block_actions | view_submission | block_suggestion)


def event_callbacks() -> st.SearchStrategy[Any]:
    """Events API bodies with missing and wrong-typed fields, from anyone but the victim."""
    inner_message = shaped({"ts": timestamps}, text=texts, user=actor_ids, subtype=st.just("tombstone"), bot_id=texts)
    event = shaped(
        {
            "type": st.sampled_from(["message", "message", "app_home_opened", "reaction_added"]),
            "user": actor_ids,
            "channel": channels,
            "channel_type": st.sampled_from(["im", "im", "channel"]),
            "text": texts,
            "ts": timestamps,
        },
        subtype=st.sampled_from(SUBTYPES),
        thread_ts=timestamps,
        deleted_ts=timestamps,
        message=inner_message,
        previous_message=inner_message,
        bot_id=texts,
        tab=st.sampled_from(["home", "messages"]),
    )
    return shaped(
        {"type": st.just("event_callback"), "event": event, "team_id": team_ids},
        event_id=st.text(max_size=80).filter(innocent),
        api_app_id=texts,
        authorizations=st.lists(shaped({"team_id": team_ids}, user_id=texts), max_size=2),
    )


# ---------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(data=st.data())
def test_random_slash_commands_never_fail_and_leave_other_leads_alone(
    data: st.DataObject,
    wsgi: WSGIApplication,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    fields = data.draw(slash_commands(slack.url + "/respond/1"), label="form")
    guard = Guard(slack, lazies, engine)
    guard.check(post(wsgi, form(fields), "application/x-www-form-urlencoded"))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_random_interaction_payloads_never_fail_and_leave_other_leads_alone(
    data: st.DataObject,
    wsgi: WSGIApplication,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    payload = data.draw(interaction_payloads(victim, slack.url + "/respond/1"), label="payload")
    guard = Guard(slack, lazies, engine)
    guard.check(post(wsgi, interaction(payload), "application/x-www-form-urlencoded"))


@PROPERTY_SETTINGS
@given(body=event_callbacks())
def test_random_event_callbacks_never_fail_and_leave_other_leads_alone(
    body: dict[str, Any],
    wsgi: WSGIApplication,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    event = body.get("event")
    assume(not (isinstance(event, dict) and str(event.get("type")) in WORKSPACE_EVENTS))
    guard = Guard(slack, lazies, engine)
    guard.check(post(wsgi, json.dumps(body).encode(), "application/json"))


# ---------------------------------------------------------------- bodies Bolt can't read, and wrong content types

UNREADABLE = {
    "payload is malformed JSON": (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    "payload is a JSON list": (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    "payload is JSON null": (b"payload=null", "application/x-www-form-urlencoded"),
    "JSON body is malformed": (b'{"type": "event_callback", "event": ', "application/json"),
    "JSON body is a string": (b'"event_callback"', "application/json"),
    "body is not UTF-8": (b"command=%2Fimpact&text=\xff\xfe", "application/x-www-form-urlencoded"),
    "a command labelled JSON": (b"command=%2Fimpact&text=unblocked+Sam", "application/json"),
    "event is null": (json.dumps({"type": "event_callback", "event": None}).encode(), "application/json"),
    "user is a number": (
        interaction({"type": "block_actions", "user": 5, "actions": [{"action_id": SKIP_ACTION}]}),
        "application/x-www-form-urlencoded",
    ),
    "view has no type": (
        interaction({"type": "view_submission", "user": {"id": ACTOR}, "view": {"callback_id": FORGET_CALLBACK}}),
        "application/x-www-form-urlencoded",
    ),
}


@pytest.mark.parametrize(("body", "content_type"), UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_body_bolt_cannot_read_is_a_bad_request_and_changes_nothing(
    body: bytes,
    content_type: str,
    wsgi: WSGIApplication,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    before, mark = every_row(engine), len(slack.calls())
    answer = post(wsgi, body, content_type)
    assert answer.status == 400
    assert_polite(answer.body)
    lazies.settle()
    assert every_row(engine) == before
    assert said(slack, mark) == []


def dm_event(**fields: Any) -> dict[str, Any]:
    """A message event in the actor's DM, with `fields` replaced (None: left out)."""
    event = {
        "type": "message",
        "channel": SlackAPIServer.dm_channel_id(ACTOR),
        "channel_type": "im",
        "user": ACTOR,
        "text": "unblocked Sam",
        "ts": "1763890000.000100",
    }
    return {name: value for name, value in {**event, **fields}.items() if value is not None}


MALFORMED_EVENTS: dict[str, dict[str, Any]] = {
    "no event": {},
    "event without a type": {"event": {"user": ACTOR, "text": "unblocked Sam"}},
    "event is a list": {"event": [dm_event()]},
    "event is a string": {"event": "message"},
    "text is a number": {"event": dm_event(text=42)},
    "text is an object": {"event": dm_event(text={"type": "mrkdwn", "text": "unblocked Sam"})},
    "text is missing": {"event": dm_event(text=None)},
    "user is a number": {"event": dm_event(user=7)},
    "channel is a list": {"event": dm_event(channel=["D0LEAD"])},
    "ts is an object": {"event": dm_event(ts={"ts": "1.5"})},
    "an edit whose message is a string": {"event": dm_event(subtype="message_changed", message="edited")},
    "an edit without a message": {"event": dm_event(subtype="message_changed")},
    "a deletion of nothing": {"event": dm_event(subtype="message_deleted")},
    "Home opened by nobody": {"event": {"type": "app_home_opened", "tab": "home"}},
    "team id is a number": {"team_id": 5, "event": dm_event()},
    "event id is an object": {"event_id": {"id": 1}, "event": dm_event()},
}


@pytest.mark.parametrize("fields", MALFORMED_EVENTS.values(), ids=MALFORMED_EVENTS.keys())
def test_an_event_with_missing_or_wrong_typed_fields_never_fails(
    fields: dict[str, Any],
    wsgi: WSGIApplication,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    body = {"type": "event_callback", "team_id": TEAM_ID, "event_id": "Ev0BAD", **fields}
    guard = Guard(slack, lazies, engine)
    guard.check(post(wsgi, json.dumps(body).encode(), "application/json"))


STATS_COMMAND = form(
    {
        "command": "/why-am-i-coding",
        "text": "stats",
        "team_id": TEAM_ID,
        "user_id": ACTOR,
        "trigger_id": "t",
        "response_url": "https://hooks.slack.com/commands/T0TEAM/1/x",
    }
)
HOME_OPENED = json.dumps(
    {"type": "event_callback", "team_id": TEAM_ID, "event": {"type": "app_home_opened", "user": ACTOR, "tab": "home"}}
).encode()
MULTIPART_COMMAND = (
    b'--b\r\nContent-Disposition: form-data; name="command"\r\n\r\n/impact\r\n'
    b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nunblocked Sam\r\n--b--\r\n'
)
WRONG_CONTENT_TYPES = {
    "text/plain command": (STATS_COMMAND, "text/plain"),
    "command without a content type": (STATS_COMMAND, None),
    "event as form-encoded": (HOME_OPENED, "application/x-www-form-urlencoded"),
    "event as text/plain": (HOME_OPENED, "text/plain"),
    "XML": (b'<?xml version="1.0"?><command>/impact</command>', "application/xml"),
    "multipart command": (MULTIPART_COMMAND, "multipart/form-data; boundary=b"),
    "empty text/plain": (b"", "text/plain"),
}


@pytest.mark.parametrize(("body", "content_type"), WRONG_CONTENT_TYPES.values(), ids=WRONG_CONTENT_TYPES.keys())
def test_wrong_content_types_get_a_4xx_or_a_polite_answer_in_process(
    body: bytes,
    content_type: str | None,
    requests: SlackRequests,
    wsgi: WSGIApplication,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    guard = Guard(slack, lazies, engine)
    response = requests.dispatch(body.decode(), content_type or "")
    guard.check(Answer(response.status, str(response.body)))
    guard = Guard(slack, lazies, engine)
    guard.check(post(wsgi, body, content_type))


def test_wrong_content_types_and_unreadable_bodies_over_http(
    served: Served,  # noqa: F811 - the fixture imported from tests.test_serve
    slack: SlackAPIServer,
) -> None:
    engine = make_engine(f"sqlite:///{served.database}")
    try:
        seed_lead(make_session_factory(engine), slack, Clock(), VICTIM)
        before = victim_rows(engine)
        for body, content_type in WRONG_CONTENT_TYPES.values():
            answer = post_over_http(served.base, body, content_type)
            assert 200 <= answer.status < 500, (body, content_type, answer)
            assert_polite(answer.body)
        for body, content_type in UNREADABLE.values():
            answer = post_over_http(served.base, body, content_type)
            assert answer.status == 400, (body, content_type, answer)
            assert_polite(answer.body)
        assert victim_rows(engine) == before
    finally:
        engine.dispose()


def test_an_oversized_body_gets_413_and_the_server_keeps_serving(
    served: Served,  # noqa: F811 - the fixture imported from tests.test_serve
    slack: SlackAPIServer,
) -> None:
    padding = "x" * MAX_BODY_BYTES
    oversized = form({"command": "/impact", "text": padding, "team_id": TEAM_ID, "user_id": ACTOR})
    assert len(oversized) > MAX_BODY_BYTES

    answer = post_over_http(served.base, oversized, "application/x-www-form-urlencoded")

    assert answer.status == 413
    assert_polite(answer.body)
    assert http_get(served.base + "/healthz")[0] == 200
    after = post_over_http(served.base, STATS_COMMAND, "application/x-www-form-urlencoded")
    assert after.status == 200
    assert "No coding diagnostics" in after.body
    engine = make_engine(f"sqlite:///{served.database}")
    try:
        with make_session_factory(engine)() as session:
            assert session.scalars(select(ImpactEntry)).all() == []
    finally:
        engine.dispose()


# ---------------------------------------------------------------- unknown ids, and ids naming another lead's rows


UNKNOWN: dict[str, Callable[[SlackRequests], BoltResponse]] = {
    "home button": lambda requests: requests.home_button("home_dance"),
    "message button": lambda requests: requests.message_button("dance", "1", channel="D0LEAD", message_ts="1.5"),
    "modal": lambda requests: requests.view_submission("dance_modal", {}, private_metadata='{"entry_id": 1}'),
    "menu search": lambda requests: requests.options("dance_menu", "Ber"),
    "view closed": lambda requests: requests.interaction(
        {"type": "view_closed", "user": {"id": ACTOR}, "view": {"callback_id": ENTRY_CALLBACK, "type": "modal"}}
    ),
    "command": lambda requests: requests.command("/dance", "start"),
    "event": lambda requests: requests.event({"type": "reaction_added", "user": ACTOR, "reaction": "tada"}),
}


@pytest.mark.parametrize("kind", UNKNOWN.keys())
def test_unknown_action_and_callback_ids_get_200_or_404_and_write_nothing(
    kind: str, requests: SlackRequests, slack: SlackAPIServer, lazies: Lazies, engine: Engine, victim: SeededLead
) -> None:
    before, mark = every_row(engine), len(slack.calls())
    response = UNKNOWN[kind](requests)
    assert response.status in (200, 404)
    assert_polite(str(response.body))
    lazies.settle()
    assert every_row(engine) == before
    assert said(slack, mark) == []


def diagnostic_answers() -> dict[str, Any]:
    def chosen(value: str) -> dict[str, Any]:
        return {"value": {"selected_option": {"value": value}}}

    return {
        "task": {"value": {"value": "the flaky cache layer"}},
        "ownership": chosen("yes"),
        "pull": chosen("dopamine"),
        "hours": {"value": {"value": "3"}},
    }


def settings_answers() -> dict[str, Any]:
    def chosen(value: str) -> dict[str, Any]:
        return {"selected_option": {"value": value}}

    return {
        "prompt_time": {"value": {"selected_time": "08:15"}},
        "workdays": {"value": {"selected_options": [{"value": "1"}, {"value": "3"}]}},
        "timezone": {TIMEZONE_ACTION: chosen("Europe/Berlin")},
        "summary_weekday": {"value": chosen("4")},
        "summary_time": {"value": {"selected_time": "09:00"}},
        "share_by_default": {"value": chosen("shareable")},
    }


def actor_lead(session_factory: sessionmaker[Session]) -> Lead | None:
    with session_factory() as session:
        return session.scalars(select(Lead).where(Lead.user_id == ACTOR)).one_or_none()


def actor_diagnostics(session_factory: sessionmaker[Session]) -> list[str]:
    with session_factory() as session:
        query = select(Diagnostic.task).join(Lead, Lead.id == Diagnostic.lead_id).where(Lead.user_id == ACTOR)
        return sorted(session.scalars(query))


def actor_entries(session_factory: sessionmaker[Session]) -> list[str]:
    with session_factory() as session:
        query = select(ImpactEntry.text).join(Lead, Lead.id == ImpactEntry.lead_id).where(Lead.user_id == ACTOR)
        return sorted(session.scalars(query))


@dataclass(frozen=True)
class Submission:
    callback_id: str
    values: Callable[[], dict[str, Any]]
    metadata: Callable[[SeededLead], dict[str, Any]]
    refusal: str | None  # what the modal says under a field; None: the metadata is ignored, the submitter acted on
    landed: Callable[[sessionmaker[Session]], bool] = lambda _factory: True


SHAREABLE_MENTORING = {
    "categories": {"categories_select": {"selected_options": [{"value": "mentoring"}]}},
    "sharing": {"sharing_choice": {"selected_options": [{"value": "shareable"}]}},
}
SUBMISSIONS = {
    "entry: correct their entry": Submission(
        ENTRY_CALLBACK, lambda: SHAREABLE_MENTORING, lambda v: {"entry_id": v.entry_ids[0]}, "isn't yours"
    ),
    "entry: correct their entry, with a prompt of theirs": Submission(
        ENTRY_CALLBACK,
        lambda: SHAREABLE_MENTORING,
        lambda v: {"entry_id": v.entry_ids[1], "delivery_id": v.delivery_ids[0]},
        "isn't yours",
    ),
    "entry: answer their prompt": Submission(
        ENTRY_CALLBACK,
        lambda: {"answer": {"answer_text": {"value": "paired with Sam on the deploy"}}},
        lambda v: {"delivery_id": v.delivery_ids[0]},
        "isn't yours",
    ),
    "entry: their ids as strings and their user id": Submission(
        ENTRY_CALLBACK,
        lambda: {"answer": {"answer_text": {"value": "paired with Sam on the deploy"}}},
        lambda v: {"entry_id": str(v.entry_ids[0]), "delivery_id": str(v.delivery_ids[0]), "user_id": VICTIM},
        None,
        lambda factory: "paired with Sam on the deploy" in actor_entries(factory),
    ),
    "diagnostic: their user and diagnostic": Submission(
        DIAGNOSTIC_CALLBACK,
        diagnostic_answers,
        lambda v: {"user_id": VICTIM, "team_id": TEAM_ID, "diagnostic_id": v.diagnostic_ids[0]},
        None,
        lambda factory: "the flaky cache layer" in actor_diagnostics(factory),
    ),
    "settings: their user and lead": Submission(
        SETTINGS_CALLBACK,
        settings_answers,
        lambda v: {"user_id": VICTIM, "team_id": TEAM_ID, "lead_id": v.lead_id},
        None,
        lambda factory: (lead := actor_lead(factory)) is not None and lead.prompt_time == time(8, 15),
    ),
    "forget: their user and lead": Submission(
        FORGET_CALLBACK,
        dict,
        lambda v: {"user_id": VICTIM, "team_id": TEAM_ID, "lead_id": v.lead_id},
        None,
        lambda factory: actor_lead(factory) is None,
    ),
}


def modal_callbacks() -> set[str]:
    """Every modal callback id the blocks define."""
    found = set()
    for module in pkgutil.iter_modules(bot.slack.blocks.__path__):
        callback = getattr(importlib.import_module(f"bot.slack.blocks.{module.name}"), "MODAL_CALLBACK", None)
        if callback:
            found.add(callback)
    return found


def test_every_modal_is_submitted_naming_another_lead() -> None:
    assert {submission.callback_id for submission in SUBMISSIONS.values()} == modal_callbacks()


@pytest.mark.parametrize("case", SUBMISSIONS.keys())
def test_a_view_submission_naming_another_lead_is_refused_or_kept_to_the_submitter(
    case: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    session_factory: sessionmaker[Session],
    victim: SeededLead,
) -> None:
    submission = SUBMISSIONS[case]
    guard = Guard(slack, lazies, engine)

    response = requests.view_submission(
        submission.callback_id, submission.values(), private_metadata=json.dumps(submission.metadata(victim))
    )

    guard.check(Answer(response.status, str(response.body)))
    assert response.status == 200
    if submission.refusal is not None:
        answer = json.loads(str(response.body))
        assert answer["response_action"] == "errors"
        assert submission.refusal in " ".join(answer["errors"].values())
    assert submission.landed(session_factory)
    victim_dm = SlackAPIServer.dm_channel_id(VICTIM)
    assert not [call for call in slack.calls() if VICTIM in (call.params.get("channel"), call.params.get("user_id"))]
    assert not [call for call in slack.calls() if call.params.get("channel") == victim_dm]


BUTTONS = {
    "change categories": (EDIT_ACTION, "entry"),
    "share": (SHARE_ACTION, "entry"),
    "delete": (DELETE_ACTION, "entry"),
    "keep private": (PRIVATE_ACTION, "entry"),
    "an older message's sharing toggle": (LEGACY_TOGGLE_ACTION, "entry"),
    "answer": (ANSWER_ACTION, "delivery"),
    "skip": (SKIP_ACTION, "delivery"),
    "not a good prompt": (REJECT_ACTION, "delivery"),
    **{f"coding outcome {outcome}": (action_id, "diagnostic") for outcome, action_id in OUTCOME_ACTIONS.items()},
}


@pytest.mark.parametrize("button", BUTTONS.keys())
def test_a_button_naming_another_leads_row_is_refused_and_their_dm_is_left_alone(
    button: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    action_id, kind = BUTTONS[button]
    row = {"entry": victim.entry_ids, "delivery": victim.delivery_ids, "diagnostic": victim.diagnostic_ids}[kind][0]
    victim_dm = SlackAPIServer.dm_channel_id(VICTIM)
    guard = Guard(slack, lazies, engine)

    response = requests.message_button(action_id, str(row), channel=victim_dm, message_ts="1763890000.000100")

    guard.check(Answer(response.status, str(response.body)))
    assert response.status == 200
    assert not [call for call in slack.calls() if call.params.get("channel") == victim_dm]
    told = [str(call.params.get("text")) for call in slack.calls("response_url")]
    if action_id in (
        EDIT_ACTION,
        SHARE_ACTION,
        PRIVATE_ACTION,
        LEGACY_TOGGLE_ACTION,
        DELETE_ACTION,
        *OUTCOME_ACTIONS.values(),
    ):
        assert told, "nobody was told"
        assert all("isn't yours" in text for text in told), told


# ---------------------------------------------------------------- data the database refuses is not an outage


@pytest.mark.parametrize(
    ("team_id", "user_id", "text"),
    [
        (TEAM_ID, ACTOR, "unblocked\x00Sam"),  # PostgreSQL refuses NUL in text
        (TEAM_ID, "U" + "9" * 40, "unblocked Sam"),  # longer than the user id column
        ("T" + "9" * 40, ACTOR, "unblocked Sam"),  # longer than the team id column
    ],
    ids=["NUL in the text", "overlong user id", "overlong team id"],
)
def test_text_or_ids_the_database_refuses_get_a_polite_answer_not_a_retry(
    team_id: str,
    user_id: str,
    text: str,
    app: App,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    requests = SlackRequests(app, response_url=slack.url + "/respond/1", team_id=team_id)
    channel = SlackAPIServer.dm_channel_id(ACTOR)
    guard = Guard(slack, lazies, engine)
    event = {"type": "message", "channel": channel, "channel_type": "im", "user": user_id, "text": text, "ts": "2.5"}
    response = requests.event(event)
    guard.check(Answer(response.status, str(response.body)))
    assert response.status == 200  # a 503 would have Slack retry a message that can never be stored

    guard = Guard(slack, lazies, engine)
    response = requests.command("/impact", text, user_id=user_id)
    guard.check(Answer(response.status, str(response.body)))
    answer = str(response.body)
    assert DATABASE_DOWN not in answer  # the database is up: it refused the data
    if team_id != TEAM_ID:  # no such workspace installed the app: nothing is stored or called, and it says so
        assert NOT_INSTALLED in answer
    else:
        assert "Logged" in answer or CANNOT_STORE in answer  # SQLite stores it all; PostgreSQL refuses it, says so


# ---------------------------------------------------------------- odd values: ids that aren't, text Slack can send

ODD_IDS = ("²", "١", "1.0", "0x1", "-1", " 1", "1\n", "9" * 30, "99999999999")  # isdigit() is true of the first two
ID_BUTTONS = (
    *(EDIT_ACTION, SHARE_ACTION, PRIVATE_ACTION, LEGACY_TOGGLE_ACTION, DELETE_ACTION),
    *(ANSWER_ACTION, SKIP_ACTION, REJECT_ACTION, *OUTCOME_ACTIONS.values()),
)


@pytest.mark.parametrize("value", ODD_IDS)
@pytest.mark.parametrize("action_id", ID_BUTTONS)
def test_a_button_whose_value_is_not_an_id_gets_a_polite_answer(
    action_id: str,
    value: str,
    requests: SlackRequests,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
) -> None:
    guard = Guard(slack, lazies, engine)
    dm = SlackAPIServer.dm_channel_id(ACTOR)
    response = requests.message_button(action_id, value, channel=dm, message_ts="1763890000.000100")
    guard.check(Answer(response.status, str(response.body)))
    assert response.status == 200
    for call in said(slack):
        assert_polite(json.dumps(call.params))


@pytest.mark.parametrize("entry_id", [10**22, -1, 0, 2**31, "1", 1.5, True, None])
def test_private_metadata_with_an_impossible_id_gets_a_polite_answer(
    entry_id: Any, requests: SlackRequests, slack: SlackAPIServer, lazies: Lazies, engine: Engine, victim: SeededLead
) -> None:
    guard = Guard(slack, lazies, engine)
    metadata = json.dumps({"entry_id": entry_id, "delivery_id": entry_id, "revision": entry_id})
    values = {"categories": {"categories_select": {"selected_options": []}}}
    response = requests.view_submission(ENTRY_CALLBACK, values, private_metadata=metadata, user_id=ACTOR)
    guard.check(Answer(response.status, str(response.body)))
    assert response.status == 200


def test_a_lone_surrogate_in_a_dm_is_stored_as_a_replacement_character(
    requests: SlackRequests,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
    session_factory: sessionmaker[Session],
) -> None:
    guard = Guard(slack, lazies, engine)
    dm = SlackAPIServer.dm_channel_id(ACTOR)
    event = {"type": "message", "channel": dm, "channel_type": "im", "user": ACTOR, "ts": "1763890001.000100"}
    response = requests.event({**event, "text": "unblocked \ud800Sam \x00 on the deploy \udfff"})
    guard.check(Answer(response.status, str(response.body)))
    assert response.status == 200
    with session_factory() as session:
        stored = session.scalars(select(Reply.text).where(Reply.message_ts == "1763890001.000100")).one()
    assert stored == "unblocked \ufffdSam \ufffd on the deploy \ufffd"
    changed = {"type": "message", "subtype": "message_changed", "channel": dm, "channel_type": "im"}
    edit = {"ts": "1763890001.000100", "user": ACTOR, "text": "unblocked \udbffSam"}
    assert requests.event({**changed, "ts": "1763890002.000100", "message": edit}).status == 200
    lazies.settle()
    with session_factory() as session:
        stored = session.scalars(select(Reply.text).where(Reply.message_ts == "1763890001.000100")).one()
    assert stored == "unblocked \ufffdSam"


def test_a_lone_surrogate_in_a_modal_is_stored_as_a_replacement_character(
    requests: SlackRequests,
    slack: SlackAPIServer,
    lazies: Lazies,
    engine: Engine,
    victim: SeededLead,
    session_factory: sessionmaker[Session],
) -> None:
    values = {"answer": {"answer_text": {"value": "paired with \ud83dAna"}}}
    response = requests.view_submission(ENTRY_CALLBACK, values, user_id=ACTOR)
    assert response.status == 200
    lazies.settle()
    with session_factory() as session:
        texts = list(session.scalars(select(ImpactEntry.text).where(ImpactEntry.source == "modal")))
    assert texts == ["paired with \ufffdAna"]


def deep(levels: int) -> Any:
    nested: Any = "x"
    for _ in range(levels):
        nested = {"a": nested}
    return nested


@pytest.mark.parametrize("field", ["text", "user", "ts", "channel", "thread_ts", "message", "previous_message"])
def test_a_900_deep_object_in_an_event_field_is_answered_without_a_traceback(
    field: str, requests: SlackRequests, slack: SlackAPIServer, lazies: Lazies, engine: Engine, victim: SeededLead
) -> None:
    guard = Guard(slack, lazies, engine)
    dm = SlackAPIServer.dm_channel_id(ACTOR)
    event = {"type": "message", "channel": dm, "channel_type": "im", "user": ACTOR, "text": "hi", "ts": "1763890003.1"}
    if field in ("message", "previous_message"):
        event["subtype"] = "message_changed"
    response = requests.event({**event, field: deep(900)})
    guard.check(Answer(response.status, str(response.body)))
    assert response.status == 200


@pytest.mark.parametrize("where", ["value", "action_id", "block_id"])
def test_a_900_deep_object_in_a_button_is_answered_without_a_traceback(
    where: str, requests: SlackRequests, slack: SlackAPIServer, lazies: Lazies, engine: Engine, victim: SeededLead
) -> None:
    guard = Guard(slack, lazies, engine)
    dm = SlackAPIServer.dm_channel_id(ACTOR)
    action = {"type": "button", "action_id": SHARE_ACTION, "block_id": "b", "value": "1:1", where: deep(900)}
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": ACTOR, "team_id": TEAM_ID},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": dm},
        "channel": {"id": dm},
        "trigger_id": "t",
        "actions": [action],
    }
    response = requests.interaction(payload)
    guard.check(Answer(response.status, str(response.body)))
    assert response.status in (200, 404)  # 404: no listener has that action id (Bolt's own answer)
