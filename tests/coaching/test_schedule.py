"""Tests for the pure schedule math in bot.coaching.schedule."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coaching.schedule import (
    DEFAULT_TIME,
    DEFAULT_WORKDAYS,
    Schedule,
    ScheduleError,
    format_workdays,
    is_paused,
    is_too_late,
    is_valid_timezone,
    iso_week_key,
    local_date_of,
    local_occurrence,
    next_occurrence,
    parse_iso_week,
    parse_pause,
    parse_time_of_day,
    parse_timezone,
    parse_workdays,
    scheduled_instant_on,
    week_bounds,
)

MON_FRI = frozenset({1, 2, 3, 4, 5})
EVERY_DAY = frozenset(range(1, 8))

# Zones chosen for their quirks: half/quarter-hour offsets, +13/+14, 30-minute and
# 2-hour DST shifts, southern-hemisphere DST, transitions at midnight, negative DST
# (Dublin) and Ramadan DST (Casablanca).
EXOTIC_ZONES = (
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Dublin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Apia",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "America/Santiago",
    "America/St_Johns",
    "America/Havana",
    "Antarctica/Troll",
    "Africa/Casablanca",
)

ALL_ZONES = sorted(name for name in available_timezones() if is_valid_timezone(name))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Shorthand for an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Shorthand for an aware local datetime (fold=0)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def days_between(first: date, last: date) -> list[date]:
    """Every date from first to last inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- timezones ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("  Asia/Kolkata ", "Asia/Kolkata"),
        ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("utc", "UTC"),
        ("Pacific/Kiritimati", "Pacific/Kiritimati"),
    ],
)
def test_parse_timezone_accepts_iana_names_case_insensitively(name: str, key: str) -> None:
    assert parse_timezone(name).key == key
    assert is_valid_timezone(name)


@pytest.mark.parametrize(
    "name",
    ["", "   ", "Mars/Olympus_Mons", "America", "America/", "../../etc/passwd", "/etc/passwd", "x" * 5000,
     "localtime", "Factory", "posixrules", "CEST+2"],
)  # fmt: skip
def test_parse_timezone_rejects_unknown_names_with_friendly_message(name: str) -> None:
    with pytest.raises(ScheduleError, match=r"timezone"):
        parse_timezone(name)
    assert not is_valid_timezone(name)


def test_schedule_error_is_a_value_error() -> None:
    assert issubclass(ScheduleError, ValueError)


# --- Schedule -----------------------------------------------------------------


def test_schedule_defaults_to_weekdays_at_half_past_four() -> None:
    schedule = Schedule("Europe/Berlin")
    assert schedule.at == DEFAULT_TIME == time(16, 30)
    assert schedule.workdays == DEFAULT_WORKDAYS == MON_FRI


def test_schedule_canonicalises_timezone_and_is_hashable() -> None:
    assert Schedule("europe/berlin") == Schedule("Europe/Berlin")
    assert Schedule("europe/berlin").timezone == "Europe/Berlin"
    assert len({Schedule("UTC"), Schedule("utc")}) == 1
    assert Schedule("UTC").zone == ZoneInfo("UTC")


def test_schedule_is_frozen() -> None:
    schedule = Schedule("UTC")
    with pytest.raises(AttributeError):
        schedule.at = time(9, 0)  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Nowhere/Special"},
        {"timezone": "UTC", "workdays": frozenset({0, 1})},
        {"timezone": "UTC", "workdays": frozenset({8})},
        {"timezone": "UTC", "at": time(16, 30, tzinfo=UTC)},
    ],
)
def test_schedule_rejects_invalid_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ScheduleError):
        Schedule(**kwargs)  # type: ignore[arg-type]


