"""The weekly scorecard DM and the team digest, as Block Kit and a text fallback."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from jinja2 import Environment

from bot.coaching.categories import label
from bot.coaching.mentions import without_pings
from bot.coaching.scorecard import RULE_OF_THUMB, Scorecard
from bot.services.scorecards import OutgoingDigest, OutgoingSummary
from bot.slack.blocks.kit import Block, clip, context, divider, header, section
from bot.slack.chart import unicode_bars
from bot.slack.text import escape_mrkdwn, render

HIGHLIGHT_MAX = 700  # three highlights and their framing stay inside one 3,000-character section
SHARED_MAX = 1200
SHARED_SHOWN = 40  # with the header, summary and footer: inside 50 blocks
FALLBACK_MAX = 3000
CHART_NOTE = "The chart just above: each kind of work against last week, and eight weeks of leading against hands-on."
VERDICT_WORDS = {"go": "go ahead", "pair": "pair", "face_it": "face a conversation", "delegate": "delegate"}


def chart_bars(scorecard: Scorecard) -> list[tuple[str, int, int]]:
    """(label, this week, last week) per category, busiest first: what the chart draws."""
    return [(label(key).capitalize(), now, before) for key, now, before in scorecard.by_category]


def quoted(text: str, names: Mapping[str, str], limit: int) -> str:
    """A lead's stored words as a mrkdwn quote: no pings, cut at `limit` with an ellipsis."""
    lines = clip(without_pings(text, names).strip(), limit).splitlines() or [""]
    return "\n".join(f"> {line}" for line in lines)


def span(first: date, last: date) -> str:
    """'13–20 Nov 2026', or '27 Nov – 4 Dec 2026' across months."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"


def scorecard_message(
    env: Environment, summary: OutgoingSummary, names: Mapping[str, str], *, chart_uploaded: bool
) -> tuple[str, list[Block]]:
    """Fallback text and blocks of a lead's weekly scorecard."""
    card = summary.scorecard
    bars = unicode_bars(chart_bars(card))
    title = f"Your week, {span(summary.first_day, summary.last_day)}"
    headline = f"{title}: {card.leadership} leadership moment{'s' if card.leadership != 1 else ''}"
    text = clip(f"{headline}\n{bars}" if bars else headline, FALLBACK_MAX)
    if card.is_empty:
        body = render(env, "scorecard_empty.md.j2", name=summary.first_name, card=card)
        return text, [header(title), section(body), context(_focus_line(card))]
    blocks = [header(title), section(render(env, "scorecard_summary.md.j2", card=card))]
    if chart_uploaded:
        blocks.append(context(CHART_NOTE))
    elif bars:
        blocks.append(section(f"```\n{bars}\n```"))
    if card.highlights:
        quotes = "\n".join(quoted(m.text, names, HIGHLIGHT_MAX) for m in card.highlights)
        blocks.append(section(f"*In your own words*\n{quotes}"))
    balance = render(
        env,
        "scorecard_balance.md.j2",
        card=card,
        verdicts=VERDICT_WORDS,
        rule=round(RULE_OF_THUMB * 100),
        waited=WAITED,
    )
    blocks += [section(balance), divider(), section(f"*One focus for next week:* {card.focus.text}")]
    blocks.append(context(_focus_line(card)))
    return text, blocks


WAITED = {"nothing": "nothing waited", "decisions": "a decision or two waited", "fire": "a fire waited"}


def _focus_line(card: Scorecard) -> str:
    return f"Why this focus: {escape_mrkdwn(card.focus_reason)} · from _{escape_mrkdwn(card.focus.source)}_"


def digest_message(env: Environment, outgoing: OutgoingDigest, names: Mapping[str, str]) -> tuple[str, list[Block]]:
    """Fallback text and blocks of a team's weekly digest: aggregates and what authors chose to share."""
    digest = outgoing.digest
    title = f"Team digest, {span(outgoing.first_day, outgoing.last_day)}"
    people = f"{digest.participants} lead{'s' if digest.participants != 1 else ''} took part"
    blocks = [
        header(title),
        section(render(env, "digest.md.j2", digest=digest, labels={k: label(k) for k, _ in digest.by_category})),
    ]
    shown = digest.shared[:SHARED_SHOWN]
    if shown:
        blocks.append(section("*Shared by their authors*"))
    for moment in shown:
        kinds = ", ".join(sorted(label(c) for c in moment.categories))
        byline = f"— *{escape_mrkdwn(moment.author)}*" + (f" · {kinds}" if kinds else "")
        blocks.append(section(f"{quoted(moment.text, names, SHARED_MAX)}\n{byline}"))
    if len(digest.shared) > len(shown):
        blocks.append(context(f"…and {len(digest.shared) - len(shown)} more shared this week."))
    blocks.append(context("Only entries their authors marked shareable appear here; nobody's own counts ever do."))
    return f"{title}: {people}.", blocks


def as_terminal(blocks: list[Block]) -> str:
    """The readable text of a message's blocks, for `coach summary --print`."""
    lines = []
    for block in blocks:
        if block["type"] == "header" or block["type"] == "section":
            lines.append(block["text"]["text"])
        elif block["type"] == "context":
            lines.extend(element["text"] for element in block["elements"])
        elif block["type"] == "divider":
            lines.append("---")
    return "\n\n".join(lines).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") + "\n"
