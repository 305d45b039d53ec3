"""Running the real tick in tests: against the Slack-compatible server, unpaced, and from two workers at once."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.prompts import PromptLibrary, make_prompt_environment
from bot.jobs import Tick, TickReport, run_tick
from bot.services.pacing import Pacer
from bot.slack.sender import SlackSender, make_client
from bot.store.db import make_engine, make_session_factory
from tests.slack_api import SlackAPIServer
from tests.support import BOT_TOKEN


def make_tick(session_factory: sessionmaker[Session], slack: SlackAPIServer, library: PromptLibrary) -> Tick:
    """A tick on the test server, with no pacing and no sleeping."""
    return Tick(
        session_factory=session_factory,
        sender=SlackSender(make_client(BOT_TOKEN, slack.base_url)),
        library=library,
        env=make_prompt_environment(),
        pacer=Pacer(100_000),
        sleep=lambda _seconds: None,
    )


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