# --- workdays -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", MON_FRI),
        ("Mon-Fri", MON_FRI),
        ("mon - fri", MON_FRI),
        ("Mon–Fri", MON_FRI),
        ("monday to friday", MON_FRI),
        ("Monday through Friday", MON_FRI),
        ("1-5", MON_FRI),
        ("weekdays", MON_FRI),
        ("Weekdays", MON_FRI),
        ("Mon,Wed,Fri", frozenset({1, 3, 5})),
        ("Mon, Wed, Fri", frozenset({1, 3, 5})),
        ("mon wed fri", frozenset({1, 3, 5})),
        ("Mon, Wed and Fri", frozenset({1, 3, 5})),
        ("monday & wednesday", frozenset({1, 3})),
        ("tue/thu", frozenset({2, 4})),
        ("Tues, Thurs", frozenset({2, 4})),
        ("1,3,5", frozenset({1, 3, 5})),
        ("sat,sun", frozenset({6, 7})),
        ("weekend", frozenset({6, 7})),
        ("weekends", frozenset({6, 7})),
        ("every day", EVERY_DAY),
        ("Every Day", EVERY_DAY),
        ("everyday", EVERY_DAY),
        ("daily", EVERY_DAY),
        ("1-7", EVERY_DAY),
        ("sun-thu", frozenset({7, 1, 2, 3, 4})),
        ("Sun–Thu", frozenset({7, 1, 2, 3, 4})),
        ("7-4", frozenset({7, 1, 2, 3, 4})),
        ("fri-mon", frozenset({5, 6, 7, 1})),
        ("wed", frozenset({3})),
        ("wed-wed", frozenset({3})),
        ("mon-fri, sat", frozenset({1, 2, 3, 4, 5, 6})),
        ("mon,mon,mon", frozenset({1})),
        ("Mon., Tue.", frozenset({1, 2})),
    ],
)
def test_parse_workdays(text: str, expected: frozenset[int]) -> None:
    assert parse_workdays(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", ",", "funday", "0", "8", "0-4", "1-8", "mon-", "-fri", "mon-wed-fri", "mo", "every", "mon,xyz",
     "²", "٣"],
)  # fmt: skip
def test_parse_workdays_rejects_nonsense(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_workdays(text)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (MON_FRI, "Mon–Fri"),
        (frozenset({1, 3, 5}), "Mon, Wed, Fri"),
        (EVERY_DAY, "Every day"),
        (frozenset({6, 7}), "Sat, Sun"),
        (frozenset({3}), "Wed"),
        (frozenset({1, 2}), "Mon, Tue"),
        (frozenset({1, 2, 3}), "Mon–Wed"),
        (frozenset({7, 1, 2, 3, 4}), "Sun–Thu"),
        (frozenset({1, 2, 3, 4, 5, 7}), "Sun–Fri"),
        (frozenset({6, 7, 1}), "Sat–Mon"),
        (frozenset({1, 2, 3, 5, 6}), "Mon–Wed, Fri, Sat"),
        (frozenset({1, 7}), "Sun, Mon"),
    ],
)
def test_format_workdays(days: frozenset[int], expected: str) -> None:
    assert format_workdays(days) == expected


@pytest.mark.parametrize("days", [frozenset(), frozenset({0}), frozenset({1, 8})])
def test_format_workdays_rejects_invalid_sets(days: frozenset[int]) -> None:
    with pytest.raises(ScheduleError):
        format_workdays(days)


@pytest.mark.parametrize(
    "days",
    [frozenset(combo) for size in range(1, 8) for combo in itertools.combinations(range(1, 8), size)],
    ids=str,
)
def test_format_then_parse_round_trips_every_workday_set(days: frozenset[int]) -> None:
    assert parse_workdays(format_workdays(days)) == days


