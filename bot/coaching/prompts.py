"""The prompt library: loading, validating and rendering the daily reflection prompts.

Pure domain code: reads ``prompts/*.toml`` (one file per theme) with :mod:`tomllib`, checks every
prompt thoroughly at load time (so a bad prompt fails start-up, not a lead's evening), and renders
prompt texts as Jinja2 templates with ``StrictUndefined``. See ``prompts/README.md`` for the schema.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
from jinja2 import meta, nodes

from bot.coaching.categories import CATEGORIES
from bot.coaching.ideas import AUDIENCES, IDEAS

__all__ = [
    "MAX_CHOICES",
    "MAX_CHOICE_CHARS",
    "MAX_ID_CHARS",
    "MAX_RENDERED_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_WHY_CHARS",
    "SAMPLE_CONTEXTS",
    "SOURCES",
    "TEMPLATE_VARIABLES",
    "LastWeek",
    "Prompt",
    "PromptContext",
    "PromptLibrary",
    "PromptLibraryError",
    "load_library",
    "make_prompt_environment",
    "render_prompt",
]

SOURCES: tuple[str, ...] = (
    "5 Things Most Engineers Learn Too Late About Technical Leadership",
    "The Hard Truth About Technical Leadership",
    "Tech Lead Strategic Playbook",
    "What Is Technical Leadership, Really?",
    "Technical Leadership as Leveraged Impact",
)

MAX_ID_CHARS = 64  # deliveries.prompt_id is a String(64)
MAX_TITLE_CHARS = 60
MAX_RENDERED_CHARS = 500  # Slack allows 3,000 in a section; we keep prompts far shorter
MAX_WHY_CHARS = 200
MAX_CHOICES = 3
MAX_CHOICE_CHARS = 40

TEMPLATE_VARIABLES = frozenset({"first_name", "weekday", "last_week"})

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FILE_KEYS = frozenset({"theme", "title", "prompts"})
_PROMPT_KEYS = frozenset({"id", "source", "text", "why"})
_OPTIONAL_PROMPT_KEYS = frozenset({"choices", "ideas", "audience", "span"})
SPANS = ("day", "week")  # a prompt about today, or about the week (sent only on the lead's scorecard day)


class PromptLibraryError(ValueError):
    """The prompt library is missing or invalid; the message names each file, prompt and problem."""


@dataclass(frozen=True)
class LastWeek:
    """What the lead did last week, as far as a prompt template may know."""

    entries: int = 0
    answered: int = 0
    top_category: str = ""


@dataclass(frozen=True)
class PromptContext:
    """The variables available to every prompt template."""

    first_name: str
    weekday: str
    last_week: LastWeek = field(default_factory=LastWeek)

    def as_variables(self) -> dict[str, object]:
        """The template variables, by name."""
        return {"first_name": self.first_name, "weekday": self.weekday, "last_week": self.last_week}


_LAST_WEEK_FIELDS = frozenset(f.name for f in fields(LastWeek))

# Contexts every template must render with at load time; they exercise both sides of the usual branches.
SAMPLE_CONTEXTS: tuple[PromptContext, ...] = (
    PromptContext("Sam", "Monday"),
    PromptContext("Priya", "Friday", LastWeek(entries=12, answered=5, top_category="unblocking")),
    PromptContext("Ola", "Wednesday", LastWeek(entries=1, answered=1, top_category="")),
    PromptContext(
        "Maximiliane-Aurélie Ångström-Nguyễn Thị Bảo Ngọc 李小龍 Oyelaran-Kowalczyk",
        "Wednesday",
        LastWeek(entries=999, answered=999, top_category="cross-team alignment and mentoring"),
    ),
)


@dataclass(frozen=True)
class Prompt:
    """One daily reflection prompt; `text` is a Jinja2 template, `why` is plain text."""

    id: str
    theme: str
    theme_title: str
    source: str
    text: str
    why: str
    choices: tuple[str, ...] = ()
    # How each choice files when tapped: its own categories (possibly none), or None for the theme's.
    choice_categories: tuple[tuple[str, ...] | None, ...] = ()
    ideas: tuple[str, ...] = ()  # keys of bot.coaching.ideas.IDEAS
    audience: str | None = None  # a key of bot.coaching.ideas.AUDIENCES: only for leads it holds for
    span: str = "day"  # one of SPANS


@dataclass(frozen=True)
class PromptLibrary:
    """All prompts in a stable order (theme files by name, then file order), with lookups."""

    prompts: tuple[Prompt, ...]
    _by_id: Mapping[str, Prompt] = field(init=False, repr=False, compare=False)
    _by_theme: Mapping[str, tuple[Prompt, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the prompts by id and theme, refusing duplicate ids."""
        by_id: dict[str, Prompt] = {}
        by_theme: dict[str, list[Prompt]] = {}
        for prompt in self.prompts:
            if prompt.id in by_id:
                raise PromptLibraryError(f"duplicate prompt id {prompt.id!r}")
            by_id[prompt.id] = prompt
            by_theme.setdefault(prompt.theme, []).append(prompt)
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))
        object.__setattr__(self, "_by_theme", MappingProxyType({t: tuple(p) for t, p in by_theme.items()}))

    def __len__(self) -> int:
        """The number of prompts."""
        return len(self.prompts)

    def __iter__(self) -> Iterator[Prompt]:
        """The prompts in library order."""
        return iter(self.prompts)

    def __contains__(self, prompt_id: object) -> bool:
        """True if a prompt with this id exists."""
        return prompt_id in self._by_id

    def get(self, prompt_id: str) -> Prompt | None:
        """The prompt with this id, or None (e.g. an id retired from the library)."""
        return self._by_id.get(prompt_id)

    @property
    def themes(self) -> tuple[str, ...]:
        """Theme slugs in library order."""
        return tuple(self._by_theme)

    def theme_title(self, theme: str) -> str:
        """The human title of a theme (KeyError if unknown)."""
        return self._by_theme[theme][0].theme_title

    def by_theme(self, theme: str) -> tuple[Prompt, ...]:
        """The prompts of one theme in file order (empty if the theme is unknown)."""
        return self._by_theme.get(theme, ())


