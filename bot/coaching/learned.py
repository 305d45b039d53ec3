"""A small learned model that files entries beside the rules: pure domain code, no dependency.

One logistic regression per category over an entry's words, word beginnings, word pairs and the rules' own
verdicts, so the model learns, category by category, when to trust the rules and which words they miss. It is
trained from the labelled development sets by ``python -m bot.coaching.learned`` (deterministic: the same sets
give the same weights, which a test checks) and shipped as ``prompts/rules/filing_model.json``; nothing is
downloaded or trained at run time. The held-out set is never read by the training.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from bot.coaching.categories import CATEGORIES
from bot.coaching.classify import Rules, classify, normalize, spell_out

__all__ = [
    "MAX_CHARS",
    "Example",
    "FilingModel",
    "FilingModelError",
    "features",
    "load_model",
    "read_examples",
    "train",
    "training_sets",
]

FORMAT = 1
THRESHOLD = 0.4  # below one half: a missed category costs a lead more than one they can untick
# Most entries belong somewhere: with nothing over the threshold, the likeliest category still files the entry if
# it reaches this (chosen, like THRESHOLD, by leaving each development set out in turn; never the held-out set).
FALLBACK = 0.1
PREFIX = 4  # words also count by their first letters, so "onboarded", "onbaording" and "onboard" meet
EPOCHS = 10
LEARNING_RATE = 0.5
L2 = 1e-4
MIN_COUNT = 2  # a feature seen once teaches nothing that generalises
RUNS = 5  # averaged: one order of the examples leaves its mark on the weights, five mostly cancel out
MAX_CHARS = 500  # the labelled entries are all shorter: a longer text is beyond what the model learned

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A clause ends at punctuation or a joining word: in "didn't pair, wrote docs" the negation stays with "pair".
_CLAUSE = re.compile(r"[.,;:!?()\n]|\s(?:but|so|then|because)\s")
_NEGATIONS = frozenset(
    [
        "no",
        "not",
        "didnt",
        "didn't",
        "never",
        "without",
        "skipped",
        "cancelled",
        "canceled",
        "dont",
        "don't",
        "wasnt",
        "wasn't",
        "nothing",
        "couldnt",
        "couldn't",
        "instead",
    ]
)
_NEGATION_REACH = 3  # words after a negation that read as negated ("no 1:1s today")
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


class FilingModelError(ValueError):
    """The model file is missing or malformed; the message names the file."""


def _stem(word: str) -> str:
    """A crude stem, so "paired", "pairing" and "pairs" share a feature."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def features(text: str, rule_categories: Iterable[str]) -> frozenset[str]:
    """The features of an entry: stemmed words and their prefixes (marked when negated), word pairs, and the rules'
    categories."""
    found: set[str] = {"bias"}
    for clause in _CLAUSE.split(spell_out(normalize(text))):
        negated = 0
        previous = "^"
        for word in _WORD.findall(clause):
            stem = _stem(word)
            if word in _NEGATIONS:
                negated = _NEGATION_REACH
                found.add(f"w:{stem}")
            else:
                mark = "n" if negated else "w"
                found.add(f"{mark}:{stem}")
                if len(stem) > PREFIX:
                    found.add(f"{mark}{PREFIX}:{stem[:PREFIX]}")
                found.add(f"b:{previous}_{stem}")
                negated = max(0, negated - 1)
            previous = stem
    found.update(f"r:{key}" for key in rule_categories)
    return frozenset(found)


@dataclass(frozen=True)
class FilingModel:
    """Per-feature weights, one per category in CATEGORIES order, and what the model was trained on."""

    weights: Mapping[str, tuple[float, ...]]
    trained_on: str  # sha256 of the training sets, so a stale model is caught by a test
    threshold: float = THRESHOLD

    def probabilities(self, text: str, rule_categories: Iterable[str]) -> dict[str, float]:
        """Each category's probability for the entry, given the rules' verdicts on it."""
        totals = [0.0] * len(CATEGORIES)
        for feature in features(text, rule_categories):
            for index, weight in enumerate(self.weights.get(feature, ())):
                totals[index] += weight
        return {key: _sigmoid(total) for key, total in zip(CATEGORIES, totals, strict=True)}

    def categories(self, rules: Rules, text: str) -> tuple[str, ...]:
        """The categories the rules and the model together file the entry under, in CATEGORIES order; a text
        longer than any the model learned from is filed by the rules alone."""
        found = classify(rules, text)
        if len(text) > MAX_CHARS:
            return found
        chances = self.probabilities(text, found)
        chosen = tuple(key for key in CATEGORIES if chances[key] >= self.threshold)
        likeliest = max(CATEGORIES, key=chances.__getitem__)
        return chosen or ((likeliest,) if chances[likeliest] >= FALLBACK else ())

    def to_json(self) -> str:
        """The model as the JSON shipped in the package (weights rounded to four places; zeros left out)."""
        weights = {
            feature: [round(weight, 4) for weight in row]
            for feature, row in sorted(self.weights.items())
            if any(round(weight, 4) for weight in row)
        }
        body = {
            "format": FORMAT,
            "categories": list(CATEGORIES),
            "threshold": self.threshold,
            "trained_on": self.trained_on,
            "weights": weights,
        }
        return json.dumps(body, separators=(",", ":"), sort_keys=True) + "\n"


