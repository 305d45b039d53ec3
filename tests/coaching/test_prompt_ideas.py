"""The prompt library against the articles' ideas: coverage, sources, audiences, spans and one-question shape.

Run with ``-s`` to print which prompts carry each idea.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

import jinja2
import pytest

from bot.coaching.ideas import AUDIENCES, IDEAS, MIN_PROMPTS_PER_IDEA
from bot.coaching.prompts import (
    SAMPLE_CONTEXTS,
    Prompt,
    PromptLibrary,
    load_library,
    make_prompt_environment,
    render_prompt,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMPTS_DIR = REPO_ROOT / "prompts"

MAX_IDEAS_PER_PROMPT = 2

# Words that mark a prompt as holding only for some leads (see AUDIENCES). "peer review" is not about peers.
AUDIENCE_KEYWORDS: dict[str, re.Pattern[str]] = {
    "former-peers": re.compile(r"\bpeers?\b(?!\s+review)|\bpromot(?:ed|ion)\b|\bold friends?\b", re.IGNORECASE),
    "ai-tools": re.compile(
        r"\bAI\b|\bLLMs?\b|\bcopilot\b|\bchatgpt\b|\b(?:AI|coding) assistants?\b"
        r"|\bgenerated code\b|\bcode generation\b",
        re.IGNORECASE,
    ),
}
ABOUT_THE_WEEK = re.compile(r"\b(?:this|the) week\b", re.IGNORECASE)
CLOSING_QUOTES = "\"'”’"  # a question may end on a quoted question: ... ask "What kind of wrong is this?"


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return make_prompt_environment()


@pytest.fixture(scope="module")
def library(env: jinja2.Environment) -> PromptLibrary:
    return load_library(PROMPTS_DIR, env)


def renders(env: jinja2.Environment, prompt: Prompt) -> set[str]:
    """The prompt's text as leads read it, in every sample context (so every template branch counts)."""
    return {render_prompt(env, prompt, context) for context in SAMPLE_CONTEXTS}


def prompts_by_idea(library: PromptLibrary) -> dict[str, list[str]]:
    """idea key -> ids of the prompts that carry it, for every idea in IDEAS (possibly empty)."""
    by_idea: dict[str, list[str]] = defaultdict(list)
    for prompt in library:
        for idea in prompt.ideas:
            by_idea[idea].append(prompt.id)
    return {idea: by_idea[idea] for idea in IDEAS}


def idea_table(by_idea: dict[str, list[str]]) -> str:
    """A readable table, fewest prompts first: idea, how many prompts carry it, and their ids."""
    width = max(len(idea) for idea in by_idea)
    lines = [f"{'idea':<{width}}   n  prompts", f"{'-' * width}  --  {'-' * 60}"]
    for idea, ids in sorted(by_idea.items(), key=lambda item: (len(item[1]), item[0])):
        flag = "  <-- too few" if len(ids) < MIN_PROMPTS_PER_IDEA else ""
        lines.append(f"{idea:<{width}}  {len(ids):>2}  {', '.join(ids) or '-'}{flag}")
    return "\n".join(lines)


# --- (1) ideas on every prompt ------------------------------------------------------------------


def test_every_prompt_carries_one_or_two_known_ideas(library: PromptLibrary) -> None:
    wrong = {
        prompt.id: prompt.ideas
        for prompt in library
        if not 1 <= len(prompt.ideas) <= MAX_IDEAS_PER_PROMPT
        or len(set(prompt.ideas)) != len(prompt.ideas)
        or any(idea not in IDEAS for idea in prompt.ideas)
    }
    assert not wrong, f"each prompt needs 1 or {MAX_IDEAS_PER_PROMPT} distinct keys of IDEAS: {wrong}"


# --- (2) every idea is asked ---------------------------------------------------------------------