def make_prompt_environment() -> jinja2.Environment:
    """A Jinja2 environment for prompt texts: strict about undefined names, no HTML escaping."""
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)


@functools.lru_cache(maxsize=1024)
def _compiled(env: jinja2.Environment, source: str) -> jinja2.Template:
    """Compile a template source once per environment (bounded, thread-safe cache)."""
    return env.from_string(source)


def render_prompt(env: jinja2.Environment, prompt: Prompt, context: PromptContext) -> str:
    """Render a prompt's text for one lead, with runs of whitespace collapsed to single spaces."""
    rendered = _compiled(env, prompt.text).render(context.as_variables())
    return " ".join(rendered.split())


def load_library(directory: Path, env: jinja2.Environment | None = None) -> PromptLibrary:
    """Load and validate every ``*.toml`` in `directory`; raise PromptLibraryError listing all problems."""
    env = env if env is not None else make_prompt_environment()
    if not directory.is_dir():
        raise PromptLibraryError(f"{directory}: prompt directory does not exist")
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise PromptLibraryError(f"{directory}: no *.toml prompt files found")
    problems: list[str] = []
    prompts: list[Prompt] = []
    first_file: dict[str, Path] = {}
    for path in paths:
        for prompt in _load_file(path, env, problems):
            if prompt.id in first_file:
                problems.append(f"{path}: prompt {prompt.id!r}: duplicate id, already used in {first_file[prompt.id]}")
                continue
            first_file[prompt.id] = path
            prompts.append(prompt)
    if problems:
        raise PromptLibraryError(f"{len(problems)} problem(s) in the prompt library:\n" + "\n".join(problems))
    return PromptLibrary(tuple(prompts))


