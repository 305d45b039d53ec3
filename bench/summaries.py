"""Weekly scorecards benchmark: build (not send) the scorecards of N leads with a year of history, and the digest.

    python bench/summaries.py --leads 10000 --weeks 52 [--database-url URL] [--charts 500] [--fresh] [--profile OUT]

Seeding (untimed) writes one workspace and N enrolled leads spread over five timezones, each with `--weeks` weeks
of workday prompts (mixed sent/answered/skipped), about 2.5 impact entries a week (1-2 categories each, 10%
shareable, about one DM reply each), weekly scorecard deliveries and a few coding diagnostics, up to Friday
2026-11-20 17:00 UTC. The timed phase builds the scorecards of ISO week 2026-W47 for every lead, in batches of
SUMMARY_BATCH through the tick's own `outgoing_summaries` with a fresh session per batch (each lead's scorecard
covers the seven days before their Friday scorecard time, as when the tick claims it; leads are taken in the order
they fall due, as the tick does), renders each with `scorecard_message`, then builds and renders the team digest
once. Seeding and building each run in a fresh spawned process, so the peak RSS printed is the build's alone
(cross-checked against VmHWM: ru_maxrss would also count a large parent's memory at spawn). The PNG chart is
drawn only at send time: it is timed separately on a sample and is not part of the build figure.

SQLite (default): the seeded file is cached under `--cache-dir` keyed by (leads, weeks, schema head, seed version),
so later runs skip seeding; `--fresh` reseeds. PostgreSQL (`--database-url postgresql://...`): a fresh schema
`bench_summaries_<random>` is created, migrated, seeded with COPY, analysed, and dropped at the end; nothing
outside it is touched.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import pstats
import random
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.coaching.categories import CATEGORIES  # noqa: E402
from bot.coaching.diagnostic import OUTCOMES, OWNERSHIP, PULLS, VERDICTS  # noqa: E402
from bot.coaching.schedule import Schedule, iso_week_key, local_date_of, next_occurrence, week_bounds  # noqa: E402
from bot.config import normalize_database_url  # noqa: E402
from bot.jobs import SUMMARY_BATCH  # noqa: E402
from bot.services.scorecards import WEEK, Pending, outgoing_summaries  # noqa: E402
from bot.services.summaries import preview_digest  # noqa: E402
from bot.slack.blocks.scorecard import chart_bars, digest_message, scorecard_message, span  # noqa: E402
from bot.slack.chart import Bar, bar_chart_png  # noqa: E402
from bot.slack.text import make_environment  # noqa: E402
from bot.store import migrate  # noqa: E402
from bot.store.db import make_engine, make_session_factory  # noqa: E402
from bot.store.models import ImpactEntry, Lead, Workspace  # noqa: E402

NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # a Friday: the scorecards of 2026-W47 are due
TEAM_ID = "T0BENCH01"
WORKSPACE_ZONE = "Europe/London"
DIGEST_CHANNEL = "C0DIGEST1"
ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Kolkata")
PROMPT_TIMES = (time_of_day(16, 30), time_of_day(9, 0), time_of_day(13, 15))
SEED_VERSION = 2  # bump when the generated data changes, so cached SQLite files are rebuilt
SEED_CHUNK = 250  # leads generated and written at a time while seeding
TARGET_SECONDS = 20.0  # all scorecards, SQLite
TARGET_RSS_MB = 400.0

ACTIVITY = (0.10, 0.76)  # per lead: the chance of answering a given prompt (mean 0.43)
SKIP_SHARE = 0.25  # of the prompts not answered, those skipped rather than left unanswered
COMMAND_ENTRY = 0.07  # per workday: an extra entry logged with /impact
SECOND_MESSAGE = 0.15  # DM answers made of two messages
SHAREABLE = 0.10
MENTION = 0.10  # entries that mention another lead
DIAGNOSTIC = 0.25  # per week: a coding diagnostic
HOURS = (None, 1.0, 2.5, 4.0)

OPENERS = (
    "Paired with",
    "Unblocked",
    "Walked",
    "Reviewed the design doc with",
    "Left the rollout decision to",
    "Wrote up the context for",
    "Handed the incident review to",
    "Had a hard conversation with",
    "Sat down with",
    "Coached",
)
SUBJECTS = ("Ana", "the platform team", "our new hire", "Sam", "the on-call rotation", "Priya", "the data team")
ACTIONS = (
    "through the migration plan for the orders database",
    "on the flaky deploy pipeline",
    "about the Q1 roadmap trade-offs",
    "on retry semantics in the billing worker",
    "on why the cache keeps going stale",
    "about splitting the monolith's auth module",
    "through the interview loop for the staff role",
    "on the alerting thresholds that page us at night",
)
EXTRAS = (
    "It took twenty minutes and saved a day of back-and-forth.",
    "Next time they can run it without me.",
    "Wrote it down in the wiki so it sticks.",
    "I kept quiet in the meeting and they got there on their own.",
    "Product finally sees why the debt matters.",
    "Flagged the risk before it became an outage.",
    "Felt slow, but the team owns it now.",
)

Row = tuple[Any, ...]
T = TypeVar("T")

COLUMNS: dict[str, tuple[str, ...]] = {
    "deliveries": (
        "id",
        "team_id",
        "lead_id",
        "kind",
        "period_key",
        "recipient",
        "prompt_id",
        "channel",
        "ts",
        "status",
        "attempts",
        "due_at",
        "claimed_at",
        "sent_at",
        "error",
        "created_at",
    ),
    "impact_entries": (
        "id",
        "lead_id",
        "delivery_id",
        "text",
        "source",
        "shareable",
        "categories_by_lead",
        "ack_channel",
        "ack_ts",
        "created_at",
        "edited_at",
    ),
    "entry_categories": ("entry_id", "category"),
    "replies": ("id", "entry_id", "lead_id", "text", "source", "channel", "message_ts", "created_at", "edited_at"),
    "diagnostics": (
        "id",
        "lead_id",
        "task",
        "ownership",
        "pull",
        "hours",
        "verdict",
        "outcome",
        "created_at",
        "outcome_at",
    ),
}


# --- seeding -----------------------------------------------------------------------------------------------


@dataclass
class Ids:
    """The last id handed out per table: ids are assigned here so rows can point at each other."""

    delivery: int = 0
    entry: int = 0
    reply: int = 0
    diagnostic: int = 0


@dataclass(frozen=True)
class Calendar:
    """One (timezone, prompt time): the UTC instants of its workday prompts and of its Friday scorecards."""

    prompts: list[tuple[str, datetime]]  # (local date ISO, instant), oldest first, none after NOW
    fridays: list[tuple[str, datetime]]  # (ISO week, instant) of finished weeks


def calendar(zone: str, at: time_of_day, weeks: int) -> Calendar:
    """Workday prompt instants for `weeks` ISO weeks ending with the week of NOW, in one zone."""
    tz = ZoneInfo(zone)
    this_monday = local_date_of(NOW, zone) - timedelta(days=local_date_of(NOW, zone).weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    prompts, fridays = [], []
    for offset in range(weeks * 7):
        day = first + timedelta(days=offset)
        instant = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        if day.isoweekday() > 5 or instant > NOW:
            continue
        prompts.append((day.isoformat(), instant))
        if day.isoweekday() == 5 and day < this_monday:
            fridays.append((iso_week_key(day), instant))
    return Calendar(prompts, fridays)


def summary_due(zone: str, at: time_of_day) -> datetime:
    """When a lead's scorecard of NOW's week falls due: Friday (the default summary day) at their prompt time."""
    monday = week_bounds(iso_week_key(local_date_of(NOW, zone)), zone)[0]
    return next_occurrence(Schedule(timezone=zone, at=at, workdays=frozenset({5})), monday)


def entry_text(rng: random.Random, leads: int) -> str:
    """One DM message about a piece of invisible work, 60-250 characters, sometimes mentioning another lead."""
    subject = f"<@U{rng.randrange(leads):08d}>" if rng.random() < MENTION else rng.choice(SUBJECTS)
    words = f"{rng.choice(OPENERS)} {subject} {rng.choice(ACTIONS)}."
    if rng.random() < 0.6:
        words += " " + rng.choice(EXTRAS)
    if rng.random() < 0.2:
        words += " " + rng.choice(EXTRAS)
    return words


def generate(first: int, last: int, leads: int, weeks: int, rng: random.Random, ids: Ids) -> dict[str, list[Row]]:
    """The history rows of leads number first..last-1 (lead id = number + 1)."""
    rows: dict[str, list[Row]] = {table: [] for table in COLUMNS}
    deliveries, categories = rows["deliveries"], rows["entry_categories"]
    replies, diagnostics = rows["replies"], rows["diagnostics"]
    keys = list(CATEGORIES)
    calendars = {(zone, at): calendar(zone, at, weeks) for zone in ZONES for at in PROMPT_TIMES}
    for n in range(first, last):
        lead_id, user, dm = n + 1, f"U{n:08d}", f"D{n:08d}"
        cal = calendars[(ZONES[n % len(ZONES)], PROMPT_TIMES[n % len(PROMPT_TIMES)])]
        activity = rng.uniform(*ACTIVITY)
        weights = [rng.random() ** 2 + 0.02 for _ in keys]  # each lead leans towards some kinds of work
        cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        for day, instant in cal.prompts:
            ids.delivery += 1
            delivery_id, draw = ids.delivery, rng.random()
            answered_at = instant + timedelta(minutes=rng.randint(2, 240))
            if draw < activity and answered_at <= NOW:
                status = "answered"
            elif draw < activity + (1 - activity) * SKIP_SHARE:
                status = "skipped"
            else:
                status = "sent"
            deliveries.append(_delivery(delivery_id, lead_id, "prompt", day, user, dm, status, instant, "prompt-01"))
            if status == "answered":
                messages = [entry_text(rng, leads)]
                if rng.random() < SECOND_MESSAGE:
                    messages.append(entry_text(rng, leads))
                entry_id = _entry(rows, ids, rng, lead_id, delivery_id, "\n".join(messages), "dm", answered_at, dm)
                for k, message in enumerate(messages):
                    ids.reply += 1
                    at = answered_at + timedelta(seconds=30 * k)
                    message_ts = f"{int(at.timestamp())}.{ids.reply % 1_000_000:06d}"
                    replies.append((ids.reply, entry_id, lead_id, message, "thread", dm, message_ts, at, None))
                _file(categories, entry_id, rng, keys, cumulative)
            if rng.random() < COMMAND_ENTRY:
                logged = instant - timedelta(minutes=rng.randint(30, 400))
                entry_id = _entry(rows, ids, rng, lead_id, None, entry_text(rng, leads), "command", logged, dm)
                _file(categories, entry_id, rng, keys, cumulative)
        for week, friday in cal.fridays:
            ids.delivery += 1
            deliveries.append(_delivery(ids.delivery, lead_id, "summary", week, user, dm, "sent", friday, None))
            if rng.random() < DIAGNOSTIC:
                ids.diagnostic += 1
                run_at = friday - timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 6))
                ownership, pull, hours = rng.choice(list(OWNERSHIP)), rng.choice(list(PULLS)), rng.choice(HOURS)
                verdict, outcome = rng.choice(list(VERDICTS)), rng.choice([None, *OUTCOMES])
                outcome_at = run_at + timedelta(days=1) if outcome else None
                task = "Rewrite the flaky integration test harness myself"
                diagnostics.append(
                    (ids.diagnostic, lead_id, task, ownership, pull, hours, verdict, outcome, run_at, outcome_at)
                )
    return rows


def _delivery(
    delivery_id: int,
    lead_id: int,
    kind: str,
    period: str,
    user: str,
    dm: str,
    status: str,
    at: datetime,
    prompt_id: str | None,
) -> Row:
    """A delivery row claimed, sent and created at `at`, posted in the lead's DM."""
    ts = f"{int(at.timestamp())}.{delivery_id % 1_000_000:06d}"
    return (delivery_id, TEAM_ID, lead_id, kind, period, user, prompt_id, dm, ts, status, 1, at, at, at, None, at)


