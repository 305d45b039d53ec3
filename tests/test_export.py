"""A lead's export, end to end on the real database: JSON with every column of every row, the brag document,
and `coach export`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.__main__ import main
from bot.coaching.brag import indented
from bot.coaching.mentions import readable
from bot.services.errors import UserFacingError
from bot.services.export import brag_markdown, export_json, lead_record
from bot.store.models import Base, Delivery, Diagnostic, EntryCategory, Handoff, ImpactEntry, Lead, Reply, Workspace
from tests.seed import add_loops, add_memory

TEAM = "T0TEAM"
OTHER_TEAM = "T0OTHER"
LEAD = "U0LEAD"
PEER = "U0PEER"
NOW = datetime(2027, 2, 1, 12, tzinfo=UTC)
NAMES = {PEER: "Priya Peer"}
TABLES = (
    "impact_entries",
    "entry_categories",
    "replies",
    "diagnostics",
    "deliveries",
    "handoffs",
    "decisions",
    "absences",
    "area_reviews",
    "solo_areas",
    "filing_memory",
)

# (when, stored text, categories, shareable, where the brag document files it). The lead is in Tokyo (UTC+9).
ENTRIES: list[tuple[datetime, str, set[str], bool, tuple[str, str]]] = [
    (
        datetime(2026, 2, 10, 3, tzinfo=UTC),
        "Paired with Sam on the deploy script.\nThey own it now.\n\nNext: the runbook.",
        {"mentoring"},
        False,
        ("## 2026 Q1 (January–March)", "### Mentoring and coaching"),
    ),
    (
        datetime(2026, 5, 5, 9, tzinfo=UTC),
        "Wrote up why &lt;queue&gt; beats cron &amp; handed the rota over",
        {"delegation", "context"},
        False,
        ("## 2026 Q2 (April–June)", "### Context sharing and documentation"),
    ),
    (
        datetime(2026, 8, 20, 9, tzinfo=UTC),
        f"Unblocked <@{PEER}> on the review, see <https://example.com/pr?id=1&amp;x=2|the PR>",
        {"unblocking"},
        True,
        ("## 2026 Q3 (July–September)", "### Unblocking"),
    ),
    (
        datetime(2026, 11, 17, 9, tzinfo=UTC),
        "Something the classifier did not recognise",
        set(),
        False,
        ("## 2026 Q4 (October–December)", "### Not yet filed"),
    ),
    (
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # 1 January 08:30 in Tokyo
        "Fixed the build myself, then handed the follow-up to Priya",
        {"hands_on", "delegation"},
        False,
        ("## 2027 Q1 (January–March)", "### Delegation"),
    ),
]
DIAGNOSTICS = [
    (datetime(2026, 5, 6, 9, tzinfo=UTC), "the cache &lt;layer&gt;", "delegate", "delegated", 3.5),
    (datetime(2026, 11, 18, 9, tzinfo=UTC), "the flaky test", "pair", None, None),
]


def add_lead(session: Session, team: str, user: str, name: str, timezone: str | None = None) -> Lead:
    lead = Lead(team_id=team, user_id=user, display_name=name, timezone=timezone, enrolled=True)
    session.add(lead)
    session.flush()
    return lead


def add_prompt(session: Session, lead: Lead, at: datetime, status: str) -> Delivery:
    delivery = Delivery(
        team_id=lead.team_id,
        lead_id=lead.id,
        kind="prompt",
        period_key=at.date().isoformat(),
        recipient=lead.user_id,
        prompt_id="delegation-01",
        channel=f"D{lead.id}",
        ts=f"{at.timestamp():.6f}",
        status=status,
        attempts=1,
        due_at=at,
        claimed_at=at,
        sent_at=at,
        created_at=at,
    )
    session.add(delivery)
    session.flush()
    return delivery


def add_entry(
    session: Session, lead: Lead, at: datetime, text: str, categories: set[str], *, shareable: bool = False
) -> ImpactEntry:
    entry = ImpactEntry(lead_id=lead.id, text=text, source="command", shareable=shareable, created_at=at)
    session.add(entry)
    session.flush()
    session.add_all(EntryCategory(entry_id=entry.id, category=category) for category in categories)
    return entry


def seed(session_factory: sessionmaker[Session]) -> None:
    """The lead's record over five quarters, a peer in the same workspace, and namesakes in another one."""
    with session_factory.begin() as session:
        session.add_all([Workspace(team_id=TEAM, timezone="UTC"), Workspace(team_id=OTHER_TEAM, timezone="UTC")])
        session.flush()
        lead = add_lead(session, TEAM, LEAD, "Ada Lovelace", "Asia/Tokyo")
        lead.paused_until = date(2026, 12, 24)
        lead.summary_time = time(17, 15)
        peer = add_lead(session, TEAM, PEER, "Priya Peer")
        for when, text, categories, shareable, _ in ENTRIES:
            entry = add_entry(session, lead, when, text, categories, shareable=shareable)
            if "\n" in text:  # an answer to a prompt, over several DM messages
                prompt = add_prompt(session, lead, when, "answered")
                entry.source, entry.delivery_id, entry.edited_at = "dm", prompt.id, when
                for n, line in enumerate(text.split("\n\n")):
                    session.add(
                        Reply(
                            entry_id=entry.id,
                            lead_id=lead.id,
                            text=line,
                            source="dm",
                            channel=f"D{lead.id}",
                            message_ts=f"{when.timestamp() + n:.6f}",
                            created_at=when,
                        )
                    )
        add_prompt(session, lead, datetime(2026, 11, 20, 7, 30, tzinfo=UTC), "skipped")
        for when, task, verdict, outcome, hours in DIAGNOSTICS:
            session.add(
                Diagnostic(
                    lead_id=lead.id,
                    task=task,
                    ownership="yes",
                    pull="dopamine",
                    hours=hours,
                    verdict=verdict,
                    outcome=outcome,
                    created_at=when,
                    outcome_at=when if outcome else None,
                )
            )
        add_loops(session, lead.id, datetime(2026, 11, 10, 3, tzinfo=UTC))
        add_memory(session, lead.id)
        # The digest delivery belongs to the workspace, not to the lead.
        session.add(Delivery(team_id=TEAM, kind="digest", period_key="2026-W47", recipient="C0DIGEST"))
        # Everyone else's rows, which must never appear in the lead's export.
        add_entry(session, peer, datetime(2026, 11, 17, tzinfo=UTC), "peer's private note", {"context"})
        add_prompt(session, peer, datetime(2026, 11, 17, tzinfo=UTC), "sent")
        session.add(Diagnostic(lead_id=peer.id, task="peer's task", ownership="no", pull="hiding", verdict="face_it"))
        peer_handoff = Handoff(
            lead_id=peer.id, delegate="U0SAM", what="peer's hand-off", due_on=date(2026, 11, 20), source="command"
        )
        session.add(peer_handoff)
        namesake = add_lead(session, OTHER_TEAM, LEAD, "Ada Elsewhere")
        add_lead(session, OTHER_TEAM, PEER, "Wrong Person")
        add_entry(session, namesake, datetime(2026, 11, 17, tzinfo=UTC), "other workspace's secret", {"mentoring"})


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    seed(session_factory)
    return session_factory


