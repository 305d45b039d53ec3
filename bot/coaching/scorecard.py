"""The weekly scorecard and team digest arithmetic: plain facts in, plain figures out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.coaching.categories import CATEGORIES, label
from bot.coaching.diagnostic import VERDICTS
from bot.coaching.focus import FOCUS, Focus
from bot.coaching.loops import Rate, autonomy_rate, held_rate

LEADERSHIP = tuple(key for key in CATEGORIES if key != "hands_on")
DISAPPEARANCE = ("stayed_quiet", "context")  # moments that let the team run without you (hand-offs: held rate)
HIGHLIGHTS = 3
RULE_OF_THUMB = 0.7  # leadership share of the work in the 70/30 rule
TREND_WEEKS = 8  # the chart's line of leadership against hands-on
MIN_GROUP = 3  # the digest breaks moments down by category only when at least this many leads took part


@dataclass(frozen=True)
class Moment:
    """One impact entry as the scorecard sees it."""

    entry_id: int
    created_at: datetime
    text: str
    categories: frozenset[str]
    minutes: int | None = None  # "about how long?", when the lead said

    @property
    def is_leadership(self) -> bool:
        """Filed under any leadership category (pairing that teaches is leverage, even with hands on code)."""
        return bool(self.categories - {"hands_on"})


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
    last_week_leadership: int = 0  # leadership moments last week
    handoffs: Sequence[str] = ()  # the status of each hand-off answered in the last four weeks
    decided_by: Sequence[str] = ()  # who made each decision decided in the last four weeks
    absences: Sequence[str] = ()  # what waited, after the latest absences, newest first
    weekly: Sequence[tuple[int, int]] = ()  # (leadership, hands-on) moments a week for TREND_WEEKS, oldest first


@dataclass(frozen=True)
class Split:
    """Leadership against hands-on work, for the 70/30 rule of thumb: in hours when the lead gave any, else in
    moments (and the scorecard says which)."""

    leadership: int  # moments
    hands_on: int
    leadership_hours: float = 0.0
    hands_on_hours: float = 0.0
    timed: int = 0  # moments (and coding runs done by hand) that came with a time

    @property
    def by_hours(self) -> bool:
        """Whether the split weighs time rather than counting moments."""
        return self.timed > 0 and self.leadership_hours + self.hands_on_hours > 0

    @property
    def leadership_share(self) -> float | None:
        """Leadership as a share of the classified work: of the hours when known, else of the moments."""
        if self.by_hours:
            return self.leadership_hours / (self.leadership_hours + self.hands_on_hours)
        total = self.leadership + self.hands_on
        return self.leadership / total if total else None

    @property
    def points_from_rule(self) -> int | None:
        """Percentage points above (positive) or below (negative) the 70% of the rule of thumb."""
        share = self.leadership_share
        return None if share is None else round(share * 100) - round(RULE_OF_THUMB * 100)


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
    leadership: int  # the headline: moments filed under a leadership category
    last_week_leadership: int
    unfiled: int
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
    focus_reason: str  # why this focus, in the lead's own figures
    weekly: Sequence[tuple[int, int]] = ()  # (leadership, hands-on) a week, oldest first: the chart's line

    @property
    def is_empty(self) -> bool:
        """Nothing logged and no coding diagnostics: the kind short message instead of figures."""
        return self.total == 0 and not any(self.coding_by_verdict.values())


def build_scorecard(facts: WeekFacts, week_number: int) -> Scorecard:
    """Count one lead's week."""
    this_week = Counter(category for moment in facts.moments for category in moment.categories)
    shown = sorted(set(this_week) | {k for k, v in facts.last_week.items() if v}, key=lambda k: (-this_week[k], k))
    fortnight = this_week + Counter(facts.last_week)
    the_split = split(facts.moments, facts.coding)
    chosen, reason = choose_focus(the_split, this_week, facts.last_week, facts.earlier_fortnight, week_number)
    return Scorecard(
        week=facts.week,
        total=len(facts.moments),
        last_week_total=facts.last_week_total,
        leadership=sum(m.is_leadership for m in facts.moments),
        last_week_leadership=facts.last_week_leadership,
        unfiled=sum(not m.categories for m in facts.moments),
        by_category=[(key, this_week[key], facts.last_week.get(key, 0)) for key in shown],
        highlights=highlights(facts.moments),
        split=the_split,
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
        focus=chosen,
        focus_reason=reason,
        weekly=tuple(facts.weekly),
    )


