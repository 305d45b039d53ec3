"""Running the real tick in tests: against the Slack-compatible server, unpaced, and from two workers at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import container
from bot.__main__ import MODEL_PATH, RULES_PATH
from bot.coaching.filing import Filing, load_filing
from bot.coaching.prompts import PromptLibrary
from bot.delivery.gateway import make_client
from bot.jobs import Tick, TickReport, run_tick
from bot.store.db import make_engine, make_session_factory
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN, settings_for


@cache
def category_filing() -> Filing:
    """The real category rules and filing model, read once."""
    return load_filing(RULES_PATH, MODEL_PATH)


def make_tick(
    session_factory: sessionmaker[Session],
    slack: SlackAPIServer,
    library: PromptLibrary,
    *,
    per_minute: int = 100_000,
    timeout: int = 10,
    clock: Callable[[], datetime] | None = None,
) -> Tick:
    """A tick on the test server, with no per-channel spacing and no sleeping between retries."""
    client = make_client(BOT_TOKEN, slack.base_url, timeout=timeout)
    settings = settings_for(slack.base_url, "sqlite://", per_minute)  # the session factory is given
    timing = {"clock": clock} if clock else {}
    deps = container.build(settings, session_factory, client, library, category_filing(), channel_interval=0, **timing)
    deps.courier.sleep = lambda _seconds: None
    return container.tick_of(deps)


def two_workers_at_once(
    engine: Engine, database_url: str, slack: SlackAPIServer, library: PromptLibrary, now: datetime
) -> list[TickReport]:
    """Two ticks at the same instant, each with its own engine (as two worker processes would have)."""
    second_engine = make_engine(database_url)
    ticks = [
        make_tick(make_session_factory(engine), slack, library),
        make_tick(make_session_factory(second_engine), slack, library),
    ]
    reports: list[TickReport] = []
    barrier = threading.Barrier(2)

    def run(tick: Tick) -> None:
        barrier.wait()
        reports.append(run_tick(tick, now))

    threads = [threading.Thread(target=run, args=(tick,)) for tick in ticks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    second_engine.dispose()
    return reports