def _load_file(path: Path, env: jinja2.Environment, problems: list[str]) -> list[Prompt]:
    """The valid prompts of one theme file; every problem found is appended to `problems`."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not valid TOML: {exc}")
        return []
    header = _file_problems(path, data)
    problems.extend(f"{path}: {problem}" for problem in header)
    entries = data.get("prompts")
    if not isinstance(entries, list):
        return []
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    valid: list[Prompt] = []
    for index, entry in enumerate(entries, start=1):
        label = _entry_label(entry, index)
        entry_problems = _entry_problems(entry, env)
        problems.extend(f"{path}: prompt {label}: {problem}" for problem in entry_problems)
        if not entry_problems and not header:
            valid.append(_make_prompt(entry, path.stem, str(title)))
    return valid


def _file_problems(path: Path, data: Mapping[str, Any]) -> list[str]:
    """Problems with a theme file's top-level keys (theme, title, prompts)."""
    problems = _key_problems(data, _FILE_KEYS, frozenset())
    theme, title, entries = data.get("theme"), data.get("title"), data.get("prompts")
    if "theme" in data and theme != path.stem:
        problems.append(f"theme {theme!r} does not match the file name (expected {path.stem!r})")
    elif "theme" in data and not _SLUG.fullmatch(path.stem):
        problems.append(f"theme {theme!r} is not a lowercase-hyphenated slug")
    if "title" in data:
        problems.extend(_text_problems("title", title, MAX_TITLE_CHARS))
    if "prompts" in data and not (isinstance(entries, list) and entries):
        problems.append("'prompts' must be a non-empty array of tables ([[prompts]])")
    return problems


def _entry_label(entry: object, index: int) -> str:
    """How to name a prompt entry in an error: its id if it has one, else its position."""
    prompt_id = entry.get("id") if isinstance(entry, dict) else None
    return repr(prompt_id) if isinstance(prompt_id, str) and prompt_id else f"#{index} (no id)"


def _entry_problems(entry: object, env: jinja2.Environment) -> list[str]:
    """Everything wrong with one [[prompts]] entry."""
    if not isinstance(entry, dict):
        return ["must be a table"]
    problems = _key_problems(entry, _PROMPT_KEYS, _OPTIONAL_PROMPT_KEYS)
    if "id" in entry:
        problems.extend(_id_problems(entry["id"]))
    if "source" in entry and entry["source"] not in SOURCES:
        problems.append(f"unknown source {entry['source']!r}; expected one of {list(SOURCES)}")
    if "why" in entry:
        problems.extend(_why_problems(entry["why"]))
    if "choices" in entry:
        problems.extend(_choices_problems(entry["choices"]))
    if "ideas" in entry:
        problems.extend(_ideas_problems(entry["ideas"]))
    if "audience" in entry and entry["audience"] not in AUDIENCES:
        problems.append(f"unknown audience {entry['audience']!r}; expected one of {sorted(AUDIENCES)}")
    if "span" in entry and entry["span"] not in SPANS:
        problems.append(f"unknown span {entry['span']!r}; expected one of {list(SPANS)}")
    if "text" in entry:
        problems.extend(_template_problems(env, entry["text"]))
    return problems


def _key_problems(table: Mapping[str, Any], required: frozenset[str], optional: frozenset[str]) -> list[str]:
    """Missing required keys and unexpected keys in a TOML table."""
    missing = sorted(required - table.keys())
    extra = sorted(table.keys() - required - optional)
    problems = [f"missing key {key!r}" for key in missing]
    problems.extend(f"unexpected key {key!r}" for key in extra)
    return problems


def _text_problems(name: str, value: object, limit: int) -> list[str]:
    """Problems with a required, non-blank, length-limited string."""
    if not isinstance(value, str):
        return [f"{name!r} must be a string, not {type(value).__name__}"]
    if not value.strip():
        return [f"{name!r} must not be blank"]
    if len(value) > limit:
        return [f"{name!r} is {len(value)} characters; the limit is {limit}"]
    return []


def _id_problems(value: object) -> list[str]:
    """Problems with a prompt id: a lowercase-hyphenated slug of at most MAX_ID_CHARS."""
    problems = _text_problems("id", value, MAX_ID_CHARS)
    if not problems and not _SLUG.fullmatch(str(value)):
        problems.append(f"id {value!r} is not a lowercase-hyphenated slug")
    return problems


def _why_problems(value: object) -> list[str]:
    """Problems with a prompt's plain-text `why` line."""
    problems = _text_problems("why", value, MAX_WHY_CHARS)
    if not problems and any(marker in str(value) for marker in ("{{", "{%", "{#")):
        problems.append("'why' is plain text, not a template; remove the Jinja markup")
    return problems