def weekly_split(moments: Iterable[Moment], until: datetime, weeks: int = TREND_WEEKS) -> list[tuple[int, int]]:
    """(leadership, hands-on) moments per week for the `weeks` weeks before `until`, oldest first.

    Weeks are counted back from `until` as the scorecard counts them ([until - 7 days, until) is this week), so
    the last pair matches the scorecard's split. Leadership is any moment filed under a leadership category,
    hands-on a moment filed under hands-on only; unfiled moments and any outside the window are not counted."""
    counts = [[0, 0] for _ in range(weeks)]
    for moment in moments:
        age = until - moment.created_at
        if age <= timedelta(0):
            continue
        back = (age - timedelta(microseconds=1)) // timedelta(weeks=1)  # an entry exactly k weeks back opens week k - 1
        if back >= weeks:
            continue
        if moment.is_leadership:
            counts[weeks - 1 - back][0] += 1
        elif moment.categories == {"hands_on"}:
            counts[weeks - 1 - back][1] += 1
    return [(leadership, hands_on) for leadership, hands_on in counts]


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


def split(moments: Sequence[Moment], coding: Sequence[CodingRun] = ()) -> Split:
    """Leadership against hands-on moments, and hours where the lead gave them: an entry's "about how long?", and
    the estimate of a coding urge they then did themselves. Moments without a time count at the average of those
    with one, so a week half timed is not read as half empty."""
    leadership = [m for m in moments if m.is_leadership]
    hands_on = [m for m in moments if m.categories == {"hands_on"}]
    timed = [m.minutes for m in (*leadership, *hands_on) if m.minutes]
    coded = [run.hours for run in coding if run.outcome == "myself" and run.hours]
    if not timed and not coded:
        return Split(len(leadership), len(hands_on))
    average = sum(timed) / len(timed) / 60 if timed else 0.0

    def hours(group: Sequence[Moment]) -> float:
        return sum(m.minutes / 60 if m.minutes else average for m in group)

    return Split(
        len(leadership),
        len(hands_on),
        leadership_hours=hours(leadership),
        hands_on_hours=hours(hands_on) + sum(coded),
        timed=len(timed) + len(coded),
    )


BALANCE_GAP = 10  # points below the rule of thumb at which the balance is the week's biggest gap


def choose_focus(
    the_split: Split,
    this_week: Mapping[str, int],
    last_week: Mapping[str, int],
    earlier_fortnight: Mapping[str, int],
    week_number: int,
) -> tuple[Focus, str]:
    """The focus for the biggest gap in the lead's own pattern, and why: the keyboard crowding out leading; else a
    kind of work they did in the three weeks before and dropped this week; else the quietest theme of four weeks
    (ties rotate week by week)."""
    points = the_split.points_from_rule
    if points is not None and points <= -BALANCE_GAP:
        share = round((the_split.leadership_share or 0) * 100)
        return FOCUS["hands_on"], f"{share}% of your week was leadership, {-points} points under 70"
    before = Counter(last_week) + Counter(earlier_fortnight)  # three weeks
    drops = {key: before[key] / 3 - this_week.get(key, 0) for key in LEADERSHIP if before[key] >= 2}
    biggest = max(drops.items(), key=lambda item: (item[1], before[item[0]], item[0]), default=None)
    if biggest is not None and biggest[1] >= 1:
        key = biggest[0]
        return FOCUS[
            key
        ], f"{label(key).capitalize()}: {before[key]} in the three weeks before, {this_week.get(key, 0)} this week"
    quiet = quietest(Counter(this_week) + before, week_number)
    return quiet, f"Your quietest theme lately: {label(quiet.category)}"


def quietest(recent: Mapping[str, int], week_number: int) -> Focus:
    """The focus for the weakest leadership category of four weeks; ties rotate week by week."""
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
    last_by_category: Mapping[str, int] | None = None,
) -> Digest:
    """Count the team's week; a small group gets no figures, so no one's own can be read off them. The theme of
    the week is the busiest kind of leadership work; a tie goes to the one that grew most since last week."""
    enough = participants >= MIN_GROUP
    before = last_by_category or {}
    ranked = sorted(((k, n) for k, n in by_category.items() if n and k in CATEGORIES), key=lambda i: (-i[1], i[0]))
    leadership = [(k, n) for k, n in ranked if k != "hands_on"]
    theme = min(leadership, key=lambda i: (-i[1], -(i[1] - before.get(i[0], 0)), i[0]))[0] if leadership else None
    return Digest(
        week=week,
        participants=participants,
        total=total if enough else None,
        last_week_total=last_week_total if enough and last_participants >= MIN_GROUP else None,
        by_category=ranked if enough else [],
        theme=theme if enough else None,
        shared=sorted(shared, key=lambda m: m.created_at),
    )
