"""Stored text shown again without pinging anyone."""

from bot.coaching.mentions import mentioned_users, without_pings


def test_people_become_names_and_unknown_people_someone() -> None:
    text = "paired with <@U1> and <@W2|old name> and <@U3>"
    assert without_pings(text, {"U1": "Ada", "W2": "Grace"}) == "paired with @Ada and @Grace and @someone"
    assert mentioned_users([text, "<@U9>"]) == {"U1", "W2", "U3", "U9"}


def test_broadcasts_groups_channels_and_dates_never_notify() -> None:
    text = (
        "<!here> <!channel> <!everyone|everyone> <!subteam^S1|@leads> <#C1|general> <#C2> "
        "<!date^1700000000^{date}|Nov 14>"
    )
    shown = without_pings(text, {})
    assert "<" not in shown
    assert shown == "@\u200bhere @\u200bchannel @\u200beveryone @leads #general #a channel Nov 14"


def test_links_and_escaped_text_are_left_alone() -> None:
    text = "see <https://example.com|the doc> &lt;not a mention&gt;"
    assert without_pings(text, {}) == text
