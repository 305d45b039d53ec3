"""The weekly scorecard and digest queries read through indexes, on every backend.

Every SELECT run while building scorecards and digests (and claiming them) is captured with its parameters and
explained on the same database; a full pass over one of the tables that grow with use fails the test, whether it
reads the table or all of an index. Dropping an index the queries rely on must make the checker complain, so the
check can't pass vacuously.

The data is one workspace's year and more among a bigger install's: at toy sizes PostgreSQL rightly prefers reading
a whole small index to looking up each lead, which says nothing about the indexes."""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.coaching.categories import CATEGORIES
from bot.coaching.diagnostic import VERDICTS
from bot.services.scorecards import build_scorecards
from bot.services.summaries import claim_due_digests, claim_due_summaries, preview_digest
from bot.store import summaries as store
from bot.store.models import Delivery, Diagnostic, EntryCategory, ImpactEntry, Lead, Reply, Workspace

# The tables that grow with use (workspaces too, in a shared install): reading one of them whole is what an index
# is there to prevent.
BIG_TABLES = frozenset(
    {"impact_entries", "deliveries", "diagnostics", "entry_categories", "replies", "leads", "workspaces"}
)
QUERIES = (
    "entries_between",
    "category_counts",
    "entry_weeks",
    "prompt_statuses",
    "diagnostics_between",
    "team_totals",
    "team_categories",
    "shared_entries",
    "due_summaries",
    "due_digests",
    "display_names",
)
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # a Friday afternoon
WEEK = "2026-W48"
TEAM, OTHER_TEAM, TIMEZONE = "T1", "T2", "Europe/Berlin"
TEAM_LEADS, OTHER_LEADS = 30, 100  # the workspace under test, and the rest of the install
STREAK = 60  # lead 0 logs every week for longer than the streak reads at once
HISTORY_WEEKS = 70


@dataclass(frozen=True)
class Captured:
    """One statement as the driver received it."""

    statement: str
    parameters: Any