def _choices_problems(value: object) -> list[str]:
    """Problems with a prompt's optional quick answers: each a string (filed under the theme's categories) or a
    table {text = "...", categories = [...]} (filed under exactly those, possibly none)."""
    if not isinstance(value, list):
        return [f"'choices' must be an array, not {type(value).__name__}"]
    if len(value) > MAX_CHOICES:
        return [f"'choices' has {len(value)} items; the limit is {MAX_CHOICES}"]
    problems: list[str] = []
    texts: list[object] = []
    for choice in value:
        if isinstance(choice, dict):
            problems.extend(f"choice {key!r}: unexpected key" for key in choice.keys() - {"text", "categories"})
            categories = choice.get("categories")
            if not isinstance(categories, list) or not all(c in CATEGORIES for c in categories):
                problems.append(f"choice categories must be an array of category keys, not {categories!r}")
            choice = choice.get("text")
        texts.append(choice)
        problems.extend(_text_problems("choices item", choice, MAX_CHOICE_CHARS))
    if not problems and len(set(map(str, texts))) != len(texts):
        problems.append("'choices' contains duplicates")
    return problems


def _ideas_problems(value: object) -> list[str]:
    """Problems with the ideas a prompt carries: a non-empty list of known idea keys."""
    if not isinstance(value, list) or not value or not all(isinstance(idea, str) for idea in value):
        return ["'ideas' must be a non-empty array of idea keys (bot/coaching/ideas.py)"]
    return [f"unknown idea {idea!r} (see bot/coaching/ideas.py)" for idea in value if idea not in IDEAS]


def _template_problems(env: jinja2.Environment, value: object) -> list[str]:
    """Problems with a prompt text template: syntax, unknown names, or failing/too long renders."""
    problems = _text_problems("text", value, MAX_RENDERED_CHARS * 2)
    if problems:
        return problems
    source = str(value)
    try:
        tree = env.parse(source)
        template = _compiled(env, source)
    except jinja2.TemplateSyntaxError as exc:
        return [f"template does not parse (line {exc.lineno}): {exc.message}"]
    unknown = sorted(meta.find_undeclared_variables(tree) - TEMPLATE_VARIABLES)
    unknown += sorted(f"last_week.{attr}" for attr in _last_week_attributes(tree) - _LAST_WEEK_FIELDS)
    if unknown:
        return [f"unknown template variable(s) {unknown}; available: {sorted(TEMPLATE_VARIABLES)}"]
    return _render_problems(template)


def _last_week_attributes(tree: nodes.Template) -> set[str]:
    """Attribute names the template reads from `last_week`."""
    return {
        node.attr
        for node in tree.find_all(nodes.Getattr)
        if isinstance(node.node, nodes.Name) and node.node.name == "last_week"
    }


def _render_problems(template: jinja2.Template) -> list[str]:
    """Problems rendering a template with each sample context (errors, blank or too long output)."""
    for context in SAMPLE_CONTEXTS:
        try:
            rendered = " ".join(template.render(context.as_variables()).split())
        except Exception as exc:  # a template expression can fail in any way; report it, whatever it is
            return [f"template does not render for {context}: {type(exc).__name__}: {exc}"]
        if not rendered:
            return [f"template renders to blank text for {context}"]
        if len(rendered) > MAX_RENDERED_CHARS:
            return [f"rendered text is {len(rendered)} characters; the limit is {MAX_RENDERED_CHARS}"]
    return []


def _make_prompt(entry: Mapping[str, Any], theme: str, theme_title: str) -> Prompt:
    """Build a Prompt from an already validated entry."""
    return Prompt(
        id=entry["id"],
        theme=theme,
        theme_title=theme_title,
        source=entry["source"],
        text=entry["text"],
        why=entry["why"],
        choices=tuple(c["text"] if isinstance(c, dict) else c for c in entry.get("choices", ())),
        choice_categories=tuple(
            tuple(c["categories"]) if isinstance(c, dict) else None for c in entry.get("choices", ())
        ),
        ideas=tuple(entry.get("ideas", ())),
        audience=entry.get("audience"),
        span=entry.get("span", "day"),
    )
