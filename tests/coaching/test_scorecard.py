"""The weekly scorecard and team digest arithmetic, and the focus library, as plain functions."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.coaching.categories import CATEGORIES
from bot.coaching.diagnostic import VERDICTS
from bot.coaching.focus import FOCUS
from bot.coaching.loops import Rate
from bot.coaching.scorecard import (
    LEADERSHIP,
    MIN_GROUP,
    CodingRun,
    Disappearance,
    Moment,
    SharedMoment,
    Split,
    WeekFacts,
    build_digest,
    build_scorecard,
    choose_focus,
    highlights,
    quietest,
    split,
    streak,
)
from tests.coaching.test_prompts import _shingles, _words, article_runs

REPO_ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)  # ISO week 2026-W46


def moment(entry_id: int, day: int, text: str = "Did a thing.", *categories: str) -> Moment:
    """An entry made `day` days after Monday 09:00 of 2026-W46 (plus a minute per id, so times never tie)."""
    return Moment(entry_id, MONDAY + timedelta(days=day, minutes=entry_id), text, frozenset(categories))


def facts(
    moments: Sequence[Moment] = (),
    *,
    last_week: Mapping[str, int] | None = None,
    last_week_total: int = 0,
    earlier_fortnight: Mapping[str, int] | None = None,
    entry_weeks: Collection[int] = (),
    coding: Sequence[CodingRun] = (),
    last_week_leadership: int = 0,
) -> WeekFacts:
    return WeekFacts(
        week="2026-W46",
        moments=moments,
        last_week=last_week or {},
        last_week_total=last_week_total,
        earlier_fortnight=earlier_fortnight or {},
        entry_weeks=entry_weeks,
        prompts_sent=0,
        prompts_answered=0,
        prompts_skipped=0,
        coding=coding,
        last_week_leadership=last_week_leadership,
    )


# --- streak ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry_weeks", "expected"),
    [
        (set(), 0),
        ({0}, 1),
        ({0, 1, 2}, 3),
        ({1, 2, 3}, 3),  # this week is still open: the streak counts from last week
        ({0, 2, 3}, 1),
        ({2, 3}, 0),
        ({1}, 1),
        ({0, 1, 2, 4, 5}, 3),
    ],
    ids=["none", "this-week", "three-in-a-row", "open-week", "gap-last-week", "two-weeks-missed", "last-only", "gap"],
)
def test_streak_counts_weeks_in_a_row(entry_weeks: set[int], expected: int) -> None:
    assert streak(entry_weeks) == expected


def test_streak_accepts_any_collection_with_repeats() -> None:
    assert streak([0, 0, 1, 1, 1]) == 2


def test_skipped_days_never_break_the_streak() -> None:
    # Entries on Monday and Friday only, and one last week: two weeks, however many days were skipped.
    week = facts([moment(1, 0, "Monday.", "mentoring"), moment(2, 4, "Friday.", "context")], entry_weeks={0, 1})
    assert build_scorecard(week, 46).streak == 2


# --- highlights --------------------------------------------------------------------------------


def test_highlights_pick_at_most_three() -> None:
    moments = [moment(i, i % 5, f"Entry {i}.", cat) for i, cat in enumerate(LEADERSHIP[:5])]
    assert len(highlights(moments)) == 3
    assert len(highlights(moments, limit=5)) == 5
    assert highlights([]) == []


def test_highlights_prefer_entries_covering_new_categories() -> None:
    broad = moment(1, 0, "Short one.", "mentoring", "unblocking")
    longest_but_covered = moment(2, 1, "A much longer entry about mentoring that says a great deal more.", "mentoring")
    new_theme = moment(3, 2, "Wrote it up.", "context")
    # broad covers two new categories; then new_theme still adds one, longest_but_covered adds none.
    assert highlights([broad, longest_but_covered, new_theme], limit=2) == [broad, new_theme]


def test_highlights_ignore_hands_on_only_entries_when_others_exist() -> None:
    coding = moment(1, 0, "Rewrote the whole caching layer myself over two long days, with tests.", "hands_on")
    leading = moment(2, 1, "Unblocked Sam.", "unblocking")
    assert highlights([coding, leading]) == [leading]


def test_highlights_fall_back_to_hands_on_entries_when_that_is_all_there_is() -> None:
    entries = [
        moment(1, 0, "Short fix.", "hands_on"),
        moment(2, 1, "A longer fix to the deploy script.", "hands_on"),
        moment(3, 2, "The longest of them all: a migration rewritten.", "hands_on"),
        moment(4, 3, "Medium-sized fix here.", "hands_on"),
    ]
    assert highlights(entries) == [entries[1], entries[2], entries[3]]


def test_highlights_fall_back_to_uncategorized_entries_too() -> None:
    plain = moment(1, 0, "No category at all.")
    assert highlights([plain]) == [plain]


def test_highlights_are_returned_oldest_first() -> None:
    oldest = moment(1, 0, "One.", "trust")
    middle = moment(2, 2, "Two.", "alignment")
    newest = moment(3, 4, "Three, the richest.", "mentoring", "context", "delegation")
    chosen = highlights([oldest, middle, newest])
    assert chosen == [oldest, middle, newest]
    assert highlights([newest, middle, oldest]) == [oldest, middle, newest]  # even if handed over out of order


def test_highlight_ties_go_to_the_longer_text() -> None:
    short = moment(1, 0, "x" * 100, "mentoring")
    long = moment(2, 1, "y" * 200, "mentoring")
    assert highlights([short, long], limit=1) == [long]
    assert highlights([long, short], limit=1) == [long]
    at_cap = moment(4, 1, "b" * 280, "trust")
    assert highlights([moment(3, 0, "a" * 279, "trust"), at_cap], limit=1) == [at_cap]


def test_text_length_counts_only_up_to_280_characters() -> None:
    # Past 280 characters every entry ties, and the first one offered wins.
    capped = moment(1, 0, "a" * 281, "mentoring")
    longer = moment(2, 1, "b" * 900, "mentoring")
    assert highlights([capped, longer], limit=1) == [capped]
    assert highlights([longer, capped], limit=1) == [longer]


def test_more_categories_beat_longer_text() -> None:
    wordy = moment(1, 0, "w" * 280, "mentoring")
    terse = moment(2, 1, "Did both.", "mentoring", "unblocking")
    assert highlights([wordy, terse], limit=1) == [terse]


def test_hands_on_is_not_a_new_category_for_highlights() -> None:
    pairing = moment(1, 0, "Paired.", "mentoring", "hands_on")
    longer = moment(2, 1, "Coached Ana through the design review.", "mentoring")
    assert highlights([pairing, longer], limit=1) == [longer]


# --- split -------------------------------------------------------------------------------------


def test_split_counts_pairing_as_leadership_and_ignores_uncategorized() -> None:
    moments = [
        moment(1, 0, "Paired to teach.", "mentoring", "hands_on"),
        moment(2, 0, "Coded.", "hands_on"),
        moment(3, 1, "Coded again.", "hands_on"),
        moment(4, 1, "No idea what this was."),
        moment(5, 2, "Shared context.", "context"),
    ]
    assert split(moments) == Split(leadership=2, hands_on=2)
    assert split(moments).leadership_share == 0.5


def test_leadership_share() -> None:
    assert Split(3, 1).leadership_share == 0.75
    assert Split(0, 2).leadership_share == 0.0
    assert Split(4, 0).leadership_share == 1.0


def test_leadership_share_is_none_when_nothing_is_classified() -> None:
    assert split([]) == Split(0, 0)
    assert split([]).leadership_share is None
    assert split([moment(1, 0, "Uncategorized."), moment(2, 1, "Also.")]).leadership_share is None


# --- focus -------------------------------------------------------------------------------------


def test_leadership_is_every_category_but_hands_on_in_order() -> None:
    assert LEADERSHIP == (
        "mentoring",
        "unblocking",
        "context",
        "delegation",
        "stayed_quiet",
        "systemic_fix",
        "alignment",
        "trust",
        "architecture_risk",
        "hiring_onboarding",
    )


def test_focus_is_the_weakest_leadership_category() -> None:
    counts = dict.fromkeys(LEADERSHIP, 2) | {"trust": 1, "hands_on": 0}
    for week in range(5):
        assert quietest(counts, week) is FOCUS["trust"]


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        (0, "mentoring"),
        (1, "unblocking"),
        (3, "delegation"),
        (9, "hiring_onboarding"),
        (10, "mentoring"),
        (13, "delegation"),
    ],
)
def test_focus_rotates_through_ties_by_week(week: int, expected: str) -> None:
    assert quietest({}, week) is FOCUS[expected]
    assert quietest(dict.fromkeys(CATEGORIES, 0), week) is FOCUS[LEADERSHIP[week % 10]]


def test_focus_rotates_only_among_the_tied() -> None:
    counts = dict.fromkeys(LEADERSHIP, 3) | {"context": 0, "alignment": 0}
    assert [quietest(counts, week).category for week in range(4)] == ["context", "alignment", "context", "alignment"]


def test_focus_counts_missing_categories_as_zero() -> None:
    assert quietest({"mentoring": 5}, 0) is FOCUS["unblocking"]
    assert quietest({"mentoring": 5}, 8) is FOCUS["hiring_onboarding"]  # nine tied, mentoring not among them
    assert quietest({"mentoring": 5}, 9) is FOCUS["unblocking"]


def test_focus_never_picks_hands_on() -> None:
    counts = dict.fromkeys(LEADERSHIP, 1) | {"hands_on": 0}
    chosen = {quietest(counts, week).category for week in range(30)}
    assert chosen == set(LEADERSHIP)
    assert quietest({"hands_on": 0}, 10) is FOCUS["mentoring"]


# --- build_scorecard ---------------------------------------------------------------------------

PAIRED = moment(
    1, 0, "Paired with Priya on the retry logic and let her drive the keyboard the whole time.", "mentoring", "hands_on"
)
HANDED = moment(2, 1, "Handed the release checklist to Tom.", "delegation")
WROTE = moment(3, 2, "Wrote down why we picked Postgres.", "context", "delegation")
FIXED = moment(4, 3, "Fixed the flaky build myself.", "hands_on")
QUIET = moment(
    5, 4, "Kept quiet in the schema review and coached Ana afterwards on how she ran it.", "stayed_quiet", "mentoring"
)

BUSY_WEEK = WeekFacts(
    week="2026-W46",
    moments=[PAIRED, HANDED, WROTE, FIXED, QUIET],
    last_week={"delegation": 1, "trust": 2, "unblocking": 0, "context": 3, "stayed_quiet": 1},
    last_week_total=5,
    earlier_fortnight={"stayed_quiet": 2, "mentoring": 1, "alignment": 1, "delegation": 1},
    entry_weeks={0, 1, 2, 4},
    prompts_sent=5,
    prompts_answered=3,
    prompts_skipped=1,
    coding=[CodingRun("delegate", 2.5, "delegated"), CodingRun("pair", None, "paired")],
    handoffs=("held", "came_back", "held", "going"),
    decided_by=("team", "me", "owner", "open"),
    absences=("fire", "nothing"),
)


def test_scorecard_of_a_busy_week() -> None:
    card = build_scorecard(BUSY_WEEK, 46)
    assert card.week == "2026-W46"
    assert card.total == 5
    assert card.last_week_total == 5
    # This week: mentoring 2 (PAIRED, QUIET), hands_on 2 (PAIRED, FIXED), delegation 2 (HANDED, WROTE),
    # context 1, stayed_quiet 1; trust only last week; unblocking's 0 last week is not shown.
    assert card.by_category == [
        ("delegation", 2, 1),
        ("hands_on", 2, 0),
        ("mentoring", 2, 0),
        ("context", 1, 3),
        ("stayed_quiet", 1, 1),
        ("trust", 0, 2),
    ]
    # QUIET and WROTE both add two categories, QUIET's text is longer; then WROTE still adds two;
    # then PAIRED and HANDED add none and PAIRED's text is longer. FIXED is hands-on only.
    assert card.highlights == [PAIRED, WROTE, QUIET]
    assert card.split == Split(leadership=4, hands_on=1)
    assert card.split.leadership_share == 0.8
    assert card.coding_by_verdict == {"go": 0, "pair": 1, "face_it": 0, "delegate": 1}
    assert list(card.coding_by_verdict) == list(VERDICTS)
    assert card.coding_hours == 2.5
    assert (card.prompts_sent, card.prompts_answered, card.prompts_skipped) == (5, 3, 1)
    assert card.streak == 3
    # Hand-offs: two held, one came back, one still going (not settled); decisions: team and owner of three made
    # (one still open); left to the team: stayed_quiet 1 + 1; context: 1 + 3; the two weeks before: stayed_quiet 2.
    assert card.disappearance == Disappearance(
        held=Rate(2, 3), autonomy=Rate(2, 3), absences=("fire", "nothing"), left_to_team=2, context=4, earlier_total=2
    )
    assert card.disappearance.total == 6
    # Four weeks: unblocking, systemic_fix, architecture_risk and hiring_onboarding have none; week 46 % 4 == 2.
    assert card.focus is FOCUS["architecture_risk"]
    assert build_scorecard(BUSY_WEEK, 47).focus is FOCUS["hiring_onboarding"]
    assert build_scorecard(BUSY_WEEK, 48).focus is FOCUS["unblocking"]
    assert not card.is_empty


def test_an_empty_week_is_empty() -> None:
    card = build_scorecard(facts(last_week={"trust": 1, "context": 2}, last_week_total=2, entry_weeks={1, 2}), 46)
    assert card.is_empty
    assert card.total == 0
    assert card.last_week_total == 2
    assert card.by_category == [("context", 0, 2), ("trust", 0, 1)]
    assert card.highlights == []
    assert card.split == Split(0, 0)
    assert card.split.leadership_share is None
    assert card.coding_by_verdict == dict.fromkeys(VERDICTS, 0)
    assert card.coding_hours == 0
    assert card.streak == 2
    assert card.disappearance == Disappearance(
        held=None, autonomy=None, absences=(), left_to_team=0, context=2, earlier_total=0
    )
    # Four weeks: context 2 and trust 1; the eight others tie at 0 and week 46 % 8 == 6 -> architecture_risk.
    assert card.focus is FOCUS["architecture_risk"]


def test_a_week_with_nothing_at_all_is_empty() -> None:
    card = build_scorecard(facts(), 0)
    assert card.is_empty
    assert card.by_category == []
    assert card.streak == 0
    assert card.disappearance.total == 0
    assert card.focus is FOCUS["mentoring"]


def test_a_week_with_only_a_coding_run_is_not_empty() -> None:
    card = build_scorecard(facts(coding=[CodingRun("face_it", None, None)]), 46)
    assert not card.is_empty
    assert card.total == 0
    assert card.coding_by_verdict == {"go": 0, "pair": 0, "face_it": 1, "delegate": 0}
    assert card.coding_hours == 0


def test_a_week_with_only_an_uncategorized_entry_is_not_empty() -> None:
    card = build_scorecard(facts([moment(1, 0, "Something.")]), 46)
    assert not card.is_empty
    assert card.total == 1
    assert card.by_category == []


# --- build_digest ------------------------------------------------------------------------------

SHARED = [
    SharedMoment("Ana", "Second.", frozenset({"context"}), MONDAY + timedelta(days=3)),
    SharedMoment("Ben", "First.", frozenset({"mentoring"}), MONDAY + timedelta(days=1)),
    SharedMoment("Cy", "Third.", frozenset(), MONDAY + timedelta(days=4)),
]
TEAM_COUNTS = {"hands_on": 5, "mentoring": 3, "context": 3, "trust": 0, "delegation": 1}


def test_digest_of_a_big_enough_group() -> None:
    digest = build_digest("2026-W46", MIN_GROUP, MIN_GROUP, TEAM_COUNTS, total=9, last_week_total=7, shared=SHARED)
    assert digest.week == "2026-W46"
    assert digest.participants == 3
    assert (digest.total, digest.last_week_total) == (9, 7)
    assert digest.by_category == [("hands_on", 5), ("context", 3), ("mentoring", 3), ("delegation", 1)]
    assert digest.theme == "context"  # the busiest category that is not hands-on; ties by key
    assert [m.text for m in digest.shared] == ["First.", "Second.", "Third."]


def test_the_theme_of_the_week_breaks_a_tie_by_what_grew_and_never_shows_an_unknown_key() -> None:
    counts = {**TEAM_COUNTS, "": 7, "not_a_category": 9}
    grew = build_digest("2026-W46", 4, 4, counts, 9, 7, [], last_by_category={"context": 3, "mentoring": 1})
    assert grew.theme == "mentoring"  # tied with context at 3; mentoring grew by 2, context not at all
    assert [key for key, _ in grew.by_category] == ["hands_on", "context", "mentoring", "delegation"]
    level = build_digest("2026-W46", 4, 4, TEAM_COUNTS, 9, 7, [], last_by_category={"context": 1, "mentoring": 1})
    assert level.theme == "context"  # the same growth: by key


def test_digest_of_a_small_group_shows_no_figures() -> None:
    digest = build_digest("2026-W46", MIN_GROUP - 1, 5, TEAM_COUNTS, total=9, last_week_total=7, shared=SHARED)
    assert MIN_GROUP == 3
    assert digest.participants == 2
    assert digest.by_category == []
    assert digest.theme is None
    assert (digest.total, digest.last_week_total) == (None, None)
    assert [m.author for m in digest.shared] == ["Ben", "Ana", "Cy"]  # what authors chose to share still shows


def test_a_small_group_last_week_hides_the_trend_so_no_one_count_can_be_worked_out() -> None:
    digest = build_digest("2026-W46", 4, MIN_GROUP - 1, TEAM_COUNTS, total=9, last_week_total=4, shared=[])
    assert (digest.total, digest.last_week_total) == (9, None)


def test_digest_has_no_theme_when_only_hands_on_was_logged() -> None:
    digest = build_digest("2026-W46", 4, 4, {"hands_on": 6, "trust": 0}, total=6, last_week_total=0, shared=[])
    assert digest.by_category == [("hands_on", 6)]
    assert digest.theme is None
    assert digest.shared == []


def test_digest_of_a_quiet_week() -> None:
    digest = build_digest("2026-W46", 0, 3, {}, total=0, last_week_total=3, shared=[])
    assert digest.by_category == []
    assert digest.theme is None


# --- the focus library -------------------------------------------------------------------------


def _readme_sources() -> set[str]:
    """The `source` strings in the titles table of prompts/README.md."""
    readme = (REPO_ROOT / "prompts" / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| [^|`]+ \| `([^`]+)` \|$", readme, flags=re.MULTILINE))


def test_one_focus_per_leadership_category() -> None:
    assert set(FOCUS) == set(CATEGORIES)  # hands-on too: the focus when the keyboard crowds out leading
    for key, item in FOCUS.items():
        assert item.category == key
        assert item.text.strip() == item.text
        assert item.text.endswith("."), key


def test_every_focus_cites_one_of_the_five_articles() -> None:
    titles = _readme_sources()
    assert len(titles) == 5, titles
    for item in FOCUS.values():
        assert item.source in titles, (item.category, item.source)


def test_no_focus_copies_the_articles() -> None:
    article_shingles = article_runs()
    for item in FOCUS.values():
        copied = _shingles(_words(item.text), 8) & article_shingles
        assert not copied, (item.category, [" ".join(run) for run in copied])


# --- an honest scorecard: hand-computed weeks ----------------------------------------------------


def timed(entry_id: int, day: int, minutes: int | None, *categories: str) -> Moment:
    return Moment(entry_id, MONDAY + timedelta(days=day), f"entry {entry_id}", frozenset(categories), minutes)


def test_a_hands_on_week_is_headlined_by_its_leadership_weighed_in_hours_and_focused_on_the_balance() -> None:
    moments = [
        timed(1, 0, 120, "hands_on"),
        timed(2, 0, 90, "hands_on"),
        timed(3, 1, None, "hands_on"),
        timed(4, 1, 60, "hands_on"),
        timed(5, 2, None, "hands_on"),
        timed(6, 3, 180, "hands_on"),
        timed(7, 3, 30, "mentoring"),
        timed(8, 4, None),  # unfiled
    ]
    coding = [CodingRun("go", 3.0, "myself"), CodingRun("delegate", 2.0, "delegated")]
    card = build_scorecard(facts(moments, coding=coding, last_week_leadership=3), 46)
    assert (card.leadership, card.last_week_leadership, card.split.hands_on, card.unfiled) == (1, 3, 6, 1)
    # Five entries and one coding run done by hand came with a time; the two without count at the average of the
    # five (120 + 90 + 60 + 180 + 30) / 5 = 96 min = 1.6 h. Leading: 0.5 h. Hands-on: 2 + 1.5 + 1.6 + 1 + 1.6 + 3
    # = 10.7 h, plus the 3 h coded = 13.7 h. Share: 0.5 / 14.2 = 3.5%, 66 points under 70.
    assert card.split.by_hours
    assert card.split.timed == 6
    assert card.split.leadership_hours == pytest.approx(0.5)
    assert card.split.hands_on_hours == pytest.approx(13.7)
    assert card.split.points_from_rule == -66
    assert card.focus is FOCUS["hands_on"]
    assert card.focus_reason == "4% of your week was leadership, 66 points under 70"


def test_a_leadership_week_counts_moments_names_the_distance_above_and_focuses_on_what_dropped() -> None:
    moments = [
        timed(1, 0, None, "mentoring"),
        timed(2, 1, None, "context"),
        timed(3, 2, None, "delegation", "context"),
        timed(4, 3, None, "stayed_quiet"),
        timed(5, 4, None, "hands_on"),
    ]
    card = build_scorecard(
        facts(moments, last_week={"mentoring": 1}, earlier_fortnight={"trust": 4, "mentoring": 2}), 46
    )
    assert (card.leadership, card.split.hands_on, card.unfiled) == (4, 1, 0)
    assert not card.split.by_hours  # no time given: moments, and the scorecard says so
    assert card.split.leadership_share == 0.8
    assert card.split.points_from_rule == 10
    # Three weeks before: trust 4 (1.33 a week) against none this week; mentoring 3 (1 a week) against 1.
    assert card.focus is FOCUS["trust"]
    assert card.focus_reason == "Trust and conflict: 4 in the three weeks before, 0 this week"


def test_without_a_gap_in_their_own_pattern_the_focus_is_the_quietest_theme() -> None:
    chosen, reason = choose_focus(Split(3, 1), {"mentoring": 1}, {}, {}, 0)
    assert chosen is FOCUS["unblocking"]
    assert reason == "Your quietest theme lately: unblocking"
