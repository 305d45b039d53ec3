"""Fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), the Slack-compatible
server, and the real app wired to both."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from bot import container
from bot.__main__ import MODEL_PATH, PROMPTS_DIR, RULES_PATH
from bot.coaching.filing import Filing, load_filing
from bot.coaching.prompts import PromptLibrary, load_library
from bot.config import Settings, normalize_database_url
from bot.delivery.gateway import make_client
from bot.slack.app import create_app
from bot.slack.deps import AppDeps
from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Base
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN, TEAM_ID, Clock, SlackRequests, settings_for

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
_OPEN_TRANSACTIONS: Counter[int] = Counter()  # per thread: root session transactions begun and not yet ended


@event.listens_for(Session, "after_transaction_create")
def _transaction_opened(_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        _OPEN_TRANSACTIONS[threading.get_ident()] += 1


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(_session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and _OPEN_TRANSACTIONS[threading.get_ident()] > 0:
        _OPEN_TRANSACTIONS[threading.get_ident()] -= 1


SENDS = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.delete",
        "chat.postEphemeral",
        "views.publish",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
)
BOT = Path(__file__).resolve().parents[1] / "bot"
COURIER = BOT / "delivery" / "courier.py"


def sent_around_the_courier() -> bool:
    """Whether the app (code under bot/, outside the delivery package) is making this call without the courier."""
    frame, ours = sys._getframe(2), False
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path == COURIER:
            return False
        ours = ours or (path.is_relative_to(BOT) and not path.is_relative_to(BOT / "delivery"))
        frame = frame.f_back  # type: ignore[assignment]
    return ours


def problems_with(api_method: str) -> list[str]:
    """What is wrong with the app making this Web API call here and now."""
    found = []
    if _OPEN_TRANSACTIONS[threading.get_ident()]:
        found.append(f"{api_method} inside an open transaction")
    if api_method in SENDS and sent_around_the_courier():
        found.append(f"{api_method} sent without the courier")
    return found


@pytest.fixture(autouse=True)
def slack_calls_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test: a Slack Web API call made while the same thread has a database transaction open fails it (a
    slow or hanging Slack would hold locks and connections), and so does a message, file or Home view the app
    sends other than through the courier (the one path that paces, retries and sends exactly once)."""
    problems: list[str] = []
    call = WebClient.api_call

    def checked(client: WebClient, api_method: str, *args: Any, **kwargs: Any) -> Any:
        problems.extend(problems_with(api_method))
        return call(client, api_method, *args, **kwargs)

    monkeypatch.setattr(WebClient, "api_call", checked)
    yield
    assert not problems, problems


BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def postgres_schema_url(schema: str) -> str:
    """The test PostgreSQL URL with its own search_path, so runs never see each other's tables."""
    assert POSTGRES_URL
    base = normalize_database_url(POSTGRES_URL)
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "coach.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL, migrated once and dropped at the end."""
    schema = f"lc_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(normalize_database_url(POSTGRES_URL or ""))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_schema_url(schema)
    migrate.upgrade(url)
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend under test."""
    if request.param == "sqlite":
        path = tmp_path / "coach.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The app's session factory on the test database."""
    return make_session_factory(engine)


@pytest.fixture
def slack() -> Iterator[SlackAPIServer]:
    """The Slack-compatible Web API server; every payload we sent must have validated."""
    server = SlackAPIServer(token=BOT_TOKEN, team_id=TEAM_ID).start()
    yield server
    server.stop()
    server.assert_all_valid()


@pytest.fixture
def clock() -> Clock:
    """The app's clock, settable by the test."""
    return Clock()


@pytest.fixture
def settings(slack: SlackAPIServer, database_url: str) -> Settings:
    """Settings pointing at the test Slack server and database."""
    return settings_for(slack.base_url, database_url)


@pytest.fixture(scope="session")
def library() -> PromptLibrary:
    """The real prompt library."""
    return load_library(PROMPTS_DIR)


@pytest.fixture(scope="session")
def filing() -> Filing:
    """The real category rules and filing model."""
    return load_filing(RULES_PATH, MODEL_PATH)


@pytest.fixture
def deps(
    settings: Settings,
    session_factory: sessionmaker[Session],
    slack: SlackAPIServer,
    clock: Clock,
    library: PromptLibrary,
    filing: Filing,
) -> Iterator[AppDeps]:
    """The app's container, its courier sending from a background thread (no per-channel spacing: tests are fast)."""
    client = make_client(BOT_TOKEN, slack.base_url)
    deps = container.build(settings, session_factory, client, library, filing, clock=clock, channel_interval=0)
    deps.courier.start()
    yield deps
    deps.courier.stop()


@pytest.fixture
def app(deps: AppDeps, slack: SlackAPIServer) -> Iterator[App]:
    """The real Bolt app, talking to the test Slack server and database; its lazy listeners finish before teardown."""
    with ThreadPoolExecutor(8, thread_name_prefix="lazy") as executor:
        yield create_app(deps, make_client(BOT_TOKEN, slack.base_url), team_id=TEAM_ID, executor=executor)


@pytest.fixture
def requests(app: App, slack: SlackAPIServer) -> SlackRequests:
    """Signed requests into the app."""
    return SlackRequests(app, response_url=slack.url + "/respond/1")