def _entry(
    rows: dict[str, list[Row]],
    ids: Ids,
    rng: random.Random,
    lead_id: int,
    delivery_id: int | None,
    words: str,
    source: str,
    created: datetime,
    dm: str,
) -> int:
    ids.entry += 1
    ack_ts = f"{int(created.timestamp()) + 1}.{ids.entry % 1_000_000:06d}"
    shareable, by_lead = rng.random() < SHAREABLE, rng.random() < 0.05
    rows["impact_entries"].append(
        (ids.entry, lead_id, delivery_id, words, source, shareable, by_lead, dm, ack_ts, created, None)
    )
    return ids.entry


def _file(categories: list[Row], entry_id: int, rng: random.Random, keys: list[str], cumulative: list[float]) -> None:
    count = 1 if rng.random() < 0.55 else 2
    for key in dict.fromkeys(rng.choices(keys, cum_weights=cumulative, k=count)):
        categories.append((entry_id, key))


class Writer(Protocol):
    """Bulk-writes rows of one table (ids included) in one go."""

    def write(self, table: str, rows: list[Row]) -> None:
        """Write these rows."""

    def commit(self) -> None:
        """Commit what was written."""

    def close(self) -> None:
        """Finish: commit and close the connection."""


class SQLiteWriter:
    """executemany on a plain sqlite3 connection; timestamps stored the way SQLAlchemy stores them."""

    def __init__(self, path: str) -> None:
        sqlite3.register_adapter(datetime, _sqlite_timestamp)
        self.connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144", "foreign_keys=OFF"):
            self.connection.execute(f"PRAGMA {pragma}")
        # Secondary indexes are dropped for the load and built again at the end: a sort beats millions of
        # scattered B-tree inserts. (Indexes behind UNIQUE constraints stay: SQLite cannot drop them.)
        tables = ", ".join(f"'{table}'" for table in COLUMNS)
        self.indexes: list[tuple[str, str]] = self.connection.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({tables})"
        ).fetchall()
        for name, _ in self.indexes:
            self.connection.execute(f'DROP INDEX "{name}"')
        self.connection.execute("BEGIN")

    def write(self, table: str, rows: list[Row]) -> None:
        """INSERT the rows with executemany."""
        columns = COLUMNS[table]
        marks = ", ".join("?" * len(columns))
        self.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def commit(self) -> None:
        """Commit and open the next transaction."""
        self.connection.execute("COMMIT")
        self.connection.execute("BEGIN")

    def close(self) -> None:
        """Commit, build the indexes again, go back to WAL (what the app uses) and close."""
        self.connection.execute("COMMIT")
        for _, sql in self.indexes:
            self.connection.execute(sql)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.close()


