"""Filing a lead's log entry into invisible-impact categories with readable rules.

Pure domain code: the rules live in ``prompts/rules/categories.toml`` (its header documents the pattern
syntax) and are checked thoroughly at load time, so a bad pattern fails start-up with a message naming the
file, category and pattern. An entry gets every category with a match that no negation cue cancels ("no
coding today", "the 1:1 got cancelled"), and a category whose only match is a weaker "mention" ("the PM") if no
other category matched; common shorthand ("w/", "thru", "bc") is spelled out first. The
patterns compile into a few large regular expressions, so a 40,000-character entry takes a few milliseconds;
see :class:`Rules`.
"""

from __future__ import annotations

import bisect
import html
import re
import tomllib
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.coaching.categories import CATEGORIES

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "MAX_WINDOW",
    "CategoryRule",
    "Rules",
    "RulesError",
    "classify",
    "compile_pattern",
    "load_rules",
    "normalize",
    "spell_out",
]

MAX_WINDOW = 20  # words a negation cue may reach; more would span whole sentences
MAX_DESCRIPTION_CHARS = 200

_REGEX_PREFIX = "re:"
_CATEGORY_KEYS = frozenset({"label", "description", "patterns"})
_OPTIONAL_CATEGORY_KEYS = frozenset({"ignore_negation", "mentions"})
_NEGATION_KEYS = frozenset({"cues", "window"})
_OPTIONAL_NEGATION_KEYS = frozenset({"after"})
_DEFAULT_WINDOW = 4

# Pieces of a plain phrase. A space or hyphen between words matches any run of spaces and hyphens, so
# "on call" finds "on-call"; a lone * is a gap of up to three words (or none).
_SEPARATOR = r"[\s-]+"
_GAP = r"(?:[\s-]+[^\s.,;:!?()\[\]\"]+){0,3}"
_WORD_END = r"(?!\w)"
_ESCAPE = re.compile(r"\\.")
_UPPERCASE = re.compile(r"[A-Z]")

# Where a clause ends, for negation scope: in "didn't pair, but wrote docs" the cue must not reach "docs".
# "I" starts a new clause too: "instead of fixing it myself I paired" is still pairing.
_CLAUSE_BREAK = re.compile(
    r"[!?;()\[\]{}\"\n]|[.,:](?=\s|$)|\s-+\s|[–—]"
    r"|(?<!\w)(?:but|however|although|though|then|so|because|whereas|while|i)(?!\w)"
)
_CHARS_PER_WORD = 40  # a cue further back than this many characters per window word is out of reach anyway

# Slack markup: <@U123|name>, <#C123|name>, <https://x|label>, <!here>; the label is kept, the id is not.
_SLACK_LINK = re.compile(r"<([^<>|\s]*)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":[a-z][a-z0-9_+'-]*:")
_FORMATTING = re.compile(r"[`*_~]")  # code, bold, italic and strike markers; the words inside are kept
_SPACES = re.compile(r"[^\S\n]+")  # runs of spaces become one, so a regex can spell a space as " "; new lines stay
# Shorthand leads type at 6 pm, spelled out before matching so that one pattern covers both ("w/ Ana" is "with
# Ana", "bc" is "because", which also ends a clause). Whole words only; "w" alone is "with" only before a word.
_SHORTHAND_WORDS = {
    "w/o": "without",
    "w/": "with",
    "w": "with",
    "thru": "through",
    "b/c": "because",
    "bc": "because",
    "cuz": "because",
    "tho": "though",
    "ppl": "people",
    "mtg": "meeting",
    "mtgs": "meetings",
    "convo": "conversation",
    "convos": "conversations",
    "tmrw": "tomorrow",
    "abt": "about",
}
_SHORTHAND = re.compile(r"(?<![\w/])(?:w/o|w/|b/c|w(?= \w)|thru|bc|cuz|tho|ppl|mtgs?|convos?|tmrw|abt)(?![\w/])")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "ʼ": "'", "“": '"', "”": '"', "\u00a0": " "})


