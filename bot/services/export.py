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

from bot.coaching.brag import (
    BragAbsence,
    BragArea,
    BragDecision,
    BragEntry,
    BragHandoff,
    BragLoopDecision,
    BragLoops,
    build_brag,
)
from bot.coaching.mentions import mentioned_users
from bot.coaching.schedule import local_date_of
from bot.services.errors import UserFacingError
from bot.services.schedules import lead_timezone, usable_timezone
from bot.store import export as store
from bot.store import loops as loop_store
from bot.store.leads import get_lead, workspace_of
from bot.store.models import (
    Absence,
    AreaReview,
    Base,
    Decision,
    Delivery,
    Diagnostic,
    EntryCategory,
    FilingMemory,
    Handoff,
    ImpactEntry,
    Lead,
    Reply,
    SoloArea,
    Workspace,
)
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
    handoffs: Sequence[Handoff]
    decisions: Sequence[Decision]
    absences: Sequence[Absence]
    area_reviews: Sequence[AreaReview]
    solo_areas: Sequence[tuple[str, SoloArea]]  # with their quarter
    filing_memory: Sequence[FilingMemory]  # words of their refiled entries, and what each taught
    names: Mapping[str, str]  # display names of the workspace's leads mentioned in the texts


def lead_record(session: Session, team_id: str, user_id: str) -> LeadRecord:
    """Read everything stored about one lead, a query per table."""
    lead = get_lead(session, team_id, user_id)
    if lead is None:
        raise UserFacingError(NOTHING_STORED)
    entries = store.entries_of(session, lead.id)
    diagnostics = store.diagnostics_of(session, lead.id)
    handoffs, decisions = loop_store.handoffs_of(session, lead.id), loop_store.decisions_of(session, lead.id)
    absences, areas = loop_store.absences_of(session, lead.id), loop_store.solo_areas_of(session, lead.id)
    texts = [*(e.text for e in entries), *(d.task for d in diagnostics)]
    texts += [h.what for h in handoffs] + [d.what for d in decisions]
    mentioned = mentioned_users(texts)
    return LeadRecord(
        lead=lead,
        workspace=workspace_of(session, lead),
        impact_entries=entries,
        entry_categories=store.categories_of(session, lead.id),
        replies=store.replies_of(session, lead.id),
        diagnostics=diagnostics,
        deliveries=store.deliveries_of(session, lead.id),
        handoffs=handoffs,
        decisions=decisions,
        absences=absences,
        area_reviews=loop_store.reviews_of(session, lead.id),
        solo_areas=areas,
        filing_memory=store.filing_memory_of(session, lead.id),
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
        (Handoff, record.handoffs),
        (Decision, record.decisions),
        (Absence, record.absences),
        (AreaReview, record.area_reviews),
        (SoloArea, [area for _, area in record.solo_areas]),
        (FilingMemory, record.filing_memory),
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
    loops = BragLoops(
        handoffs=[
            BragHandoff(h.due_on, _person(h.delegate_name), h.what, h.done_when, h.status, h.note)
            for h in record.handoffs
        ],
        decisions=[
            BragLoopDecision(
                d.due_on,
                _person(d.owner_name) if d.owner else None,
                d.what,
                d.decided_by,
                d.disagreed,
                d.assumption,
                d.assumption_held,
            )
            for d in record.decisions
        ],
        absences=[BragAbsence(a.first_day, a.last_day, a.waited, a.expected, a.note) for a in record.absences],
        areas=[BragArea(quarter, area.text, area.shared_on) for quarter, area in record.solo_areas],
    )
    return build_brag(name, entries, decisions, timezone, record.names, local_date_of(now, timezone), loops)


def _person(recorded: str | None) -> str:
    """A delegate or owner by the name they had when the lead recorded them."""
    return "@" + (recorded or "someone")
