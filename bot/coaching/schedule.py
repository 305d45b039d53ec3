"""Pure schedule math: when a lead's daily prompt is due, pauses, and ISO weeks.

Everything here is timezone-aware and side-effect free. Instants go out in UTC;
calendar dates are always *local* dates in the lead's timezone.

DST rules (the one place where "16:30 local" is not a single obvious instant):

* A local time that does not exist (spring-forward gap) is read with the UTC
  offset in force *before* the jump, so it lands as far past the gap as it was
  into it: 02:30 on the US change day becomes 03:30 local.
* A local time that happens twice (fall-back overlap) takes the first occurrence.

Both rules are exactly PEP 495's ``fold=0`` semantics, which ``zoneinfo`` gives us.
If the gap swallows the rest of the day (Samoa skipped 2011-12-30 entirely;
Singapore jumped from 23:30 to midnight), that date simply has no prompt, so a
local date never gets two.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = [
    "DEFAULT_TIME",
    "DEFAULT_WORKDAYS",
    "Schedule",
    "ScheduleError",
    "format_workdays",
    "is_paused",
    "is_too_late",
    "is_valid_timezone",
    "iso_week_key",
    "local_date_of",
    "local_occurrence",
    "matching_timezones",
    "next_occurrence",
    "parse_iso_week",
    "parse_pause",
    "parse_time_of_day",
    "parse_timezone",
    "parse_workdays",
    "scheduled_instant_on",
    "week_bounds",
]

DEFAULT_TIME = time(16, 30)
DEFAULT_WORKDAYS: frozenset[int] = frozenset(range(1, 6))
DEFAULT_GRACE = timedelta(hours=3)

_ALL_DAYS: frozenset[int] = frozenset(range(1, 8))
_DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Keys that exist in the tz database but must never be a lead's timezone:
# "localtime" follows whatever server we run on, "Factory" means "unset".
_REJECTED_ZONES = frozenset({"localtime", "posixrules", "factory"})

# A week never has more than 7 days, so any search for the next workday ends
# within 8 local dates; the extra slack covers dates a zone skipped entirely.
_SEARCH_DAYS = 15


class ScheduleError(ValueError):
    """A user-supplied schedule value was invalid; the message is safe to show in Slack."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When one lead gets their prompt: a local wall-clock time on some ISO weekdays."""

    timezone: str
    at: time = DEFAULT_TIME
    workdays: frozenset[int] = DEFAULT_WORKDAYS

    def __post_init__(self) -> None:
        """Reject schedules that could never be evaluated and canonicalise the zone name."""
        # Store "Europe/Berlin" even if the lead typed "europe/berlin", so equal schedules compare equal.
        object.__setattr__(self, "timezone", parse_timezone(self.timezone).key)
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        if self.at.tzinfo is not None:
            # The time is a wall-clock reading in `timezone`; a second zone would be ambiguous.
            raise ScheduleError("The prompt time must be a plain local time without its own timezone.")
        if not self.workdays <= _ALL_DAYS:
            raise ScheduleError("Workdays must be ISO weekdays 1 (Monday) to 7 (Sunday).")

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's timezone as a ZoneInfo."""
        return parse_timezone(self.timezone)


# --- timezones --------------------------------------------------------------


@functools.cache
def _zone_keys_by_lowercase() -> dict[str, str]:
    """Map lower-cased tz keys to their canonical spelling (scans disk once)."""
    return {key.lower(): key for key in available_timezones() if key.lower() not in _REJECTED_ZONES}


