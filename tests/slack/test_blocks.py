"""Builders and templates as plain functions, validated with slack_sdk's models."""

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from jinja2 import UndefinedError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.coaching.diagnostic import VERDICTS, trend
from bot.coaching.scorecard import Moment, SharedMoment, WeekFacts, build_digest, build_scorecard
from bot.services.home import HomeState, WeekSoFar
from bot.services.scorecards import OutgoingDigest
from bot.slack.blocks.home import START_ACTION, home_view
from bot.slack.blocks.kit import clip, header, section
from bot.slack.blocks.scorecard import digest_message
from bot.slack.text import TEMPLATES_DIR, escape_mrkdwn, make_environment, render

MONDAY = datetime(2026, 11, 16, 9, tzinfo=UTC)
CARD = build_scorecard(
    WeekFacts(
        week="2026-W47",
        moments=[Moment(1, MONDAY, "paired with <@U2> on the flaky test", frozenset({"mentoring", "hands_on"}))],
        last_week={"mentoring": 2},
        last_week_total=2,
        earlier_fortnight={},
        entry_weeks={0, 1},
        prompts_sent=5,
        prompts_answered=3,
        prompts_skipped=1,
        coding=[],
    ),
    week_number=47,
)
DIGEST = build_digest(
    "2026-W47",
    participants=4,
    last_participants=3,
    by_category={"unblocking": 3},
    total=3,
    last_week_total=1,
    shared=[],
)

TEMPLATE_CONTEXTS: dict[str, dict[str, Any]] = {
    "help.md.j2": {},
    "home_welcome.md.j2": {},
    "privacy.md.j2": {"retention_days": 30},
    "diagnostic_verdict.md.j2": {"verdict": "delegate", "pull": "dopamine", "task": "a <b>", "hours_text": "2 h"},
    "diagnostic_stats.md.j2": {"trend": trend([], datetime(2026, 11, 23, tzinfo=UTC)), "verdicts": VERDICTS},
    "enrolled.md.j2": {"name": "Ada <@U1> & co", "already_enrolled": False, "next_prompt": "Mon", "timezone": "UTC"},
    "scorecard_summary.md.j2": {"card": CARD},
    "scorecard_balance.md.j2": {"card": CARD, "verdicts": {"go": "go ahead"}, "rule": 70},
    "scorecard_empty.md.j2": {"name": "Ada", "card": CARD},
    "digest.md.j2": {"digest": DIGEST, "labels": {"unblocking": "unblocking"}},
    "digest_blocked.md.j2": {"channel": "C1", "reason": "private"},
    "digest_set.md.j2": {"channel": "C1", "when": "Friday 27 Nov, 16:00", "timezone": "UTC", "reason": None},
    "home_week.md.j2": {
        "week": WeekSoFar(moments=2, by_category=(("unblocking", 2),), prompts_sent=3, prompts_answered=1),
        "labels": {"unblocking": "unblocking"},
    },
}


def assert_valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        assert type(parsed) is not Block, block
        parsed.validate_json()


def test_every_template_is_covered_and_renders() -> None:
    env = make_environment()
    assert {path.name for path in TEMPLATES_DIR.glob("*.j2")} == set(TEMPLATE_CONTEXTS)
    for name, context in TEMPLATE_CONTEXTS.items():
        assert render(env, name, **context), name


def test_templates_refuse_missing_values() -> None:
    with pytest.raises(UndefinedError):
        render(make_environment(), "digest_blocked.md.j2")


def test_user_text_is_escaped_in_mrkdwn() -> None:
    text = render(make_environment(), "enrolled.md.j2", **TEMPLATE_CONTEXTS["enrolled.md.j2"])
    assert "Ada &lt;@U1&gt; &amp; co" in text
    assert escape_mrkdwn("<!channel>") == "&lt;!channel&gt;"


def test_home_for_a_new_user_offers_start() -> None:
    view = home_view(make_environment(), HomeState(enrolled=False))
    assert_valid_view(view)
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [START_ACTION]


def test_home_for_an_enrolled_lead_shows_the_next_prompt() -> None:
    state = HomeState(enrolled=True, timezone="Asia/Kolkata", next_prompt_local="Monday 23 Nov, 16:30")
    view = home_view(make_environment(), state)
    assert_valid_view(view)
    assert "Monday 23 Nov, 16:30" in str(view)
    assert START_ACTION not in str(view)


def test_long_text_is_clipped_to_slack_limits_with_an_ellipsis() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
    Block.parse(section("x" * 5000)).validate_json()  # type: ignore[union-attr]
    Block.parse(header("y" * 500)).validate_json()  # type: ignore[union-attr]
    assert len(section("x" * 5000)["text"]["text"]) == 3000


def test_the_digest_never_calls_a_shared_entry_unfiled() -> None:
    shared = [SharedMoment("Ana", "Walked the new hire through the deploy", frozenset(), MONDAY)]
    digest = build_digest("2026-W47", 4, 3, {"unblocking": 3}, 3, 1, shared)
    outgoing = OutgoingDigest(1, "T1", "C1", 1, date(2026, 11, 16), date(2026, 11, 20), digest, None, {})
    _, blocks = digest_message(make_environment(), outgoing, {})
    text = json.dumps(blocks)
    assert "unfiled" not in text
    assert "*Ana*" in text
