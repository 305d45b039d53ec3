"""Choosing today's prompt for one lead, deterministically from their history and a seed.

Rules, in order:

1. Rejected prompts never come back. If every prompt is rejected there is no choice (None). Prompts for an audience
   the lead is not in (former peers, AI tools) never come; a prompt about the week only on their scorecard day.
2. No repeats within a cycle: a cycle ends once the lead has seen every non-rejected prompt, and only
   ids seen in the current cycle count. Ids no longer in the library are ignored.
3. Never the same theme as the previous workday, unless that theme is the only one with unseen
   prompts left in the cycle. Among the rest, prefer picks that leave the remaining prompts of the
   cycle orderable without two same-theme days in a row, so the end of a cycle does not bunch up.
4. A theme the lead turned down twice in this cycle (skipped, or not a good prompt) comes at most once more in it.
5. What the lead needs first: a lead whose work is mostly hands-on gets the 70/30 and coding themes; a verdict of
   the coding diagnostic, or the week's focus, brings the themes that speak to it.
6. Else prefer themes the lead has been quiet about (nudged=True when that decided the pool), once there are two
   weeks of history and enough logged for quiet to mean something.
7. Among what is left, themes the lead answers (and answers at length) come more often: a weighted draw from a
   SHA-256 of the seed and the prompt id (stable across processes, unlike hash()).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.coaching.prompts import Prompt, PromptLibrary

__all__ = ["Choice", "PromptHistory", "choose_prompt", "cycle_state", "daily_seed", "unseen_in_cycle"]


@dataclass(frozen=True)
class PromptHistory:
    """What one lead has been sent and told us, as input to today's choice."""

    seen: tuple[str, ...] = ()  # prompt ids delivered, oldest first
    rejected: frozenset[str] = frozenset()  # ids marked "Not a good prompt": never again
    last_theme: str | None = None  # theme of the previous workday's prompt
    quiet_themes: frozenset[str] = frozenset()  # themes with nothing logged for two weeks (when that means something)
    statuses: tuple[str, ...] = ()  # the status of each of `seen`: answered, skipped, rejected, sent
    needed_themes: frozenset[str] = frozenset()  # what the lead needs first (hands-on share, verdicts, focus)
    engagement: Mapping[str, float] = field(default_factory=dict)  # theme -> weight (1: as usual)
    audiences: frozenset[str] = frozenset()  # keys of AUDIENCES the lead said hold for them
    scorecard_day: bool = False  # today is their scorecard day: prompts about the week may come


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
    active = [prompt for prompt in library if prompt.id not in history.rejected and _fits(prompt, history)]
    if not active:
        return None
    unseen, muted = cycle_state(library, active, history)
    candidates = _varied_themes([p for p in unseen if p.theme not in muted] or unseen, history.last_theme)
    needed = [prompt for prompt in candidates if prompt.theme in history.needed_themes]
    if needed:
        return Choice(_weighted_pick(needed, history.engagement, seed), nudged=False)
    quiet = [prompt for prompt in candidates if prompt.theme in history.quiet_themes]
    nudged = bool(quiet) and len(quiet) < len(candidates)
    return Choice(_weighted_pick(quiet or candidates, history.engagement, seed), nudged)


def _fits(prompt: Prompt, history: PromptHistory) -> bool:
    """An audience prompt only for leads in that audience; a prompt about the week only on the scorecard day."""
    return (prompt.audience is None or prompt.audience in history.audiences) and (
        prompt.span != "week" or history.scorecard_day
    )


TURNED_DOWN = ("skipped", "rejected")


def cycle_state(
    library: PromptLibrary, active: Sequence[Prompt], history: PromptHistory
) -> tuple[list[Prompt], frozenset[str]]:
    """The active prompts not yet seen in the current cycle, and the themes muted in it: turned down twice (skipped
    or rejected) and sent once more since. A cycle ends when every active prompt of an unmuted theme was seen; then
    everything starts afresh. Ids no longer active (rejected, retired, for another audience) are ignored."""
    active_ids = {prompt.id for prompt in active}
    per_theme = Counter(prompt.theme for prompt in active)
    seen: set[str] = set()
    left = Counter(per_theme)
    turned_down: Counter[str] = Counter()
    since: Counter[str] = Counter()
    muted: set[str] = set()
    statuses = history.statuses or ("sent",) * len(history.seen)
    for prompt_id, status in zip(history.seen, statuses, strict=False):
        prompt = library.get(prompt_id)
        if prompt is None:
            continue
        theme = prompt.theme
        if turned_down[theme] >= 2:
            since[theme] += 1
        if status in TURNED_DOWN:
            turned_down[theme] += 1
        if turned_down[theme] >= 2 and since[theme] >= 1:
            muted.add(theme)
        if prompt_id in active_ids and prompt_id not in seen:
            seen.add(prompt_id)
            left[theme] -= 1
        if not any(count for theme_left, count in left.items() if theme_left not in muted):
            seen.clear()
            left = Counter(per_theme)
            turned_down.clear()
            since.clear()
            muted.clear()
    return [prompt for prompt in active if prompt.id not in seen], frozenset(muted)