def test_every_idea_has_enough_prompts(library: PromptLibrary) -> None:
    by_idea = prompts_by_idea(library)
    # Shown with `pytest -s`: which prompts carry each idea, fewest first.
    heading = f"{len(library)} prompts carry {len(IDEAS)} ideas (at least {MIN_PROMPTS_PER_IDEA} each):"
    sys.stdout.write(f"\n{heading}\n\n{idea_table(by_idea)}\n")
    too_few = {idea: ids for idea, ids in by_idea.items() if len(ids) < MIN_PROMPTS_PER_IDEA}
    assert not too_few, f"ideas with fewer than {MIN_PROMPTS_PER_IDEA} prompts: {too_few}"


# --- (3) the source is an idea's article ---------------------------------------------------------


def test_source_is_the_article_of_one_of_its_ideas(library: PromptLibrary) -> None:
    wrong = {
        prompt.id: (prompt.source, sorted({IDEAS[idea][1] for idea in prompt.ideas if idea in IDEAS}))
        for prompt in library
        if prompt.source not in {IDEAS[idea][1] for idea in prompt.ideas if idea in IDEAS}
    }
    assert not wrong, f"source is not the article of any of the prompt's ideas: {wrong}"


# --- (4) audiences -------------------------------------------------------------------------------


def test_audience_keywords_cover_every_audience() -> None:
    assert set(AUDIENCE_KEYWORDS) == set(AUDIENCES)


@pytest.mark.parametrize("audience", sorted(AUDIENCE_KEYWORDS))
def test_prompts_about_an_audience_carry_it(library: PromptLibrary, env: jinja2.Environment, audience: str) -> None:
    pattern = AUDIENCE_KEYWORDS[audience]
    missing = [
        prompt.id
        for prompt in library
        if prompt.audience != audience
        and any(pattern.search(text) for text in (*renders(env, prompt), *prompt.choices))
    ]
    assert not missing, f"these prompts speak to {audience!r} leads only; give them audience = {audience!r}: {missing}"


@pytest.mark.parametrize("audience", sorted(AUDIENCE_KEYWORDS))
def test_audience_prompts_are_about_their_audience(
    library: PromptLibrary, env: jinja2.Environment, audience: str
) -> None:
    pattern = AUDIENCE_KEYWORDS[audience]
    stray = [
        prompt.id
        for prompt in library
        if prompt.audience == audience and not any(pattern.search(text) for text in renders(env, prompt))
    ]
    assert not stray, f"audience {audience!r} hides these from other leads, but their text is not about it: {stray}"


# --- (5) spans -----------------------------------------------------------------------------------


def test_only_week_prompts_ask_about_the_week(library: PromptLibrary, env: jinja2.Environment) -> None:
    wrong = {
        prompt.id: text
        for prompt in library
        if prompt.span != "week"
        for text in renders(env, prompt)
        if ABOUT_THE_WEEK.search(text)
    }
    assert not wrong, f"only span = 'week' prompts may ask about this week; the rest ask about today: {wrong}"


def test_week_prompts_say_so(library: PromptLibrary, env: jinja2.Environment) -> None:
    wrong = {
        prompt.id: text
        for prompt in library
        if prompt.span == "week"
        for text in renders(env, prompt)
        if not ABOUT_THE_WEEK.search(text)
    }
    assert not wrong, f"a span = 'week' prompt is sent on the scorecard day: ask about this week: {wrong}"


# --- (6) one question ----------------------------------------------------------------------------


def test_each_prompt_asks_one_question(library: PromptLibrary, env: jinja2.Environment) -> None:
    wrong = {
        prompt.id: text
        for prompt in library
        for text in renders(env, prompt)
        if text.count("?") > 1 or not text.rstrip(CLOSING_QUOTES).endswith(("?", "."))
    }
    assert not wrong, f"a prompt asks at most one question and ends with '?' or '.': {wrong}"


# --- (7) choices are log lines --------------------------------------------------------------------


def test_choices_read_as_log_lines(library: PromptLibrary) -> None:
    wrong = {
        prompt.id: choice
        for prompt in library
        for choice in prompt.choices
        if choice.rstrip().endswith("?") or not choice.strip()
    }
    assert not wrong, f"a tapped choice is logged as the lead's entry, so it cannot be a question: {wrong}"
