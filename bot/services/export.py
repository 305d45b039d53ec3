"""A lead's whole record, as JSON (every column of every row) or as a Markdown brag document."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from bot.coaching.brag import BragDecision, BragEntry, build_brag
from bot.coaching.mentions import mentioned_users
from bot.coaching.schedule import local_date_of
from bot.services.errors import UserFacingError
from bot.services.schedules import lead_timezone, usable_timezone
from bot.store import export as store
from bot.store.leads import get_lead, workspace_of
from bot.store.models import Base, Delivery, Diagnostic, EntryCategory, ImpactEntry, Lead, Reply, Workspace
from bot.store.summaries import display_names

NOTHING_STORED = "There's nothing to export yet: I have no record of you. `/coach start` begins one."
FORMAT = "lead-coach-export"
VERSION = 1


@dataclass(frozen=True)
class LeadRecord:
    """Everything stored about one lead, plus what the brag document needs to read it."""

    lead: Lead
    workspace: Workspace
    impact_entries: Sequence[ImpactEntry]
    entry_categories: Sequence[EntryCategory]
    replies: Sequence[Reply]
    diagnostics: Sequence[Diagnostic]
    deliveries: Sequence[Delivery]
    names: Mapping[str, str]  # display names of the workspace's leads mentioned in the texts


def lead_record(session: Session, team_id: str, user_id: str) -> LeadRecord:
    """Read everything stored about one lead, a query per table."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError(NOTHING_STORED)
    entries = store.entries_of(session, lead.id)
    diagnostics = store.diagnostics_of(session, lead.id)
    mentioned = mentioned_users([*(e.text for e in entries), *(d.task for d in diagnostics)])
    return LeadRecord(
        lead=lead,
        workspace=workspace_of(session, lead),
        impact_entries=entries,
        entry_categories=store.categories_of(session, lead.id),
        replies=store.replies_of(session, lead.id),
        diagnostics=diagnostics,
        deliveries=store.deliveries_of(session, lead.id),
        names=display_names(session, team_id, sorted(mentioned)) if mentioned else {},
    )


def export_json(record: LeadRecord, now: datetime) -> str:
    """The record as indented UTF-8 JSON: every column of every row, keyed by table name."""
    tables: Sequence[tuple[type[Base], Sequence[Base]]] = [
        (ImpactEntry, record.impact_entries),
        (EntryCategory, record.entry_categories),
        (Reply, record.replies),
        (Diagnostic, record.diagnostics),
        (Delivery, record.deliveries),
    ]
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(),
        "lead": row_values(record.lead),
    }
    for model, rows in tables:
        document[model.__tablename__] = [row_values(row) for row in sorted(rows, key=_primary_key)]
    return json.dumps(document, indent=2, ensure_ascii=False, default=_json_value) + "\n"


def row_values(row: Base) -> dict[str, Any]:
    """Every column of a row by column name, read through the mapper so a new column is exported unasked."""
    mapper = inspect(type(row))
    columns = mapper.local_table.columns
    return {column.name: getattr(row, mapper.get_property_by_column(column).key) for column in columns}


def _primary_key(row: Base) -> tuple[Any, ...]:
    return tuple(inspect(type(row)).primary_key_from_instance(row))


def _json_value(value: object) -> str:
    """Dates and times as ISO 8601 (stored timestamps are aware UTC, so they carry +00:00)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"no JSON form for {type(value).__name__}: teach export_json about it")


def record_timezone(record: LeadRecord) -> str:
    """The lead's timezone for dating their document (UTC if the stored one can't be read)."""
    return usable_timezone(lead_timezone(record.lead, record.workspace)) or "UTC"


def brag_markdown(record: LeadRecord, now: datetime) -> str:
    """The record as a Markdown brag document, dated in the lead's timezone."""
    timezone = record_timezone(record)
    categories: dict[int, set[str]] = defaultdict(set)
    for row in record.entry_categories:
        categories[row.entry_id].add(row.category)
    entries = [
        BragEntry(entry.created_at, entry.text, frozenset(categories[entry.id]), entry.shareable)
        for entry in record.impact_entries
    ]
    decisions = [BragDecision(d.created_at, d.task, d.verdict, d.outcome, d.hours) for d in record.diagnostics]
    name = record.lead.display_name or record.lead.user_id
    return build_brag(name, entries, decisions, timezone, record.names, local_date_of(now, timezone))
