"""Home, export and forget for a lead with years of history: how long each takes, on a temporary SQLite file.

    python bench/home_export.py [--years 5] [--peers 200] [--database-url URL]

Seeds (untimed) one enrolled lead with a workday entry (two categories, one DM reply), a prompt and a weekly
scorecard delivery for every workday of `--years` years and a diagnostic a week, plus `--peers` other leads with
a year each, so every query runs beside other people's rows. Then times building the Home view, the Markdown and
JSON exports, and forgetting the lead (best of 5, except forget, which runs once). With --database-url a fresh
PostgreSQL schema is used and dropped.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import Session, sessionmaker

from bot.services import export, forget
from bot.services.home import home_state
from bot.slack.blocks.home import home_view
from bot.slack.text import make_environment
from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Delivery, Diagnostic, EntryCategory, ImpactEntry, Lead, Reply, Workspace

NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
TEAM = "T0BENCH"


def seed(session_factory: sessionmaker[Session], user_id: str, years: int) -> None:
    """One lead with a workday's entry, prompt and reply for `years` years, weekly scorecards and diagnostics."""
    with session_factory.begin() as session:
        lead = Lead(team_id=TEAM, user_id=user_id, enrolled=True, timezone="Europe/Berlin", display_name=user_id)
        session.add(lead)
        session.flush()
        days = [NOW - timedelta(days=n) for n in range(1, 365 * years) if (NOW - timedelta(days=n)).weekday() < 5]
        session.execute(
            insert(Delivery),
            [
                {
                    "team_id": TEAM,
                    "lead_id": lead.id,
                    "kind": "prompt",
                    "period_key": f"{day:%Y-%m-%d}",
                    "recipient": user_id,
                    "status": "answered",
                    "created_at": day,
                    "sent_at": day,
                }
                for day in days
            ]
            + [
                {
                    "team_id": TEAM,
                    "lead_id": lead.id,
                    "kind": "summary",
                    "period_key": f"{day:%G-W%V}",
                    "recipient": user_id,
                    "status": "sent",
                    "created_at": day,
                    "sent_at": day,
                }
                for day in days
                if day.weekday() == 4
            ],
        )
        entries = [
            ImpactEntry(
                lead_id=lead.id,
                text=f"Unblocked the team on {day:%d %b}, twice &amp; well",
                source="dm",
                created_at=day,
            )
            for day in days
        ]
        session.add_all(entries)
        session.flush()
        session.execute(
            insert(EntryCategory),
            [{"entry_id": e.id, "category": c} for e in entries for c in ("unblocking", "mentoring")],
        )
        session.execute(
            insert(Reply),
            [
                {
                    "entry_id": e.id,
                    "lead_id": lead.id,
                    "text": e.text,
                    "source": "dm",
                    "channel": f"D{user_id}",
                    "message_ts": f"{e.created_at.timestamp():.6f}",
                    "created_at": e.created_at,
                }
                for e in entries
            ],
        )
        session.execute(
            insert(Diagnostic),
            [
                {
                    "lead_id": lead.id,
                    "task": "the cache",
                    "ownership": "yes",
                    "pull": "dopamine",
                    "verdict": "delegate",
                    "created_at": day,
                }
                for day in days
                if day.weekday() == 2
            ],
        )


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of `runs` timings, in milliseconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


def main() -> None:
    """Seed, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--peers", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    schema = f"bench_home_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        if args.database_url:
            admin = make_engine(url)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            session.add(Workspace(team_id=TEAM, timezone="UTC"))
        seed(factory, "U0LEAD", args.years)
        for peer in range(args.peers):
            seed(factory, f"U0PEER{peer}", 1)
        env = make_environment()
        with factory() as session:
            record = export.lead_record(session, TEAM, "U0LEAD")
            entries = len(record.impact_entries)

            def build_home() -> object:
                return home_view(env, home_state(session, TEAM, "U0LEAD", NOW))

            home_ms = best_of(5, build_home)
            read_ms = best_of(5, lambda: export.lead_record(session, TEAM, "U0LEAD"))
            md_ms = best_of(5, lambda: export.brag_markdown(export.lead_record(session, TEAM, "U0LEAD"), NOW))
            json_ms = best_of(5, lambda: export.export_json(export.lead_record(session, TEAM, "U0LEAD"), NOW))
            size_md = len(export.brag_markdown(record, NOW).encode())
            size_json = len(export.export_json(record, NOW).encode())
        with factory.begin() as session:
            forget_ms = best_of(1, lambda: forget.forget(session, TEAM, "U0LEAD"))
        engine.dispose()
        if args.database_url:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"{backend}: a lead with {entries} entries over {args.years} years, beside {args.peers} peers")
    print(f"  Home state + view   {home_ms:8.1f} ms")
    print(f"  read the record     {read_ms:8.1f} ms")
    print(f"  export md           {md_ms:8.1f} ms  ({size_md / 1024:.0f} KB)")
    print(f"  export json         {json_ms:8.1f} ms  ({size_json / 1024:.0f} KB)")
    print(f"  forget (one txn)    {forget_ms:8.1f} ms")


if __name__ == "__main__":
    main()