class RulesError(ValueError):
    """The category rules are missing or invalid; the message names the file, category and pattern."""


@dataclass(frozen=True)
class CategoryRule:
    """One category's rules, as written in the rules file."""

    key: str
    label: str
    description: str
    patterns: tuple[str, ...]
    ignore_negation: bool = False
    # Weaker evidence: a mention ("the PM", "the roadmap") files the entry here only when no other category
    # claims it, as naming a stakeholder in an entry about credit or delegation is not alignment work.
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """Every category's rules in CATEGORIES order, plus the negation cues and how far they reach.

    `negation_cues` cancel a match they come before ("no coding"); `negation_after` cancel a match they come
    after ("the 1:1 got cancelled"); both within `negation_window` words in the same clause.
    """

    categories: tuple[CategoryRule, ...]
    negation_cues: tuple[str, ...] = ()
    negation_window: int = _DEFAULT_WINDOW
    negation_after: tuple[str, ...] = ()
    negation: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    negation_later: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    # Two chains of finders: one for the patterns with a known first character (grouped by it, see
    # _grouped) and one for the regular expressions without, which would slow the first scan down. In each
    # chain, finder i matches a pattern of categories[i:] only, with named groups saying which category
    # matched. A scan stops wherever some category matches and names the first; the later finders then say
    # which others match at that same position. Finder 0 is compiled at load time (so a problem shows at
    # start-up); the others, each a part of it, on first use.
    finders: tuple[_Chain, ...] = field(init=False, repr=False, compare=False)
    group_category: Mapping[str, int] = field(init=False, repr=False, compare=False)
    slot_owner: tuple[int, ...] = field(init=False, repr=False, compare=False)  # slot -> category index

    def __post_init__(self) -> None:
        """Compile the negation cues and the finders (ValueError naming the problem if a pattern is malformed)."""
        object.__setattr__(self, "negation", _join(self.negation_cues))
        object.__setattr__(self, "negation_later", _join(self.negation_after))
        headed: list[dict[str, str]] = []
        headless: list[dict[str, str]] = []
        # Slots 0..n-1 are the categories' patterns; each category with mentions gets one more slot after them.
        owners = list(range(len(self.categories)))
        owners += [index for index, rule in enumerate(self.categories) if rule.mentions]
        for slot, owner in enumerate(owners):
            rule = self.categories[owner]
            by_first, regexes = _grouped(rule.patterns if slot < len(self.categories) else rule.mentions)
            headed.append({first: "|".join(rests) for first, rests in by_first.items()})
            headless.append({"": "|".join(regexes)} if regexes else {})
        finders = (_Chain(headed), _Chain(headless))
        names = {name for chain in finders for name in chain.group_names()}
        object.__setattr__(self, "finders", finders)
        categories = {name: int(name[1:].partition("_")[0]) for name in names}  # "c3_0" -> slot 3
        object.__setattr__(self, "group_category", MappingProxyType(categories))
        object.__setattr__(self, "slot_owner", tuple(owners))

    def category(self, key: str) -> CategoryRule:
        """The rules of one category (KeyError if unknown)."""
        for rule in self.categories:
            if rule.key == key:
                return rule
        raise KeyError(key)


def _is_regex(pattern: str) -> bool:
    """True for a `re:` pattern."""
    return pattern.startswith(_REGEX_PREFIX)