def parse_timezone(name: str) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name (case-insensitive); ScheduleError if unknown."""
    cleaned = name.strip()
    if not cleaned:
        raise ScheduleError('Please give a timezone, for example "Europe/Berlin" or "America/New_York".')
    if cleaned.lower() not in _REJECTED_ZONES:
        # Slack users type "europe/berlin"; the tz database on disk is case-sensitive.
        key = _zone_keys_by_lowercase().get(cleaned.lower(), cleaned)
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # ValueError: path-like keys ("../x"); OSError: directories or absurdly long names.
            pass
    raise ScheduleError(
        f'I don\'t know the timezone "{cleaned[:64]}". '
        'Use an IANA name such as "Europe/Berlin", "America/New_York" or "Asia/Kolkata".'
    )


def is_valid_timezone(name: str) -> bool:
    """True if parse_timezone would accept the name."""
    try:
        parse_timezone(name)
    except ScheduleError:
        return False
    return True


def matching_timezones(query: str, limit: int = 100) -> list[str]:
    """IANA zones whose name contains every word of the query ("new york", "berlin"), shortest first."""
    words = query.lower().replace("/", " ").replace("_", " ").split()
    found = [
        key
        for lowered, key in _zone_keys_by_lowercase().items()
        # Region/City names only (and UTC): the tz database's legacy aliases ("GB", "EST5EDT") only confuse.
        if ("/" in key or key == "UTC") and not lowered.startswith("etc/") and all(word in lowered for word in words)
    ]
    return sorted(found, key=lambda key: (len(key), key))[:limit]


# --- workdays ---------------------------------------------------------------

_DAY_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES: dict[str, int] = {
    **{name[:3]: number for number, name in enumerate(_DAY_FULL_NAMES, start=1)},
    **{name: number for number, name in enumerate(_DAY_FULL_NAMES, start=1)},
    "tues": 2,
    "weds": 3,
    "thur": 4,
    "thurs": 4,
}

_DAY_GROUPS: dict[str, frozenset[int]] = {
    "weekdays": DEFAULT_WORKDAYS,
    "workdays": DEFAULT_WORKDAYS,
    "weekend": frozenset({6, 7}),
    "weekends": frozenset({6, 7}),
    "everyday": _ALL_DAYS,
    "daily": _ALL_DAYS,
    "all": _ALL_DAYS,
}

_WORKDAY_HELP = 'Try something like "mon-fri", "Mon,Wed,Fri", "1-5", "sun-thu" or "every day".'


def _parse_day(token: str) -> int:
    """One day name or ISO number (1=Mon..7=Sun)."""
    if token.isascii() and token.isdigit():
        number = int(token)
        if 1 <= number <= 7:
            return number
        # Common mistake: US-style 0=Sunday numbering.
        raise ScheduleError(f'"{token}" is not a weekday number; use 1 (Monday) to 7 (Sunday).')
    if token in _DAY_NAMES:
        return _DAY_NAMES[token]
    raise ScheduleError(f'I don\'t recognise the day "{token}". {_WORKDAY_HELP}')


def _day_range(first: int, last: int) -> frozenset[int]:
    """Days from first to last inclusive, wrapping past Sunday ("sun-thu" is a real work week)."""
    length = (last - first) % 7 + 1
    return frozenset((first - 1 + offset) % 7 + 1 for offset in range(length))


def _parse_workday_token(token: str) -> frozenset[int]:
    """A group name, a single day, or a range like "mon-fri"."""
    if token in _DAY_GROUPS:
        return _DAY_GROUPS[token]
    if "-" in token:
        first, _, last = token.partition("-")
        if not first or not last or "-" in last:
            raise ScheduleError(f'"{token}" is not a day range. {_WORKDAY_HELP}')
        return _day_range(_parse_day(first), _parse_day(last))
    return frozenset({_parse_day(token)})


def _workday_tokens(text: str) -> list[str]:
    """Normalise separators so every token is a day, a range or a group."""
    normalised = text.strip().lower().replace("–", "-").replace("—", "-")
    normalised = re.sub(r"\bevery\s+day\b", "everyday", normalised)
    normalised = re.sub(r"\s+(?:to|through|thru|till|until)\s+", "-", normalised)
    normalised = re.sub(r"\s*-\s*", "-", normalised)
    normalised = normalised.replace(".", "")  # "Mon." / "Tue."
    return [token for token in re.split(r"(?:[\s,;/&+]|\band\b)+", normalised) if token]


def parse_workdays(text: str) -> frozenset[int]:
    """Parse "mon-fri", "Mon,Wed,Fri", "1-5", "sat,sun", "weekdays", "every day" into ISO weekdays."""
    tokens = _workday_tokens(text)
    if not tokens:
        raise ScheduleError(f"Please name at least one day. {_WORKDAY_HELP}")
    days: frozenset[int] = frozenset()
    for token in tokens:
        days |= _parse_workday_token(token)
    return days


def _first_day_of_run(days: frozenset[int]) -> int:
    """The day to start listing from, so a run across Sunday→Monday stays in one piece."""
    return next(day for day in sorted(days) if (day - 2) % 7 + 1 not in days)


def _runs(days: frozenset[int]) -> list[list[int]]:
    """Consecutive runs of days in week order, starting after a gap."""
    start = _first_day_of_run(days)
    ordered = [(start - 1 + offset) % 7 + 1 for offset in range(7)]
    runs: list[list[int]] = []
    previous_included = False
    for day in ordered:
        if day in days:
            if previous_included:
                runs[-1].append(day)
            else:
                runs.append([day])
        previous_included = day in days
    return runs


def _format_run(run: list[int]) -> str:
    """Render one run: "Mon–Fri" for three or more days, otherwise the days listed."""
    names = [_DAY_ABBREVIATIONS[day - 1] for day in run]
    if len(names) >= 3:
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names)


def format_workdays(days: frozenset[int]) -> str:
    """Human-readable workdays: "Mon–Fri", "Mon, Wed, Fri", "Every day"."""
    if not days:
        raise ScheduleError("No workdays are set.")
    if not days <= _ALL_DAYS:
        raise ScheduleError("Workdays must be ISO weekdays 1 (Monday) to 7 (Sunday).")
    if days == _ALL_DAYS:
        return "Every day"
    return ", ".join(_format_run(run) for run in _runs(days))


# --- time of day ------------------------------------------------------------

_TIME_PATTERN = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?:\s*(?P<meridiem>[ap])\.?m\.?)?", re.ASCII)
_TIME_HELP = 'Try "16:30", "4:30pm" or "4pm".'


def _hour_from_meridiem(hour: int, meridiem: str, text: str) -> int:
    """Convert a 12-hour clock hour; 12am is midnight and 12pm is noon."""
    if not 1 <= hour <= 12:
        raise ScheduleError(f'"{text}" is not a valid 12-hour time. {_TIME_HELP}')
    return hour % 12 + (12 if meridiem == "p" else 0)


def parse_time_of_day(text: str) -> time:
    """Parse "16:30", "4:30pm", "4pm", "9:05 am", "noon" into a local wall-clock time."""
    # Collapse any Unicode whitespace (Slack sends non-breaking spaces) before ASCII matching.
    cleaned = " ".join(text.lower().split())
    if cleaned in ("noon", "midday"):
        return time(12, 0)
    if cleaned == "midnight":
        return time(0, 0)
    match = _TIME_PATTERN.fullmatch(cleaned)
    if match is None:
        raise ScheduleError(f'I couldn\'t read "{text.strip()[:32]}" as a time. {_TIME_HELP}')
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["meridiem"] is not None:
        hour = _hour_from_meridiem(hour, match["meridiem"], cleaned)
    elif match["minute"] is None:
        # "4" could be 4am or 4pm; refuse to guess when a lead would get a prompt at dawn.
        raise ScheduleError(f'Is "{cleaned}" morning or afternoon? {_TIME_HELP}')
    if hour > 23 or minute > 59:
        raise ScheduleError(f'"{cleaned}" is not a valid time. {_TIME_HELP}')
    return time(hour, minute)


# --- instants -----------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    """Naive datetimes would silently use the server's zone; treat them as a programming error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _local_instant(local_date: date, at: time, zone: ZoneInfo) -> datetime:
    """UTC instant of a local wall-clock reading, using fold=0 for gaps and overlaps."""
    # fold=0 is PEP 495's "earlier" reading: the first of two repeated times, and
    # for a skipped time the pre-transition offset, which pushes it past the gap.
    wall = datetime.combine(local_date, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    return wall.astimezone(UTC)


def local_occurrence(schedule: Schedule, local_date: date) -> datetime:
    """UTC instant of the schedule's time on a local date (gap: shifted forward; overlap: first)."""
    return _local_instant(local_date, schedule.at, schedule.zone)


def local_date_of(instant: datetime, timezone: str) -> date:
    """The calendar date an instant falls on in the given timezone."""
    _require_aware(instant, "instant")
    return instant.astimezone(parse_timezone(timezone)).date()


def is_paused(local_date: date, paused_until: date | None) -> bool:
    """True if prompts are paused on that local date (paused_until is inclusive)."""
    return paused_until is not None and local_date <= paused_until


def scheduled_instant_on(schedule: Schedule, local_date: date) -> datetime | None:
    """The prompt's UTC instant on a local date, or None on a non-workday or a date the zone skipped."""
    if local_date.isoweekday() not in schedule.workdays:
        return None
    instant = local_occurrence(schedule, local_date)
    # Only when a zone skipped the whole rest of the day (Samoa, 2011-12-30) does the
    # gap rule push the instant onto another date; that date has its own prompt.
    if instant.astimezone(schedule.zone).date() != local_date:
        return None
    return instant


def next_occurrence(schedule: Schedule, after: datetime, paused_until: date | None = None) -> datetime:
    """First scheduled UTC instant strictly after `after`, skipping dates up to paused_until."""
    _require_aware(after, "after")
    if not schedule.workdays:
        raise ScheduleError("No workdays are set, so there is never a next prompt.")
    # Start a day early: local dates are not monotonic around a fall-back across
    # midnight, and one extra candidate is cheaper than proving it never matters.
    candidate = after.astimezone(schedule.zone).date() - timedelta(days=1)
    if paused_until is not None:
        candidate = max(candidate, paused_until + timedelta(days=1))
    for offset in range(_SEARCH_DAYS):
        local_date = candidate + timedelta(days=offset)
        instant = scheduled_instant_on(schedule, local_date)
        if instant is not None and instant > after:
            return instant
    raise AssertionError(f"no occurrence within {_SEARCH_DAYS} days for {schedule!r}")  # unreachable


def is_too_late(due: datetime, now: datetime, grace: timedelta = DEFAULT_GRACE) -> bool:
    """True if a prompt due at `due` is more than `grace` late at `now` and should be skipped."""
    _require_aware(due, "due")
    _require_aware(now, "now")
    return now - due > grace


# --- ISO weeks ----------------------------------------------------------------

_ISO_WEEK_PATTERN = re.compile(r"(?P<year>\d{4})-W(?P<week>\d{2})", re.ASCII)


def iso_week_key(d: date) -> str:
    """The ISO week a date belongs to, e.g. "2026-W47" (the ISO year may differ from d.year)."""
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def parse_iso_week(key: str) -> date:
    """The Monday of an ISO week key like "2026-W47"; ScheduleError if malformed or nonexistent."""
    match = _ISO_WEEK_PATTERN.fullmatch(key.strip())
    if match is None:
        raise ScheduleError(f'"{key[:32]}" is not an ISO week; expected something like "2026-W47".')
    try:
        # fromisocalendar knows which years have a week 53.
        return date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
    except ValueError:
        raise ScheduleError(f"{match['year']} has no week {int(match['week'])}.") from None


def week_bounds(key: str, timezone: str) -> tuple[datetime, datetime]:
    """UTC instants of local Monday 00:00 of the ISO week and of the following Monday."""
    monday = parse_iso_week(key)
    zone = parse_timezone(timezone)
    # Midnight can fall in a gap (e.g. Santiago); fold=0 then yields the day's first instant.
    start = _local_instant(monday, time(0, 0), zone)
    end = _local_instant(monday + timedelta(days=7), time(0, 0), zone)
    return start, end


# --- pause ----------------------------------------------------------------------

_PAUSE_HELP = 'Try "5d", "2 weeks", "until 2026-12-24" or "until dec 24".'
_DURATION_PATTERN = re.compile(r"(?:for\s+)?(?P<count>\d+)\s*(?P<unit>d|days?|w|wks?|weeks?)", re.ASCII)
_ISO_DATE_PATTERN = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})", re.ASCII)
_MONTH_DAY_PATTERN = re.compile(
    r"(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?", re.ASCII
)
_DAY_MONTH_PATTERN = re.compile(
    r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>[a-z]+)\.?(?:,?\s+(?P<year>\d{4}))?", re.ASCII
)
_UNTIL_PREFIX = re.compile(r"^(?:until|till|til|through|thru)\s+", re.ASCII)
_MONTH_FULL_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS: dict[str, int] = {
    **{name[:3]: number for number, name in enumerate(_MONTH_FULL_NAMES, start=1)},
    **{name: number for number, name in enumerate(_MONTH_FULL_NAMES, start=1)},
    "sept": 9,
}


