"""The coding diagnostic's verdicts, answer checks and four-week trend, as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.coaching.diagnostic import Answers, DiagnosticError, Run, check_answers, parse_hours, trend, verdict

NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)

EXPECTED = {
    ("no", "strategic"): "go",
    ("yes", "strategic"): "delegate",
    ("with_support", "strategic"): "pair",
    ("no", "leverage"): "pair",
    ("yes", "leverage"): "pair",
    ("with_support", "leverage"): "pair",
    ("no", "hiding"): "face_it",
    ("yes", "hiding"): "face_it",
    ("with_support", "hiding"): "face_it",
    ("no", "dopamine"): "go",
    ("yes", "dopamine"): "delegate",
    ("with_support", "dopamine"): "pair",
}


@pytest.mark.parametrize(("answers", "expected"), EXPECTED.items(), ids=[f"{o}-{p}" for o, p in EXPECTED])
def test_every_pull_and_ownership_answer_has_its_verdict(answers: tuple[str, str], expected: str) -> None:
    assert verdict(*answers) == expected


def test_unknown_answers_are_refused() -> None:
    with pytest.raises(DiagnosticError):
        verdict("maybe", "strategic")


@pytest.mark.parametrize(
    ("text", "hours"), [("", None), ("  ", None), ("3", 3.0), ("1.5", 1.5), ("2,5", 2.5), ("4h", 4.0), ("6 hours", 6.0)]
)
def test_hours_are_read_leniently(text: str, hours: float | None) -> None:
    assert parse_hours(text) == hours


@pytest.mark.parametrize("text", ["lots", "0", "-2", "1e9", "nan"])
def test_bad_hours_say_what_is_wrong(text: str) -> None:
    with pytest.raises(DiagnosticError, match="Hours should"):
        parse_hours(text)


def test_missing_answers_are_reported_per_question() -> None:
    assert check_answers(" ", None, None, "x") == {
        "task": "Say in a few words what you're about to code.",
        "ownership": "Pick one: could someone on your team own this?",
        "pull": "Pick the one that's closest, even if it stings.",
        "hours": "Hours should be a number, like 2 or 1.5.",
    }
    assert check_answers(" Fix the cache ", "no", "strategic", "2") == Answers("Fix the cache", "no", "strategic", 2.0)


def run(days_ago: float, pull: str, verdict_: str, hours: float | None = None, outcome: str | None = None) -> Run:
    return Run(pull, verdict_, hours, outcome, NOW - timedelta(days=days_ago))


def test_the_trend_counts_four_weeks_and_names_a_pattern() -> None:
    history = [
        run(40, "hiding", "face_it", 9),  # older than four weeks: left out
        run(20, "strategic", "go", 4, "myself"),
        run(12, "dopamine", "delegate", 3, "delegated"),
        run(6, "hiding", "face_it", 2),
        run(3, "leverage", "pair", 2, "paired"),
        run(1, "hiding", "face_it", 1),
        run(0.5, "hiding", "face_it"),
    ]
    result = trend(history, NOW)
    assert result.total == 6
    assert dict(result.by_verdict) == {"go": 1, "pair": 1, "face_it": 3, "delegate": 1}
    assert dict(result.hours_by_verdict) == {"go": 4.0, "pair": 2.0, "face_it": 3.0, "delegate": 3.0}
    assert result.worthwhile_share == pytest.approx(6 / 12)
    assert result.handoffs == 1
    assert result.observation == "3 of your last 5 coding sessions were put-offs: which conversation keeps waiting?"


@pytest.mark.parametrize(
    ("history", "observation"),
    [
        ([], None),
        ([run(1, "hiding", "face_it"), run(2, "hiding", "face_it")], None),  # too few to call a pattern
        (
            [run(3, "dopamine", "delegate"), run(2, "dopamine", "delegate"), run(1, "strategic", "go")],
            "2 of your last 3 coding urges were about the feeling of shipping.",
        ),
        (
            [
                run(3, "strategic", "delegate", outcome="myself"),
                run(2, "strategic", "delegate", outcome="myself"),
                run(1, "leverage", "pair"),
            ],
            "You were told to delegate 2 times lately and did it yourself each time.",
        ),
        (
            [run(3, "strategic", "go"), run(2, "leverage", "pair"), run(1, "leverage", "pair")],
            "All of your last 3 coding sessions were strategic or teaching: that's coding as a lead.",
        ),
    ],
)
def test_observations(history: list[Run], observation: str | None) -> None:
    assert trend(history, NOW).observation == observation


def test_no_hours_means_no_share() -> None:
    assert trend([run(1, "strategic", "go")], NOW).worthwhile_share is None
