"""Fan-out benchmark: N leads all due in the same minute, against the Slack-compatible test server.

    python bench/fanout.py --leads 10000 [--database-url URL] [--limit 1200] [--throttled-leads 3000]
                           [--worker-leads 600] [--workers 2]

Phase 1 (unthrottled): one tick in this process; the server answers as fast as it can and the pacer is wide open;
prints deliveries per second, CPU milliseconds per delivery (this process only: the server runs in its own) and
peak RSS.
Phase 2 (throttled): one tick in this process; the server allows `--limit` chat.postMessage calls per rolling
minute and answers 429 past that; the bot paces at COACH_POST_RATE = the limit. Prints the achieved rate as a
share of the limit, the 429s, duplicates and misses.
Phase 3 (workers): `--workers` real `python -m bot worker` processes against the same limit, with COACH_POST_RATE =
the limit, sharing the pace through the database. `--worker-leads` leads are due a minute before the real time
(a worker ticks at start-up, at the time it is). Prints the combined rate as a share of the limit (from the first
post to the last, as the server saw them), the 429s, duplicates, misses, each worker's share and the ERROR lines in
their logs. With no more leads than the limit, a rolling minute cannot overflow whatever the pace: the 429 count
only tests the pacing with more.

Phases 1 and 2 tick at a fixed instant with the container `coach` builds (bot.container.build and tick_of; the
per-channel spacing stays at its default). Each phase starts from an emptied database (a SQLite file in a temporary
directory by default).
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import os
import re
import resource
import subprocess
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

from bot import container  # noqa: E402
from bot.__main__ import load_category_rules, load_prompts  # noqa: E402
from bot.config import Settings, normalize_database_url  # noqa: E402
from bot.delivery.gateway import make_client  # noqa: E402
from bot.jobs import TickReport, run_tick  # noqa: E402
from bot.store import migrate  # noqa: E402
from bot.store.db import make_engine, make_session_factory  # noqa: E402
from bot.store.models import Delivery, Lead, PaceSlot, Workspace  # noqa: E402
from tests.slack_api import SlackAPIServer  # noqa: E402
from tests.support import BOT_TOKEN, TEAM_ID  # noqa: E402

NOW = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)
UNPACED = 10**9  # posts per minute: no workspace pace to speak of
SHARE_TARGET = 0.95
WORKER_PATIENCE = 60.0  # seconds the workers may go without a new post before the bench stops waiting
TICK_LINE = re.compile(r"tick: (\d+) prompts")
LOG_LEVEL = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@dataclass(frozen=True)
class PostStats:
    """What the server saw of chat.postMessage."""

    delivered: Counter[str]
    rate_limited: int
    first: float
    last: float

    @property
    def sent(self) -> int:
        """Posts answered ok."""
        return sum(self.delivered.values())


def serve(conn: multiprocessing.connection.Connection) -> None:
    """Run the Slack-compatible server in this (child) process and answer the parent's questions."""
    with SlackAPIServer(token=BOT_TOKEN, team_id=TEAM_ID) as server:  # a worker installs the token's workspace
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


