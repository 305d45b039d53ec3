"""Filing quality: how well the category rules, alone and with the learned model, file a labelled set.

    python bench/filing.py --set tests/data/filing_dev6.toml [--rules prompts/rules/categories.toml] [--errors]

The model is trained afresh on every development set but the one measured (the shipped model learned from that
one too, so its figure there would flatter it); the rules are read as they are.

A set is a TOML file of `[[entry]]` (or `[[sentence]]`) tables, each with `text` and `categories`. Prints each
category's precision, recall, F1 and support, the macro-F1 (mean of the categories' F1) and the exact-match
rate (predicted set == labelled set); `--errors` also lists every misfiled entry with what was missed and what
was added. A held-out set is for the final measurement only, so a path whose name mentions "heldout" is refused.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.coaching.categories import CATEGORIES  # noqa: E402
from bot.coaching.classify import classify, load_rules  # noqa: E402
from bot.coaching.learned import read_examples, train, training_sets  # noqa: E402

DEFAULT_RULES = REPO_ROOT / "prompts" / "rules" / "categories.toml"
FORBIDDEN = ("heldout", "held_out", "held-out")


@dataclass(frozen=True)
class Entry:
    text: str
    categories: frozenset[str]


@dataclass(frozen=True)
class Report:
    """Counts per category (true positives, false positives, false negatives) and the misfiled entries."""

    counts: dict[str, tuple[int, int, int]]
    exact: int
    total: int
    errors: list[tuple[Entry, frozenset[str]]]

    def f1(self, key: str) -> tuple[float, float, float]:
        tp, fp, fn = self.counts[key]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        return precision, recall, f1

    @property
    def macro_f1(self) -> float:
        return sum(self.f1(key)[2] for key in CATEGORIES) / len(CATEGORIES)

    @property
    def exact_match(self) -> float:
        return self.exact / self.total if self.total else 0.0


def refuse_heldout(path: Path) -> None:
    """Exit with a message if the path names a held-out set: it is not for tuning or checking."""
    names = {str(path).lower(), str(path.resolve()).lower()}
    if any(word in name for name in names for word in FORBIDDEN):
        sys.exit(f"refusing {path}: held-out sets are for the final measurement only, never for tuning")


def load_set(path: Path) -> list[Entry]:
    """The labelled entries of a set file."""
    refuse_heldout(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rows = data.get("entry") or data.get("sentence") or []
    entries = [Entry(str(row["text"]), frozenset(row.get("categories", []))) for row in rows]
    unknown = {key for entry in entries for key in entry.categories} - set(CATEGORIES)
    if unknown:
        sys.exit(f"{path}: unknown categories {sorted(unknown)}")
    return entries


def evaluate(entries: Sequence[Entry], predict: Callable[[str], Sequence[str]]) -> Report:
    """Score `predict` on the entries."""
    counts = {key: [0, 0, 0] for key in CATEGORIES}
    exact = 0
    errors: list[tuple[Entry, frozenset[str]]] = []
    for entry in entries:
        got = frozenset(predict(entry.text))
        for key in CATEGORIES:
            counts[key][0] += key in got and key in entry.categories
            counts[key][1] += key in got and key not in entry.categories
            counts[key][2] += key not in got and key in entry.categories
        if got == entry.categories:
            exact += 1
        else:
            errors.append((entry, got))
    return Report({key: (tp, fp, fn) for key, (tp, fp, fn) in counts.items()}, exact, len(entries), errors)


def render(report: Report, *, errors: bool = False) -> str:
    """The report as text."""
    lines = [f"{'category':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>7} {'fp':>4} {'fn':>4}"]
    for key in CATEGORIES:
        precision, recall, f1 = report.f1(key)
        tp, fp, fn = report.counts[key]
        lines.append(f"{key:<20} {precision:>9.2f} {recall:>7.2f} {f1:>6.2f} {tp + fn:>7} {fp:>4} {fn:>4}")
    lines.append(f"{'macro-F1':<20} {'':>9} {'':>7} {report.macro_f1:>6.3f} {report.total:>7} entries")
    lines.append(f"exact match {report.exact}/{report.total} = {report.exact_match:.1%}")
    if errors:
        lines.append("")
        lines.append(f"misfiled entries ({len(report.errors)}):")
        for entry, got in report.errors:
            missed = sorted(entry.categories - got)
            added = sorted(got - entry.categories)
            lines.append(f"- {entry.text}")
            lines.append(f"    labelled {sorted(entry.categories)}  missed {missed}  added {added}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--set", required=True, type=Path, help="labelled TOML set ([[entry]] or [[sentence]])")
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="category rules file")
    parser.add_argument("--errors", action="store_true", help="list the misfiled entries")
    args = parser.parse_args(argv)
    entries = load_set(args.set)
    rules = load_rules(args.rules)
    print("rules alone")
    print(render(evaluate(entries, lambda text: classify(rules, text)), errors=args.errors))
    others = [path for path in training_sets(args.set.resolve().parent) if path.resolve() != args.set.resolve()]
    examples, _ = read_examples(others)
    model = train(examples, rules)
    print(f"\nrules and the model, trained on {len(examples)} entries of the {len(others)} other development sets")
    print(render(evaluate(entries, lambda text: model.categories(rules, text)), errors=args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
