"""Coaching loops: advice that comes back to ask whether it worked. Pure rules: when to ask, what the answers mean,
and the rates a lead sees.

Three loops, each from the articles. Delegate with a clear outcome and check it held (the strategic playbook's
SMART delegation). Disappear and see what stalls (the vacation test of "The hard truth about technical leadership"
and the playbook; the bus factor of "Leveraged impact and the 70/30 rule"). Let the team decide, and count how often
it does (the autonomy rate; disagree and commit)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.coaching.schedule import ScheduleError, parse_pause

HANDOFF_ANSWERS: Mapping[str, str] = {
    "held": "Owned and done",
    "going": "Still going",
    "stepped_in": "I stepped back in",
    "came_back": "It came back to me",
}
DECISION_ANSWERS: Mapping[str, str] = {
    "me": "I decided",
    "owner": "The owner did",
    "team": "The team did",
    "open": "Still open",
}
ASSUMPTION_ANSWERS: Mapping[str, str] = {"held": "It held", "wrong": "It turned out wrong"}
ABSENCE_ANSWERS: Mapping[str, str] = {"nothing": "Nothing", "decisions": "A decision or two", "fire": "A fire"}
LOOPS = ("absence", "quarter", "handoff", "decision", "assumption")  # also the order among follow-ups due the same day

HANDOFF_ASKS = 3  # the first question, and again after "still going" at most twice
DECISION_ASKS = 2  # the first question, and again once after "still open"
ASK_AGAIN = timedelta(days=7)
DEFAULT_DUE = timedelta(days=7)
ASSUMPTION_CHECK = timedelta(weeks=4)
RATE_WINDOW = timedelta(weeks=4)
MIN_DECISIONS = 3  # the autonomy rate is shown from this many decisions made
MIN_ABSENCE_WORKDAYS = 3
RETURN_WINDOW = timedelta(days=14)  # an absence that ended longer ago than this is not asked about any more
HELD = "held"
NOT_HELD = frozenset({"stepped_in", "came_back"})
WITHOUT_THE_LEAD = frozenset({"owner", "team"})
WHAT_MAX = 300
NOTE_MAX = 1000

_BY_DATE = re.compile(r"^(?P<what>.*?)\s+by\s+(?P<date>\S.*)$", re.IGNORECASE | re.DOTALL)
_DURATION = re.compile(r"(?P<count>\d{1,3})\s*(?P<unit>d|days?|w|weeks?)", re.IGNORECASE)


class LoopError(ValueError):
    """Input a loop can't use; the message is safe to show the lead."""


@dataclass(frozen=True)
class Due:
    """A follow-up that may be asked today."""

    loop: str  # one of LOOPS
    item_id: int
    due_on: date


@dataclass(frozen=True)
class Rate:
    """Good outcomes out of all that count."""

    good: int
    total: int

    @property
    def share(self) -> float:
        """Good as a share of the total."""
        return self.good / self.total if self.total else 0.0


@dataclass(frozen=True)
class HandoffAnswer:
    """What an answer to a hand-off's follow-up leaves: its status and when to ask again."""

    status: str
    next_ask_on: date | None


@dataclass(frozen=True)
class DecisionAnswer:
    """What an answer to a decision's follow-up leaves."""

    decided_by: str
    next_ask_on: date | None
    decided_on: date | None
    check_on: date | None


def split_due_date(text: str, today: date) -> tuple[str, date]:
    """ "what [by DATE]" into the what and its date (a week ahead by default). A trailing "by …" that is not a date
    ("written by Sam") is part of the what; a date in the past is refused."""
    text = " ".join(text.split())
    found = _BY_DATE.match(text)
    if found is not None:
        try:
            return found["what"].strip(), due_date(found["date"], today)
        except LoopError:
            if _looks_like_a_date(found["date"]):
                raise
    return text, today + DEFAULT_DUE


