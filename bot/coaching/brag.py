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
) -> str:
    """The whole brag document: newest quarter first, each entry once, dates in the lead's timezone."""
    zone = ZoneInfo(timezone)
    instants = [entry.created_at for entry in entries] + [decision.created_at for decision in decisions]
    days = [instant.astimezone(zone).date() for instant in instants]
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
    return "\n\n".join(parts) + "\n"


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