def _sigmoid(total: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))


def load_model(path: Path) -> FilingModel:
    """The model shipped at `path`; FilingModelError naming the file if it is missing or malformed."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FilingModelError(f"{path}: cannot read the filing model ({error})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT or body.get("categories") != list(CATEGORIES):
        raise FilingModelError(f"{path}: not a filing model for these categories; retrain it (README, Filing)")
    weights = body.get("weights")
    threshold = body.get("threshold")
    if not isinstance(weights, dict) or not isinstance(threshold, float) or not 0 < threshold < 1:
        raise FilingModelError(f"{path}: the model's weights or threshold are malformed")
    rows: dict[str, tuple[float, ...]] = {}
    for feature, row in weights.items():
        if not isinstance(row, list) or len(row) != len(CATEGORIES):
            raise FilingModelError(f"{path}: feature {feature!r} needs one weight per category")
        rows[str(feature)] = tuple(float(weight) for weight in row)
    return FilingModel(MappingProxyType(rows), str(body.get("trained_on", "")), threshold)


@dataclass(frozen=True)
class Example:
    """One labelled entry."""

    text: str
    categories: frozenset[str]


def training_sets(folder: Path) -> list[Path]:
    """The development sets in `folder` (filing_dev*.toml), never a held-out set."""
    return sorted(path for path in folder.glob("filing_dev*.toml") if "held" not in path.name)


def read_examples(paths: Sequence[Path]) -> tuple[list[Example], str]:
    """The labelled entries of the sets, and a digest of their bytes."""
    digest = hashlib.sha256()
    examples: list[Example] = []
    for path in paths:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        for row in tomllib.loads(raw.decode("utf-8")).get("entry", []):
            examples.append(Example(str(row["text"]), frozenset(row["categories"])))
    return examples, digest.hexdigest()


def train(examples: Sequence[Example], rules: Rules, trained_on: str = "") -> FilingModel:
    """Fit the model: the average of RUNS stochastic gradient descents, each in a fixed order from its own seed, so
    the result is deterministic and depends less on any one order."""
    rows = [features(example.text, classify(rules, example.text)) for example in examples]
    seen = Counter(feature for row in rows for feature in row)
    kept = sorted(feature for feature, count in seen.items() if count >= MIN_COUNT)
    ordered = [sorted(feature for feature in row if seen[feature] >= MIN_COUNT) for row in rows]
    wanted = [tuple(key in example.categories for key in CATEGORIES) for example in examples]
    total = {feature: [0.0] * len(CATEGORIES) for feature in kept}
    for run in range(RUNS):
        for feature, row in _descend(ordered, wanted, kept, seed=run).items():
            total[feature] = [sum_ + weight for sum_, weight in zip(total[feature], row, strict=True)]
    averaged = {feature: tuple(weight / RUNS for weight in row) for feature, row in total.items()}
    return FilingModel(MappingProxyType(averaged), trained_on)


def _descend(
    rows: Sequence[Sequence[str]], wanted: Sequence[tuple[bool, ...]], kept: Sequence[str], *, seed: int
) -> dict[str, list[float]]:
    """One run of stochastic gradient descent on the logistic loss with L2, every category at once."""
    weights = {feature: [0.0] * len(CATEGORIES) for feature in kept}
    order = list(range(len(rows)))
    shuffle = random.Random(seed).shuffle
    for epoch in range(EPOCHS):
        shuffle(order)
        rate = LEARNING_RATE / (1 + epoch * 0.1)
        decay = 1 - rate * L2
        for index in order:
            vectors = [weights[feature] for feature in rows[index]]
            totals = [sum(column) for column in zip(*vectors, strict=True)]
            steps = [rate * (hit - _sigmoid(total)) for hit, total in zip(wanted[index], totals, strict=True)]
            for feature, vector in zip(rows[index], vectors, strict=True):
                weights[feature] = [weight * decay + step for weight, step in zip(vector, steps, strict=True)]
    return weights


def main(argv: Sequence[str] | None = None) -> int:
    """Retrain from the development sets and write the shipped model: python -m bot.coaching.learned [OUT]."""
    from bot.__main__ import MODEL_PATH, RULES_PATH
    from bot.coaching.classify import load_rules

    root = Path(__file__).resolve().parents[2]
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else MODEL_PATH
    sets = training_sets(root / "tests" / "data")
    examples, digest = read_examples(sets)
    model = train(examples, load_rules(RULES_PATH), digest)
    out.write_text(model.to_json(), encoding="utf-8")
    sys.stdout.write(
        f"trained on {len(examples)} entries from {len(sets)} sets; {len(model.weights)} features: {out}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