@contextmanager
def captured_selects(engine: Engine) -> Iterator[list[Captured]]:
    """Every SELECT the engine sends to the driver while the block runs, with the driver-level parameters."""
    found: list[Captured] = []

    def record(
        connection: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().split(None, 1)[0].upper() not in ("SELECT", "WITH"):
            return
        for one in parameters if executemany else [parameters]:
            found.append(Captured(statement, one))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan_problems(connection: Connection, captured: list[Captured]) -> list[str]:
    """Explain each captured statement on this connection (in its transaction: a dropped index counts as gone);
    describe every full pass over a big table, with the statement, its parameters and the plan."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # With sequential scans priced out, the planner reads a whole table, or a whole index instead (which the
        # checks below catch too), only where no index can serve the query.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    cursor = connection.connection.cursor()
    leading = _postgres_leading_columns(cursor) if postgres else {}
    run = next(_RUNS)
    problems = []
    seen: set[tuple[str, str]] = set()
    for query in captured:
        key = (query.statement, repr(query.parameters))
        if key in seen:
            continue
        seen.add(key)
        if postgres:
            found, plan = _postgres_full_scans(cursor, query, leading)
        else:
            found, plan = _sqlite_full_scans(cursor, query, run)
        if found:
            problems.append(
                f"{'; '.join(found)}\n--- statement:\n{query.statement}\n--- parameters: {query.parameters!r}\n"
                f"--- plan:\n{plan}"
            )
    cursor.close()
    return problems


_RUNS = itertools.count()
_SQLITE_STEP = re.compile(r"^(?P<verb>SCAN|SEARCH) (?:TABLE )?(?P<name>\w+)(?: AS (?P<alias>\w+))?(?P<rest>.*)$")


def _sqlite_full_scans(cursor: Any, query: Captured, run: int) -> tuple[list[str], str]:
    """SQLite: `SCAN t` reads all of t, through an index or not (`SEARCH` is a lookup or a range); an AUTOMATIC
    index is one built from a full scan for this query, and ANY(column) a skip-scan over a whole index."""
    # Python's sqlite3 caches prepared statements by their text, and a cached EXPLAIN is not planned again after a
    # DROP INDEX: each check gets a text of its own.
    cursor.execute(f"EXPLAIN QUERY PLAN /* check {run} */ {query.statement}", query.parameters)
    rows = cursor.fetchall()
    tables = _table_aliases(query.statement)
    found = []
    for _id, _parent, _unused, detail in rows:
        step = _SQLITE_STEP.match(detail)
        if step is None:
            continue
        table = tables.get(step["name"], step["name"])
        if table not in BIG_TABLES:
            continue  # a small table, or a subquery or CTE read back
        if step["verb"] == "SCAN" or "AUTOMATIC" in step["rest"] or "ANY(" in step["rest"]:
            found.append(f"{table}: {detail}")
    parents = {row[0]: row[1] for row in rows}
    plan = "\n".join(f"{'  ' * _depth(parents, row[1])}{row[3]}" for row in rows)
    return found, plan


def _depth(parents: dict[int, int], parent: int) -> int:
    depth = 0
    while parent:
        depth, parent = depth + 1, parents.get(parent, 0)
    return depth


def _table_aliases(statement: str) -> dict[str, str]:
    """Aliases the statement gives the big tables (SQLite names a step by the alias)."""
    names = "|".join(BIG_TABLES)
    return {alias: table for table, alias in re.findall(rf'\b"?({names})"?\s+AS\s+"?(\w+)"?', statement, re.I)}


def _postgres_leading_columns(cursor: Any) -> dict[str, tuple[str, str]]:
    """Index name -> (table, first column), for the big tables' indexes."""
    cursor.execute(
        "SELECT i.relname, t.relname, a.attname FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
        " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]"
        " WHERE pg_table_is_visible(t.oid) AND t.relname = ANY(%s)",
        (sorted(BIG_TABLES),),
    )
    return {index: (table, column) for index, table, column in cursor.fetchall()}


def _postgres_full_scans(cursor: Any, query: Captured, leading: dict[str, tuple[str, str]]) -> tuple[list[str], str]:
    """PostgreSQL: a Seq Scan reads the whole table; an index scan reads the whole index unless its Index Cond
    constrains the index's first column (a btree can filter on later columns only by reading every entry)."""
    cursor.execute(f"EXPLAIN (FORMAT JSON) {query.statement}", query.parameters)
    document = cursor.fetchone()[0]
    tree = json.loads(document) if isinstance(document, str) else document
    found = []
    for node in _plan_nodes(tree[0]["Plan"]):
        kind = node["Node Type"]
        if kind == "Seq Scan" and node["Relation Name"] in BIG_TABLES:
            found.append(f"{node['Relation Name']}: Seq Scan")
        elif "Index Name" in node and node["Index Name"] in leading:
            table, column = leading[node["Index Name"]]
            condition = node.get("Index Cond", "")
            if not re.search(rf"(?<![.\w]){column}\b", condition):
                found.append(f"{table}: {kind} on {node['Index Name']} with no condition on {column}: {condition}")
    cursor.execute(f"EXPLAIN {query.statement}", query.parameters)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    return found, plan


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def seed(session: Session) -> None:
    """Two workspaces of leads with over a year of entries (with categories and replies), prompts and diagnostics."""
    rng = random.Random(48)
    session.add_all(
        [
            Workspace(
                team_id=TEAM,
                name="Acme",
                timezone=TIMEZONE,
                digest_channel="C0DIGEST",
                next_digest_at=NOW - timedelta(hours=1),
                installer_user_id="U0000",
            ),
            Workspace(
                team_id=OTHER_TEAM,
                timezone="UTC",
                digest_channel="C1DIGEST",
                next_digest_at=NOW + timedelta(days=1),
            ),
        ]
    )
    session.flush()  # no ORM relationships order the inserts: the workspaces go in first
    leads = [
        Lead(
            team_id=TEAM if i < TEAM_LEADS else OTHER_TEAM,
            user_id=f"U{i:04d}",
            display_name=f"Lead Number{i}",
            enrolled=True,
            dm_channel=f"D{i:04d}",
            next_summary_at=NOW - timedelta(minutes=i + 1) if i < TEAM_LEADS else NOW + timedelta(days=1),
        )
        for i in range(TEAM_LEADS + OTHER_LEADS)
    ]
    session.add_all(leads)
    session.flush()

    deliveries: list[dict[str, Any]] = []
    for lead in leads:
        for day in range(1, 36):
            created = NOW - timedelta(days=day, hours=rng.randint(0, 6))
            deliveries.append(
                {
                    "team_id": lead.team_id,
                    "lead_id": lead.id,
                    "kind": "reflect" if day % 7 == 0 else "prompt",
                    "period_key": created.date().isoformat(),
                    "recipient": lead.user_id,
                    "prompt_id": f"prompt-{day % 9}",
                    "status": rng.choice(["sent", "answered", "answered", "skipped", "rejected", "failed"]),
                    "attempts": 1,
                    "created_at": created,
                }
            )
    delivery_ids = _insert(session, Delivery, deliveries)

    entries: list[dict[str, Any]] = []
    for i, lead in enumerate(leads):
        weeks = range(STREAK) if i == 0 else [w for w in range(HISTORY_WEEKS) if rng.random() < 0.8]
        for week in weeks:
            for _ in range(rng.randint(1, 3)):
                mention = f" with <@U{rng.randrange(len(leads)):04d}>" if rng.random() < 0.4 else ""
                entries.append(
                    {
                        "id": len(entries) + 1,  # the entries' sequence is never used after: no need to ask for ids
                        "lead_id": lead.id,
                        "delivery_id": rng.choice(delivery_ids) if rng.random() < 0.3 else None,
                        "text": f"Unblocked the release{mention}, {week} weeks ago",
                        "source": rng.choice(["dm", "modal", "command"]),
                        "shareable": rng.random() < 0.3,
                        "created_at": NOW - timedelta(weeks=week, hours=rng.randint(1, 90), minutes=rng.randrange(60)),
                    }
                )
    entry_ids = _insert(session, ImpactEntry, entries)

    categories = sorted(CATEGORIES)
    channels = {lead.id: lead.dm_channel for lead in leads}
    filed: list[dict[str, Any]] = []
    replies: list[dict[str, Any]] = []
    for entry_id, entry in zip(entry_ids, entries, strict=True):
        filed += [{"entry_id": entry_id, "category": c} for c in rng.sample(categories, rng.randint(0, 3))]
        if entry["source"] == "dm":
            replies.append(
                {
                    "entry_id": entry_id,
                    "lead_id": entry["lead_id"],
                    "text": entry["text"],
                    "source": "dm",
                    "channel": channels[entry["lead_id"]],
                    "message_ts": f"{entry['created_at'].timestamp():.0f}.{entry_id:06d}",
                    "created_at": entry["created_at"],
                }
            )
    _insert(session, EntryCategory, filed)
    _insert(session, Reply, replies)
    _insert(
        session,
        Diagnostic,
        [
            {
                "lead_id": lead.id,
                "task": "migrate the billing service",
                "ownership": rng.choice(["yes", "with_support", "no"]),
                "pull": rng.choice(["strategic", "hiding", "leverage", "dopamine"]),
                "hours": rng.choice([None, 1.5, 4.0]),
                "verdict": rng.choice(sorted(VERDICTS)),
                "outcome": rng.choice([None, "delegated", "paired", "myself"]),
                "created_at": NOW - timedelta(days=rng.randint(0, 34), hours=rng.randint(1, 9)),
            }
            for lead in leads
            for _ in range(rng.randint(1, 4))
        ],
    )


def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows; the ids the database gave them, in order, unless they came with theirs."""
    table = model.__table__
    if "id" not in table.c or "id" in rows[0]:
        session.connection().execute(insert(table), rows)
        return [row["id"] for row in rows] if "id" in table.c else []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(statement, rows).scalars())


@pytest.fixture
def captured(engine: Engine, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> list[Captured]:
    """The SELECTs behind scorecards and digests, previewed and claimed, on a seeded database."""
    with session_factory.begin() as session:
        seed(session)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE {', '.join(sorted(BIG_TABLES))}")
    calls: Counter[str] = Counter()
    for name in QUERIES:
        monkeypatch.setattr(store, name, _counted(getattr(store, name), name, calls))

    with session_factory.begin() as session:
        leads = list(session.scalars(select(Lead).where(Lead.team_id == TEAM).order_by(Lead.id)))
        with captured_selects(engine) as found:
            scorecards = build_scorecards(session, leads, NOW, WEEK)
            digest = preview_digest(session, TEAM, WEEK, NOW)
            summaries = claim_due_summaries(session, NOW)
            digests = claim_due_digests(session, NOW)

    # The data exercised every query, the streak read past its first window, and there was something to show.
    assert set(calls) == set(QUERIES), f"not run: {set(QUERIES) - set(calls)}"
    assert scorecards[leads[0].id].streak == STREAK
    assert sum(card.total for card in scorecards.values()) > TEAM_LEADS
    assert any(card.highlights for card in scorecards.values())
    assert digest.digest.participants > 3
    assert digest.digest.shared
    assert len(summaries.summaries) == TEAM_LEADS
    assert [d.team_id for d in digests.digests] == [TEAM]
    assert len(found) > len(QUERIES)
    return found


def _counted(function: Callable[..., Any], name: str, calls: Counter[str]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return function(*args, **kwargs)

    return counted


def test_scorecard_and_digest_queries_use_indexes(engine: Engine, captured: list[Captured]) -> None:
    with engine.connect() as connection:
        problems = plan_problems(connection, captured)
        connection.rollback()
    assert not problems, "full scans:\n\n" + "\n\n".join(problems)


def test_a_missing_index_is_reported(engine: Engine, captured: list[Captured]) -> None:
    for index, table in {
        "ix_impact_entries_lead_id_created_at": "impact_entries",
        "ix_deliveries_lead_id_created_at": "deliveries",
        "ix_diagnostics_lead_id_created_at": "diagnostics",
        "ix_leads_next_summary_at": "leads",
        "ix_workspaces_next_digest_at": "workspaces",
    }.items():
        with engine.begin() as connection:
            definition = _index_definition(connection, index)
            connection.exec_driver_sql(f"DROP INDEX {index}")
            problems = plan_problems(connection, captured)
            connection.exec_driver_sql(definition)
        # Without it the planner may reorder joins and scan other tables too; the table that lost it must be named.
        scanned = {found.split(":")[0] for problem in problems for found in problem.partition("\n")[0].split("; ")}
        assert table in scanned, f"{index} dropped, yet:\n\n" + "\n\n".join(problems)
    with engine.connect() as connection:
        assert plan_problems(connection, captured) == [], "the indexes were not put back"


def _index_definition(connection: Connection, index: str) -> str:
    """The CREATE INDEX statement that puts this index back."""
    if connection.dialect.name == "postgresql":
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = %s AND schemaname = current_schema()"
    else:
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?"
    definition: str = connection.exec_driver_sql(query, (index,)).scalar_one()
    return definition