def due_date(text: str, today: date) -> date:
    """A date as `/coach pause` reads it ("dec 24", "2026-12-24", "5d": five days from today); never in the past."""
    duration = _DURATION.fullmatch(text.strip())
    try:
        if duration is not None:
            days = int(duration["count"]) * (7 if duration["unit"].lower().startswith("w") else 1)
            return parse_pause(f"{days + 1}d", today)  # pause counts today as its first day
        return parse_pause(text, today)
    except ScheduleError as error:
        raise LoopError(str(error)) from None


def _looks_like_a_date(text: str) -> bool:
    return bool(re.search(r"\d", text))


def check_what(text: str, kind: str) -> str:
    """The what of a hand-off or decision: required, and short enough to read in a DM."""
    what = " ".join(text.split())
    if not what:
        raise LoopError(f"Say what the {kind} is about, in a few words.")
    if len(what) > WHAT_MAX:
        raise LoopError(f"Please keep the {kind} under {WHAT_MAX} characters: a line the follow-up can quote.")
    return what


def check_due(due: date, today: date) -> date:
    """A chosen date: today or later."""
    if due < today:
        raise LoopError(f"{due:%-d %B %Y} is in the past: pick today or a later date.")
    return due


def answer_handoff(answer: str, asks: int, today: date) -> HandoffAnswer:
    """Owned and done, still going (asked again in a week while asks remain), stepped back in, or came back."""
    if answer not in HANDOFF_ANSWERS:
        raise LoopError("I didn't understand that answer.")
    again = today + ASK_AGAIN if answer == "going" and asks < HANDOFF_ASKS else None
    return HandoffAnswer(answer, again)


def answer_decision(answer: str, asks: int, has_assumption: bool, today: date) -> DecisionAnswer:
    """Who decided, or still open (asked again once); a decision made with an assumption gets its check in four
    weeks."""
    if answer not in DECISION_ANSWERS:
        raise LoopError("I didn't understand that answer.")
    if answer == "open":
        return DecisionAnswer(answer, today + ASK_AGAIN if asks < DECISION_ASKS else None, None, None)
    return DecisionAnswer(answer, None, today, today + ASSUMPTION_CHECK if has_assumption else None)


def pick_followup(due: Iterable[Due]) -> Due | None:
    """The one follow-up for today: the longest waiting, then by loop."""
    return min(due, key=lambda d: (d.due_on, LOOPS.index(d.loop), d.item_id), default=None)


def workdays_in(first: date, last: date, workdays: Collection[int]) -> int:
    """How many of the lead's workdays fall in [first, last]."""
    days = (last - first).days + 1
    return sum((first + timedelta(days=n)).isoweekday() in workdays for n in range(max(days, 0)))


def is_long_absence(first: date, last: date, workdays: Collection[int]) -> bool:
    """Three workdays or more away: long enough for the absence test."""
    return workdays_in(first, last, workdays) >= MIN_ABSENCE_WORKDAYS


def quarter_of(day: date) -> str:
    """ "2026-Q4"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    """The first day of the day's quarter."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def previous_quarter(day: date) -> str:
    """The quarter before the day's."""
    return quarter_of(quarter_start(day) - timedelta(days=1))


def held_rate(statuses: Sequence[str]) -> Rate | None:
    """Hand-offs that held against those that came back (or that the lead stepped back into); None with none."""
    held = sum(status == HELD for status in statuses)
    settled = held + sum(status in NOT_HELD for status in statuses)
    return Rate(held, settled) if settled else None


def autonomy_rate(decided_by: Sequence[str]) -> Rate | None:
    """The share of decisions made without the lead; None below MIN_DECISIONS decisions made."""
    made = [who for who in decided_by if who in WITHOUT_THE_LEAD or who == "me"]
    if len(made) < MIN_DECISIONS:
        return None
    return Rate(sum(who in WITHOUT_THE_LEAD for who in made), len(made))


def solo_areas(text: str) -> list[str]:
    """One area per line (bullets and blank lines dropped, duplicates once), each at most WHAT_MAX characters."""
    areas: list[str] = []
    for line in text.splitlines():
        area = " ".join(line.strip().lstrip("-*•").split())
        if area and area.lower() not in {a.lower() for a in areas}:
            areas.append(area[:WHAT_MAX])
    return areas
