"""The ideas the coaching draws on, each with the article it comes from. Every idea has at least two prompts (a test
checks the map), so no idea of the articles goes unasked."""

from __future__ import annotations

from collections.abc import Mapping

FIVE_THINGS = "5 Things Most Engineers Learn Too Late About Technical Leadership"
HARD_TRUTH = "The Hard Truth About Technical Leadership"
PLAYBOOK = "Tech Lead Strategic Playbook"
THREE_HATS = "What Is Technical Leadership, Really?"
LEVERAGE = "Technical Leadership as Leveraged Impact"

# slug -> (the idea in a few words, its article)
IDEAS: Mapping[str, tuple[str, str]] = {
    "invisible-output": ("your output is invisible by design", FIVE_THINGS),
    "coding-to-feel-useful": ("coding to feel useful: could someone else own this?", FIVE_THINGS),
    "right-vs-acted-on": ("being right against getting others to act on it", FIVE_THINGS),
    "make-it-not-come-back": ("solve the class of problem so it does not come back", FIVE_THINGS),
    "own-feedback-loop": ("build your own feedback loop", FIVE_THINGS),
    "change-your-scorecard": ("change what you count as a good day", FIVE_THINGS),
    "disappearance-test": ("the two-week disappearance test", HARD_TRUTH),
    "staying-quiet": ("staying quiet: what kind of wrong is this?", HARD_TRUTH),
    "context-over-decisions": ("share context rather than make the decision", HARD_TRUTH),
    "entropy-and-trust": ("human entropy and trust", HARD_TRUTH),
    "trust-through-a-spike": ("earn trust with a spike instead of spending authority", HARD_TRUTH),
    "letting-go-of-the-code": ("letting go of the code", HARD_TRUTH),
    "judgment-in-ai-era": ("judgment when code is cheap to generate", HARD_TRUTH),
    "i-to-we": ("from I to we", PLAYBOOK),
    "code-to-value": ("from code to value", PLAYBOOK),
    "short-vs-long-term": ("short-term against long-term", PLAYBOOK),
    "grief-of-the-transition": ("missing the maker's work", PLAYBOOK),
    "why-am-i-coding": ("the why-am-I-coding habit", PLAYBOOK),
    "former-peers": ("leading former peers", PLAYBOOK),
    "smart-delegation": ("delegating an outcome with a clear done", PLAYBOOK),
    "facilitation-questions": ("asking instead of telling", PLAYBOOK),
    "vacation-test": ("the vacation test", PLAYBOOK),
    "autonomy-rate": ("how often the team decides without you", PLAYBOOK),
    "multiplier-vs-diminisher": ("multiplier or diminisher", PLAYBOOK),
    "architect-hat": ("the architect hat", THREE_HATS),
    "mentor-hat": ("the mentor hat", THREE_HATS),
    "diplomat-hat": ("the diplomat hat", THREE_HATS),
    "leading-without-permission": ("leading without the title", THREE_HATS),
    "manager-vs-leader": ("manager questions against leader questions", THREE_HATS),
    "debt-as-business-risk": ("tech debt told as business risk", THREE_HATS),
    "pair-instead-of-review": ("pair instead of review", THREE_HATS),
    "reviewing-without-rewriting": ("reviewing without rewriting", THREE_HATS),
    "additive-vs-multiplicative": ("additive against multiplicative impact", LEVERAGE),
    "seventy-thirty": ("the 70/30 split of leading and building", LEVERAGE),
    "bus-factor": ("bus factor and knowledge redundancy", LEVERAGE),
    "golden-paths": ("golden paths", LEVERAGE),
    "super-coder-syndrome": ("super-coder syndrome", LEVERAGE),
    "disagree-and-commit": ("decision paralysis, and disagree and commit", LEVERAGE),
    "saying-no": ("saying no", LEVERAGE),
    "one-on-ones": ("1:1s, and spotting someone quietly drowning", THREE_HATS),
    "onboarding": ("bringing a new person up to speed", LEVERAGE),
}
MIN_PROMPTS_PER_IDEA = 2

# Prompts that hold only for some leads: they go only to a lead who said so in settings.
AUDIENCES: Mapping[str, str] = {
    "former-peers": "I lead people who used to be my peers",
    "ai-tools": "My team writes code with AI assistants",
}
