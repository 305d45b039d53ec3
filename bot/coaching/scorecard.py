"""The weekly scorecard and team digest arithmetic: plain facts in, plain figures out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.coaching.categories import CATEGORIES
from bot.coaching.diagnostic import VERDICTS
from bot.coaching.focus import FOCUS, Focus
from bot.coaching.loops import Rate, autonomy_rate, held_rate

LEADERSHIP = tuple(key for key in CATEGORIES if key != "hands_on")
DISAPPEARANCE = ("stayed_quiet", "context")  # moments that let the team run without you (hand-offs: held rate)
HIGHLIGHTS = 3
RULE_OF_THUMB = 0.7  # leadership share of the work in the 70/30 rule
MIN_GROUP = 3  # the digest breaks moments down by category only when at least this many leads took part


@dataclass(frozen=True)
class Moment:
    """One impact entry as the scorecard sees it."""

    entry_id: int
    created_at: datetime
    text: str
    categories: frozenset[str]


@dataclass(frozen=True)
class CodingRun:
    """One coding diagnostic of the week."""

    verdict: str
    hours: float | None
    outcome: str | None


@dataclass(frozen=True)
class WeekFacts:
    """Everything the scorecard needs about one lead and one week, read from the store."""

    week: str  # ISO week key
    moments: Sequence[Moment]  # this week's entries, oldest first
    last_week: Mapping[str, int]  # category counts of last week
    last_week_total: int  # entries last week
    earlier_fortnight: Mapping[str, int]  # category counts of the two weeks before last week
    entry_weeks: Collection[int]  # weeks with an entry, counted back: 0 this week, 1 last week, ...
    prompts_sent: int
    prompts_answered: int
    prompts_skipped: int
    coding: Sequence[CodingRun]
    handoffs: Sequence[str] = ()  # the status of each hand-off answered in the last four weeks
    decided_by: Sequence[str] = ()  # who made each decision decided in the last four weeks
    absences: Sequence[str] = ()  # what waited, after the latest absences, newest first


@dataclass(frozen=True)
class Split:
    """Leadership against hands-on moments, for the 70/30 rule of thumb."""

    leadership: int
    hands_on: int

    @property
    def leadership_share(self) -> float | None:
        """Leadership moments as a share of all classified moments."""
        total = self.leadership + self.hands_on
        return self.leadership / total if total else None


@dataclass(frozen=True)
class Disappearance:
    """Could the team run without you: hand-offs that held and decisions the team made (four weeks), what waited
    after the latest absences, and the fortnight's moments of leaving decisions to the team and sharing context."""

    held: Rate | None
    autonomy: Rate | None
    absences: tuple[str, ...]
    left_to_team: int
    context: int
    earlier_total: int  # left to the team and context, the two weeks before

    @property
    def total(self) -> int:
        """The fortnight's moments together."""
        return self.left_to_team + self.context


@dataclass(frozen=True)
class Scorecard:
    """One lead's week, counted."""

    week: str
    total: int
    last_week_total: int
    by_category: Sequence[tuple[str, int, int]]  # (key, this week, last week), busiest first
    highlights: Sequence[Moment]
    split: Split
    coding_by_verdict: Mapping[str, int]
    coding_hours: float
    prompts_sent: int
    prompts_answered: int
    prompts_skipped: int
    streak: int
    disappearance: Disappearance
    focus: Focus

    @property
    def is_empty(self) -> bool:
        """Nothing logged and no coding diagnostics: the kind short message instead of figures."""
        return self.total == 0 and not any(self.coding_by_verdict.values())


