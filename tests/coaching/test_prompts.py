"""The prompt library on disk, its loader's validation, and rendering."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import jinja2
import pytest

from bot.coaching.prompts import (
    MAX_RENDERED_CHARS,
    SOURCES,
    LastWeek,
    Prompt,
    PromptContext,
    PromptLibrary,
    PromptLibraryError,
    load_library,
    make_prompt_environment,
    render_prompt,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMPTS_DIR = REPO_ROOT / "prompts"
ARTICLES_DIR = REPO_ROOT.parent / "shared" / "articles"

REQUIRED_THEMES = {
    "invisible-output",
    "coding-to-feel-useful",
    "right-vs-acted-on",
    "make-it-not-come-back",
    "own-feedback-loop",
    "staying-quiet",
    "context-over-decisions",
    "entropy-and-trust",
    "disappearance-test",
    "delegation",
    "multiplier-vs-diminisher",
    "three-hats",
    "debt-as-business-risk",
    "seventy-thirty",
    "judgment-in-ai-era",
    "leading-former-peers",
}

LONG_NAME = "Maximiliane-Aurélie Ångström-Nguyễn Thị Bảo Ngọc 李小龍 Oyelaran-Kowalczyk"
EVERYDAY_CONTEXTS = [
    PromptContext("Sam", "Monday", LastWeek()),
    PromptContext("Jo", "Thursday", LastWeek(entries=23, answered=5, top_category="mentoring")),
    PromptContext("Ada", "Tuesday", LastWeek(entries=1, answered=0, top_category="")),
]
ALL_CONTEXTS = [
    *EVERYDAY_CONTEXTS,
    PromptContext(LONG_NAME, "Wednesday", LastWeek(entries=4, answered=4, top_category="unblocking")),
]
SLACK_SECTION_LIMIT = 3000
EVERYDAY_LIMIT = 280  # the product's target for a rendered prompt with an ordinary name


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return make_prompt_environment()


@pytest.fixture(scope="module")
def library(env: jinja2.Environment) -> PromptLibrary:
    return load_library(PROMPTS_DIR, env)


# --- the real library -------------------------------------------------------------------------


def test_real_library_is_big_enough(library: PromptLibrary) -> None:
    assert len(library) >= 60
    assert len(library.themes) >= 12
    assert set(library.themes) >= REQUIRED_THEMES
    sizes = Counter(prompt.theme for prompt in library)
    assert min(sizes.values()) >= 4, sizes


def test_every_source_is_used(library: PromptLibrary) -> None:
    assert {prompt.source for prompt in library} == set(SOURCES)


def test_ids_are_unique_and_theme_titles_short(library: PromptLibrary) -> None:
    ids = [prompt.id for prompt in library]
    assert len(ids) == len(set(ids))
    for theme in library.themes:
        assert 0 < len(library.theme_title(theme)) <= 60


def test_theme_files_match_themes(library: PromptLibrary) -> None:
    assert sorted(path.stem for path in PROMPTS_DIR.glob("*.toml")) == list(library.themes)


def test_readme_lists_every_theme(library: PromptLibrary) -> None:
    readme = (PROMPTS_DIR / "README.md").read_text(encoding="utf-8")
    for theme in library.themes:
        row = f"| `{theme}` | {library.theme_title(theme)} | {len(library.by_theme(theme))} |"
        assert row in readme, f"prompts/README.md: theme table row missing or stale: {row}"


@pytest.mark.parametrize("context", ALL_CONTEXTS, ids=["empty-week", "busy-week", "one-entry", "long-name"])
def test_every_prompt_renders_within_slack_limits(
    library: PromptLibrary, env: jinja2.Environment, context: PromptContext
) -> None:
    for prompt in library:
        text = render_prompt(env, prompt, context)
        assert text, prompt.id
        assert len(text) <= min(MAX_RENDERED_CHARS, SLACK_SECTION_LIMIT), prompt.id
        assert "{" not in text, prompt.id
        assert "}" not in text, prompt.id
        assert "  " not in text, prompt.id


@pytest.mark.parametrize("context", EVERYDAY_CONTEXTS, ids=["empty-week", "busy-week", "one-entry"])
def test_prompts_are_short(library: PromptLibrary, env: jinja2.Environment, context: PromptContext) -> None:
    too_long = {p.id: len(t) for p in library if len(t := render_prompt(env, p, context)) > EVERYDAY_LIMIT}
    assert not too_long


def test_no_emoji(library: PromptLibrary) -> None:
    for prompt in library:
        for text in (prompt.text, prompt.why, *prompt.choices):
            symbols = [c for c in text if unicodedata.category(c) == "So"]
            assert not symbols, (prompt.id, symbols)


def test_templates_personalise_only_a_handful(library: PromptLibrary) -> None:
    templated = [prompt.id for prompt in library if "{{" in prompt.text or "{%" in prompt.text]
    assert 3 <= len(templated) <= len(library) // 5, templated


def _words(text: str) -> list[str]:
    """Lowercased words with punctuation (and apostrophes) stripped."""
    return re.findall(r"[^\W_]+", text.lower().replace("’", "").replace("'", ""))


def _shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def article_runs() -> set[tuple[str, ...]]:
    """Every run of 8 words in the source articles (the test is skipped where they are absent)."""
    if not ARTICLES_DIR.is_dir():
        pytest.skip(f"source articles not found at {ARTICLES_DIR}; cannot check for copied text")
    runs: set[tuple[str, ...]] = set()
    for path in ARTICLES_DIR.glob("*.txt"):
        runs |= _shingles(_words(path.read_text(encoding="utf-8")), 8)
    assert runs, "no article text found"
    return runs


def test_no_prompt_copies_the_articles(library: PromptLibrary, env: jinja2.Environment) -> None:
    article_shingles = article_runs()
    for prompt in library:
        texts = {render_prompt(env, prompt, context) for context in ALL_CONTEXTS}
        for text in (*texts, prompt.why, *prompt.choices):
            copied = _shingles(_words(text), 8) & article_shingles
            assert not copied, (prompt.id, [" ".join(run) for run in copied])


# --- library object ----------------------------------------------------------------------------


def test_library_lookups(library: PromptLibrary) -> None:
    first = library.prompts[0]
    assert library.get(first.id) is first
    assert first.id in library
    assert library.get("no-such-prompt") is None
    assert "no-such-prompt" not in library
    assert library.by_theme(first.theme)[0] is first
    assert library.by_theme("no-such-theme") == ()
    assert list(library.themes) == sorted(library.themes)  # files load in name order
    assert [p.id for p in library] == [p.id for t in library.themes for p in library.by_theme(t)]


def test_library_refuses_duplicate_ids() -> None:
    prompt = Prompt("a-01", "a", "A", SOURCES[0], "Hi?", "Why.")
    with pytest.raises(PromptLibraryError, match="a-01"):
        PromptLibrary((prompt, prompt))


# --- rendering ---------------------------------------------------------------------------------


def _prompt(text: str) -> Prompt:
    return Prompt("t-01", "t", "T", SOURCES[0], text, "Why.")


def test_render_collapses_whitespace_and_does_not_escape(env: jinja2.Environment) -> None:
    prompt = _prompt("{% if last_week.entries %}  Busy  {% endif %}\n  {{ first_name }} <&> ?  ")
    context = PromptContext("O'Brien & <Co>", "Monday", LastWeek(entries=2))
    assert render_prompt(env, prompt, context) == "Busy O'Brien & <Co> <&> ?"


def test_render_is_strict_about_undefined(env: jinja2.Environment) -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_prompt(env, _prompt("{{ nickname }}?"), PromptContext("Sam", "Monday"))


def test_render_is_fast(library: PromptLibrary, env: jinja2.Environment) -> None:
    prompts = list(library)
    context = EVERYDAY_CONTEXTS[1]
    started = time.perf_counter()
    for i in range(10_000):
        render_prompt(env, prompts[i % len(prompts)], context)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"10,000 renders took {elapsed:.3f}s"


# --- validation of malformed files -------------------------------------------------------------


def prompt_toml(**fields: str | None) -> str:
    """One [[prompts]] table; values are raw TOML, None leaves the key out."""
    values: dict[str, str | None] = {
        "id": '"alpha-01"',
        "source": f'"{SOURCES[2]}"',
        "text": "'How did today go?'",
        "why": '"Because it matters."',
        **fields,
    }
    return "\n".join(["[[prompts]]", *(f"{k} = {v}" for k, v in values.items() if v is not None)]) + "\n"


def theme_toml(theme: str = "alpha", *prompts: str, title: str = '"Alpha"') -> str:
    """A theme file with the given prompt tables (one valid prompt if none given)."""
    return f'theme = "{theme}"\ntitle = {title}\n\n' + "\n".join(prompts or (prompt_toml(),))


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        (directory / name).write_text(body, encoding="utf-8")
    return directory


def test_minimal_valid_library_loads(tmp_path: Path) -> None:
    extra = prompt_toml(id='"alpha-02"', choices='["Yes", "No"]', text="'{{ first_name }}, how was {{ weekday }}?'")
    library = load_library(write(tmp_path, {"alpha.toml": theme_toml("alpha", prompt_toml(), extra)}))
    assert [p.id for p in library] == ["alpha-01", "alpha-02"]
    assert library.prompts[1].choices == ("Yes", "No")
    assert library.theme_title("alpha") == "Alpha"


MALFORMED = [
    pytest.param(
        {"alpha.toml": theme_toml("alpha"), "beta.toml": theme_toml("beta")},
        ["beta.toml", "'alpha-01'", "duplicate id", "alpha.toml"],
        id="duplicate-id",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(source='"Some Blog Post"'))},
        ["alpha.toml", "'alpha-01'", "unknown source 'Some Blog Post'"],
        id="unknown-source",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'{{ last_name }}, how was today?'"))},
        ["alpha.toml", "'alpha-01'", "unknown template variable", "last_name"],
        id="unknown-variable",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'{% if last_week.entries %}{{ nick }}{% endif %}?'"))},
        ["alpha.toml", "'alpha-01'", "unknown template variable", "nick"],
        id="unknown-variable-in-untaken-branch",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'You logged {{ last_week.streak }} days.'"))},
        ["alpha.toml", "'alpha-01'", "last_week.streak"],
        id="unknown-last-week-field",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'{{ first_name , how was today?'"))},
        ["alpha.toml", "'alpha-01'", "does not parse"],
        id="broken-jinja-syntax",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'{% if first_name %}Hi?'"))},
        ["alpha.toml", "'alpha-01'", "does not parse"],
        id="unclosed-block",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'{{ first_name | shout }}?'"))},
        ["alpha.toml", "'alpha-01'", "does not parse", "shout"],
        id="unknown-filter",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'{{ first_name.nickname }}?'"))},
        ["alpha.toml", "'alpha-01'", "does not render"],
        id="render-fails",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text="'{% if last_week.entries %}Hi?{% endif %}'"))},
        ["alpha.toml", "'alpha-01'", "blank"],
        id="renders-blank",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(text=f"'{'word ' * 120}{{{{ first_name }}}}?'"))},
        ["alpha.toml", "'alpha-01'", "rendered text is", "limit is 500"],
        id="rendered-too-long",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("beta")},
        ["alpha.toml", "theme 'beta' does not match the file name", "'alpha'"],
        id="theme-file-mismatch",
    ),
    pytest.param(
        {"alpha.toml": 'theme = "alpha"\ntitle = "Alpha\n'},
        ["alpha.toml", "not valid TOML"],
        id="bad-toml",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(why=None))},
        ["alpha.toml", "'alpha-01'", "missing key 'why'"],
        id="missing-key",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(tags='["x"]'))},
        ["alpha.toml", "'alpha-01'", "unexpected key 'tags'"],
        id="extra-key",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(why="3"))},
        ["alpha.toml", "'alpha-01'", "'why' must be a string"],
        id="wrong-type",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(id=None))},
        ["alpha.toml", "#1 (no id)", "missing key 'id'"],
        id="missing-id",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(id='"Alpha 01"'))},
        ["alpha.toml", "'Alpha 01'", "slug"],
        id="bad-id",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(why=f'"{"x" * 201}"'))},
        ["alpha.toml", "'alpha-01'", "'why' is 201 characters"],
        id="why-too-long",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(why='"Hi {{ first_name }}"'))},
        ["alpha.toml", "'alpha-01'", "plain text"],
        id="why-is-a-template",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(choices='["a", "b", "c", "d"]'))},
        ["alpha.toml", "'alpha-01'", "'choices' has 4 items"],
        id="too-many-choices",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(choices=f'["{"y" * 41}"]'))},
        ["alpha.toml", "'alpha-01'", "41 characters"],
        id="choice-too-long",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", prompt_toml(choices='"Yes"'))},
        ["alpha.toml", "'alpha-01'", "'choices' must be an array"],
        id="choices-not-a-list",
    ),
    pytest.param(
        {"alpha.toml": 'theme = "alpha"\ntitle = "Alpha"\nprompts = []\n'},
        ["alpha.toml", "non-empty array"],
        id="no-prompts",
    ),
    pytest.param(
        {"alpha.toml": 'theme = "alpha"\ntitle = "Alpha"\n'},
        ["alpha.toml", "missing key 'prompts'"],
        id="prompts-key-missing",
    ),
    pytest.param(
        {"alpha.toml": theme_toml("alpha", title=f'"{"T" * 61}"')},
        ["alpha.toml", "'title' is 61 characters"],
        id="title-too-long",
    ),
]


@pytest.mark.parametrize(("files", "fragments"), MALFORMED)
def test_malformed_library_is_refused(tmp_path: Path, files: dict[str, str], fragments: list[str]) -> None:
    with pytest.raises(PromptLibraryError) as caught:
        load_library(write(tmp_path, files))
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    files = {
        "alpha.toml": theme_toml("alpha", prompt_toml(source='"Nope"')),
        "beta.toml": theme_toml("beta", prompt_toml(id='"beta-01"', text="'{{ oops }}'")),
    }
    with pytest.raises(PromptLibraryError, match=r"2 problem\(s\)") as caught:
        load_library(write(tmp_path, files))
    assert "alpha.toml: prompt 'alpha-01'" in str(caught.value)
    assert "beta.toml: prompt 'beta-01'" in str(caught.value)


def test_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PromptLibraryError, match=r"no \*\.toml prompt files"):
        load_library(tmp_path)


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PromptLibraryError, match="does not exist"):
        load_library(tmp_path / "nowhere")
