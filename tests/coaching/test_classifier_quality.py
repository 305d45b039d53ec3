"""The classifier against a hand-labelled set it was not written from: per-category precision and recall, and
a macro-F1 gate of 0.8. The set lives in tests/data/impact_sentences.toml; run with -s to see the report."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from bot.__main__ import RULES_PATH
from bot.coaching.categories import CATEGORIES
from bot.coaching.classify import classify, load_rules

SENTENCES = Path(__file__).resolve().parents[1] / "data" / "impact_sentences.toml"
MACRO_F1_GATE = 0.8


def f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def test_the_labelled_set_is_big_and_varied_enough() -> None:
    sentences = tomllib.loads(SENTENCES.read_text(encoding="utf-8"))["sentence"]
    assert len(sentences) >= 100
    assert len({s["text"] for s in sentences}) == len(sentences)
    for key in CATEGORIES:
        assert sum(key in s["categories"] for s in sentences) >= 10, key
    assert all(set(s["categories"]) <= set(CATEGORIES) for s in sentences)


def test_macro_f1_over_the_labelled_set_is_at_least_0_8(capsys: pytest.CaptureFixture[str]) -> None:
    rules = load_rules(RULES_PATH)
    sentences = tomllib.loads(SENTENCES.read_text(encoding="utf-8"))["sentence"]
    counts = {key: [0, 0, 0] for key in CATEGORIES}  # true positives, false positives, false negatives
    for sentence in sentences:
        expected, got = set(sentence["categories"]), set(classify(rules, sentence["text"]))
        for key in CATEGORIES:
            counts[key][0] += key in got and key in expected
            counts[key][1] += key in got and key not in expected
            counts[key][2] += key not in got and key in expected
    lines = [f"{'category':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>7}"]
    scores = []
    for key, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(f1(precision, recall))
        lines.append(f"{key:<20} {precision:>9.2f} {recall:>7.2f} {scores[-1]:>6.2f} {tp + fn:>7}")
    macro = sum(scores) / len(scores)
    lines.append(f"{'macro':<20} {'':>9} {'':>7} {macro:>6.2f} {len(sentences):>7} sentences")
    with capsys.disabled():
        sys.stdout.write("\n" + "\n".join(lines) + "\n")
    assert macro >= MACRO_F1_GATE
