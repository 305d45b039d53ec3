"""Filing an entry: the readable rules, weighed with the entry's words by the learned model shipped beside them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.coaching.classify import Rules, load_rules
from bot.coaching.learned import FilingModel, load_model


@dataclass(frozen=True)
class Filing:
    """The category rules and the model trained on top of them."""

    rules: Rules
    model: FilingModel

    def categories(self, text: str) -> tuple[str, ...]:
        """The categories an entry is filed under, in CATEGORIES order (empty if none)."""
        return self.model.categories(self.rules, text)


def load_filing(rules_path: Path, model_path: Path) -> Filing:
    """The rules and the model; RulesError or FilingModelError naming the file if either is malformed."""
    return Filing(load_rules(rules_path), load_model(model_path))