def build_scorecard(facts: WeekFacts, week_number: int) -> Scorecard:
    """Count one lead's week."""
    this_week = Counter(category for moment in facts.moments for category in moment.categories)
    shown = sorted(set(this_week) | {k for k, v in facts.last_week.items() if v}, key=lambda k: (-this_week[k], k))
    fortnight = this_week + Counter(facts.last_week)
    return Scorecard(
        week=facts.week,
        total=len(facts.moments),
        last_week_total=facts.last_week_total,
        by_category=[(key, this_week[key], facts.last_week.get(key, 0)) for key in shown],
        highlights=highlights(facts.moments),
        split=split(facts.moments),
        coding_by_verdict={key: sum(run.verdict == key for run in facts.coding) for key in VERDICTS},
        coding_hours=sum(run.hours or 0.0 for run in facts.coding),
        prompts_sent=facts.prompts_sent,
        prompts_answered=facts.prompts_answered,
        prompts_skipped=facts.prompts_skipped,
        streak=streak(facts.entry_weeks),
        disappearance=Disappearance(
            held=held_rate(facts.handoffs),
            autonomy=autonomy_rate(facts.decided_by),
            absences=tuple(facts.absences),
            left_to_team=fortnight["stayed_quiet"],
            context=fortnight["context"],
            earlier_total=sum(facts.earlier_fortnight.get(k, 0) for k in DISAPPEARANCE),
        ),
        focus=focus(fortnight + Counter(facts.earlier_fortnight), week_number),
    )


def streak(entry_weeks: Collection[int]) -> int:
    """Weeks in a row with at least one entry, ending this week, or last week while this one is still open."""
    weeks = set(entry_weeks)
    start = 0 if 0 in weeks else 1
    count = 0
    while start + count in weeks:
        count += 1
    return count


def highlights(moments: Sequence[Moment], limit: int = HIGHLIGHTS) -> list[Moment]:
    """Up to `limit` entries that show the most kinds of invisible work, preferring ones with more to say."""
    chosen: list[Moment] = []
    covered: set[str] = set()
    candidates = [m for m in moments if m.categories - {"hands_on"}] or list(moments)
    while candidates and len(chosen) < limit:
        best = max(candidates, key=lambda m: (len(m.categories - covered - {"hands_on"}), min(len(m.text), 280)))
        chosen.append(best)
        covered |= best.categories
        candidates.remove(best)
    return sorted(chosen, key=lambda m: m.created_at)


def split(moments: Sequence[Moment]) -> Split:
    """An entry with any leadership category counts as leadership (pairing that teaches is leverage)."""
    leadership = sum(bool(m.categories - {"hands_on"}) for m in moments)
    hands_on = sum(m.categories == {"hands_on"} for m in moments)
    return Split(leadership, hands_on)


def focus(recent: Mapping[str, int], week_number: int) -> Focus:
    """The focus for the weakest theme of the last four weeks; ties rotate week by week."""
    fewest = min(recent.get(key, 0) for key in LEADERSHIP)
    weakest = [key for key in LEADERSHIP if recent.get(key, 0) == fewest]
    return FOCUS[weakest[week_number % len(weakest)]]


@dataclass(frozen=True)
class SharedMoment:
    """An entry its author marked shareable, as the digest shows it."""

    author: str
    text: str
    categories: frozenset[str]
    created_at: datetime


@dataclass(frozen=True)
class Digest:
    """The team's week: aggregates only, plus what authors chose to share."""

    week: str
    participants: int
    total: int | None  # None when fewer than MIN_GROUP leads took part
    last_week_total: int | None  # None unless both weeks had MIN_GROUP leads: no one's count can be read off the change
    by_category: Sequence[tuple[str, int]]  # empty when fewer than MIN_GROUP leads took part
    theme: str | None
    shared: Sequence[SharedMoment]


def build_digest(
    week: str,
    participants: int,
    last_participants: int,
    by_category: Mapping[str, int],
    total: int,
    last_week_total: int,
    shared: Sequence[SharedMoment],
) -> Digest:
    """Count the team's week; a small group gets no figures, so no one's own can be read off them."""
    enough = participants >= MIN_GROUP
    ranked = sorted(((k, n) for k, n in by_category.items() if n), key=lambda item: (-item[1], item[0]))
    leadership = [key for key, _ in ranked if key != "hands_on"]
    return Digest(
        week=week,
        participants=participants,
        total=total if enough else None,
        last_week_total=last_week_total if enough and last_participants >= MIN_GROUP else None,
        by_category=ranked if enough else [],
        theme=leadership[0] if enough and leadership else None,
        shared=sorted(shared, key=lambda m: m.created_at),
    )