def prepare(database_url: str, leads: int, due: datetime) -> None:
    """A migrated database with `leads` enrolled leads in one workspace, all due at `due` (UTC, on the minute)."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        for table in (Delivery, Lead, Workspace, PaceSlot):
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
                    "prompt_time": time_of_day(due.hour, due.minute),
                    "enrolled": True,
                    "active": True,
                    "next_prompt_at": due,
                }
                for n in range(leads)
            ],
        )
    engine.dispose()


def settings_for(api_url: str, database_url: str, per_minute: int) -> Settings:
    """What `coach` would read from the environment for this run."""
    return Settings(
        bot_token=BOT_TOKEN,
        signing_secret=None,
        app_token=None,
        slack_api_url=api_url,
        database_url=database_url,
        port=3000,
        timezone="UTC",
        digest_channel=None,
        post_rate=per_minute,
        log_level="INFO",
    )


def run_once(database_url: str, api_url: str, per_minute: int) -> tuple[TickReport, float, float]:
    """One tick at NOW, built as `coach` builds it; returns its report, wall seconds and CPU seconds of this
    process."""
    engine = make_engine(database_url)
    deps = container.build(
        settings_for(api_url, database_url, per_minute),
        make_session_factory(engine),
        make_client(BOT_TOKEN, api_url),
        load_prompts(),
        load_category_rules(),
        clock=lambda: NOW,
    )
    tick = container.tick_of(deps)
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    try:
        report = run_tick(tick, NOW)
    finally:
        deps.courier.stop()
    wall, cpu = time.perf_counter() - wall_before, time.process_time() - cpu_before
    engine.dispose()
    return report, wall, cpu


def check(stats: PostStats, leads: int) -> tuple[int, int]:
    """Duplicates (posts beyond the first per lead) and misses (due leads that got nothing)."""
    expected = {f"U{n:08d}" for n in range(leads)}
    duplicates = sum(count - 1 for count in stats.delivered.values() if count > 1)
    return duplicates, len(expected - set(stats.delivered))


def stats_of(server: multiprocessing.connection.Connection) -> PostStats:
    """Ask the server what it saw."""
    server.send(("stats", None))
    stats: PostStats = server.recv()
    return stats


def limit(server: multiprocessing.connection.Connection, per_minute: int | None) -> None:
    """Forget the calls so far and set the server's chat.postMessage limit (None: unlimited)."""
    server.send(("limit", per_minute))
    server.recv()


@dataclass(frozen=True)
class Workers:
    """How the worker processes' run ended."""

    stats: PostStats
    started: float  # wall-clock time the workers were launched
    sent: list[int]  # prompts each worker's ticks reported sent
    levels: Counter[str]  # log lines by level, all workers
    errors: list[str]
    logs: list[Path]


def log_of(path: Path) -> tuple[int, Counter[str], list[str]]:
    """Prompts a worker's ticks sent, its log lines by level, and its ERROR (and CRITICAL) lines."""
    sent, levels, errors = 0, Counter[str](), []
    for line in path.read_text(errors="replace").splitlines():
        if (match := TICK_LINE.search(line)) is not None:
            sent += int(match.group(1))
        if (level := LOG_LEVEL.match(line)) is not None:
            levels[level.group(1)] += 1
            if level.group(1) in ("ERROR", "CRITICAL"):
                errors.append(line)
    return sent, levels, errors


