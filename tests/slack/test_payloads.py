"""Reading ids and text out of payloads, and the first look at a request's shape: pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.payloads import parse_id, text_of
from bot.slack.screening import MAX_DEPTH, _shape_problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        (42, 42),
        ("2147483647", 2**31 - 1),
        *((odd, None) for odd in ("²", "١", "1.0", "0x1", "-1", " 1", "1\n", "0", "", "9" * 30, "2147483648")),
        *((odd, None) for odd in (True, 0, -3, 10**22, 1.0, None, ["1"], {"id": 1})),
    ],
)
def test_an_id_is_plain_ascii_digits_within_the_database_range(value: object, expected: int | None) -> None:
    assert parse_id(value) == expected


def test_text_of_reads_only_strings() -> None:
    assert text_of({"text": "hi"}, "text") == "hi"
    assert text_of({"text": {"a": "b"}}, "text") == ""
    assert text_of(["text"], "text") == ""
    assert text_of(None, "text") == ""


def nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def test_slacks_own_shapes_pass_and_deep_or_mistyped_ones_do_not() -> None:
    message = {"type": "message", "user": "U1", "text": "hi", "ts": "1.1", "channel": "D1", "channel_type": "im"}
    event = {"type": "event_callback", "team_id": "T1", "event": message, "authorizations": [{"team_id": "T1"}]}
    assert _shape_problem(event, "U1") is None
    assert _shape_problem({**event, "event": {**message, "blocks": [nested(MAX_DEPTH - 3)]}}, "U1") is None
    assert _shape_problem({**event, "event": {**message, "blocks": [nested(MAX_DEPTH + 1)]}}, "U1") is not None
    assert _shape_problem({**event, "event": {**message, "text": ["hi"]}}, "U1") == "its event.text is a list"
    assert _shape_problem({**event, "event": None}, "U1") == "its event is not an object"
    command = {"command": "/impact", "text": "x", "team_id": "T1", "user_id": "U1", "trigger_id": "t"}
    assert _shape_problem({**command, "response_url": "https://hooks.slack.com/commands/1"}, "U1") is None
    assert _shape_problem({**command, "response_url": "not a url"}, "U1") is not None
    assert _shape_problem(command, "U1") is not None