# --- time of day --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16:30", time(16, 30)),
        ("00:00", time(0, 0)),
        ("0:05", time(0, 5)),
        ("23:59", time(23, 59)),
        ("09:05", time(9, 5)),
        ("4:30pm", time(16, 30)),
        ("4:30 PM", time(16, 30)),
        ("4:30 p.m.", time(16, 30)),
        ("4pm", time(16, 0)),
        ("4 pm", time(16, 0)),
        ("9:05 am", time(9, 5)),
        ("9:05am", time(9, 5)),
        ("9:05\u00a0am", time(9, 5)),
        ("9AM", time(9, 0)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:45 pm", time(12, 45)),
        ("11:59pm", time(23, 59)),
        ("noon", time(12, 0)),
        ("midnight", time(0, 0)),
        ("  17:00  ", time(17, 0)),
    ],
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "4", "16", "1630", "24:00", "16:60", "9:5", "13pm", "0am", "0:30am", "16:30pm", "4m", "4:30 xm",
     "half past four", "4:30:00", "-1:00", "4.30pm", "٤:٣٠"],
)  # fmt: skip
def test_parse_time_of_day_rejects_nonsense(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_time_of_day(text)


# --- local_occurrence: named DST days -------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc", "expected_local_wall"),
    [
        # US spring forward 2026-03-08: 02:00 EST -> 03:00 EDT.
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30), time(3, 30)),
        ("America/New_York", date(2026, 3, 8), time(16, 30), utc(2026, 3, 8, 20, 30), time(16, 30)),
        ("America/New_York", date(2026, 3, 7), time(16, 30), utc(2026, 3, 7, 21, 30), time(16, 30)),
        # US fall back 2026-11-01: 01:30 happens twice; the first (EDT) wins.
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30), time(1, 30)),
        ("America/New_York", date(2026, 11, 1), time(2, 30), utc(2026, 11, 1, 7, 30), time(2, 30)),
        ("America/New_York", date(2026, 11, 1), time(16, 30), utc(2026, 11, 1, 21, 30), time(16, 30)),
        ("America/Los_Angeles", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 10, 30), time(3, 30)),
        ("America/Los_Angeles", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 8, 30), time(1, 30)),
        # EU spring forward 2026-03-29 at 01:00 UTC.
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30), time(3, 30)),
        ("Europe/Berlin", date(2026, 3, 29), time(16, 30), utc(2026, 3, 29, 14, 30), time(16, 30)),
        ("Europe/London", date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1, 30), time(2, 30)),
        ("Europe/London", date(2026, 3, 29), time(16, 30), utc(2026, 3, 29, 15, 30), time(16, 30)),
        # EU fall back 2026-10-25 at 01:00 UTC; first occurrence is still summer time.
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30), time(2, 30)),
        ("Europe/Berlin", date(2026, 10, 25), time(16, 30), utc(2026, 10, 25, 15, 30), time(16, 30)),
        ("Europe/London", date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30), time(1, 30)),
        ("Europe/London", date(2026, 10, 25), time(16, 30), utc(2026, 10, 25, 16, 30), time(16, 30)),
        # Lord Howe shifts by 30 minutes: +10:30 <-> +11.
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 45), time(2, 45)),
        ("Australia/Lord_Howe", date(2026, 10, 3), time(16, 30), utc(2026, 10, 3, 6, 0), time(16, 30)),
        ("Australia/Lord_Howe", date(2026, 10, 4), time(16, 30), utc(2026, 10, 4, 5, 30), time(16, 30)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), utc(2026, 4, 4, 14, 45), time(1, 45)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(16, 30), utc(2026, 4, 5, 6, 0), time(16, 30)),
        # Southern hemisphere.
        ("Australia/Sydney", date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 16, 30), time(3, 30)),
        ("Australia/Sydney", date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30), time(2, 30)),
        ("America/Santiago", date(2026, 9, 6), time(0, 30), utc(2026, 9, 6, 4, 30), time(1, 30)),
        ("America/Santiago", date(2026, 4, 4), time(23, 30), utc(2026, 4, 5, 2, 30), time(23, 30)),
        # Troll jumps two hours at once.
        ("Antarctica/Troll", date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1, 30), time(3, 30)),
        # Offsets that are not whole hours, and the far side of the date line.
        ("Asia/Kolkata", date(2026, 6, 1), time(16, 30), utc(2026, 6, 1, 11, 0), time(16, 30)),
        ("Asia/Kathmandu", date(2026, 6, 1), time(16, 30), utc(2026, 6, 1, 10, 45), time(16, 30)),
        ("Pacific/Kiritimati", date(2027, 1, 1), time(9, 0), utc(2026, 12, 31, 19, 0), time(9, 0)),
        ("Pacific/Apia", date(2026, 6, 1), time(16, 30), utc(2026, 6, 1, 3, 30), time(16, 30)),
    ],
)
def test_local_occurrence_on_dst_days(
    zone: str, day: date, at: time, expected_utc: datetime, expected_local_wall: time
) -> None:
    result = local_occurrence(Schedule(zone, at, EVERY_DAY), day)
    assert result == expected_utc
    assert result.utcoffset() == timedelta(0)
    local_result = result.astimezone(ZoneInfo(zone))
    assert local_result.date() == day
    assert local_result.time() == expected_local_wall


# --- local_occurrence: every day of 2026 ----------------------------------------


def offsets_around(zone: ZoneInfo, year: int) -> set[timedelta]:
    """Every UTC offset the zone uses in and around a year, sampled every three hours."""
    start = datetime(year - 1, 12, 1, tzinfo=UTC)
    return {
        offset
        for step in range(0, 24 * 430, 3)
        if (offset := (start + timedelta(hours=step)).astimezone(zone).utcoffset()) is not None
    }


def expected_or_check_gap(zone: ZoneInfo, wall: datetime, offsets: set[timedelta], result: datetime) -> None:
    """Independent oracle: first real occurrence of `wall`, or a shift by exactly the gap size."""
    readings = [(wall - offset).replace(tzinfo=UTC) for offset in offsets]
    real = [r for r in readings if r.astimezone(zone).replace(tzinfo=None) == wall]
    if real:
        assert result == min(real), "an existing local time must map to its first occurrence"
        return
    # Non-existent wall time: the result's wall clock is ahead by the gap size, i.e. the
    # offset difference across the transition that happened within `shift` before it.
    shift = result.astimezone(zone).replace(tzinfo=None) - wall
    before = (result - shift).astimezone(zone).utcoffset()
    after = result.astimezone(zone).utcoffset()
    assert before is not None
    assert after is not None
    assert timedelta(0) < shift == after - before


