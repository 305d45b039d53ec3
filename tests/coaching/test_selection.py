"""Choosing today's prompt: cycles, theme variety, rejections, quiet themes, determinism."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.coaching.ideas import AUDIENCES
from bot.coaching.prompts import SOURCES, Prompt, PromptLibrary, load_library
from bot.coaching.selection import Choice, PromptHistory, choose_prompt, daily_seed, unseen_in_cycle

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


def make_library(sizes: dict[str, int]) -> PromptLibrary:
    """A synthetic library: `sizes[theme]` prompts per theme, ids like 'a-01'."""
    return PromptLibrary(
        tuple(
            Prompt(f"{theme}-{i:02d}", theme, theme.upper(), SOURCES[0], f"Prompt {theme} {i}?", "Why.")
            for theme, count in sizes.items()
            for i in range(1, count + 1)
        )
    )


def pick(library: PromptLibrary, history: PromptHistory, seed: str = "lead") -> Choice:
    choice = choose_prompt(library, history, seed)
    assert choice is not None
    return choice


NO_HISTORY = PromptHistory()


def run(library: PromptLibrary, days: int, history: PromptHistory = NO_HISTORY, key: str = "T1:U1") -> list[Choice]:
    """Choose for `days` consecutive days, feeding each choice back into the history."""
    choices = []
    for day in range(days):
        choice = pick(library, history, f"{key}|{day}")
        choices.append(choice)
        history = replace(history, seen=(*history.seen, choice.prompt.id), last_theme=choice.prompt.theme)
    return choices


LIBRARY = make_library({"a": 3, "b": 3, "c": 2, "d": 2})


def test_no_repeat_until_everything_is_seen() -> None:
    ids = [choice.prompt.id for choice in run(LIBRARY, len(LIBRARY))]
    assert sorted(ids) == sorted(p.id for p in LIBRARY)


def test_a_new_cycle_starts_once_everything_is_seen() -> None:
    ids = [choice.prompt.id for choice in run(LIBRARY, 3 * len(LIBRARY))]
    size = len(LIBRARY)
    for cycle in range(3):
        assert len(set(ids[cycle * size : (cycle + 1) * size])) == size


def test_only_the_current_cycle_counts() -> None:
    everything = tuple(p.id for p in LIBRARY)
    history = PromptHistory(seen=(*everything, "a-01", "b-01"), last_theme="b")
    remaining = {p.id for p in unseen_in_cycle(list(LIBRARY), history.seen)}
    assert remaining == set(everything) - {"a-01", "b-01"}
    for seed in map(str, range(50)):
        assert pick(LIBRARY, history, seed).prompt.id in remaining


def test_ids_no_longer_in_the_library_are_ignored() -> None:
    history = PromptHistory(seen=("gone-01", "a-01", "gone-02", "b-01"), last_theme="b")
    remaining = {p.id for p in unseen_in_cycle(list(LIBRARY), history.seen)}
    assert remaining == {p.id for p in LIBRARY} - {"a-01", "b-01"}


def test_never_the_same_theme_as_yesterday() -> None:
    for theme in ("a", "b", "c", "d"):
        for seed in map(str, range(40)):
            assert pick(LIBRARY, PromptHistory(last_theme=theme), seed).prompt.theme != theme


def test_yesterdays_theme_is_allowed_when_it_is_all_that_is_left() -> None:
    library = make_library({"a": 3, "b": 1})
    history = PromptHistory(seen=("b-01", "a-01"), last_theme="a")
    assert pick(library, history).prompt.id in {"a-02", "a-03"}


def test_single_theme_library_never_fails() -> None:
    library = make_library({"solo": 3})
    ids = [choice.prompt.id for choice in run(library, 6)]
    assert sorted(ids[:3]) == sorted(ids[3:]) == ["solo-01", "solo-02", "solo-03"]


def test_end_of_cycle_does_not_bunch_up_one_theme() -> None:
    # Picking c first would leave two a's with nothing to separate them.
    library = make_library({"a": 2, "c": 1})
    history = PromptHistory(last_theme="b")
    for seed in map(str, range(40)):
        assert pick(library, history, seed).prompt.theme == "a"


def test_rejected_prompts_never_return() -> None:
    rejected = frozenset({"a-01", "c-02", "d-01"})
    choices = run(LIBRARY, 30, PromptHistory(rejected=rejected))
    assert not {choice.prompt.id for choice in choices} & rejected
    assert {choice.prompt.id for choice in choices} == {p.id for p in LIBRARY} - rejected


def test_everything_rejected_gives_none() -> None:
    everything = frozenset(p.id for p in LIBRARY)
    assert choose_prompt(LIBRARY, PromptHistory(rejected=everything), "seed") is None
    assert choose_prompt(PromptLibrary(()), PromptHistory(), "seed") is None


def test_quiet_themes_are_favoured_and_nudged() -> None:
    for seed in map(str, range(40)):
        choice = pick(LIBRARY, PromptHistory(last_theme="a", quiet_themes=frozenset({"c"})), seed)
        assert choice.prompt.theme == "c"
        assert choice.nudged


def test_no_nudge_when_quiet_made_no_difference() -> None:
    all_quiet = frozenset({"a", "b", "c", "d"})
    assert not pick(LIBRARY, PromptHistory(quiet_themes=all_quiet)).nudged
    assert not pick(LIBRARY, PromptHistory(quiet_themes=frozenset())).nudged
    # The quiet theme was yesterday's: variety wins, and nothing is nudged.
    choice = pick(LIBRARY, PromptHistory(last_theme="c", quiet_themes=frozenset({"c"})))
    assert (choice.prompt.theme, choice.nudged) != ("c", True)
    assert not choice.nudged
    # Every prompt of the quiet theme was already seen this cycle.
    choice = pick(LIBRARY, PromptHistory(seen=("c-01", "c-02"), quiet_themes=frozenset({"c"})))
    assert choice.prompt.theme != "c"
    assert not choice.nudged


def test_unknown_quiet_or_last_theme_is_harmless() -> None:
    choice = pick(LIBRARY, PromptHistory(last_theme="zzz", quiet_themes=frozenset({"zzz"})))
    assert not choice.nudged


def test_deterministic_for_the_same_inputs() -> None:
    history = PromptHistory(seen=("a-01", "c-01"), last_theme="c", quiet_themes=frozenset({"d"}))
    assert pick(LIBRARY, history, "T1:U1|2026-05-04") == pick(LIBRARY, history, "T1:U1|2026-05-04")
    reordered = PromptLibrary(tuple(reversed(LIBRARY.prompts)))
    assert pick(reordered, history, "x").prompt.id == pick(LIBRARY, history, "x").prompt.id


def test_varies_with_the_seed() -> None:
    picks = {pick(LIBRARY, PromptHistory(), str(seed)).prompt.id for seed in range(200)}
    assert len(picks) == len(LIBRARY)


def test_daily_seed_depends_on_lead_and_day() -> None:
    monday, tuesday = date(2026, 5, 4), date(2026, 5, 5)
    assert daily_seed("T1:U1", monday) == daily_seed("T1:U1", monday)
    assert len({daily_seed("T1:U1", monday), daily_seed("T1:U1", tuesday), daily_seed("T1:U2", monday)}) == 3


@pytest.mark.parametrize("lead", ["T1:U1", "T9:U42"])
def test_long_run_keeps_every_invariant(lead: str) -> None:
    """300 workdays on the real library, with rejections and shifting quiet themes along the way."""
    library = load_library(PROMPTS_DIR)
    rng = random.Random(lead)
    history = PromptHistory(audiences=frozenset(AUDIENCES), scorecard_day=True)  # every prompt fits this lead
    cycle: set[str] = set()
    nudges = 0
    for day in range(300):
        if day and day % 40 == 0:  # now and then the lead rejects yesterday's prompt
            history = replace(history, rejected=history.rejected | {history.seen[-1]})
        quiet = frozenset(rng.sample(library.themes, rng.randint(0, 3)))
        history = replace(history, quiet_themes=quiet)
        choice = pick(library, history, f"{lead}|{day}")
        prompt = choice.prompt
        active = {p.id for p in library if p.id not in history.rejected}
        assert prompt.id in active
        assert prompt.theme != history.last_theme, day
        if cycle >= active:
            cycle.clear()
        assert prompt.id not in cycle, (day, prompt.id)
        cycle.add(prompt.id)
        assert not choice.nudged or prompt.theme in quiet
        nudges += choice.nudged
        history = replace(history, seen=(*history.seen, prompt.id), last_theme=prompt.theme)
    assert nudges > 0


def test_random_histories_respect_the_rules() -> None:
    rng = random.Random(20260504)
    for _ in range(2000):
        library = make_library({t: rng.randint(1, 4) for t in "abcde"[: rng.randint(1, 5)]})
        ids = [p.id for p in library]
        history = PromptHistory(
            seen=tuple(rng.choice([*ids, "gone-01"]) for _ in range(rng.randint(0, 25))),
            rejected=frozenset(rng.sample(ids, rng.randint(0, len(ids)))),
            last_theme=rng.choice([None, *library.themes]),
            quiet_themes=frozenset(rng.sample(library.themes, rng.randint(0, len(library.themes)))),
        )
        choice = choose_prompt(library, history, str(rng.random()))
        active = [p for p in library if p.id not in history.rejected]
        if not active:
            assert choice is None
            continue
        assert choice is not None
        unseen = unseen_in_cycle(active, history.seen)
        assert choice.prompt in unseen
        if any(p.theme != history.last_theme for p in unseen):
            assert choice.prompt.theme != history.last_theme
        if choice.nudged:
            assert choice.prompt.theme in history.quiet_themes