def compile_pattern(pattern: str) -> str:
    """The regular expression (without word boundaries) for one pattern; ValueError if it is malformed."""
    if not pattern.strip():
        raise ValueError("pattern is blank")
    if _is_regex(pattern):
        return _regex_source(pattern[len(_REGEX_PREFIX) :].strip())
    words = pattern.lower().replace("-", " ").split()
    if not words[0][0].isalnum():
        raise ValueError("a phrase must start with a letter or digit (use re: for anything else)")
    source = ""
    for word in words:
        if word == "*":
            if source.endswith(_GAP):
                raise ValueError("use a single * for a gap of up to three words")
            source += _GAP  # the gap brings its own separators before each word it skips
            continue
        stem = word.endswith("*")
        body = word[:-1] if stem else word
        if "*" in body or not body:
            raise ValueError("* goes at the end of a word (pair*) or stands alone for a gap (handed * off)")
        literal = re.escape(body).replace("'", "'?")  # "didn't" also finds "didnt"
        source += (_SEPARATOR if source else "") + literal + (r"\w*" if stem else "")
    if source.endswith(_GAP):
        raise ValueError("a lone * must sit between two words")
    return source


def _regex_source(source: str) -> str:
    """A checked `re:` pattern; ValueError if it is malformed or would match empty text."""
    if _UPPERCASE.search(_ESCAPE.sub("", source)):
        # The text is lowercased before matching; a case-insensitive flag would make every scan twice as slow.
        raise ValueError("write regular expressions in lowercase; the text is lowercased before matching")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. FutureWarning for a possible nested set: fix it now, not later
            compiled = re.compile(rf"\W(?:{source}){_WORD_END}")
    except (re.error, Warning) as exc:
        raise ValueError(f"bad regular expression: {exc}") from None
    if compiled.groups or compiled.groupindex:
        # Names would collide and numbers shift once the patterns are joined into one regex.
        raise ValueError("use (?:...) instead of capturing groups")
    if re.fullmatch(source, ""):
        raise ValueError("regular expression matches empty text, so it would match everywhere")
    return source


def load_rules(path: Path) -> Rules:
    """Load and validate the category rules file; raise RulesError listing every problem found."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the category rules: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from None
    problems: list[str] = []
    cues, window, after = _load_negation(data.get("negation"), problems)
    rules: dict[str, CategoryRule] = {}
    for key, table in data.items():
        if key == "negation":
            continue
        if key not in CATEGORIES:
            problems.append(f"unknown category {key!r}; expected one of {list(CATEGORIES)} or 'negation'")
            continue
        rule = _load_category(key, table, problems)
        if rule is not None:
            rules[key] = rule
    problems.extend(f"missing category {key!r}" for key in CATEGORIES if key not in data)
    if problems:
        raise RulesError(f"{path}: {len(problems)} problem(s) in the category rules:\n" + "\n".join(problems))
    return Rules(
        categories=tuple(rules[key] for key in CATEGORIES),
        negation_cues=cues,
        negation_window=window,
        negation_after=after,
    )


def _load_negation(table: object, problems: list[str]) -> tuple[tuple[str, ...], int, tuple[str, ...]]:
    """The negation cues, window and cues that come after; problems are appended to `problems`."""
    if not isinstance(table, dict):
        problems.append("missing [negation] table with 'cues' and 'window'")
        return (), _DEFAULT_WINDOW, ()
    problems.extend(
        f"[negation]: {problem}" for problem in _key_problems(table, _NEGATION_KEYS, _OPTIONAL_NEGATION_KEYS)
    )
    window = table.get("window", _DEFAULT_WINDOW)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= MAX_WINDOW:
        problems.append(f"[negation]: 'window' must be a whole number of words from 1 to {MAX_WINDOW}")
        window = _DEFAULT_WINDOW
    cues = _pattern_list(table.get("cues"), "[negation]", "cues", problems)
    after = _pattern_list(table["after"], "[negation]", "after", problems) if "after" in table else ()
    return cues, window, after


def _load_category(key: str, table: object, problems: list[str]) -> CategoryRule | None:
    """One category's rules, or None after appending its problems to `problems`."""
    where = f"category {key!r}"
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table ([{key}])")
        return None
    found = [f"{where}: {problem}" for problem in _key_problems(table, _CATEGORY_KEYS, _OPTIONAL_CATEGORY_KEYS)]
    for name in ("label", "description"):
        value = table.get(name)
        if name in table and (not isinstance(value, str) or not value.strip() or "\n" in value):
            found.append(f"{where}: {name!r} must be one non-blank line of text")
    description = table.get("description")
    if isinstance(description, str) and len(description) > MAX_DESCRIPTION_CHARS:
        found.append(f"{where}: 'description' is {len(description)} characters; the limit is {MAX_DESCRIPTION_CHARS}")
    ignore = table.get("ignore_negation", False)
    if not isinstance(ignore, bool):
        found.append(f"{where}: 'ignore_negation' must be true or false")
    patterns = _pattern_list(table.get("patterns"), where, "patterns", found) if "patterns" in table else ()
    mentions = _pattern_list(table["mentions"], where, "mentions", found) if "mentions" in table else ()
    problems.extend(found)
    if found:
        return None
    return CategoryRule(
        key=key,
        label=str(table["label"]).strip(),
        description=str(description).strip(),
        patterns=patterns,
        ignore_negation=ignore,
        mentions=mentions,
    )


