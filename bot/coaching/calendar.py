"""Real life in the schedule: public holidays by country, a Slack status that says the lead is away, and the
hours at which a late message may still go out. Pure: dates, strings and the data files in, answers out."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

NO_HOLIDAYS = ""  # a lead who wants no public holidays kept
REASONABLE_HOURS = (time(8, 0), time(20, 0))  # a late scorecard or follow-up goes out only between these, locally
AWAY_FILE = Path(__file__).resolve().parent / "away.toml"


@functools.cache
def _zone_countries() -> dict[str, str]:
    """Zone name -> ISO country code, from the timezone database's zone table."""
    table = files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    countries = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            countries[fields[2]] = fields[0]
    return countries


def country_of(timezone: str) -> str | None:
    """The country a timezone belongs to (the zone table's), if any: "America/Los_Angeles" -> "US"."""
    return _zone_countries().get(timezone)


@functools.cache
def _calendar(country: str, year: int) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError:  # a country the package has no calendar for
        return None


def is_holiday(day: date, country: str | None) -> bool:
    """Whether a local date is a public holiday in the lead's country (None or "": none kept)."""
    calendar = _calendar(country, day.year) if country else None
    return calendar is not None and day in calendar


def holiday_country(chosen: str | None, timezone: str) -> str | None:
    """The country whose holidays a lead keeps: their choice ("" for none), else their timezone's."""
    return (chosen or None) if chosen is not None else country_of(timezone)


def known_country(code: str) -> bool:
    """Whether the holidays package has a calendar for this ISO country code."""
    return code.upper() in holidays.list_supported_countries()


@dataclass(frozen=True)
class AwaySigns:
    """What in a Slack status says its owner is away (data/away.toml)."""

    emoji: frozenset[str]
    words: re.Pattern[str]


@functools.cache
def away_signs(path: Path = AWAY_FILE) -> AwaySigns:
    """The emoji and words of an away status, read once."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    words = "|".join(re.escape(word.lower()) for word in data["words"])
    return AwaySigns(frozenset(e.strip(":").lower() for e in data["emoji"]), re.compile(rf"\b(?:{words})\b"))


def is_away_status(emoji: str, text: str, signs: AwaySigns | None = None) -> bool:
    """Whether a Slack status (its emoji and text) says the person is away."""
    signs = signs or away_signs()
    return emoji.strip(":").lower() in signs.emoji or signs.words.search(text.lower()) is not None


def reasonable_instant(instant: datetime, timezone: str, workdays: Collection[int], country: str | None) -> datetime:
    """`instant`, or the first moment after it at a reasonable local hour on one of the lead's workdays that is not
    a holiday: where a message that is late goes."""
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone)
    start, end = REASONABLE_HOURS
    for _ in range(15):
        day = local.date()
        if day.isoweekday() in workdays and not is_holiday(day, country):
            if start <= local.time() < end:
                return local.astimezone(instant.tzinfo)
            if local.time() < start:
                return datetime.combine(day, start, zone).astimezone(instant.tzinfo)
        local = datetime.combine(day + timedelta(days=1), start, zone)
    return instant  # no workday within two weeks: send rather than hold it forever
