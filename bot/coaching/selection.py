"""Choosing today's prompt for one lead, deterministically from their history and a seed.

Rules, in order:

1. Rejected prompts never come back. If every prompt is rejected there is no choice (None).
2. No repeats within a cycle: a cycle ends once the lead has seen every non-rejected prompt, and only
   ids seen in the current cycle count. Ids no longer in the library are ignored.
3. Never the same theme as the previous workday, unless that theme is the only one with unseen
   prompts left in the cycle. Among the rest, prefer picks that leave the remaining prompts of the
   cycle orderable without two same-theme days in a row, so the end of a cycle does not bunch up.
4. Prefer themes the lead has been quiet about (nudged=True when that preference decided the pool).
5. Break ties by a SHA-256 of the seed and the prompt id (stable across processes, unlike hash()).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.coaching.prompts import Prompt, PromptLibrary

__all__ = ["Choice", "PromptHistory", "choose_prompt", "daily_seed", "unseen_in_cycle"]


@dataclass(frozen=True)
class PromptHistory:
    """What one lead has been sent and told us, as input to today's choice."""

    seen: tuple[str, ...] = ()  # prompt ids delivered, oldest first
    rejected: frozenset[str] = frozenset()  # ids marked "Not a good prompt": never again
    last_theme: str | None = None  # theme of the previous workday's prompt
    quiet_themes: frozenset[str] = frozenset()  # themes with nothing logged for two weeks


@dataclass(frozen=True)
class Choice:
    """Today's prompt; `nudged` means it was picked because its theme has been quiet."""

    prompt: Prompt
    nudged: bool


def daily_seed(lead_key: str, day: date) -> str:
    """The tie-breaking seed for one lead on one local date."""
    return f"{lead_key}|{day.isoformat()}"


def choose_prompt(library: PromptLibrary, history: PromptHistory, seed: str) -> Choice | None:
    """Today's prompt for one lead, or None when every prompt in the library was rejected."""
    active = [prompt for prompt in library if prompt.id not in history.rejected]
    if not active:
        return None
    unseen = unseen_in_cycle(active, history.seen)
    candidates = _varied_themes(unseen, history.last_theme)
    quiet = [prompt for prompt in candidates if prompt.theme in history.quiet_themes]
    nudged = bool(quiet) and len(quiet) < len(candidates)
    return Choice(_seeded_pick(quiet or candidates, seed), nudged)


def unseen_in_cycle(active: Sequence[Prompt], seen: Sequence[str]) -> list[Prompt]:
    """The active prompts not yet seen in the current cycle (never empty when `active` is not)."""
    active_ids = {prompt.id for prompt in active}
    cycle: set[str] = set()
    for prompt_id in seen:
        if prompt_id in active_ids:
            cycle.add(prompt_id)
            if len(cycle) == len(active_ids):
                cycle.clear()
    return [prompt for prompt in active if prompt.id not in cycle]


def _varied_themes(unseen: Sequence[Prompt], last_theme: str | None) -> list[Prompt]:
    """Candidates avoiding yesterday's theme, preferring picks that keep the rest of the cycle varied."""
    other = [prompt for prompt in unseen if prompt.theme != last_theme] or list(unseen)
    remaining = Counter(prompt.theme for prompt in unseen)
    # Decided once per theme, not per prompt: a lead's choice costs the same however big a theme grows.
    safe_themes = {theme for theme in {p.theme for p in other} if _can_alternate(remaining - Counter([theme]), theme)}
    return [prompt for prompt in other if prompt.theme in safe_themes] or other


def _can_alternate(counts: Counter[str], previous: str) -> bool:
    """True if these theme counts can be ordered with no theme twice in a row, not starting with `previous`."""
    total = counts.total()
    return all(count <= (total // 2 if theme == previous else (total + 1) // 2) for theme, count in counts.items())


def _seeded_pick(candidates: Sequence[Prompt], seed: str) -> Prompt:
    """The candidate whose id hashes lowest with the seed: deterministic, and independent of order."""
    return min(candidates, key=lambda prompt: (_digest(seed, prompt.id), prompt.id))


def _digest(seed: str, prompt_id: str) -> bytes:
    """SHA-256 of the seed and a prompt id."""
    return hashlib.sha256(f"{seed}\x00{prompt_id}".encode()).digest()
