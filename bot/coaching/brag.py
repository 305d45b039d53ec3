"""The brag document: everything a lead logged, as Markdown ready for a review packet.

Pure: plain records in, one string out. Stored text is Slack's message syntax, made readable by
`bot.coaching.mentions.readable`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.coaching.categories import CATEGORIES, label
from bot.coaching.diagnostic import OUTCOMES, VERDICTS
from bot.coaching.loops import ABSENCE_ANSWERS, ASSUMPTION_ANSWERS, DECISION_ANSWERS, HANDOFF_ANSWERS
from bot.coaching.mentions import readable

HANDS_ON = "hands_on"
UNFILED = ""  # the section of entries with no category
UNFILED_TITLE = "Not yet filed"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

Quarter = tuple[int, int]  # (year, 1..4)


@dataclass(frozen=True)
class BragEntry:
    """One logged moment as the brag document sees it."""

    created_at: datetime
    text: str  # as stored: Slack-escaped
    categories: frozenset[str]
    shareable: bool


@dataclass(frozen=True)
class BragDecision:
    """One run of the coding diagnostic."""

    created_at: datetime
    task: str  # as stored: Slack-escaped
    verdict: str
    outcome: str | None
    hours: float | None


@dataclass(frozen=True)
class BragHandoff:
    """A hand-off; texts Slack-escaped."""

    due_on: date
    delegate: str  # a display name
    what: str
    done_when: str | None
    status: str
    note: str | None


@dataclass(frozen=True)
class BragLoopDecision:
    """A decision left to the team (owner None) or a person; texts Slack-escaped."""

    due_on: date
    owner: str | None  # a display name; None: the team
    what: str
    decided_by: str | None
    disagreed: bool
    assumption: str | None
    assumption_held: str | None


@dataclass(frozen=True)
class BragAbsence:
    """An absence and what waited."""

    first_day: date
    last_day: date
    waited: str | None
    expected: str | None
    note: str | None


@dataclass(frozen=True)
class BragArea:
    """An area only one person understood, listed in a quarter."""

    quarter: str
    text: str
    shared_on: date | None


@dataclass(frozen=True)
class BragLoops:
    """What the coaching loops add to the document."""

    handoffs: Sequence[BragHandoff] = ()
    decisions: Sequence[BragLoopDecision] = ()
    absences: Sequence[BragAbsence] = ()
    areas: Sequence[BragArea] = ()


def indented(text: str) -> str:
    """Text as the continuation lines of a Markdown list item (two spaces in), so line breaks stay inside it."""
    return "\n".join("  " + line for line in text.splitlines())


def build_brag(
    name: str,
    entries: Sequence[BragEntry],
    decisions: Sequence[BragDecision],
    timezone: str,
    names: Mapping[str, str],
    today: date,
    loops: BragLoops | None = None,
) -> str:
    """The whole brag document: newest quarter first, each entry once, dates in the lead's timezone; then the
    coaching loops (hand-offs, decisions, absences, single-owner areas)."""
    zone = ZoneInfo(timezone)
    loops = loops or BragLoops()
    instants = [entry.created_at for entry in entries] + [decision.created_at for decision in decisions]
    days = [instant.astimezone(zone).date() for instant in instants]
    days += [h.due_on for h in loops.handoffs] + [d.due_on for d in loops.decisions]
    days += [a.first_day for a in loops.absences]
    if not days:
        return _empty(name, today)
    by_quarter: dict[Quarter, tuple[list[BragEntry], list[BragDecision]]] = defaultdict(lambda: ([], []))
    for entry in entries:
        by_quarter[quarter_of(entry.created_at.astimezone(zone).date())][0].append(entry)
    for decision in decisions:
        by_quarter[quarter_of(decision.created_at.astimezone(zone).date())][1].append(decision)
    parts = [
        f"# {name}: brag document, {date_range(min(days), max(days))}",
        f"What {name} logged with Lead Coach: the leadership work that never shows up in a commit, in their own "
        "words. Newest quarter first; each moment appears once, under the first kind of impact it was filed as. "
        f"Exported {day_label(today)}.",
    ]
    for quarter in sorted(by_quarter, reverse=True):
        quarter_entries, quarter_decisions = by_quarter[quarter]
        parts.append(_quarter(quarter, quarter_entries, quarter_decisions, zone, names))
    parts.extend(_loops(loops, names))
    return "\n\n".join(parts) + "\n"


def _loops(loops: BragLoops, names: Mapping[str, str]) -> list[str]:
    """The loops' sections, each only when it has something to list."""
    parts = []
    held = [h for h in loops.handoffs if h.status == "held"]
    if held:
        parts.append("## Hand-offs that held\n\n" + "\n".join(_handoff_item(h, names) for h in held))
    others = [h for h in loops.handoffs if h.status != "held"]
    if others:
        parts.append("## Other hand-offs\n\n" + "\n".join(_handoff_item(h, names) for h in others))
    by_team = [d for d in loops.decisions if d.decided_by in ("owner", "team")]
    if by_team:
        parts.append("## Decisions the team made\n\n" + "\n".join(_decision_loop_item(d, names) for d in by_team))
    rest = [d for d in loops.decisions if d.decided_by not in ("owner", "team")]
    if rest:
        parts.append("## Other decisions\n\n" + "\n".join(_decision_loop_item(d, names) for d in rest))
    if loops.absences:
        parts.append("## Absences\n\n" + "\n".join(_absence_item(a, names) for a in loops.absences))
    if loops.areas:
        items = [
            f"- **{area.quarter}** · {'shared since ' + day_label(area.shared_on) if area.shared_on else 'one person'}"
            f"\n{indented(readable(area.text, names))}"
            for area in loops.areas
        ]
        parts.append("## Areas only one person understood\n\n" + "\n".join(items))
    return parts


