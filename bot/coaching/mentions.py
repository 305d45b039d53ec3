"""Stored message text (Slack's syntax: mentions and links in angle brackets, `&`, `<`, `>` escaped) shown again:
in Slack without pinging anyone, or as plain words in a document."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")


def mentioned_users(texts: Iterable[str]) -> set[str]:
    """User ids mentioned in these texts."""
    return {match[1] for text in texts for match in USER.finditer(text)}


def without_pings(text: str, names: Mapping[str, str]) -> str:
    """Mentions of people, groups, channels and @here as plain text; a name we don't know reads "@someone"."""

    def person(match: re.Match[str]) -> str:
        name = names.get(match[1]) or match[2]
        return f"@{name}" if name else "@someone"

    text = USER.sub(person, text)
    text = CHANNEL.sub(lambda m: f"#{m[2] or 'a channel'}", text)
    text = SPECIAL.sub(lambda m: f"@\u200b{m[1]}", text)  # a zero-width space: reads as @here, never notifies
    text = GROUP.sub(lambda m: m[1] or "@a group", text)
    return DATE.sub(lambda m: m[1], text)


def readable(text: str, names: Mapping[str, str]) -> str:
    """Stored text as plain words for a document: mentions as @name (@someone if unknown), links as text, no escapes."""
    text = without_pings(text, names).replace("@\u200b", "@")  # a document pings nobody
    text = LINK.sub(_link, text)
    # Control sequences are gone, so what is left in angle brackets was typed; &amp; goes last so "&amp;lt;"
    # (a typed "&lt;") comes back as "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _link(match: re.Match[str]) -> str:
    url, text = match[1], match[2]
    bare = url.split(":", 1)[1] if url.startswith(("mailto:", "tel:")) else url
    if not text or text in (url, bare):
        return bare
    return f"{text} ({bare})"