def run_workers(
    database_url: str,
    api_url: str,
    per_minute: int,
    count: int,
    leads: int,
    server: multiprocessing.connection.Connection,
) -> Workers:
    """`count` worker processes, started together, until every lead got its prompt (or no post came for a while);
    their stderr goes to log files beside the database."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACH_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "COACH_POST_RATE": str(per_minute),
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    scratch = Path(tempfile.mkdtemp(prefix="fanout-workers-"))
    logs = [scratch / f"worker-{n}.log" for n in range(count)]
    started = time.time()
    files = [log.open("wb") for log in logs]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"], env=env, cwd=scratch, stdout=subprocess.DEVNULL, stderr=file
        )
        for file in files
    ]
    try:
        seen, last_change = -1, time.monotonic()
        while True:
            stats = stats_of(server)
            if stats.sent != seen:
                seen, last_change = stats.sent, time.monotonic()
            if stats.sent >= leads or time.monotonic() - last_change > WORKER_PATIENCE:
                break
            if any(process.poll() is not None for process in processes):
                raise SystemExit(f"a worker exited early: see {scratch}")
            time.sleep(0.5)
        time.sleep(2.0)  # a late duplicate would show now
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for file in files:
            file.close()
    stats = stats_of(server)
    sent, levels, errors = [], Counter[str](), []
    for log in logs:
        worker_sent, worker_levels, worker_errors = log_of(log)
        sent.append(worker_sent)
        levels.update(worker_levels)
        errors.extend(worker_errors)
    return Workers(stats, started, sent, levels, errors, logs)


def main() -> None:
    """Run the phases and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--limit", type=int, default=1200, help="the server's chat.postMessage limit per minute")
    parser.add_argument("--throttled-leads", type=int, default=3000, help="leads in the throttled phase (0: skip)")
    parser.add_argument("--worker-leads", type=int, default=600, help="leads in the workers phase (0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes in the workers phase")
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(child,), daemon=True)
    server.start()
    api_url = parent.recv()

    with tempfile.TemporaryDirectory() as scratch:
        database_url = normalize_database_url(args.database_url or f"sqlite:///{scratch}/fanout.db")
        print(f"database: {database_url.split('@')[-1]}")

        prepare(database_url, args.leads, NOW - timedelta(minutes=1))
        limit(parent, None)
        report, wall, cpu = run_once(database_url, api_url, UNPACED)
        stats = stats_of(parent)
        duplicates, misses = check(stats, args.leads)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"unthrottled: {args.leads} leads, {report.sent} sent in {wall:.1f} s (one tick in this process)")
        print(f"  deliveries per second   {report.sent / wall:8.0f}   (target >= 300)")
        print(f"  CPU ms per delivery     {cpu * 1000 / max(report.sent, 1):8.2f}")
        print(f"  peak RSS                {peak_mb:8.0f} MB (target < 250)")
        print(f"  duplicates {duplicates}, misses {misses}")

        if args.throttled_leads:
            prepare(database_url, args.throttled_leads, NOW - timedelta(minutes=1))
            limit(parent, args.limit)
            report, wall, _ = run_once(database_url, api_url, args.limit)
            stats = stats_of(parent)
            duplicates, misses = check(stats, args.throttled_leads)
            achieved = report.sent / wall * 60
            share = achieved / args.limit
            print(
                f"throttled at {args.limit}/min: {args.throttled_leads} leads, {report.sent} sent in {wall:.1f} s "
                "(one tick in this process)"
            )
            print(f"  achieved rate           {achieved:8.0f} /min = {share:.1%} of the limit (target >= 95%)")
            print(f"  429s received           {stats.rate_limited:8d}")
            print(f"  duplicates {duplicates}, misses {misses} (target 0 and 0)")

        if args.worker_leads:
            due = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
            prepare(database_url, args.worker_leads, due)
            limit(parent, args.limit)
            workers = run_workers(database_url, api_url, args.limit, args.workers, args.worker_leads, parent)
            stats = workers.stats
            duplicates, misses = check(stats, args.worker_leads)
            span = stats.last - stats.first
            paced = (stats.sent - 1) / span * 60 if span > 0 else 0.0
            overall = stats.sent / (stats.last - workers.started) * 60 if stats.sent else 0.0
            print(
                f"{args.workers} worker processes at {args.limit}/min (COACH_POST_RATE={args.limit}): "
                f"{args.worker_leads} leads due at {due:%H:%M} UTC, {stats.sent} sent"
            )
            print(
                f"  combined rate           {paced:8.0f} /min = {paced / args.limit:.1%} of the limit over "
                f"{span:.1f} s, first post to last (target >= {SHARE_TARGET:.0%})"
            )
            print(
                f"  from launch             {overall:8.0f} /min = {overall / args.limit:.1%} of the limit over "
                f"{stats.last - workers.started:.1f} s (with the workers' start-up)"
            )
            shares = ", ".join(str(sent) for sent in workers.sent)
            print(f"  sent by each worker     {shares} (from their tick lines)")
            print(f"  429s received           {stats.rate_limited:8d} (target 0)")
            if args.worker_leads <= args.limit:
                print(f"    ({args.worker_leads} posts <= {args.limit} per rolling minute: a 429 was impossible)")
            print(f"  duplicates {duplicates}, misses {misses} (target 0 and 0)")
            levels = ", ".join(f"{level} {count}" for level, count in sorted(workers.levels.items()))
            print(f"  worker logs ({workers.logs[0].parent}): {levels or 'empty'}")
            for error in workers.errors[:5]:
                print(f"    {error[:200]}")
            met = paced >= SHARE_TARGET * args.limit and stats.rate_limited == 0 and duplicates == 0 and misses == 0
            print(f"  {'PASS' if met else 'MISS'}  rate >= {SHARE_TARGET:.0%}, 0 429s, 0 duplicates, 0 misses")
    parent.send(("stop", None))
    server.join(timeout=10)


if __name__ == "__main__":
    main()
