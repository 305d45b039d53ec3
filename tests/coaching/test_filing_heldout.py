"""The held-out filing report: the filing the app uses (the rules and the learned model) against entries written
blind to it, by another hand, as leads write at 6 pm. The set (tests/data/filing_heldout.toml) was committed before
any tuning and nothing is ever tuned or trained on it: the rules were tuned on, and the model trained from, the
development sets only (tests/data/filing_dev*.toml; bench/filing.py and the training refuse a held-out file). The
report is printed every run; the test fails below macro-F1 0.85 or 70% exact matches."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from bot.__main__ import MODEL_PATH, RULES_PATH
from bot.coaching.categories import CATEGORIES
from bot.coaching.filing import load_filing
from bot.coaching.learned import training_sets

HELD_OUT = Path(__file__).resolve().parents[1] / "data" / "filing_heldout.toml"
MACRO_F1_TARGET = 0.85
EXACT_TARGET = 0.70


def test_the_held_out_set_is_big_and_labelled_with_known_categories() -> None:
    entries = tomllib.loads(HELD_OUT.read_text(encoding="utf-8"))["entry"]
    assert len(entries) >= 300
    assert all(set(e["categories"]) <= set(CATEGORIES) for e in entries)
    for key in CATEGORIES:
        assert sum(key in e["categories"] for e in entries) >= 20, key


def test_no_development_entry_repeats_a_held_out_one() -> None:
    """Training on a held-out entry's own words (a "tired" or an emoji written by two hands) would leak its answer."""

    def plain(text: str) -> str:
        return re.sub(r"\W+", " ", text.lower()).strip()

    held_out = {plain(e["text"]) for e in tomllib.loads(HELD_OUT.read_text(encoding="utf-8"))["entry"]}
    for path in training_sets(HELD_OUT.parent):
        repeated = [
            e["text"] for e in tomllib.loads(path.read_text(encoding="utf-8"))["entry"] if plain(e["text"]) in held_out
        ]
        assert not repeated, f"{path.name} repeats held-out entries: remove them from it"


# Measured once, when the model was final: rules alone 0.776 and 63.9%; rules and the model 0.877 and 79.1%.
def test_filing_generalises_to_the_held_out_set(capsys: pytest.CaptureFixture[str]) -> None:
    filing = load_filing(RULES_PATH, MODEL_PATH)
    entries = tomllib.loads(HELD_OUT.read_text(encoding="utf-8"))["entry"]
    counts = {key: [0, 0, 0] for key in CATEGORIES}  # true positives, false positives, false negatives
    exact = 0
    for entry in entries:
        expected, got = set(entry["categories"]), set(filing.categories(entry["text"]))
        exact += expected == got
        for key in CATEGORIES:
            counts[key][0] += key in got and key in expected
            counts[key][1] += key in got and key not in expected
            counts[key][2] += key not in got and key in expected
    lines = [
        f"held-out filing report: {len(entries)} entries",
        f"{'category':<20} {'P':>5} {'R':>5} {'F1':>5} {'n':>4}",
    ]
    scores = []
    for key, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
        lines.append(f"{key:<20} {precision:>5.2f} {recall:>5.2f} {scores[-1]:>5.2f} {tp + fn:>4}")
    macro, share = sum(scores) / len(scores), exact / len(entries)
    lines.append(
        f"macro-F1 {macro:.3f} (target {MACRO_F1_TARGET}); exact match {share:.1%} (target {EXACT_TARGET:.0%})"
    )
    with capsys.disabled():
        sys.stdout.write("\n" + "\n".join(lines) + "\n")
    assert macro >= MACRO_F1_TARGET
    assert share >= EXACT_TARGET