def _handoff_item(handoff: BragHandoff, names: Mapping[str, str]) -> str:
    status = HANDOFF_ANSWERS.get(handoff.status, "not asked yet").lower()
    notes = [f"to {handoff.delegate}", status]
    text = readable(handoff.what, names)
    if handoff.done_when:
        text += f"\ndone when: {readable(handoff.done_when, names)}"
    if handoff.note:
        text += f"\nnote: {readable(handoff.note, names)}"
    return _dated(handoff.due_on, notes, text)


def _decision_loop_item(decision: BragLoopDecision, names: Mapping[str, str]) -> str:
    who = decision.owner or "the team"
    made = DECISION_ANSWERS.get(decision.decided_by or "", "not asked yet").lower()
    notes = [f"left to {who}", made]
    if decision.disagreed:
        notes.append("I disagreed and committed")
    text = readable(decision.what, names)
    if decision.assumption:
        held = ASSUMPTION_ANSWERS.get(decision.assumption_held or "", "not checked yet").lower()
        text += f"\nassumption: {readable(decision.assumption, names)} ({held})"
    return _dated(decision.due_on, notes, text)


def _absence_item(absence: BragAbsence, names: Mapping[str, str]) -> str:
    waited = ABSENCE_ANSWERS.get(absence.waited or "", "not asked yet").lower()
    text = "\n".join(
        f"{label}: {readable(value, names)}"
        for label, value in (("expected", absence.expected), ("what waited", absence.note))
        if value
    )
    head = f"- **{day_label(absence.first_day)} – {day_label(absence.last_day)}** · waited: {waited}"
    return f"{head}\n{indented(text)}" if text else head


def _dated(on: date, notes: Sequence[str], text: str) -> str:
    head = f"- **{day_label(on)}**" + "".join(f" · {note}" for note in notes)
    return f"{head}\n{indented(text)}" if text else head


def _empty(name: str, today: date) -> str:
    return (
        f"# {name}: brag document\n\n"
        "Nothing logged yet. Answers to the daily prompt, `/impact` notes and `/why-am-i-coding` decisions "
        f"will be gathered here, quarter by quarter. Exported {day_label(today)}.\n"
    )


