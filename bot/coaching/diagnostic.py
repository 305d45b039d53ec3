"""The "why am I coding?" diagnostic: a verdict from two answers, and the four-week trend.

Drawn from the "why am I coding?" test in the tech lead strategic playbook and the "could one of your engineers
own this instead?" test in "Five things I learned too late". Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

OWNERSHIP: Mapping[str, str] = {
    "yes": "Yes, they could own it",
    "with_support": "Yes, with my support",
    "no": "No, nobody else could",
}
PULLS: Mapping[str, str] = {
    "strategic": "Only I can crack this, and it matters a lot",
    "hiding": "It lets me put off a hard conversation or a fuzzy strategy question",
    "leverage": "I'd pair on it to teach someone",
    "dopamine": "I miss the feeling of shipping",
}
VERDICTS: Mapping[str, str] = {
    "go": "Go ahead, timeboxed",
    "pair": "Pair, and let them drive",
    "face_it": "Face the conversation first",
    "delegate": "Delegate it",
}
OUTCOMES: Mapping[str, str] = {"delegated": "delegated it", "paired": "paired on it", "myself": "did it myself"}
TREND_WEEKS = 4
WEEK = timedelta(weeks=1)
TREND_WINDOW = TREND_WEEKS * WEEK
MAX_HOURS = 200.0


class DiagnosticError(ValueError):
    """An answer the diagnostic cannot use; the message is safe to show next to the field."""


def verdict(ownership: str, pull: str) -> str:
    """The verdict for one coding urge."""
    if ownership not in OWNERSHIP or pull not in PULLS:
        raise DiagnosticError("Pick one answer for each question.")
    if pull == "hiding":  # whoever could own the code, the avoided conversation is the real work
        return "face_it"
    if ownership == "no" and pull != "leverage":
        return "go"  # nobody else could: timeboxed (and, to scratch an itch, with someone brought in)
    if pull == "leverage" or ownership == "with_support":
        return "pair"  # to teach, or because they could own it with you beside them
    return "delegate"  # someone else could own it outright


def parse_hours(text: str) -> float | None:
    """An optional hours estimate like "3" or "1.5" (None when blank)."""
    cleaned = text.strip().lower().removesuffix("hours").removesuffix("h").strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        hours = float(cleaned)
    except ValueError:
        raise DiagnosticError("Hours should be a number, like 2 or 1.5.") from None
    if not 0 < hours <= MAX_HOURS:
        raise DiagnosticError(f"Hours should be more than 0 and at most {MAX_HOURS:.0f}.")
    return hours


@dataclass(frozen=True)
class Answers:
    """A complete, valid set of answers."""

    task: str
    ownership: str
    pull: str
    hours: float | None

    @property
    def verdict(self) -> str:
        """The verdict these answers lead to."""
        return verdict(self.ownership, self.pull)


def check_answers(task: str, ownership: str | None, pull: str | None, hours: str) -> Answers | dict[str, str]:
    """The answers, or what is wrong with them keyed by question (task, ownership, pull, hours)."""
    problems: dict[str, str] = {}
    if not task.strip():
        problems["task"] = "Say in a few words what you're about to code."
    if ownership not in OWNERSHIP:
        problems["ownership"] = "Pick one: could someone on your team own this?"
    if pull not in PULLS:
        problems["pull"] = "Pick the one that's closest, even if it stings."
    try:
        parsed = parse_hours(hours)
    except DiagnosticError as error:
        problems["hours"] = str(error)
    if problems or ownership is None or pull is None:
        return problems
    return Answers(task.strip(), ownership, pull, parsed)


@dataclass(frozen=True)
class Run:
    """One past diagnostic, as the trend needs it."""

    pull: str
    verdict: str
    hours: float | None
    outcome: str | None
    created_at: datetime


@dataclass(frozen=True)
class Trend:
    """The last four weeks of diagnostics."""

    total: int
    by_verdict: Mapping[str, int]
    hours_by_verdict: Mapping[str, float]
    worthwhile_share: float | None  # share of estimated hours whose pull was strategic or leverage
    handoffs: int
    observation: str | None
    by_week: tuple[int, ...] = ()  # runs in each of the four weeks, oldest first


def trend(runs: Sequence[Run], now: datetime) -> Trend:
    """Counts, hours and one plain observation over the four weeks before `now`."""
    recent = sorted((run for run in runs if now - TREND_WINDOW <= run.created_at <= now), key=lambda r: r.created_at)
    hours = dict.fromkeys(VERDICTS, 0.0)
    for run in recent:
        hours[run.verdict] = hours.get(run.verdict, 0.0) + (run.hours or 0.0)
    total_hours = sum(run.hours or 0.0 for run in recent)
    worthwhile = sum(run.hours or 0.0 for run in recent if run.pull in ("strategic", "leverage"))
    return Trend(
        total=len(recent),
        by_verdict={key: sum(run.verdict == key for run in recent) for key in VERDICTS},
        hours_by_verdict=hours,
        worthwhile_share=worthwhile / total_hours if total_hours else None,
        handoffs=sum(run.outcome == "delegated" for run in recent),
        observation=observation(recent),
        by_week=_by_week(recent, now),
    )


def _by_week(runs: Sequence[Run], now: datetime) -> tuple[int, ...]:
    """Runs per week of the window, oldest week first (a run exactly four weeks old counts in the oldest)."""
    weekly = [0] * TREND_WEEKS
    for run in runs:
        weeks_ago = min(int((now - run.created_at) / WEEK), TREND_WEEKS - 1)
        weekly[TREND_WEEKS - 1 - weeks_ago] += 1
    return tuple(weekly)


def observation(runs: Sequence[Run]) -> str | None:
    """A plain sentence when the last five runs show a pattern (runs oldest first)."""
    last = runs[-5:]
    if len(last) < 3:
        return None
    pulls = Counter(run.pull for run in last)
    n = len(last)
    if pulls["hiding"] >= 2 and pulls["hiding"] * 2 >= n:
        return f"{pulls['hiding']} of your last {n} coding sessions were put-offs: which conversation keeps waiting?"
    if pulls["dopamine"] * 2 > n:
        return f"{pulls['dopamine']} of your last {n} coding urges were about the feeling of shipping."
    delegates = [run for run in last if run.verdict == "delegate"]
    if len(delegates) >= 2 and all(run.outcome == "myself" for run in delegates):
        return f"You were told to delegate {len(delegates)} times lately and did it yourself each time."
    if pulls["strategic"] + pulls["leverage"] == n:
        return f"All of your last {n} coding sessions were strategic or teaching: that's coding as a lead."
    return None