@pytest.mark.parametrize("zone_name", EXOTIC_ZONES)
def test_exactly_one_instant_per_local_date_for_all_of_2026(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    offsets = offsets_around(zone, 2026)
    for at in (time(0, 30), time(2, 30), time(16, 30), time(23, 30)):
        schedule = Schedule(zone_name, at, EVERY_DAY)
        previous: datetime | None = None
        for day in days_between(date(2026, 1, 1), date(2026, 12, 31)):
            result = local_occurrence(schedule, day)
            assert result.tzinfo is UTC
            assert local_date_of(result, zone_name) == day
            assert scheduled_instant_on(schedule, day) == result
            expected_or_check_gap(zone, datetime.combine(day, at), offsets, result)
            # Strictly increasing instants mean no date is hit twice or out of order.
            assert previous is None or result > previous
            previous = result


def test_2026_has_the_expected_dst_days() -> None:
    """Guard the fixtures above against tzdata rule changes."""

    def changes(zone_name: str) -> list[date]:
        zone = ZoneInfo(zone_name)
        return [
            day
            for day in days_between(date(2026, 1, 1), date(2026, 12, 31))
            if datetime.combine(day, time(0, 0), zone).utcoffset()
            != datetime.combine(day + timedelta(days=1), time(0, 0), zone).utcoffset()
        ]

    assert changes("America/New_York") == [date(2026, 3, 8), date(2026, 11, 1)]
    assert changes("Europe/Berlin") == [date(2026, 3, 29), date(2026, 10, 25)]
    assert changes("Australia/Lord_Howe") == [date(2026, 4, 5), date(2026, 10, 4)]
    assert changes("Asia/Kolkata") == []
    assert changes("Pacific/Kiritimati") == []


# --- scheduled_instant_on -----------------------------------------------------


def test_scheduled_instant_on_skips_non_workdays() -> None:
    schedule = Schedule("Europe/Berlin")
    assert scheduled_instant_on(schedule, date(2026, 11, 21)) is None  # Saturday
    assert scheduled_instant_on(schedule, date(2026, 11, 20)) == utc(2026, 11, 20, 15, 30)


def test_scheduled_instant_on_a_date_the_zone_skipped_is_none() -> None:
    # Samoa jumped the date line: 2011-12-30 never happened in Apia.
    schedule = Schedule("Pacific/Apia", time(16, 30), EVERY_DAY)
    assert scheduled_instant_on(schedule, date(2011, 12, 30)) is None
    assert scheduled_instant_on(schedule, date(2011, 12, 29)) == utc(2011, 12, 30, 2, 30)
    assert scheduled_instant_on(schedule, date(2011, 12, 31)) == utc(2011, 12, 31, 2, 30)


# --- next_occurrence ------------------------------------------------------------


def test_next_occurrence_later_the_same_day() -> None:
    schedule = Schedule("Europe/Berlin")
    assert next_occurrence(schedule, utc(2026, 11, 16, 8, 0)) == utc(2026, 11, 16, 15, 30)


def test_next_occurrence_is_strictly_after() -> None:
    schedule = Schedule("Europe/Berlin")
    due = utc(2026, 11, 16, 15, 30)
    assert next_occurrence(schedule, due) == utc(2026, 11, 17, 15, 30)
    assert next_occurrence(schedule, due - timedelta(microseconds=1)) == due


def test_next_occurrence_skips_the_weekend() -> None:
    schedule = Schedule("America/New_York")
    friday_evening = local("America/New_York", 2026, 11, 20, 17, 0)
    assert next_occurrence(schedule, friday_evening) == local("America/New_York", 2026, 11, 23, 16, 30)


def test_next_occurrence_over_the_spring_forward_weekend() -> None:
    schedule = Schedule("America/New_York")
    friday = local_occurrence(schedule, date(2026, 3, 6))
    assert friday == utc(2026, 3, 6, 21, 30)
    # Monday is in EDT: same wall clock, one hour earlier in UTC.
    assert next_occurrence(schedule, friday) == utc(2026, 3, 9, 20, 30)


def test_next_occurrence_over_the_fall_back_weekend_in_europe() -> None:
    schedule = Schedule("Europe/Berlin")
    friday = local_occurrence(schedule, date(2026, 10, 23))
    assert friday == utc(2026, 10, 23, 14, 30)
    assert next_occurrence(schedule, friday) == utc(2026, 10, 26, 15, 30)


def test_next_occurrence_inside_a_gap_on_the_change_day() -> None:
    schedule = Schedule("America/New_York", time(2, 30), EVERY_DAY)
    assert next_occurrence(schedule, utc(2026, 3, 8, 5, 0)) == utc(2026, 3, 8, 7, 30)
    assert next_occurrence(schedule, utc(2026, 3, 8, 7, 30)) == utc(2026, 3, 9, 6, 30)


def test_next_occurrence_inside_an_overlap_fires_once() -> None:
    schedule = Schedule("America/New_York", time(1, 30), EVERY_DAY)
    first = next_occurrence(schedule, utc(2026, 11, 1, 0, 0))
    assert first == utc(2026, 11, 1, 5, 30)
    # The second 01:30 (06:30 UTC) is not a new prompt.
    assert next_occurrence(schedule, first) == utc(2026, 11, 2, 6, 30)


def test_next_occurrence_lord_howe_half_hour_shift() -> None:
    schedule = Schedule("Australia/Lord_Howe", time(2, 15), EVERY_DAY)
    saturday = next_occurrence(schedule, utc(2026, 10, 2, 12, 0))
    assert saturday == utc(2026, 10, 2, 15, 45)  # 02:15 +10:30
    sunday = next_occurrence(schedule, saturday)
    assert sunday == utc(2026, 10, 3, 15, 45)  # 02:15 is skipped: 02:45 +11
    assert next_occurrence(schedule, sunday) == utc(2026, 10, 4, 15, 15)  # 02:15 +11


def test_next_occurrence_crossing_new_year() -> None:
    schedule = Schedule("Europe/Berlin")
    new_years_eve = local("Europe/Berlin", 2026, 12, 31, 18, 0)  # Thursday
    assert next_occurrence(schedule, new_years_eve) == utc(2027, 1, 1, 15, 30)  # Friday
    weekend_only = Schedule("Europe/Berlin", time(16, 30), frozenset({6, 7}))
    assert next_occurrence(weekend_only, new_years_eve) == utc(2027, 1, 2, 15, 30)


def test_next_occurrence_crossing_new_year_where_utc_is_still_last_year() -> None:
    schedule = Schedule("Pacific/Kiritimati", time(9, 0), MON_FRI)
    # 2026-12-31 18:00 UTC is already Friday 2027-01-01 08:00 in Kiritimati (+14).
    assert next_occurrence(schedule, utc(2026, 12, 31, 18, 0)) == utc(2026, 12, 31, 19, 0)
    assert next_occurrence(schedule, utc(2026, 12, 31, 19, 0)) == utc(2027, 1, 3, 19, 0)  # Monday


def test_next_occurrence_respects_pause_inclusively() -> None:
    schedule = Schedule("Europe/Berlin")
    monday_morning = utc(2026, 11, 16, 8, 0)
    assert next_occurrence(schedule, monday_morning, date(2026, 11, 18)) == utc(2026, 11, 19, 15, 30)
    # "Pause until 2026-12-24": nothing on the 24th, resume on the 25th (a Friday).
    assert next_occurrence(schedule, monday_morning, date(2026, 12, 24)) == utc(2026, 12, 25, 15, 30)
    # A pause ending on a Friday resumes on Monday.
    assert next_occurrence(schedule, monday_morning, date(2026, 11, 20)) == utc(2026, 11, 23, 15, 30)


def test_next_occurrence_ignores_a_pause_in_the_past() -> None:
    schedule = Schedule("Europe/Berlin")
    monday_morning = utc(2026, 11, 16, 8, 0)
    assert next_occurrence(schedule, monday_morning, date(2026, 11, 1)) == utc(2026, 11, 16, 15, 30)


def test_next_occurrence_pause_uses_the_local_date() -> None:
    # At +14 the pause is judged by Kiritimati's calendar, not UTC's: Monday the 16th is
    # paused, so the next prompt is Tuesday the 17th at 16:30 local, still the 17th in UTC.
    schedule = Schedule("Pacific/Kiritimati", time(16, 30), MON_FRI)
    assert next_occurrence(schedule, utc(2026, 11, 16, 0, 0), date(2026, 11, 16)) == utc(2026, 11, 17, 2, 30)


def test_next_occurrence_accepts_any_aware_datetime_and_returns_utc() -> None:
    schedule = Schedule("Asia/Kolkata")
    after = local("America/Los_Angeles", 2026, 11, 16, 0, 0)  # 08:00 UTC, 13:30 in Kolkata
    result = next_occurrence(schedule, after)
    assert result == utc(2026, 11, 16, 11, 0)
    assert result.tzinfo is UTC


def test_next_occurrence_skips_a_date_the_zone_never_had() -> None:
    fridays = Schedule("Pacific/Apia", time(16, 30), frozenset({5}))
    assert next_occurrence(fridays, utc(2011, 12, 28, 0, 0)) == utc(2012, 1, 6, 2, 30)  # +14 (DST)


def test_next_occurrence_requires_workdays() -> None:
    with pytest.raises(ScheduleError):
        next_occurrence(Schedule("UTC", time(9, 0), frozenset()), utc(2026, 1, 1))


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - deliberately naive
    with pytest.raises(ValueError, match="timezone-aware"):
        next_occurrence(Schedule("UTC"), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date_of(naive, "UTC")
    with pytest.raises(ValueError, match="timezone-aware"):
        is_too_late(naive, utc(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_too_late(utc(2026, 1, 1), naive)


# --- local_date_of, is_paused, is_too_late ------------------------------------


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (utc(2026, 12, 31, 10, 0), "Pacific/Kiritimati", date(2027, 1, 1)),
        (utc(2026, 12, 31, 10, 0), "Pacific/Honolulu", date(2026, 12, 31)),
        (utc(2026, 1, 1, 0, 0), "America/New_York", date(2025, 12, 31)),
        (utc(2026, 6, 1, 18, 29), "Asia/Kolkata", date(2026, 6, 1)),
        (utc(2026, 6, 1, 18, 30), "Asia/Kolkata", date(2026, 6, 2)),
        (local("Europe/Berlin", 2026, 3, 1, 23, 59), "Europe/Berlin", date(2026, 3, 1)),
    ],
)
def test_local_date_of(instant: datetime, zone: str, expected: date) -> None:
    assert local_date_of(instant, zone) == expected


def test_is_paused() -> None:
    assert not is_paused(date(2026, 12, 24), None)
    assert is_paused(date(2026, 12, 24), date(2026, 12, 24))
    assert is_paused(date(2026, 12, 1), date(2026, 12, 24))
    assert not is_paused(date(2026, 12, 25), date(2026, 12, 24))


@pytest.mark.parametrize(
    ("lateness", "expected"),
    [
        (timedelta(hours=-1), False),
        (timedelta(0), False),
        (timedelta(hours=2, minutes=59), False),
        (timedelta(hours=3), False),
        (timedelta(hours=3, microseconds=1), True),
        (timedelta(hours=9), True),
    ],
)
def test_is_too_late(lateness: timedelta, expected: bool) -> None:
    due = utc(2026, 11, 16, 15, 30)
    assert is_too_late(due, due + lateness) is expected


def test_is_too_late_with_custom_grace_and_mixed_zones() -> None:
    due = local("Asia/Kolkata", 2026, 11, 16, 16, 30)  # 11:00 UTC
    assert not is_too_late(due, utc(2026, 11, 16, 11, 45), grace=timedelta(hours=1))
    assert is_too_late(due, utc(2026, 11, 16, 12, 1), grace=timedelta(hours=1))


# --- ISO weeks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "key"),
    [
        (date(2026, 11, 16), "2026-W47"),
        (date(2026, 11, 22), "2026-W47"),
        (date(2026, 1, 1), "2026-W01"),
        (date(2025, 12, 29), "2026-W01"),
        (date(2025, 12, 28), "2025-W52"),
        (date(2026, 12, 28), "2026-W53"),
        (date(2026, 12, 31), "2026-W53"),
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
        (date(2021, 1, 1), "2020-W53"),
    ],
)
def test_iso_week_key(day: date, key: str) -> None:
    assert iso_week_key(day) == key


@pytest.mark.parametrize(
    ("key", "monday"),
    [
        ("2026-W47", date(2026, 11, 16)),
        ("2026-W01", date(2025, 12, 29)),
        ("2026-W53", date(2026, 12, 28)),
        ("2020-W53", date(2020, 12, 28)),
        ("2027-W01", date(2027, 1, 4)),
        (" 2026-W10 ", date(2026, 3, 2)),
    ],
)
def test_parse_iso_week(key: str, monday: date) -> None:
    assert parse_iso_week(key) == monday
    assert monday.isoweekday() == 1


@pytest.mark.parametrize(
    "key",
    ["2026-W54", "2026-W00", "2025-W53", "2027-W53", "2026-47", "2026W47", "2026-W5", "26-W47", "2026-w47x", "",
     "0000-W01", "2026-W4７"],
)  # fmt: skip
def test_parse_iso_week_rejects_bad_keys(key: str) -> None:
    with pytest.raises(ScheduleError):
        parse_iso_week(key)


def test_2026_has_53_iso_weeks() -> None:
    # 1 January 2026 is a Thursday, which is exactly what makes a 53-week ISO year.
    assert date(2026, 1, 1).isoweekday() == 4
    keys = {iso_week_key(day) for day in days_between(date(2025, 12, 29), date(2027, 1, 3))}
    assert len(keys) == 53
    assert max(keys) == "2026-W53"


def test_iso_week_round_trip_for_a_decade() -> None:
    for day in days_between(date(2020, 1, 1), date(2030, 12, 31)):
        monday = parse_iso_week(iso_week_key(day))
        assert monday.isoweekday() == 1
        assert 0 <= (day - monday).days < 7


@pytest.mark.parametrize(
    ("key", "zone", "start", "hours"),
    [
        ("2026-W47", "Europe/Berlin", utc(2026, 11, 15, 23, 0), 168),
        ("2026-W47", "UTC", utc(2026, 11, 16, 0, 0), 168),
        ("2026-W13", "Europe/Berlin", utc(2026, 3, 22, 23, 0), 167),  # spring forward on Sunday 29th
        ("2026-W43", "Europe/Berlin", utc(2026, 10, 18, 22, 0), 169),  # fall back on Sunday 25th
        ("2026-W10", "America/New_York", utc(2026, 3, 2, 5, 0), 167),
        ("2026-W44", "America/New_York", utc(2026, 10, 26, 4, 0), 169),
        ("2026-W40", "Australia/Lord_Howe", utc(2026, 9, 27, 13, 30), 167.5),
        ("2026-W14", "Australia/Lord_Howe", utc(2026, 3, 29, 13, 0), 168.5),
        ("2026-W53", "Pacific/Kiritimati", utc(2026, 12, 27, 10, 0), 168),
        ("2026-W01", "Asia/Kolkata", utc(2025, 12, 28, 18, 30), 168),
    ],
)
def test_week_bounds(key: str, zone: str, start: datetime, hours: float) -> None:
    week_start, week_end = week_bounds(key, zone)
    assert week_start == start
    assert week_end - week_start == timedelta(hours=hours)
    assert week_start.tzinfo is UTC
    assert week_end.tzinfo is UTC


@pytest.mark.parametrize("zone", EXOTIC_ZONES)
def test_week_bounds_tile_the_year_at_local_monday_midnight(zone: str) -> None:
    tz = ZoneInfo(zone)
    mondays = [parse_iso_week(f"2026-W{week:02d}") for week in range(1, 54)]
    for monday, next_monday in itertools.pairwise([*mondays, date(2027, 1, 4)]):
        start, end = week_bounds(iso_week_key(monday), zone)
        assert end == week_bounds(iso_week_key(next_monday), zone)[0]
        assert start.astimezone(tz).replace(tzinfo=None) == datetime.combine(monday, time(0, 0))
        # Every instant of the week maps back to a local date in that ISO week.
        assert iso_week_key(local_date_of(start, zone)) == iso_week_key(monday)
        assert iso_week_key(local_date_of(end - timedelta(microseconds=1), zone)) == iso_week_key(monday)


def test_week_bounds_rejects_bad_input() -> None:
    with pytest.raises(ScheduleError):
        week_bounds("2026-W54", "UTC")
    with pytest.raises(ScheduleError):
        week_bounds("2026-W47", "Not/AZone")


# --- pause ----------------------------------------------------------------------

MONDAY = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5d", date(2026, 11, 20)),
        ("5 d", date(2026, 11, 20)),
        ("5 days", date(2026, 11, 20)),
        ("5 Days", date(2026, 11, 20)),
        ("for 5 days", date(2026, 11, 20)),
        ("1d", MONDAY),
        ("1 day", MONDAY),
        ("3w", date(2026, 12, 6)),
        ("1 week", date(2026, 11, 22)),
        ("2 weeks", date(2026, 11, 29)),
        ("2wk", date(2026, 11, 29)),
        ("  3   weeks ", date(2026, 12, 6)),
        ("until 2026-12-24", date(2026, 12, 24)),
        ("Until 2026-12-24", date(2026, 12, 24)),
        ("through 2026-12-24", date(2026, 12, 24)),
        ("2026-12-24", date(2026, 12, 24)),
        ("2026-1-5", None),  # in the past: rejected below
        ("until dec 24", date(2026, 12, 24)),
        ("until Dec 24", date(2026, 12, 24)),
        ("dec 24", date(2026, 12, 24)),
        ("December 24", date(2026, 12, 24)),
        ("until december 24th", date(2026, 12, 24)),
        ("24 dec", date(2026, 12, 24)),
        ("until 24th December", date(2026, 12, 24)),
        ("Dec 24, 2026", date(2026, 12, 24)),
        ("until jan 5", date(2027, 1, 5)),
        ("until sept 1", date(2027, 9, 1)),
        ("until nov 16", MONDAY),
        ("until nov 15", date(2027, 11, 15)),
        ("until 2026-11-16", MONDAY),
        ("until 2027-11-16", date(2027, 11, 16)),
        ("365d", date(2027, 11, 15)),
        ("52w", date(2027, 11, 14)),
    ],
)
def test_parse_pause(text: str, expected: date | None) -> None:
    if expected is None:
        with pytest.raises(ScheduleError, match="past"):
            parse_pause(text, MONDAY)
    else:
        assert parse_pause(text, MONDAY) == expected