def unseen_in_cycle(active: Sequence[Prompt], seen: Sequence[str]) -> list[Prompt]:
    """The active prompts not yet seen in the current cycle (never empty when `active` is not)."""
    library = PromptLibrary(tuple(active))
    return cycle_state(library, active, PromptHistory(seen=tuple(seen)))[0]


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


def _weighted_pick(candidates: Sequence[Prompt], weights: Mapping[str, float], seed: str) -> Prompt:
    """A draw weighted by theme, deterministic and independent of order: the smallest -ln(u) / weight, with u from
    the seed and the prompt id (equal weights: the lowest hash, as before)."""

    def key(prompt: Prompt) -> tuple[float, str]:
        u = (int.from_bytes(_digest(seed, prompt.id)[:8], "big") + 1) / (2**64 + 1)
        return -math.log(u) / max(weights.get(prompt.theme, 1.0), 0.01), prompt.id

    return min(candidates, key=key)


def _digest(seed: str, prompt_id: str) -> bytes:
    """SHA-256 of the seed and a prompt id."""
    return hashlib.sha256(f"{seed}\x00{prompt_id}".encode()).digest()


# ---------------------------------------------------------------- what a lead's history says about today

HANDS_ON_THEMES = frozenset({"seventy-thirty", "coding-to-feel-useful"})
VERDICT_THEMES: Mapping[str, frozenset[str]] = {
    "delegate": frozenset({"delegation", "coding-to-feel-useful"}),
    "pair": frozenset({"multiplier-vs-diminisher", "growing-people"}),
    "face_it": frozenset({"entropy-and-trust"}),
}
QUIET_AFTER_DAYS = 14  # the "quiet theme" note needs two weeks of history…
QUIET_AFTER_ENTRIES = 3  # …and enough leadership logged for a quiet theme to mean something


def needed_themes(recent: Mapping[str, int]) -> frozenset[str]:
    """A lead whose recent work is mostly hands-on needs the 70/30 and coding themes before anything else."""
    hands_on = recent.get("hands_on", 0)
    leadership = sum(count for key, count in recent.items() if key != "hands_on")
    return HANDS_ON_THEMES if hands_on and hands_on >= leadership else frozenset()


def engagement(
    sent: Sequence[tuple[str, str]],
    answers: Sequence[tuple[str, int]],
    boosted: frozenset[str] = frozenset(),
) -> dict[str, float]:
    """Theme -> weight of the draw: the answer rate by theme ((answered + 1) / (sent + 2), from 0.5 to 1.5), times
    how long the answers run against the lead's usual (0.75 to 1.25), doubled for a theme a diagnostic verdict or
    the week's focus points to. `sent` is (theme, status); `answers` is (theme, length)."""
    counts: dict[str, list[int]] = {}
    for theme, status in sent:
        tally = counts.setdefault(theme, [0, 0])
        tally[0] += 1
        tally[1] += status == "answered"
    weights = {theme: 0.5 + (answered + 1) / (total + 2) for theme, (total, answered) in counts.items()}
    if answers:
        usual = sum(length for _, length in answers) / len(answers)
        by_theme: dict[str, list[int]] = {}
        for theme, length in answers:
            by_theme.setdefault(theme, []).append(length)
        for theme, lengths in by_theme.items():
            ratio = (sum(lengths) / len(lengths)) / usual if usual else 1.0
            weights[theme] = weights.get(theme, 1.0) * min(max(ratio, 0.75), 1.25)
    for theme in boosted:
        weights[theme] = weights.get(theme, 1.0) * 2
    return weights


def quiet_counts(history_days: int, recent: Mapping[str, int]) -> bool:
    """Whether a quiet theme means something yet: two weeks of prompts, and leadership logged in them."""
    leadership = sum(count for key, count in recent.items() if key != "hands_on")
    return history_days >= QUIET_AFTER_DAYS and leadership >= QUIET_AFTER_ENTRIES