def _pattern_list(value: object, where: str, name: str, problems: list[str]) -> tuple[str, ...]:
    """The list's patterns, stripped, if all are valid; otherwise () after naming each bad one in `problems`."""
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: {name!r} must be a non-empty list of patterns")
        return ()
    seen: set[str] = set()
    valid: list[str] = []
    for pattern in value:
        if not isinstance(pattern, str):
            problems.append(f"{where}: {name} item {pattern!r} must be a string")
            continue
        try:
            compile_pattern(pattern)
        except ValueError as exc:
            problems.append(f"{where}: pattern {pattern!r}: {exc}")
            continue
        if pattern.strip().lower() in seen:
            problems.append(f"{where}: pattern {pattern!r} is listed twice")
            continue
        seen.add(pattern.strip().lower())
        valid.append(pattern.strip())
    return tuple(valid) if len(valid) == len(value) else ()


def _key_problems(table: Mapping[str, Any], required: frozenset[str], optional: frozenset[str]) -> list[str]:
    """Missing required keys and unexpected keys in a TOML table."""
    problems = [f"missing key {key!r}" for key in sorted(required - table.keys())]
    problems.extend(f"unexpected key {key!r}" for key in sorted(table.keys() - required - optional))
    return problems


def _grouped(patterns: Iterable[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The patterns' regexes by first character (which they then omit), and the regexes that have none.

    Grouping by first character means a word start tries one group rather than every pattern in turn.
    """
    by_first: dict[str, list[str]] = defaultdict(list)
    regexes: list[str] = []
    for pattern in patterns:
        source = compile_pattern(pattern)
        if not _is_regex(pattern):
            # A plain phrase starts with a letter or digit too, so its first character needs no escaping.
            by_first[source[0]].append(source[1:])
            continue
        for branch in _leading_alternatives(source):
            if _literal_head(branch):
                by_first[branch[0]].append(branch[1:])
            else:
                regexes.append(f"(?:{branch})")
    return by_first, regexes


def _leading_alternatives(source: str) -> list[str]:
    """The regex as alternatives that together match the same: "(?:was|were) blocked" is "was blocked" or
    "were blocked". Each alternative may then start with a letter, so it can be grouped by it (see _grouped).

    Only a leading (?:...) group with no quantifier after it and no empty alternative is split, recursively.
    """
    end = _group_end(source) if source.startswith("(?:") else -1
    if end < 0 or source[end + 1 : end + 2] in ("?", "*", "+", "{"):
        return [source]
    alternatives = _top_level_split(source[3:end])
    if len(alternatives) < 2 or not all(alternatives):
        return [source]
    rest = source[end + 1 :]
    return [branch for alternative in alternatives for branch in _leading_alternatives(alternative + rest)]


def _group_end(source: str) -> int:
    """The index of the ")" closing the group that opens `source`, or -1 if there is none."""
    depth, in_class, escaped = 0, False, False
    for index, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if source[index + 1 : index + 2] == "]" or source[index + 1 : index + 3] == "^]":
                return -1  # a class that starts with "]" is too clever to follow; leave the regex whole
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _top_level_split(source: str) -> list[str]:
    """`source` split at each "|" outside groups and character classes."""
    parts: list[str] = []
    depth, in_class, escaped, start = 0, False, False, 0
    for index, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
    parts.append(source[start:])
    return parts


def _literal_head(source: str) -> bool:
    """True if every match of the regex visibly starts with its first character (a letter or digit).

    That holds unless a quantifier follows the character or an alternation at the top level offers another
    start; a character class that may hide brackets is taken as a possible top-level alternation.
    """
    if len(source) < 2 or not source[0].isalnum() or source[1] in "?*+{|" or "[]" in source or "[^]" in source:
        return False
    depth, in_class, escaped = 0, False, False
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char in "([)|":
            in_class = char == "["
            depth += {"(": 1, ")": -1}.get(char, 0)
            if char == "|" and depth == 0:
                return False
    return True


def _compile(branches: list[str]) -> re.Pattern[str] | None:
    """A regex matching any branch as a whole word, or None if there are none.

    Every regex here starts by consuming the non-word character before the word, so a match starts one
    character early. Starting with a character class lets Python's regex engine skip to the next word start
    in C; a look-behind would make it try every alternative at every position, several times slower.
    """
    return re.compile(rf"\W(?:{'|'.join(branches)}){_WORD_END}") if branches else None


def _join(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of the patterns as whole words, or None if there are none."""
    by_first, regexes = _grouped(patterns)
    return _compile([f"{first}(?:{'|'.join(rests)})" for first, rests in sorted(by_first.items())] + regexes)


class _Chain:
    """Finder i matches categories[i:], where each category maps a literal prefix to what follows it.

    Within each prefix the categories come in order, so the group that matched is the first category
    matching there; finder len(categories) is None and ends the chain after the last category. Finder 0 is
    compiled at once; each of the others on first use, as together they take several times as long.
    """

    def __init__(self, categories: list[dict[str, str]]) -> None:
        self._categories = categories
        self._finders: dict[int, re.Pattern[str] | None] = {len(categories): None}
        if categories:
            self._finders[0] = self._compile(0)  # now, so that a problem shows at load time

    def __len__(self) -> int:
        return len(self._categories) + 1

    def __getitem__(self, first: int) -> re.Pattern[str] | None:
        if first not in self._finders:
            # Two threads may both compile a finder; they store the same pattern, so that is harmless.
            self._finders[first] = self._compile(first)
        return self._finders[first]

    def group_names(self) -> list[str]:
        """The names of the groups that mark each category's match ("c3_0": category 3)."""
        return [f"c{index}_{number}" for index, parts in enumerate(self._categories) for number in range(len(parts))]

    def _compile(self, first: int) -> re.Pattern[str] | None:
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for index in range(first, len(self._categories)):
            for number, (prefix, body) in enumerate(sorted(self._categories[index].items())):
                # An empty named group after the body marks the category. Leading with it would be ~5x slower:
                # the engine could no longer rule an alternative out by its first literal character.
                by_prefix[prefix].append(f"(?:{body})(?P<c{index}_{number}>)")
        return _compile([f"{prefix}(?:{'|'.join(groups)})" for prefix, groups in sorted(by_prefix.items())])


def normalize(text: str) -> str:
    """Lowercase text with Slack markup reduced to plain words (labels kept, ids and URLs dropped)."""
    text = _SLACK_LINK.sub(_slack_link_text, text.translate(_QUOTES))
    text = html.unescape(text)  # Slack escapes &, < and > in message text
    text = _EMOJI.sub(" ", text.lower())  # before the markers go, as :white_check_mark: contains some
    return _SPACES.sub(" ", _FORMATTING.sub(" ", text))


def _slack_link_text(match: re.Match[str]) -> str:
    """The words a Slack link, mention or channel reference stands for."""
    target, label = match.group(1), match.group(2)
    if label:
        return f" {label.lstrip('@#')} "
    if target.startswith("@"):
        return " someone "  # an unlabelled mention still reads as a person: "paired with someone"
    return " "


def spell_out(text: str) -> str:
    """Normalized text with common shorthand spelled out ("w/ Ana bc" -> "with Ana because")."""
    return _SHORTHAND.sub(lambda match: _SHORTHAND_WORDS[match.group(0)], text)


def classify(rules: Rules, text: str) -> tuple[str, ...]:
    """The category keys of every category the text matches, in CATEGORIES order (empty if none)."""
    clean = " " + spell_out(normalize(text))  # every regex consumes the character before a word, even the first
    found: set[int] = set()
    cues = _Cues(rules, clean)
    for chain in rules.finders:
        _scan(rules, chain, clean, cues, found)
    count = len(rules.categories)
    claimed = {slot for slot in found if slot < count}
    # A mention alone counts only if no other category claimed the entry.
    mentioned = {rules.slot_owner[slot] for slot in found if slot >= count}
    filed = claimed | {owner for owner in mentioned if not claimed - {owner}}
    return tuple(rule.key for index, rule in enumerate(rules.categories) if index in filed)


def _scan(rules: Rules, chain: _Chain, text: str, cues: _Cues, found: set[int]) -> None:
    """Add to `found` the index of each category with a match in `text` that no negation cue cancels."""
    lowest = 0  # every category before this one is found already, so the scan can leave them out
    position = 0
    while True:
        while lowest in found:
            lowest += 1
        finder = chain[lowest] if lowest < len(chain) else None
        match = finder.search(text, position) if finder is not None else None
        if match is None:
            return
        start = match.start()
        negated: bool | None = None  # worked out once per position, and only if needed
        while match is not None:
            index = rules.group_category[str(match.lastgroup)]
            quiet = rules.categories[rules.slot_owner[index]].ignore_negation
            if index not in found and not quiet:
                negated = cues.negated(start) if negated is None else negated
            if index not in found and (quiet or not (negated or cues.retracted(match.end()))):
                found.add(index)
            later = chain[index + 1]
            match = later.match(text, start) if later is not None else None
        # Step one character, not past the match: another category's phrase may start inside this one.
        position = start + 1


class _Cues:
    """Where the negation cues end (and the after-cues start) in one text, found on first use (most entries
    never need them)."""

    def __init__(self, rules: Rules, text: str) -> None:
        self._regex = rules.negation
        self._later = rules.negation_later
        self._window = rules.negation_window
        self._text = text
        self._ends: list[int] | None = None
        self._starts: list[int] | None = None

    def negated(self, start: int) -> bool:
        """True if a cue ends at most `window` words before `start`, with no clause break in between."""
        if self._ends is None:
            self._ends = [match.end() for match in self._regex.finditer(self._text)] if self._regex else []
        index = bisect.bisect_right(self._ends, start) - 1
        if index < 0:
            return False
        # Only the nearest cue can count: any earlier one is further away, past the same clause breaks.
        gap = self._text[self._ends[index] : start + 1]
        if len(gap) > _CHARS_PER_WORD * (self._window + 1) or _CLAUSE_BREAK.search(gap):
            return False
        return len(gap.split()) <= self._window

    def retracted(self, end: int) -> bool:
        """True if an after-cue starts at most `window` words after `end`, with no clause break in between."""
        if self._later is None:
            return False
        if self._starts is None:
            # Each regex match starts on the character before the cue's first word.
            self._starts = [match.start() for match in self._later.finditer(self._text)]
        index = bisect.bisect_left(self._starts, end)
        if index >= len(self._starts):
            return False
        # Only the nearest cue can count: any later one is further away, past the same clause breaks.
        gap = self._text[end : self._starts[index] + 1]
        if len(gap) > _CHARS_PER_WORD * (self._window + 1) or _CLAUSE_BREAK.search(gap):
            return False
        return len(gap.split()) <= self._window