def test_five_days_on_a_monday_pauses_monday_to_friday() -> None:
    last = parse_pause("5d", MONDAY)
    assert last == MONDAY + timedelta(days=4)
    assert [is_paused(MONDAY + timedelta(days=n), last) for n in range(6)] == [True] * 5 + [False]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "couldn't read"),
        ("soon", "couldn't read"),
        ("forever", "couldn't read"),
        ("5", "couldn't read"),
        ("5 months", "couldn't read"),
        ("-3d", "couldn't read"),
        ("0d", "zero"),
        ("0 weeks", "zero"),
        ("2026-11-15", "past"),
        ("until 2025-12-24", "past"),
        ("dec 24 2025", "past"),
        ("2027-11-17", "at most a year"),
        ("367d", "at most a year"),
        ("53w", "at most a year"),
        ("99999999999999999999d", "at most a year"),
        ("2026-02-30", "not a real date"),
        ("feb 30", "not a real date"),
        ("feb 29", "at most a year"),  # next 29 February is in 2028
        ("until smarch 3", "couldn't read"),
        ("until 5d", "couldn't read"),
        ("dec 32", "not a real date"),
    ],
)
def test_parse_pause_rejects_nonsense(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_pause(text, MONDAY)


def test_parse_pause_on_a_leap_day() -> None:
    leap_day = date(2028, 2, 29)
    assert parse_pause("until 2029-02-28", leap_day) == date(2029, 2, 28)
    assert parse_pause("until feb 29", leap_day) == leap_day
    with pytest.raises(ScheduleError, match="at most a year"):
        parse_pause("until 2029-03-01", leap_day)


# --- properties -----------------------------------------------------------------

zones = st.sampled_from(ALL_ZONES)
instants = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
workday_sets = st.frozensets(st.integers(min_value=1, max_value=7), min_size=1)


@settings(max_examples=400, deadline=None)
@given(
    zone=zones,
    after=instants,
    at=st.times(),
    workdays=workday_sets,
    pause_offset=st.none() | st.integers(min_value=-10, max_value=30),
)
def test_next_occurrence_properties(
    zone: str, after: datetime, at: time, workdays: frozenset[int], pause_offset: int | None
) -> None:
    schedule = Schedule(zone, at, workdays)
    start = local_date_of(after, zone)
    paused_until = None if pause_offset is None else start + timedelta(days=pause_offset)

    result = next_occurrence(schedule, after, paused_until)

    assert result > after
    assert result.tzinfo is UTC
    result_date = local_date_of(result, zone)
    assert result_date.isoweekday() in workdays
    assert not is_paused(result_date, paused_until)
    assert scheduled_instant_on(schedule, result_date) == result
    # No scheduled, unpaused instant hides strictly between `after` and the result.
    for day in days_between(start - timedelta(days=2), result_date + timedelta(days=1)):
        instant = scheduled_instant_on(schedule, day)
        if instant is not None and not is_paused(day, paused_until):
            assert not after < instant < result, (day, instant)


@settings(max_examples=200, deadline=None)
@given(zone=zones, after=instants, at=st.times(), workdays=workday_sets)
def test_next_occurrence_chains_without_gaps_or_repeats(
    zone: str, after: datetime, at: time, workdays: frozenset[int]
) -> None:
    schedule = Schedule(zone, at, workdays)
    first = next_occurrence(schedule, after)
    second = next_occurrence(schedule, first)
    assert next_occurrence(schedule, first - timedelta(microseconds=1)) == first
    assert second > first
    assert local_date_of(second, zone) > local_date_of(first, zone)
    # A week apart at most, or two if the zone skipped that weekday's date (Samoa, 2011).
    assert second - first <= timedelta(days=15)


@settings(max_examples=300, deadline=None)
@given(zone=zones, day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)), at=st.times())
def test_local_occurrence_properties(zone: str, day: date, at: time) -> None:
    schedule = Schedule(zone, at, EVERY_DAY)
    result = local_occurrence(schedule, day)
    tz = ZoneInfo(zone)
    local_result = result.astimezone(tz)
    wall = datetime.combine(day, at)
    if local_result.replace(tzinfo=None) != wall:
        # Only a non-existent wall time may move, and only forward.
        assert local_result.replace(tzinfo=None) > wall
        assert datetime.combine(day, at, tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall
    else:
        # An existing wall time maps to itself, and to the earlier instant if it happens twice.
        assert local_date_of(result, zone) == day
        second_reading = datetime.combine(day, at, tz).replace(fold=1).astimezone(UTC)
        if second_reading.astimezone(tz).replace(tzinfo=None) == wall:
            assert result <= second_reading


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(1, 1, 8), max_value=date(9999, 12, 24)))
def test_iso_week_key_round_trip_property(day: date) -> None:
    key = iso_week_key(day)
    monday = parse_iso_week(key)
    assert monday <= day < monday + timedelta(days=7)
    assert iso_week_key(monday) == key


@settings(max_examples=200, deadline=None)
@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), count=st.integers(1, 52))
def test_parse_pause_durations_property(today: date, count: int) -> None:
    assert parse_pause(f"{count}w", today) == today + timedelta(weeks=count, days=-1)
    assert parse_pause(f"{count}d", today) == today + timedelta(days=count - 1)
