"""The brag document as a plain function: quarters in the lead's timezone, each entry once, readable text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.coaching.brag import (
    BragDecision,
    BragEntry,
    build_brag,
    home_section,
    indented,
    quarter_title,
)
from bot.coaching.categories import CATEGORIES
from bot.coaching.mentions import mentioned_users, readable

TODAY = date(2027, 2, 1)


def entry(at: datetime, text: str, *categories: str, shareable: bool = False) -> BragEntry:
    return BragEntry(at, text, frozenset(categories), shareable)


def decision(at: datetime, task: str, verdict: str = "delegate", outcome: str | None = None) -> BragDecision:
    return BragDecision(at, task, verdict, outcome, None)


def brag(*entries: BragEntry, decisions: tuple[BragDecision, ...] = (), timezone: str = "UTC") -> str:
    return build_brag("Ada Lovelace", entries, decisions, timezone, {"U0PEER": "Priya"}, TODAY)


def headings(document: str) -> list[str]:
    return [line for line in document.splitlines() if line.startswith("#")]


def section_of(document: str, text: str) -> tuple[str, str]:
    """(quarter heading, section heading) the first line of this text sits under."""
    quarter = section = ""
    for line in document.splitlines():
        if line.startswith("## "):
            quarter = line
        elif line.startswith("### "):
            section = line
        elif line == "  " + text.splitlines()[0]:
            return quarter, section
    raise AssertionError(f"{text!r} is not in the document")


def test_new_years_eve_in_utc_is_new_years_day_in_tokyo() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert section_of(brag(entry(late, "the hand-off", "delegation"), timezone="Asia/Tokyo"), "the hand-off") == (
        "## 2027 Q1 (January–March)",
        "### Delegation",
    )
    assert section_of(brag(entry(late, "the hand-off", "delegation")), "the hand-off")[0] == (
        "## 2026 Q4 (October–December)"
    )
    assert "**Fri 1 Jan 2027**" in brag(entry(late, "the hand-off"), timezone="Asia/Tokyo")


def test_quarter_starts_are_local_too() -> None:
    # 1 April 00:30 in Tokyo is still 31 March in UTC.
    document = brag(entry(datetime(2026, 3, 31, 15, 30, tzinfo=UTC), "spring plan"), timezone="Asia/Tokyo")
    assert section_of(document, "spring plan")[0] == "## 2026 Q2 (April–June)"


def test_quarters_newest_first_and_entries_oldest_first_within_a_section() -> None:
    document = brag(
        entry(datetime(2026, 5, 2, 9, tzinfo=UTC), "may, second", "mentoring"),
        entry(datetime(2026, 11, 3, 9, tzinfo=UTC), "november", "mentoring"),
        entry(datetime(2026, 4, 1, 9, tzinfo=UTC), "april, first", "mentoring"),
        entry(datetime(2025, 12, 31, 9, tzinfo=UTC), "last year", "mentoring"),
    )
    assert [h for h in headings(document) if h.startswith("## ")] == [
        "## 2026 Q4 (October–December)",
        "## 2026 Q2 (April–June)",
        "## 2025 Q4 (October–December)",
    ]
    assert document.index("april, first") < document.index("may, second")
    assert headings(document)[0] == "# Ada Lovelace: brag document, 31 Dec 2025 – 3 Nov 2026"


def test_sections_follow_category_order_with_hands_on_code_last() -> None:
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    document = brag(
        entry(at, "shipped the fix", "hands_on"),
        entry(at, "filed nowhere"),
        entry(at, "kept the hiring loop going", "hiring_onboarding"),
        entry(at, "sat on my hands in the design review", "stayed_quiet"),
        entry(at, "taught the profiler", "mentoring"),
    )
    assert [h for h in headings(document) if h.startswith("### ")] == [
        "### Mentoring and coaching",
        "### Decisions left to the team",
        "### Hiring and onboarding",
        "### Not yet filed",
        "### Hands-on code",
    ]


def test_an_entry_with_several_categories_appears_once_under_the_first_with_the_others_noted() -> None:
    text = "Handed the migration to Sam, then unblocked their review"
    document = brag(entry(datetime(2026, 11, 17, 9, tzinfo=UTC), text, "unblocking", "hands_on", "delegation"))
    assert document.count(text) == 1
    assert section_of(document, text)[1] == "### Unblocking"
    assert "- **Tue 17 Nov 2026** · also: delegation, hands-on code\n  " + text in document
    assert home_section(frozenset({"hands_on", "mentoring"})) == "mentoring"
    assert home_section(frozenset({"no_longer_a_category", "hands_on"})) == "no_longer_a_category"


def test_every_category_gets_a_section_in_order() -> None:
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    document = brag(*(entry(at, f"moment {key}", key) for key in CATEGORIES))
    for key in CATEGORIES:
        assert document.count(f"  moment {key}\n") == 1
    sections = [h for h in headings(document) if h.startswith("### ")]
    assert len(sections) == len(CATEGORIES)
    assert sections[-1] == "### Hands-on code"


def test_shareable_entries_say_so() -> None:
    document = brag(entry(datetime(2026, 11, 3, 9, tzinfo=UTC), "shared it", "context", shareable=True))
    assert "- **Tue 3 Nov 2026** · shared in digest\n  shared it" in document


def test_multi_line_text_stays_inside_its_list_item() -> None:
    text = "Three things today:\n• paired on the deploy\n\n• wrote the runbook"
    document = brag(entry(datetime(2026, 11, 3, 9, tzinfo=UTC), text, "context"))
    assert indented(readable(text, {})) in document
    assert "\n  • paired on the deploy\n  \n  • wrote the runbook\n" in document


def test_slack_escapes_and_mentions_become_plain_text() -> None:
    stored = "Told <@U0PEER> and <@U0GONE|old name> and <@U0NOBODY> in <#C0DEV|dev> &amp; <!here>: a &lt;b&gt; tag"
    assert readable(stored, {"U0PEER": "Priya"}) == (
        "Told @Priya and @old name and @someone in #dev & @here: a <b> tag"
    )
    assert readable("typed &amp;lt; by hand", {}) == "typed &lt; by hand"
    assert readable("<!subteam^S1|@leads> on <!date^1700000000^{date}|Nov 14>", {}) == "@leads on Nov 14"
    assert readable("see <https://example.com/a?b=1&amp;c=2|the doc> or <https://x.io> <mailto:a@b.co|a@b.co>", {}) == (
        "see the doc (https://example.com/a?b=1&c=2) or https://x.io a@b.co"
    )
    assert mentioned_users(["<@U1> <@W2|x>", "<@U3>"]) == {"U1", "W2", "U3"}
    document = brag(entry(datetime(2026, 11, 3, 9, tzinfo=UTC), stored, "unblocking"))
    assert "@Priya" in document
    assert "<@" not in document
    assert "&amp;" not in document


def test_coding_decisions_list_task_verdict_and_outcome_and_count_in_the_tally() -> None:
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    document = brag(
        entry(at, "unblocked the release", "unblocking"),
        decisions=(
            decision(at, "the cache &lt;layer&gt;", "delegate", "delegated"),
            decision(at, "the flaky test", "pair", "paired"),
            decision(at, "the spike", "go", None),
        ),
    )
    assert "*1 moment logged · 3 coding diagnostics (1 handed off, 1 paired on)*" in document
    assert "### Coding decisions" in document
    assert "· verdict: Delegate it · outcome: delegated it\n  the cache <layer>" in document
    assert "· verdict: Go ahead, timeboxed · outcome not recorded\n  the spike" in document
    # Coding decisions come after every entry section of their quarter.
    assert document.index("### Coding decisions") > document.index("### Unblocking")


def test_a_quarter_with_only_diagnostics_has_no_entry_sections() -> None:
    document = brag(decisions=(decision(datetime(2026, 8, 3, 9, tzinfo=UTC), "the spike"),))
    assert "*No moments logged · 1 coding diagnostic (0 handed off, 0 paired on)*" in document
    assert [h for h in headings(document) if h.startswith("### ")] == ["### Coding decisions"]


def test_an_empty_record_says_nothing_was_logged_and_has_no_empty_headings() -> None:
    document = brag()
    assert headings(document) == ["# Ada Lovelace: brag document"]
    assert "Nothing logged yet" in document
    assert len(document.splitlines()) <= 4


@pytest.mark.parametrize(
    ("quarter", "title"),
    [((2026, 1), "## 2026 Q1 (January–March)"), ((2027, 4), "## 2027 Q4 (October–December)")],
)
def test_quarter_titles(quarter: tuple[int, int], title: str) -> None:
    assert quarter_title(quarter) == title


def test_no_heading_is_empty() -> None:
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    document = brag(entry(at, "one", "mentoring"), decisions=(decision(at, "two"),))
    blocks = re.split(r"\n(?=#)", document)
    for block in blocks:
        assert block.strip().count("\n") >= 1, block
