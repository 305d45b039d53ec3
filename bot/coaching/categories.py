"""The invisible-impact categories, and which prompt themes speak to which of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# key -> label. Grounded in the articles; "hands_on" is the visible work, kept so the 70/30 split can be measured.
CATEGORIES: Mapping[str, str] = {
    "mentoring": "mentoring and coaching",
    "unblocking": "unblocking",
    "context": "context sharing and documentation",
    "delegation": "delegation",
    "stayed_quiet": "decisions left to the team",
    "systemic_fix": "systemic fix",
    "alignment": "alignment and translation",
    "trust": "trust and conflict",
    "architecture_risk": "architecture and risk caught early",
    "hiring_onboarding": "hiring and onboarding",
    "hands_on": "hands-on code",
}

# A theme is "quiet" for a lead when none of its categories saw an entry for two weeks.
# Themes about the role as a whole (invisible output, the feedback loop, the 70/30 split) map to none.
THEME_CATEGORIES: Mapping[str, frozenset[str]] = {
    "coding-to-feel-useful": frozenset({"delegation"}),
    "right-vs-acted-on": frozenset({"alignment"}),
    "make-it-not-come-back": frozenset({"systemic_fix"}),
    "staying-quiet": frozenset({"stayed_quiet"}),
    "context-over-decisions": frozenset({"context"}),
    "entropy-and-trust": frozenset({"trust"}),
    "disappearance-test": frozenset({"delegation", "context"}),
    "delegation": frozenset({"delegation"}),
    "multiplier-vs-diminisher": frozenset({"mentoring", "unblocking"}),
    "three-hats": frozenset({"architecture_risk", "mentoring", "alignment"}),
    "debt-as-business-risk": frozenset({"alignment", "architecture_risk"}),
    "judgment-in-ai-era": frozenset({"architecture_risk"}),
    "leading-former-peers": frozenset({"trust"}),
    "growing-people": frozenset({"mentoring", "hiring_onboarding"}),
}


def quiet_themes(themes: Iterable[str], recent_categories: Iterable[str]) -> frozenset[str]:
    """Themes whose categories the lead logged nothing in (themes without categories never count)."""
    logged = set(recent_categories)
    return frozenset(theme for theme in themes if THEME_CATEGORIES.get(theme) and not THEME_CATEGORIES[theme] & logged)


def label(category: str) -> str:
    """A category's readable label."""
    return CATEGORIES.get(category, category)