def read_rows(session: Session, table_name: str, lead_id: int) -> list[dict[str, Any]]:
    """The lead's rows of one table, read with plain Core queries (not the export's), in primary-key order."""
    table = Base.metadata.tables[table_name]
    entries = Base.metadata.tables["impact_entries"]
    own_entries = select(entries.c.id).where(entries.c.lead_id == lead_id)
    if table_name == "leads":
        where = table.c.id == lead_id
    elif table_name in ("entry_categories", "replies"):
        where = table.c.entry_id.in_(own_entries)
    else:
        where = table.c.lead_id == lead_id
    query = select(table).where(where).order_by(*table.primary_key.columns)
    return [dict(row) for row in session.execute(query).mappings()]


def assert_same_value(exported: Any, stored: Any) -> None:
    """A JSON value against the database's: timestamps as ISO 8601 with an offset, dates and times ISO."""
    if isinstance(stored, datetime):
        parsed = datetime.fromisoformat(exported)
        assert parsed.tzinfo is not None, exported
        assert parsed == stored
    elif isinstance(stored, date):
        assert exported == stored.isoformat()
    elif isinstance(stored, time):
        assert exported == stored.strftime("%H:%M:%S")
    else:
        assert exported == stored
        assert type(exported) is type(stored)


def test_json_holds_every_column_of_every_row_of_the_lead_and_nothing_else(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        record = lead_record(session, TEAM, LEAD)
        text = export_json(record, NOW)
        document = json.loads(text)
        lead_id = record.lead.id
        assert set(document) == {"format", "version", "exported_at", "lead", *TABLES}
        assert (document["format"], document["version"]) == ("lead-coach-export", 1)
        assert datetime.fromisoformat(document["exported_at"]) == NOW
        assert document["exported_at"].endswith("+00:00")
        expected = {"leads": read_rows(session, "leads", lead_id)}
        expected.update({name: read_rows(session, name, lead_id) for name in TABLES})
    exported = {"leads": [document["lead"]], **{name: document[name] for name in TABLES}}
    counts = {name: len(rows) for name, rows in expected.items()}
    assert counts == {
        "leads": 1,
        "impact_entries": 5,
        "entry_categories": 6,
        "replies": 2,
        "diagnostics": 2,
        "deliveries": 2,
        "handoffs": 1,
        "decisions": 1,
        "absences": 1,
        "area_reviews": 1,
        "solo_areas": 1,
        "filing_memory": 1,
    }
    for name, rows in expected.items():
        columns = set(Base.metadata.tables[name].columns.keys())
        assert len(exported[name]) == len(rows), name
        for exported_row, stored_row in zip(exported[name], rows, strict=True):
            assert set(exported_row) == columns, name
            for column in columns:
                assert_same_value(exported_row[column], stored_row[column])
    for foreign in (
        "peer's private note",
        "peer's task",
        "peer's hand-off",
        "other workspace's secret",
        "C0DIGEST",
        "Ada Elsewhere",
    ):
        assert foreign not in text
    assert "\n  " in text  # indented
    assert "Paired with Sam" in text  # UTF-8 text as is, not \u-escaped
    assert document["lead"]["paused_until"] == "2026-12-24"
    assert document["lead"]["summary_time"] == "17:15:00"


def test_the_namesake_in_another_workspace_gets_only_their_own_record(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        document = json.loads(export_json(lead_record(session, OTHER_TEAM, LEAD), NOW))
    assert document["lead"]["display_name"] == "Ada Elsewhere"
    assert [row["text"] for row in document["impact_entries"]] == ["other workspace's secret"]
    assert document["diagnostics"] == document["deliveries"] == document["replies"] == []


def test_the_record_is_read_in_a_fixed_number_of_queries(seeded: sessionmaker[Session], engine: Engine) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not str(args[2]).startswith("BEGIN"):  # SQLite's transaction control, not a query
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        with seeded() as session:
            record = lead_record(session, TEAM, LEAD)
            export_json(record, NOW)
            brag_markdown(record, NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # lead, workspace, entries, diagnostics, the loops' five tables, mentioned names, categories, replies,
    # deliveries, filing memory: however many rows.
    assert len(statements) <= 14, statements


def test_an_unknown_lead_is_a_friendly_error(seeded: sessionmaker[Session]) -> None:
    with seeded() as session, pytest.raises(UserFacingError, match="nothing to export yet"):
        lead_record(session, TEAM, "U0NOBODY")


def section_of(document: str, first_line: str) -> tuple[str, str]:
    """(quarter heading, section heading) of the list item whose text starts with this line."""
    quarter = section = ""
    lines = document.splitlines()
    for previous, line in pairwise(lines):
        if previous.startswith("## "):
            quarter = previous
        elif previous.startswith("### "):
            section = previous
        if previous.startswith("- **") and line == "  " + first_line:
            return quarter, section
    raise AssertionError(f"{first_line!r} is not the first line of an item")


def test_brag_document_has_every_entry_once_under_its_quarter_and_category(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        record = lead_record(session, TEAM, LEAD)
        document = brag_markdown(record, NOW)
        stored = session.scalars(select(ImpactEntry.text).where(ImpactEntry.lead_id == record.lead.id)).all()
    assert len(stored) == len(ENTRIES)
    for text in stored:
        assert document.count(indented(readable(text, NAMES))) == 1, text
    for _, text, _, _, (quarter, section) in ENTRIES:
        assert section_of(document, readable(text, NAMES).splitlines()[0]) == (quarter, section)
    assert document.startswith("# Ada Lovelace: brag document, 10 Feb 2026 – 1 Jan 2027\n")
    assert "Wrote up why <queue> beats cron & handed the rota over" in document
    assert "Unblocked @Priya Peer on the review, see the PR (https://example.com/pr?id=1&x=2)" in document
    assert "· also: hands-on code" in document
    assert "· also: delegation" in document
    assert "· shared in digest" in document
    assert "Wrong Person" not in document
    for foreign in ("peer's private note", "peer's task", "peer's hand-off", "other workspace's secret"):
        assert foreign not in document


def test_brag_document_lists_coding_decisions_in_their_quarter(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        document = brag_markdown(lead_record(session, TEAM, LEAD), NOW)
    assert section_of(document, "the cache <layer>") == ("## 2026 Q2 (April–June)", "### Coding decisions")
    assert section_of(document, "the flaky test") == ("## 2026 Q4 (October–December)", "### Coding decisions")
    assert "verdict: Delegate it · outcome: delegated it · about 3.5 h" in document
    assert "verdict: Pair, and let them drive · outcome not recorded" in document
    assert "*1 moment logged · 1 coding diagnostic (1 handed off, 0 paired on)*" in document


def test_brag_document_has_the_coaching_loops(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        document = brag_markdown(lead_record(session, TEAM, LEAD), NOW)
    loops = document[document.index("## Hand-offs that held") :]
    assert loops.splitlines() == [
        "## Hand-offs that held",
        "",
        "- **Tue 10 Nov 2026** · to @Sam · owned and done",
        "  the release checklist",
        "  done when: the next release ships without me",
        "",
        "## Decisions the team made",
        "",
        "- **Tue 10 Nov 2026** · left to the team · the team did · I disagreed and committed",
        "  which queue to use",
        "  assumption: the load stays under 1k/s (not checked yet)",
        "",
        "## Absences",
        "",
        "- **Tue 10 Nov 2026 – Tue 10 Nov 2026** · waited: nothing",
        "  expected: the hiring call",
        "",
        "## Areas only one person understood",
        "",
        "- **2026-Q4** · one person",
        "  billing reconciliation",
    ]
    assert "peer's hand-off" not in document


def test_a_lead_with_nothing_logged_gets_a_short_document(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        session.add(Workspace(team_id=TEAM, timezone="Europe/London"))
        session.flush()
        add_lead(session, TEAM, LEAD, "Ada Lovelace")
    with session_factory() as session:
        record = lead_record(session, TEAM, LEAD)
        document = brag_markdown(record, NOW)
        data = json.loads(export_json(record, NOW))
    assert "Nothing logged yet" in document
    assert "##" not in document
    assert all(data[name] == [] for name in TABLES)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's environment: this test database, no Slack settings, no stray .env."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)


def coach(*args: str) -> int:
    return main(["export", "--team", TEAM, *args])


def outputs(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.usefixtures("cli_env")
def test_cli_prints_the_brag_document_and_the_json_without_a_slack_token(
    seeded: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    assert coach("--user", LEAD, "--format", "md") == 0
    markdown, err = outputs(capsys)
    assert err == ""
    assert markdown.startswith("# Ada Lovelace: brag document")
    for _, text, _, _, _ in ENTRIES:
        assert indented(readable(text, NAMES)) in markdown

    assert coach("--user", LEAD, "--format", "json") == 0
    printed, err = outputs(capsys)
    assert err == ""
    with seeded() as session:
        expected = json.loads(export_json(lead_record(session, TEAM, LEAD), NOW))
    document = json.loads(printed)
    assert {k: v for k, v in document.items() if k != "exported_at"} == {
        k: v for k, v in expected.items() if k != "exported_at"
    }


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("fmt", ["md", "json"])
def test_cli_writes_to_a_file_with_output(
    seeded: sessionmaker[Session], capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"ada.{fmt}"
    assert coach("--user", LEAD, "--format", fmt, "--output", str(target)) == 0
    assert outputs(capsys) == ("", "")
    written = target.read_text(encoding="utf-8")
    assert "Paired with Sam on the deploy script." in written
    if fmt == "json":
        assert json.loads(written)["lead"]["user_id"] == LEAD


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--user", "U0NOBODY", "--format", "md"), "coach: no lead U0NOBODY in workspace"),
        (("--user", LEAD, "--format", "json", "--output", "no/such/dir/x.json"), "coach: cannot write no/such/dir"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(
    seeded: sessionmaker[Session], capsys: pytest.CaptureFixture[str], args: Sequence[str], message: str
) -> None:
    assert coach(*args) == 2
    out, err = outputs(capsys)
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


@pytest.mark.usefixtures("cli_env")
def test_cli_requires_a_known_format(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in (("--user", LEAD), ("--user", LEAD, "--format", "pdf")):
        with pytest.raises(SystemExit) as stopped:
            coach(*bad)
        assert stopped.value.code == 2
    assert "--format" in outputs(capsys)[1]
