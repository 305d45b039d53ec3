"""One focus for next week per invisible-impact category, each tied to the article its idea comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PLAYBOOK = "Tech Lead Strategic Playbook"
HARD_TRUTH = "The Hard Truth About Technical Leadership"
FIVE_THINGS = "5 Things Most Engineers Learn Too Late About Technical Leadership"
THREE_HATS = "What Is Technical Leadership, Really?"
LEVERAGE = "Technical Leadership as Leveraged Impact"


@dataclass(frozen=True)
class Focus:
    """A small, concrete thing to try next week, and the article behind it."""

    category: str
    text: str
    source: str


FOCUS: Mapping[str, Focus] = {
    focus.category: focus
    for focus in (
        Focus(
            "mentoring",
            "Book twenty minutes with one person to talk about their growth, not their tickets.",
            FIVE_THINGS,
        ),
        Focus("unblocking", "Each morning, ask who is waiting on something and clear one wait before noon.", LEVERAGE),
        Focus("context", "Write down the why behind one decision the team keeps asking you about.", HARD_TRUTH),
        Focus("delegation", "Hand off one task with a one-line result, a done check and an agreed check-in.", PLAYBOOK),
        Focus("stayed_quiet", "In one discussion, let the team reach the answer before you give yours.", HARD_TRUTH),
        Focus("systemic_fix", "Pick one problem you have fixed twice and change what lets it come back.", FIVE_THINGS),
        Focus(
            "alignment", "Explain one technical risk to someone outside the team in terms of cost or time.", PLAYBOOK
        ),
        Focus("trust", "Have the conversation you have been putting off, early in the week.", FIVE_THINGS),
        Focus(
            "architecture_risk",
            "Read one design or review closely and name the risk nobody has written down.",
            THREE_HATS,
        ),
        Focus("hiring_onboarding", "Ask the newest person what confused them most, and fix the first thing.", LEVERAGE),
        Focus(
            "hands_on",
            "Give away one coding task you would have taken, and spend those hours on a review or a design.",
            LEVERAGE,
        ),
    )
}
