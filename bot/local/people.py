"""Who is in the local workspace: the lead trying the coach, a few teammates and the digest channel."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.local.slack_api import SlackAPIServer

TEAM_ID = "T0LOCAL"
LEAD = "U0LEAD"
DIGEST_CHANNEL = "C0DIGEST"
DIGEST_NAME = "eng-leads"
TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Person:
    """A member of the local workspace."""

    user_id: str
    name: str
    real_name: str


PEOPLE = (
    Person(LEAD, "Alex", "Alex Morgan"),
    Person("U0SAM", "Sam", "Sam Okafor"),
    Person("U0PRIYA", "Priya", "Priya Raman"),
    Person("U0JONAS", "Jonas", "Jonas Weber"),
    Person("U0MEI", "Mei", "Mei Tanaka"),
)
LEADS = (LEAD, "U0PRIYA", "U0JONAS")  # with six weeks of history unless `coach try --empty`
MENTION = re.compile(r"(?<![\w<])([@#])([\w.-]+)")


def populate(slack: SlackAPIServer) -> None:
    """Put the people and the digest channel into the Slack-compatible server."""
    for person in PEOPLE:
        slack.set_user(person.user_id, name=person.name, real_name=person.real_name, tz=TIMEZONE)
    slack.set_channel(DIGEST_CHANNEL, is_private=False, is_member=True, name=DIGEST_NAME)


def names(slack: SlackAPIServer) -> dict[str, str]:
    """Every user id the page may have to show, with the name to show."""
    known = {person.user_id: person.name for person in PEOPLE}
    known[slack.bot_user_id] = "Lead Coach"
    return known


def escape_mentions(text: str) -> str:
    """What Slack does to a command's text when the command escapes: `@Sam` becomes `<@U0SAM|sam>` and
    `#eng-leads` becomes `<#C0DIGEST|eng-leads>`; other words stay as they are."""
    people = {person.name.lower(): person for person in PEOPLE}

    def escaped(match: re.Match[str]) -> str:
        sign, word = match.group(1), match.group(2)
        if sign == "#" and word.lower() == DIGEST_NAME:
            return f"<#{DIGEST_CHANNEL}|{DIGEST_NAME}>"
        person = people.get(word.lower())
        if sign == "@" and person is not None:
            return f"<@{person.user_id}|{person.name.lower()}>"
        return match.group(0)

    return MENTION.sub(escaped, text)
