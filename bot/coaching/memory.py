"""What a lead's corrections teach the filing of their later entries: pure rules over words.

When a lead changes an entry's categories, each distinctive word of it remembers the change (+1 for a category they
added, -1 for one they took away). A later entry of theirs whose words add up to at least LEARNED for a category
gets it; at most -LEARNED loses it. Two corrections sharing a word, or one sharing two words, are enough: a single
word in common with a single correction is not."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

LEARNED = 2
MAX_WORDS = 30  # per entry: a long essay teaches no more than a line
WORD = re.compile(r"[a-z][a-z0-9'+-]{2,39}")
STOPWORDS = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "was",
        "were",
        "are",
        "from",
        "into",
        "onto",
        "about",
        "over",
        "under",
        "after",
        "before",
        "then",
        "than",
        "them",
        "they",
        "their",
        "there",
        "here",
        "have",
        "has",
        "had",
        "not",
        "but",
        "just",
        "also",
        "very",
        "really",
        "today",
        "yesterday",
        "tomorrow",
        "week",
        "day",
        "again",
        "some",
        "more",
        "most",
        "our",
        "ours",
        "your",
        "yours",
        "his",
        "her",
        "hers",
        "its",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "which",
        "while",
        "why",
        "how",
        "all",
        "any",
        "each",
        "every",
        "few",
        "lot",
        "lots",
        "got",
        "get",
        "gets",
        "did",
        "does",
        "done",
        "doing",
        "made",
        "make",
        "makes",
        "went",
        "going",
        "goes",
        "been",
        "being",
        "will",
        "would",
        "could",
        "should",
        "can",
        "cant",
        "didnt",
        "dont",
        "doesnt",
        "wasnt",
        "isnt",
        "arent",
        "won't",
        "didn't",
        "don't",
        "doesn't",
        "wasn't",
        "isn't",
        "aren't",
        "can't",
        "i'm",
        "i've",
        "i'd",
    }
)


def words_of(text: str) -> tuple[str, ...]:
    """The distinctive words of an entry, lowercased, once each, in order (at most MAX_WORDS)."""
    seen: dict[str, None] = {}
    for word in WORD.findall(text.lower()):
        if word not in STOPWORDS:
            seen.setdefault(word, None)
    return tuple(seen)[:MAX_WORDS]


def lessons(words: Iterable[str], before: Iterable[str], after: Iterable[str]) -> dict[tuple[str, str], int]:
    """(word, category) -> +1 or -1 for a correction from `before` to `after` categories."""
    added, removed = set(after) - set(before), set(before) - set(after)
    taught: dict[tuple[str, str], int] = {}
    for word in words:
        taught.update({(word, category): 1 for category in added})
        taught.update({(word, category): -1 for category in removed})
    return taught


def adjusted(categories: Iterable[str], words: Iterable[str], memory: Mapping[tuple[str, str], int]) -> tuple[str, ...]:
    """The rules' categories, with what the lead's corrections taught added or taken away."""
    scores: dict[str, int] = {}
    for word in words:
        for (remembered, category), weight in memory.items():
            if remembered == word:
                scores[category] = scores.get(category, 0) + weight
    chosen = set(categories)
    chosen |= {category for category, score in scores.items() if score >= LEARNED}
    chosen -= {category for category, score in scores.items() if score <= -LEARNED}
    return tuple(sorted(chosen))
