"""Working days from China's holiday schedule, overrides and the Monday-Friday fallback."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealercare.core import workdays
from dealercare.core.workdays import DailyHours, WorkingCalendar

CALENDAR = WorkingCalendar()
FAR_FUTURE = 2099  # no package will ship this year's holidays soon; 2027 might
SHANGHAI = ZoneInfo("Asia/Shanghai")


def d(text):
    """A date from "YYYY-MM-DD"."""
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2024-06-05", True),  # an ordinary Wednesday
        ("2024-06-08", False),  # an ordinary Saturday
        ("2024-06-10", False),  # Dragon Boat Festival, a Monday
        ("2024-09-28", False),  # Saturday before National Day
        ("2024-09-29", True),  # Sunday, make-up working day 调休
        ("2024-09-30", True),
        ("2024-10-01", False),  # National Day 2024-10-01..07
        ("2024-10-04", False),
        ("2024-10-07", False),
        ("2024-10-08", True),
        ("2024-10-12", True),  # Saturday, make-up working day
        ("2024-10-13", False),
        ("2025-01-26", True),  # Sunday, make-up working day before Spring Festival
        ("2025-01-27", True),
        ("2025-01-28", False),  # Spring Festival 2025-01-28..02-04
        ("2025-01-29", False),
        ("2025-02-04", False),
        ("2025-02-05", True),
        ("2025-02-08", True),  # Saturday, make-up working day after Spring Festival
        ("2026-02-14", True),  # Saturday, make-up working day, 2026 schedule
        ("2026-02-16", False),  # Spring Festival 2026
        (f"{FAR_FUTURE}-01-01", True),  # a Thursday; New Year's Day unknown, so a working day
        (f"{FAR_FUTURE}-01-03", False),  # Saturday, by the fallback
        ("2003-01-01", True),  # before the package's data: the fallback too
        ("2003-01-04", False),
    ],
)
def test_working_day_follows_chinese_holidays_make_up_days_and_fallback(day, working):
    assert CALENDAR.is_working_day(d(day)) is working


@pytest.mark.parametrize(
    ("overrides", "day", "working"),
    [
        ({d("2024-10-08"): False}, "2024-10-08", False),  # the store closes on a working day
        ({d("2024-10-05"): True}, "2024-10-05", True),  # and works on a holiday
        ({d("2024-10-05"): True}, "2024-10-06", False),  # other days keep the package's answer
        ({d(f"{FAR_FUTURE}-01-01"): False}, f"{FAR_FUTURE}-01-01", False),  # next year's schedule
        ({d(f"{FAR_FUTURE}-01-01"): False}, f"{FAR_FUTURE}-01-02", True),
        ({d(f"{FAR_FUTURE}-01-04"): True}, f"{FAR_FUTURE}-01-04", True),  # a make-up Sunday
    ],
)
def test_overrides_win_over_package_and_fallback(overrides, day, working):
    assert WorkingCalendar(overrides).is_working_day(d(day)) is working


@pytest.mark.parametrize(
    ("overrides", "years", "missing"),
    [
        ({}, [2024, 2025, 2026], ()),
        ({}, [2026, FAR_FUTURE, 2003, FAR_FUTURE], (2003, FAR_FUTURE)),
        ({d(f"{FAR_FUTURE}-10-01"): False}, [2025, FAR_FUTURE], ()),  # entered by the manager
        ({d(f"{FAR_FUTURE}-10-01"): False}, [FAR_FUTURE + 1], (FAR_FUTURE + 1,)),
        ({}, [], ()),
    ],
)
def test_missing_years_are_those_without_package_data_or_overrides(overrides, years, missing):
    assert WorkingCalendar(overrides).missing_years(years) == missing


def test_warning_names_the_year_that_falls_back_to_monday_to_friday():
    assert CALENDAR.warning_for(d(f"{FAR_FUTURE}-03-02")) == (
        f"No public holidays are entered for {FAR_FUTURE}: "
        "working days are assumed to be Monday to Friday."
    )


@pytest.mark.parametrize(
    ("overrides", "day"),
    [({}, "2024-10-01"), ({}, "2026-12-31"), ({d(f"{FAR_FUTURE}-01-01"): False}, "2099-07-01")],
)
def test_no_warning_for_a_year_whose_holidays_are_known(overrides, day):
    assert WorkingCalendar(overrides).warning_for(d(day)) is None


def test_unknown_year_never_raises_though_the_package_does():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(d(f"{FAR_FUTURE}-01-01"))
    assert CALENDAR.working_days_between(d("2026-12-31"), d(f"{FAR_FUTURE}-01-01")) > 0


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2024-06-05", 0, "2024-06-05"),
        ("2024-06-08", 0, "2024-06-08"),  # zero days leaves even a Saturday alone
        ("2024-06-05", 1, "2024-06-06"),
        ("2024-06-07", 1, "2024-06-11"),  # Friday -> Tuesday: weekend, then Dragon Boat
        ("2024-06-08", 1, "2024-06-11"),  # from a Saturday the next working day counts as 1
        ("2024-09-27", 1, "2024-09-29"),  # Friday -> the make-up Sunday
        ("2024-09-30", 1, "2024-10-08"),  # over National Day
        ("2024-09-30", 5, "2024-10-12"),  # the make-up Saturday counts
        ("2024-10-03", 1, "2024-10-08"),  # from inside the holiday
        ("2025-01-27", 1, "2025-02-05"),  # over Spring Festival
        ("2024-12-31", 1, "2025-01-02"),  # over the year end and New Year's Day
        ("2024-10-08", -1, "2024-09-30"),
        ("2024-10-12", -6, "2024-09-29"),
        ("2025-01-02", -1, "2024-12-31"),  # back over the year end
        ("2024-01-02", -250, "2022-12-30"),  # back over a whole year
        (f"{FAR_FUTURE}-12-31", 1, f"{FAR_FUTURE + 1}-01-01"),  # fallback: New Year is a Friday
    ],
)
def test_add_working_days(day, n, expected):
    assert CALENDAR.add_working_days(d(day), n) == d(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2024-09-27", "2024-09-29"), ("2024-10-01", "2024-10-08"), ("2024-10-11", "2024-10-12")],
)
def test_next_working_day_is_strictly_after(day, expected):
    assert CALENDAR.next_working_day(d(day)) == d(expected)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2024-06-05", "2024-06-05", 0),
        ("2024-06-05", "2024-06-06", 1),  # the end counts, the start does not
        ("2024-06-07", "2024-06-11", 1),
        ("2024-09-30", "2024-10-08", 1),
        ("2024-09-27", "2024-10-12", 7),  # 29th, 30th, 8th-11th and the make-up 12th
        ("2024-12-31", "2025-01-02", 1),
        ("2024-10-08", "2024-09-30", -1),  # backwards is negative
        ("2024-06-08", "2024-06-07", -1),  # backwards from a Saturday, Friday is reached
        ("2024-06-07", "2024-06-08", 0),  # forwards to it, the Saturday is no working day
        ("2024-01-01", "2024-12-31", 251),  # 1 January does not count, and was a holiday
    ],
)
def test_working_days_between(start, end, count):
    assert CALENDAR.working_days_between(d(start), d(end)) == count


def test_2024_has_251_working_days_and_2025_has_248():
    assert CALENDAR.working_days_between(d("2023-12-31"), d("2024-12-31")) == 251
    assert CALENDAR.working_days_between(d("2024-12-31"), d("2025-12-31")) == 248


@pytest.mark.parametrize(
    "call",
    [
        lambda: CALENDAR.is_working_day(datetime(2024, 10, 1, tzinfo=UTC)),
        lambda: CALENDAR.is_working_day("2024-10-01"),
        lambda: CALENDAR.warning_for(datetime(2024, 10, 1)),
        lambda: CALENDAR.add_working_days(datetime(2024, 10, 1), 1),
        lambda: CALENDAR.working_days_between(d("2024-10-01"), datetime(2024, 10, 2)),
        lambda: CALENDAR.working_days_between(datetime(2024, 10, 1), d("2024-10-02")),
        lambda: WorkingCalendar({datetime(2024, 10, 1): False}),
        lambda: WorkingCalendar({d("2024-10-01"): 1}),
    ],
)
def test_datetimes_and_other_types_are_refused_where_a_local_date_is_meant(call):
    with pytest.raises(TypeError):
        call()


def test_calendar_is_immutable_and_compares_by_overrides():
    source = {d("2024-10-08"): False}
    calendar = WorkingCalendar(source)
    source[d("2024-10-09")] = False  # changing the caller's dict changes nothing
    assert calendar.is_working_day(d("2024-10-09")) is True
    with pytest.raises(AttributeError):
        calendar._overrides = {}
    with pytest.raises(TypeError):
        calendar.overrides[d("2024-10-10")] = False
    assert calendar.overrides == {d("2024-10-08"): False}
    assert calendar == WorkingCalendar({d("2024-10-08"): False})
    assert calendar != CALENDAR
    assert calendar != "a calendar"
    assert hash(calendar) == hash(WorkingCalendar({d("2024-10-08"): False}))
    assert repr(calendar) == "WorkingCalendar(<1 overrides>)"


def test_package_year_is_computed_once():
    workdays._package_year.cache_clear()
    for _ in range(3):
        WorkingCalendar().is_working_day(d("2024-10-01"))
    info = workdays._package_year.cache_info()
    assert (info.misses, info.hits) == (1, 2)


# --- daily hours and local time -------------------------------------------------------------------


def test_daily_hours_length_and_contains_start_but_not_end():
    hours = DailyHours(time(8, 30), time(17, 30))
    assert hours.length == timedelta(hours=9)
    assert hours.contains(time(8, 30)) is True
    assert hours.contains(time(17, 29, 59)) is True
    assert hours.contains(time(17, 30)) is False
    assert hours.contains(time(8, 29)) is False


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (time(17, 30), time(8, 30)),  # no overnight hours
        (time(9), time(9)),
        (time(9, tzinfo=UTC), time(18)),
        (time(9), time(18, tzinfo=UTC)),
    ],
)
def test_daily_hours_refuse_empty_overnight_or_zoned_hours(start, end):
    with pytest.raises(ValueError):
        DailyHours(start, end)


def test_daily_hours_accepts_a_pair_of_times_or_itself():
    hours = DailyHours(time(9), time(20))
    assert workdays.daily_hours((time(9), time(20))) == hours
    assert workdays.daily_hours(hours) is hours


def test_zone_accepts_a_name_or_a_tzinfo():
    assert workdays.zone("Asia/Urumqi") == ZoneInfo("Asia/Urumqi")
    assert workdays.zone(SHANGHAI) is SHANGHAI


@pytest.mark.parametrize("value", [datetime(2024, 10, 1, 12), d("2024-10-01"), "2024-10-01"])
def test_naive_datetimes_have_no_instant(value):
    with pytest.raises(ValueError):
        workdays.require_aware(value)


def test_local_wall_clock_round_trips_to_utc():
    moment = datetime(2024, 9, 30, 23, 0, tzinfo=UTC)
    local = workdays.to_local(moment, SHANGHAI)
    assert local == datetime(2024, 10, 1, 7, 0)  # already National Day in Shanghai
    assert workdays.from_local(local, SHANGHAI) == moment
    assert workdays.from_local(local, SHANGHAI).tzinfo is UTC
    plus_eight = timezone(timedelta(hours=8))
    assert workdays.to_local(datetime(2024, 10, 1, 7, tzinfo=plus_eight), SHANGHAI) == local


# --- properties -------------------------------------------------------------------------------------

DATES = st.dates(min_value=date(2002, 1, 1), max_value=date(2030, 12, 31))
OVERRIDES = st.dictionaries(DATES, st.booleans(), max_size=20)


@given(day=DATES, n=st.integers(min_value=-800, max_value=800), overrides=OVERRIDES)
def test_counting_working_days_undoes_adding_them(day, n, overrides):
    calendar = WorkingCalendar(overrides)
    later = calendar.add_working_days(day, n)
    assert calendar.working_days_between(day, later) == n
    if n != 0:
        assert calendar.is_working_day(later)


@given(day=DATES, n=st.integers(min_value=-30, max_value=30), overrides=OVERRIDES)
def test_adding_working_days_matches_stepping_day_by_day(day, n, overrides):
    calendar = WorkingCalendar(overrides)
    step = timedelta(days=1 if n > 0 else -1)
    current, left = day, abs(n)
    while left:
        current += step
        left -= calendar.is_working_day(current)
    assert calendar.add_working_days(day, n) == current


@given(day=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_without_overrides_the_calendar_agrees_with_the_package(day):
    assert CALENDAR.is_working_day(day) is chinese_calendar.is_workday(day)
