"""Choice that adapts, with simulated leads on the real library: what a lead turns down, answers, and does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.coaching.ideas import AUDIENCES
from bot.coaching.prompts import load_library
from bot.coaching.selection import (
    HANDS_ON_THEMES,
    PromptHistory,
    choose_prompt,
    cycle_state,
    engagement,
    needed_themes,
    quiet_counts,
)

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
LIBRARY = load_library(PROMPTS_DIR)
EVERYONE = PromptHistory(audiences=frozenset(AUDIENCES), scorecard_day=True)  # every prompt fits this lead


def live(history: PromptHistory, days: int, answer: dict[str, str], key: str) -> list[tuple[str, str]]:
    """`days` workdays of a lead who answers each theme as `answer` says (default: answered); (theme, status)."""
    lived = []
    for day in range(days):
        choice = choose_prompt(LIBRARY, history, f"{key}|{day}")
        assert choice is not None
        theme = choice.prompt.theme
        status = answer.get(theme, "answered")
        lived.append((theme, status))
        history = replace(
            history,
            seen=(*history.seen, choice.prompt.id),
            statuses=(*history.statuses, status),
            last_theme=theme,
            rejected=history.rejected | ({choice.prompt.id} if status == "rejected" else set()),
        )
    return lived


@pytest.mark.parametrize("theme", LIBRARY.themes)
@pytest.mark.parametrize("how", ["skipped", "rejected"])
def test_a_theme_turned_down_twice_comes_at_most_once_more_in_the_cycle(theme: str, how: str) -> None:
    # The cycle: every prompt once, but the theme's only until it is muted (two turned down, one more sent).
    cycle = len(LIBRARY) - max(0, len(LIBRARY.by_theme(theme)) - 3)
    lived = live(EVERYONE, cycle, {theme: how}, key=f"T1:{theme}")
    sent = [n for n, (shown, _) in enumerate(lived) if shown == theme]
    after_two = sent[2:]  # everything of the theme after the second time it was turned down
    assert len(after_two) <= 1, (theme, sent)
    assert len(LIBRARY.by_theme(theme)) < 3 or len(sent) == 3  # the third comes; nothing after it


def test_a_muted_theme_comes_back_with_the_next_cycle() -> None:
    theme = max(LIBRARY.themes, key=lambda t: len(LIBRARY.by_theme(t)))
    lived = live(EVERYONE, 3 * len(LIBRARY), {theme: "skipped"}, key="T1:cycles")
    assert sum(shown == theme for shown, _ in lived) > 3


def test_the_cycle_ends_once_every_unmuted_prompt_was_seen() -> None:
    theme = max(LIBRARY.themes, key=lambda t: len(LIBRARY.by_theme(t)))
    history = EVERYONE
    for status, day in zip(["skipped", "skipped", "skipped"], range(3), strict=True):
        prompt = LIBRARY.by_theme(theme)[day]
        history = replace(history, seen=(*history.seen, prompt.id), statuses=(*history.statuses, status))
    unseen, muted = cycle_state(LIBRARY, list(LIBRARY), history)
    assert muted == {theme}
    assert {p.theme for p in unseen} >= set(LIBRARY.themes) - {theme}


def test_a_lead_who_only_codes_needs_the_70_30_and_coding_themes() -> None:
    assert needed_themes({"hands_on": 3}) == HANDS_ON_THEMES
    assert needed_themes({"hands_on": 2, "mentoring": 1}) == HANDS_ON_THEMES
    assert needed_themes({"hands_on": 1, "mentoring": 2}) == frozenset()
    assert needed_themes({}) == frozenset()
    history = replace(EVERYONE, needed_themes=needed_themes({"hands_on": 5}))
    themes = [theme for theme, _ in live(history, 4, {}, key="T1:coder")]
    assert set(themes) <= HANDS_ON_THEMES  # alternating, never the same theme two days running


def test_themes_answered_at_length_weigh_more_and_verdicts_boost_theirs() -> None:
    weights = engagement(
        [("a", "answered"), ("a", "answered"), ("b", "skipped"), ("b", "skipped")],
        [("a", 300), ("a", 300), ("c", 60)],
        frozenset({"d"}),
    )
    assert weights["a"] == pytest.approx((0.5 + 3 / 4) * 1.25)
    assert weights["b"] == pytest.approx(0.5 + 1 / 4)
    assert weights["c"] == pytest.approx(0.75)
    assert weights["d"] == 2.0


def test_the_quiet_note_needs_two_weeks_and_leadership_logged() -> None:
    assert not quiet_counts(6, {"mentoring": 9})  # week one: never
    assert not quiet_counts(20, {"hands_on": 9})  # only code: quiet means nothing
    assert quiet_counts(14, {"mentoring": 2, "context": 1})


def test_audience_and_week_prompts_go_only_where_they_hold() -> None:
    nobody = PromptHistory()
    shown = {c.prompt.id for day in range(len(LIBRARY)) if (c := choose_prompt(LIBRARY, nobody, f"x|{day}"))}
    for prompt in LIBRARY:
        if prompt.audience is not None or prompt.span == "week":
            assert prompt.id not in shown