def _quarter(
    quarter: Quarter,
    entries: Sequence[BragEntry],
    decisions: Sequence[BragDecision],
    zone: ZoneInfo,
    names: Mapping[str, str],
) -> str:
    parts = [quarter_title(quarter), tally(entries, decisions)]
    sections: dict[str, list[BragEntry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e.created_at):
        sections[home_section(entry.categories)].append(entry)
    for key in sorted(sections, key=_rank):
        items = [_entry_item(entry, key, zone, names) for entry in sections[key]]
        parts.append(f"### {section_title(key)}\n\n" + "\n".join(items))
    if decisions:
        items = [_decision_item(decision, zone, names) for decision in sorted(decisions, key=lambda d: d.created_at)]
        parts.append("### Coding decisions\n\n" + "\n".join(items))
    return "\n\n".join(parts)


def _entry_item(entry: BragEntry, section: str, zone: ZoneInfo, names: Mapping[str, str]) -> str:
    notes = []
    others = sorted(entry.categories - {section}, key=_rank)
    if others:
        notes.append("also: " + ", ".join(_label(key) for key in others))
    if entry.shareable:
        notes.append("shared in digest")
    return _item(entry.created_at, notes, readable(entry.text, names), zone)


def _decision_item(decision: BragDecision, zone: ZoneInfo, names: Mapping[str, str]) -> str:
    notes = [f"verdict: {VERDICTS.get(decision.verdict, decision.verdict)}"]
    if decision.outcome:
        notes.append(f"outcome: {OUTCOMES.get(decision.outcome, decision.outcome)}")
    else:
        notes.append("outcome not recorded")
    if decision.hours is not None:
        notes.append(f"about {decision.hours:g} h")
    return _item(decision.created_at, notes, readable(decision.task, names), zone)


def _item(created_at: datetime, notes: Sequence[str], text: str, zone: ZoneInfo) -> str:
    head = f"- **{day_label(created_at.astimezone(zone).date())}**" + "".join(f" · {note}" for note in notes)
    return f"{head}\n{indented(text)}" if text else head


def quarter_of(day: date) -> Quarter:
    """The calendar quarter a local date falls in."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_title(quarter: Quarter) -> str:
    """A quarter's heading, e.g. "## 2026 Q4 (October–December)"."""
    year, number = quarter
    return f"## {year} Q{number} ({MONTHS[3 * number - 3]}–{MONTHS[3 * number - 1]})"


def tally(entries: Sequence[BragEntry], decisions: Sequence[BragDecision]) -> str:
    """One line of figures for a quarter."""
    figures = [_count(len(entries), "moment") + " logged" if entries else "No moments logged"]
    if decisions:
        handed = sum(d.outcome == "delegated" for d in decisions)
        paired = sum(d.outcome == "paired" for d in decisions)
        figures.append(f"{_count(len(decisions), 'coding diagnostic')} ({handed} handed off, {paired} paired on)")
    return "*" + " · ".join(figures) + "*"


def home_section(categories: frozenset[str]) -> str:
    """The one section an entry is listed in: its first category in CATEGORIES order, else "not yet filed"."""
    return min(categories, key=_rank) if categories else UNFILED


def section_title(key: str) -> str:
    """A section's heading text."""
    if key == UNFILED:
        return UNFILED_TITLE
    text = _label(key)
    return text[:1].upper() + text[1:]


def _label(key: str) -> str:
    return label(key).replace("_", " ")


def _rank(key: str) -> tuple[int, int, str]:
    """Leadership categories in CATEGORIES order, then ones we no longer know, then unfiled, hands-on code last."""
    if key == HANDS_ON:
        return (3, 0, "")
    if key == UNFILED:
        return (2, 0, "")
    if key in CATEGORIES:
        return (0, list(CATEGORIES).index(key), "")
    return (1, 0, key)


def day_label(day: date) -> str:
    """A date as "Tue 17 Nov 2026", the same whatever the machine's locale."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def date_range(first: date, last: date) -> str:
    """The span from first to last, e.g. "3 Feb 2026 – 17 Nov 2026" (one date when they are the same)."""
    short = [f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}" for day in (first, last)]
    return short[0] if first == last else f"{short[0]} – {short[1]}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
