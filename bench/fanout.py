"""Fan-out benchmark: N leads all due in the same minute, one tick, against the Slack-compatible test server.

    python bench/fanout.py --leads 10000 [--database-url URL] [--limit 1200] [--throttled-leads 3000]

Phase 1 (unthrottled): the server answers as fast as it can and the pacer is wide open; prints deliveries per
second, CPU milliseconds per delivery (this process only: the server runs in its own) and peak RSS.
Phase 2 (throttled): the server allows `--limit` chat.postMessage calls per rolling minute and answers 429 past
that; the bot paces at COACH_POST_RATE = the limit. Prints the achieved rate as a share of the limit, the 429s,
duplicates and misses. Each phase uses a fresh database (a SQLite file in a temporary directory by default).
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

from sqlalchemy import delete, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.services.pacing import Pacer  # noqa: E402
from bot.slack.sender import SlackSender, make_client  # noqa: E402

from bot.__main__ import load_prompts  # noqa: E402
from bot.coaching.prompts import make_prompt_environment  # noqa: E402
from bot.config import normalize_database_url  # noqa: E402
from bot.jobs import Tick, TickReport, run_tick  # noqa: E402
from bot.store import migrate  # noqa: E402
from bot.store.db import make_engine, make_session_factory  # noqa: E402
from bot.store.models import Delivery, Lead, Workspace  # noqa: E402
from tests.slack_api import SlackAPIServer  # noqa: E402
from tests.support import BOT_TOKEN, TEAM_ID  # noqa: E402

NOW = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)


@dataclass(frozen=True)
class PostStats:
    """What the server saw of chat.postMessage."""

    delivered: Counter[str]
    rate_limited: int
    first: float
    last: float


def serve(conn: multiprocessing.connection.Connection) -> None:
    """Run the Slack-compatible server in this (child) process and answer the parent's questions."""
    with SlackAPIServer(token=BOT_TOKEN) as server:
        conn.send(server.base_url)
        while True:
            command, argument = conn.recv()
            if command == "limit":
                server.reset()
                server.rate_limit("chat.postMessage", argument)
                conn.send(None)
            elif command == "stats":
                calls = server.calls("chat.postMessage")
                ok = [call for call in calls if call.fault is None]
                conn.send(
                    PostStats(
                        delivered=Counter(str(call.params["channel"]) for call in ok),
                        rate_limited=sum(call.fault == "rate_limit" for call in calls),
                        first=min((call.time for call in ok), default=0.0),
                        last=max((call.time for call in ok), default=0.0),
                    )
                )
            else:
                return


def prepare(database_url: str, leads: int) -> None:
    """A migrated database with `leads` enrolled leads in one workspace, all due a minute ago."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        for table in (Delivery, Lead, Workspace):
            session.execute(delete(table))
        session.add(Workspace(team_id=TEAM_ID, name="Bench", timezone="UTC"))
        session.flush()
        session.execute(
            insert(Lead),
            [
                {
                    "team_id": TEAM_ID,
                    "user_id": f"U{n:08d}",
                    "display_name": f"Lead {n}",
                    "timezone": "UTC",
                    "prompt_time": time_of_day(16, 30),
                    "enrolled": True,
                    "active": True,
                    "next_prompt_at": NOW - timedelta(minutes=1),
                }
                for n in range(leads)
            ],
        )
    engine.dispose()


def run_once(database_url: str, api_url: str, per_minute: int) -> tuple[TickReport, float, float]:
    """One tick; returns its report, wall seconds and CPU seconds of this process."""
    engine = make_engine(database_url)
    tick = Tick(
        session_factory=make_session_factory(engine),
        sender=SlackSender(make_client(BOT_TOKEN, api_url)),
        library=load_prompts(),
        env=make_prompt_environment(),
        pacer=Pacer(per_minute),
    )
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    report = run_tick(tick, NOW)
    wall, cpu = time.perf_counter() - wall_before, time.process_time() - cpu_before
    engine.dispose()
    return report, wall, cpu


def check(stats: PostStats, leads: int) -> tuple[int, int]:
    """Duplicates (posts beyond the first per lead) and misses (due leads that got nothing)."""
    expected = {f"U{n:08d}" for n in range(leads)}
    duplicates = sum(count - 1 for count in stats.delivered.values() if count > 1)
    return duplicates, len(expected - set(stats.delivered))


def main() -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--limit", type=int, default=1200, help="the server's chat.postMessage limit per minute")
    parser.add_argument("--throttled-leads", type=int, default=3000, help="leads in the throttled phase")
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(child,), daemon=True)
    server.start()
    api_url = parent.recv()

    with tempfile.TemporaryDirectory() as scratch:
        database_url = normalize_database_url(args.database_url or f"sqlite:///{scratch}/fanout.db")
        print(f"database: {database_url.split('@')[-1]}")

        prepare(database_url, args.leads)
        parent.send(("limit", None))
        parent.recv()
        report, wall, cpu = run_once(database_url, api_url, 10**9)
        parent.send(("stats", None))
        stats: PostStats = parent.recv()
        duplicates, misses = check(stats, args.leads)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"unthrottled: {args.leads} leads, {report.sent} sent in {wall:.1f} s")
        print(f"  deliveries per second   {report.sent / wall:8.0f}   (target >= 300)")
        print(f"  CPU ms per delivery     {cpu * 1000 / max(report.sent, 1):8.2f}")
        print(f"  peak RSS                {peak_mb:8.0f} MB (target < 250)")
        print(f"  duplicates {duplicates}, misses {misses}")

        prepare(database_url, args.throttled_leads)
        parent.send(("limit", args.limit))
        parent.recv()
        report, wall, _ = run_once(database_url, api_url, args.limit)
        parent.send(("stats", None))
        stats = parent.recv()
        duplicates, misses = check(stats, args.throttled_leads)
        achieved = report.sent / wall * 60
        print(f"throttled at {args.limit}/min: {args.throttled_leads} leads, {report.sent} sent in {wall:.1f} s")
        share = achieved / args.limit
        print(f"  achieved rate           {achieved:8.0f} /min = {share:.1%} of the limit (target >= 95%)")
        print(f"  429s received           {stats.rate_limited:8d}")
        print(f"  duplicates {duplicates}, misses {misses} (target 0 and 0)")
    parent.send(("stop", None))
    server.join(timeout=10)


if __name__ == "__main__":
    main()