@lru_cache(maxsize=1 << 16)  # prompt instants repeat across every lead of a timezone
def _sqlite_timestamp(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text for a UTC instant (UTCDateTime stores it naive, in UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class PostgresWriter:
    """COPY through psycopg: an order of magnitude faster than INSERTs for millions of rows."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.raw = self.engine.raw_connection()
        self.connection = self.raw.driver_connection
        assert self.connection is not None
        # As on SQLite: secondary indexes go for the load and are built again at the end (constraints stay).
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = ANY(%s) AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)",
                (list(COLUMNS),),
            )
            self.indexes: list[tuple[str, str]] = cursor.fetchall()
            for name, _ in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')

    def write(self, table: str, rows: list[Row]) -> None:
        """COPY the rows in."""
        assert self.connection is not None
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def commit(self) -> None:
        """Commit."""
        self.raw.commit()

    def close(self) -> None:
        """Commit, build the indexes again, move the id sequences past the ids written, and close."""
        self.raw.commit()
        self.raw.close()
        with self.engine.begin() as connection:
            for _, sql in self.indexes:
                connection.execute(text(sql))
            for table in ("leads", "deliveries", "impact_entries", "replies", "diagnostics"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                )
        self.engine.dispose()


def seed(url: str, leads: int, weeks: int) -> dict[str, int]:
    """Migrate and fill the database (runs in its own process); returns rows written per table."""
    migrate.upgrade(url)
    engine = make_engine(url)
    created = NOW - timedelta(weeks=weeks)
    with engine.begin() as connection:
        connection.execute(
            insert(Workspace).values(
                team_id=TEAM_ID,
                name="Bench",
                timezone=WORKSPACE_ZONE,
                digest_channel=DIGEST_CHANNEL,
                installer_user_id="U00000000",
                created_at=created,
                updated_at=created,
            )
        )
        connection.execute(
            insert(Lead),
            [
                {
                    "id": n + 1,
                    "team_id": TEAM_ID,
                    "user_id": f"U{n:08d}",
                    "display_name": f"Lead Number{n}",
                    "timezone": ZONES[n % len(ZONES)],
                    "prompt_time": PROMPT_TIMES[n % len(PROMPT_TIMES)],
                    "enrolled": True,
                    "active": True,
                    "dm_channel": f"D{n:08d}",
                    "next_summary_at": summary_due(ZONES[n % len(ZONES)], PROMPT_TIMES[n % len(PROMPT_TIMES)]),
                    "created_at": created,
                    "updated_at": created,
                }
                for n in range(leads)
            ],
        )
    engine.dispose()

    writer: Writer = SQLiteWriter(make_url(url).database or "") if url.startswith("sqlite") else PostgresWriter(url)
    counts = {"workspaces": 1, "leads": leads} | dict.fromkeys(COLUMNS, 0)
    rng, ids = random.Random(20261120), Ids()
    for first in range(0, leads, SEED_CHUNK):
        rows = generate(first, min(first + SEED_CHUNK, leads), leads, weeks, rng, ids)
        for table in COLUMNS:  # parents before children
            writer.write(table, rows[table])
            counts[table] += len(rows[table])
        writer.commit()
    writer.close()
    if not url.startswith("sqlite"):
        engine = make_engine(url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))  # what autovacuum would have done after such a load
        engine.dispose()
    return counts


def in_fresh_process(function: Callable[..., T], *args: Any) -> T:
    """Run function(*args) in a new spawned interpreter, so its memory (and peak RSS) is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def cached_sqlite(cache_dir: Path, leads: int, weeks: int, fresh: bool) -> tuple[str, dict[str, int], float | None]:
    """A seeded SQLite file for (leads, weeks), from the cache or seeded now; (url, counts, seed seconds or None)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    name = f"summaries-{leads}x{weeks}-{migrate.head_revision()}-v{SEED_VERSION}"
    path, meta = cache_dir / f"{name}.db", cache_dir / f"{name}.json"
    url = f"sqlite:///{path}"
    if path.exists() and meta.exists() and not fresh:
        counts: dict[str, int] = json.loads(meta.read_text())
        return url, counts, None
    scratch = cache_dir / f"{name}.{uuid.uuid4().hex[:8]}.partial"
    started = time.perf_counter()
    counts = in_fresh_process(seed, f"sqlite:///{scratch}", leads, weeks)
    seconds = time.perf_counter() - started
    for suffix in ("-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    scratch.replace(path)
    meta.write_text(json.dumps(counts))
    return url, counts, seconds


def postgres_schema(base_url: str) -> tuple[str, str]:
    """Create a fresh schema; (its name, a URL whose search_path is that schema)."""
    schema = f"bench_summaries_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    joiner = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{joiner}options=-csearch_path%3D{schema}"


def drop_schema(base_url: str, schema: str) -> None:
    """Drop a schema this benchmark created."""
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


# --- the timed build ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the build process measured."""

    scorecards: int
    empty: int
    moments: int
    expected_moments: int
    blocks: int
    mean_streak: float
    seconds: float
    data_seconds: float
    render_seconds: float
    digest_seconds: float
    digest_participants: int
    digest_total: int | None  # None when too few leads took part to show figures
    digest_shared: int
    digest_blocks: int
    start_rss_mb: float
    peak_rss_mb: float
    hwm_rss_mb: float
    charts: int
    chart_seconds: float
    chart_bytes: int


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hwm_rss_mb() -> float:
    """The kernel's high-water mark of this process's own address space (VmHWM), a cross-check of ru_maxrss."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def build(url: str, batch_size: int, charts: int, profile: str | None) -> Figures:
    """Build and render every lead's scorecard of NOW's week, then the digest (runs in its own process)."""
    start_rss = peak_rss_mb()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        # The tick claims leads in the order they fall due (next_summary_at, id): a batch shares its due instants.
        due = select(Lead.id, Lead.next_summary_at).where(Lead.team_id == TEAM_ID, Lead.enrolled, Lead.active)
        rows = session.execute(due.order_by(Lead.next_summary_at, Lead.id)).all()
    order = [lead_id for lead_id, _ in rows]
    env = make_environment()
    profiler = cProfile.Profile() if profile else None
    samples: list[tuple[str, list[Bar]]] = []
    built = empty = moments = blocks = streaks = 0
    data_seconds = render_seconds = 0.0

    if profiler:
        profiler.enable()
    started = time.perf_counter()
    for ids in chunks(order, batch_size):
        before = time.perf_counter()
        with factory() as session:
            workspace = session.get(Workspace, TEAM_ID)
            assert workspace is not None
            pending = []
            for lead in session.scalars(select(Lead).where(Lead.id.in_(ids)).order_by(Lead.next_summary_at, Lead.id)):
                until = lead.next_summary_at
                assert until is not None
                week = iso_week_key(local_date_of(until, lead.timezone or workspace.timezone))
                pending.append(Pending(0, lead, week, until, attempts=1))
            outgoing = outgoing_summaries(session, pending)
        middle = time.perf_counter()
        for summary in outgoing:
            _, message = scorecard_message(env, summary, summary.names, chart_uploaded=False)
            card = summary.scorecard
            built, empty, moments = built + 1, empty + card.is_empty, moments + card.total
            blocks, streaks = blocks + len(message), streaks + card.streak
            if len(samples) < charts and not card.is_empty:
                samples.append((f"Your week, {span(summary.first_day, summary.last_day)}", chart_bars(card)))
        data_seconds += middle - before
        render_seconds += time.perf_counter() - middle
    seconds = time.perf_counter() - started

    before = time.perf_counter()
    with factory() as session:
        digest = preview_digest(session, TEAM_ID, None, NOW)
    _, digest_blocks = digest_message(env, digest, digest.names)
    digest_seconds = time.perf_counter() - before
    if profiler:
        profiler.disable()
        assert profile is not None
        profiler.dump_stats(profile)
        print(f"profile of the build written to {profile}; top functions by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    peak, hwm = peak_rss_mb(), hwm_rss_mb()

    expected = _entries_in_week(factory, rows)
    engine.dispose()
    chart_bytes = 0
    before = time.perf_counter()
    for title, bars in samples:
        chart_bytes += len(bar_chart_png(title, bars))
    chart_seconds = time.perf_counter() - before
    return Figures(
        scorecards=built,
        empty=empty,
        moments=moments,
        expected_moments=expected,
        blocks=blocks,
        mean_streak=streaks / max(built, 1),
        seconds=seconds,
        data_seconds=data_seconds,
        render_seconds=render_seconds,
        digest_seconds=digest_seconds,
        digest_participants=digest.digest.participants,
        digest_total=digest.digest.total,
        digest_shared=len(digest.digest.shared),
        digest_blocks=len(digest_blocks),
        start_rss_mb=start_rss,
        peak_rss_mb=peak,
        hwm_rss_mb=hwm,
        charts=len(samples),
        chart_seconds=chart_seconds,
        chart_bytes=chart_bytes,
    )


def _entries_in_week(factory: Callable[[], Any], rows: Sequence[Any]) -> int:
    """Entries logged in the seven days before each lead's scorecard time: the scorecards must count them all."""
    by_due: dict[datetime, list[int]] = {}
    for lead_id, due in rows:
        by_due.setdefault(due, []).append(lead_id)
    total = 0
    with factory() as session:
        for end, ids in by_due.items():
            start = end - WEEK
            for part in chunks(ids, 500):
                total += session.scalar(
                    select(func.count()).where(
                        ImpactEntry.lead_id.in_(part), ImpactEntry.created_at >= start, ImpactEntry.created_at < end
                    )
                )
    return total


# --- main --------------------------------------------------------------------------------------------------


def report(counts: dict[str, int], seed_seconds: float | None, figures: Figures, sqlite: bool) -> None:
    """Print the figures and whether the targets are met."""
    print("rows seeded:")
    for table, count in counts.items():
        print(f"  {table:<18}{count:>12,}")
    print(f"  {'replies + entries':<18}{counts['replies'] + counts['impact_entries']:>12,}")
    if seed_seconds is not None:
        print(f"seed time               {seed_seconds:8.1f} s (untimed setup: migrate, generate, write)")
    ms_per_card = figures.seconds * 1000 / max(figures.scorecards, 1)
    print(f"scorecards built        {figures.scorecards:8d} ({figures.empty} empty), batches of the tick's size")
    print(f"  moments counted       {figures.moments:8d} (entries in the week: {figures.expected_moments})")
    print(f"  mean streak           {figures.mean_streak:8.1f} weeks; {figures.blocks} blocks rendered")
    print(f"  total                 {figures.seconds:8.2f} s = {ms_per_card:.2f} ms per scorecard")
    print(f"    data (queries)      {figures.data_seconds:8.2f} s")
    print(f"    Block Kit + text    {figures.render_seconds:8.2f} s")
    print(
        f"digest                  {figures.digest_seconds:8.2f} s ({figures.digest_participants} leads, "
        f"{figures.digest_total if figures.digest_total is not None else 'hidden'} moments, "
        f"{figures.digest_shared} shared, {figures.digest_blocks} blocks)"
    )
    print(
        f"peak RSS of the build   {figures.peak_rss_mb:8.0f} MB (VmHWM {figures.hwm_rss_mb:.0f} MB; "
        f"{figures.start_rss_mb:.0f} MB at start of the fresh process)"
    )
    if figures.charts:
        per_chart = figures.chart_seconds * 1000 / figures.charts
        print(
            f"PNG chart               {per_chart:8.2f} ms per chart over {figures.charts} non-empty scorecards, "
            f"{figures.chart_bytes // figures.charts} bytes each"
        )
        print("  (drawn only at send time, on the first attempt: not part of the build figures above)")
    if figures.moments != figures.expected_moments:
        print("CHECK FAILED: the scorecards did not count every entry of the week")
    if sqlite:
        scaled = figures.seconds * 10_000 / max(figures.scorecards, 1)
        time_ok = "met" if scaled < TARGET_SECONDS else "MISSED"
        rss_ok = "met" if figures.peak_rss_mb < TARGET_RSS_MB else "MISSED"
        print(f"target < {TARGET_SECONDS:.0f} s for 10,000 scorecards: {time_ok} ({scaled:.1f} s at this rate)")
        print(f"target < {TARGET_RSS_MB:.0f} MB peak RSS: {rss_ok}")
    else:
        print(f"(targets are for SQLite; here: {figures.seconds:.1f} s, {figures.peak_rss_mb:.0f} MB)")


def main() -> None:
    """Seed (or reuse a cached seed), build in a fresh process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52, help="weeks of history, the current one included")
    parser.add_argument("--database-url", help="postgresql://... (a fresh schema); default: a cached SQLite file")
    parser.add_argument("--batch", type=int, default=SUMMARY_BATCH, help="leads per batch (the tick's)")
    parser.add_argument("--charts", type=int, default=500, help="scorecards whose PNG chart is timed")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "lead-coach-bench")
    parser.add_argument("--fresh", action="store_true", help="reseed the SQLite file even if cached")
    parser.add_argument("--profile", help="write a cProfile of the build to this file and print the top")
    args = parser.parse_args()

    week = iso_week_key(NOW.date())
    print(f"{args.leads} leads x {args.weeks} weeks; the scorecards of {week}, at {NOW:%a %Y-%m-%d %H:%M} UTC")
    if args.database_url is None or args.database_url.startswith("sqlite"):
        if args.database_url:
            parser.error("for SQLite leave out --database-url: a cached file under --cache-dir is used")
        url, counts, seed_seconds = cached_sqlite(args.cache_dir, args.leads, args.weeks, args.fresh)
        print(f"database: {url}" + (" (cached seed reused; --fresh reseeds)" if seed_seconds is None else ""))
        figures = in_fresh_process(build, url, args.batch, args.charts, args.profile)
        report(counts, seed_seconds, figures, sqlite=True)
        return
    base_url = normalize_database_url(args.database_url)
    schema, url = postgres_schema(base_url)
    print(f"database: {base_url.split('@')[-1]}, fresh schema {schema} (dropped at the end)")
    try:
        started = time.perf_counter()
        counts = in_fresh_process(seed, url, args.leads, args.weeks)
        seed_seconds = time.perf_counter() - started
        figures = in_fresh_process(build, url, args.batch, args.charts, args.profile)
        report(counts, seed_seconds, figures, sqlite=False)
    finally:
        drop_schema(base_url, schema)


if __name__ == "__main__":
    main()