def _one_year_after(today: date) -> date:
    """Same calendar date next year (29 Feb → 28 Feb)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _checked_pause_end(last_paused: date, today: date) -> date:
    """Reject pauses that end in the past or more than a year ahead."""
    if last_paused < today:
        raise ScheduleError(f"{last_paused.isoformat()} is in the past; pick today or a later date.")
    if last_paused > _one_year_after(today):
        raise ScheduleError("I can pause for at most a year. Pick an earlier date.")
    return last_paused


def _pause_from_duration(count: int, unit: str, today: date) -> date:
    """Last paused date for "N days"/"N weeks": today counts as the first paused day."""
    if count == 0:
        raise ScheduleError(f"Pausing for zero days does nothing. {_PAUSE_HELP}")
    days = count * (7 if unit.startswith("w") else 1)
    if days > 400:
        # Checked before building a timedelta so "99999999999d" can't overflow date math.
        raise ScheduleError("I can pause for at most a year. Pick a shorter pause.")
    return _checked_pause_end(today + timedelta(days=days - 1), today)


def _safe_date(year: int, month: int, day: int) -> date:
    """date(), with a friendly error for impossible dates like 2026-02-30."""
    try:
        return date(year, month, day)
    except ValueError:
        raise ScheduleError(f"{year:04d}-{month:02d}-{day:02d} is not a real date.") from None


def _next_month_day(month: int, day: int, today: date) -> date:
    """The first date with that month and day on or after today (29 Feb may be years away)."""
    for year in range(today.year, today.year + 5):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ScheduleError(f"{_MONTH_FULL_NAMES[month - 1].title()} {day} is not a real date.")


def _pause_from_named_date(text: str, today: date) -> date | None:
    """Handle "dec 24", "24 december", "dec 24 2026"; None if the text is not shaped like that."""
    match = _MONTH_DAY_PATTERN.fullmatch(text) or _DAY_MONTH_PATTERN.fullmatch(text)
    if match is None:
        return None
    month = _MONTHS.get(match["month"])
    if month is None:
        return None
    day = int(match["day"])
    if match["year"] is not None:
        return _checked_pause_end(_safe_date(int(match["year"]), month, day), today)
    return _checked_pause_end(_next_month_day(month, day, today), today)


def parse_pause(text: str, today: date) -> date:
    """Last paused local date (inclusive) for "5d", "3w", "until 2026-12-24", "until dec 24"."""
    cleaned = " ".join(text.strip().lower().split())
    duration = _DURATION_PATTERN.fullmatch(cleaned)
    if duration is not None:
        return _pause_from_duration(int(duration["count"]), duration["unit"], today)
    cleaned = _UNTIL_PREFIX.sub("", cleaned)
    iso = _ISO_DATE_PATTERN.fullmatch(cleaned)
    if iso is not None:
        return _checked_pause_end(_safe_date(int(iso["year"]), int(iso["month"]), int(iso["day"])), today)
    named = _pause_from_named_date(cleaned, today)
    if named is not None:
        return named
    raise ScheduleError(f'I couldn\'t read "{text.strip()[:40]}" as a pause. {_PAUSE_HELP}')
