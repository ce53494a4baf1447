"""Follow-up windows of DOMAIN §3 and when a customer may be called."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealercare.core.workdays import DailyHours, WorkingCalendar
from dealercare.followups.rules import (
    DEFAULT_RULES,
    Event,
    WindowRule,
    allowed_call_time,
    default_rules_for,
    follow_up_window,
    is_call_allowed,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")  # UTC+6: a store in Xinjiang keeps local hours
CALLING_HOURS = DailyHours(time(9), time(20))
CALENDAR = WorkingCalendar()
RULES = {rule.code: rule for rule in DEFAULT_RULES}
FIRST_TO_THIRD_WORKING_DAY = WindowRule(
    "working_days_followup",
    Event.DELIVERY,
    earliest_day=1,
    earliest_working_days=True,
    due_day=3,
    due_working_days=True,
)
SAME_DAY = WindowRule("same_day", Event.DELIVERY, earliest_day=0, due_day=0)
SAME_WORKING_DAY = WindowRule(
    "same_working_day", Event.DELIVERY, earliest_day=0, earliest_working_days=True
)


def at(text, tz=SHANGHAI):
    """An aware datetime from "YYYY-MM-DD HH:MM" on the wall clock of `tz`."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def window(rule, event_at, tz=SHANGHAI, calendar=CALENDAR, calling_hours=CALLING_HOURS):
    """The window of `rule` for an event at `event_at`, read back on the wall clock of `tz`."""
    result = follow_up_window(event_at, rule, tz=tz, calling_hours=calling_hours, calendar=calendar)
    return (
        result.window_start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        result.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
    )


def test_default_rules_are_domain_tables_with_stable_codes():
    assert [(r.code, r.event) for r in DEFAULT_RULES] == [
        ("delivery_care_call", Event.DELIVERY),
        ("delivery_first_followup", Event.DELIVERY),
        ("delivery_seven_day_care_call", Event.DELIVERY),
        ("delivery_run_in_reminder", Event.DELIVERY),
        ("service_followup", Event.SERVICE_VISIT_FINISHED),
        ("complaint_satisfaction_check", Event.COMPLAINT_CLOSED),
        ("survey_recovery", Event.SURVEY_LOW_SCORE),
    ]


@pytest.mark.parametrize(
    ("event", "codes"),
    [
        (
            Event.DELIVERY,
            [
                "delivery_care_call",
                "delivery_first_followup",
                "delivery_seven_day_care_call",
                "delivery_run_in_reminder",
            ],
        ),
        (Event.SERVICE_VISIT_FINISHED, ["service_followup"]),
        (Event.COMPLAINT_CLOSED, ["complaint_satisfaction_check"]),
    ],
)
def test_default_rules_for_an_event(event, codes):
    assert [rule.code for rule in default_rules_for(event)] == codes


@pytest.mark.parametrize(
    ("code", "event_at", "window_start", "due_at"),
    [
        # Care call: 2 hours after delivery, by the end of that calling day.
        ("delivery_care_call", "2024-10-08 10:00", "2024-10-08 12:00", "2024-10-08 20:00"),
        ("delivery_care_call", "2024-10-08 17:59", "2024-10-08 19:59", "2024-10-08 20:00"),
        # 20:00 is the end of calling hours, not in them: the window opens the next morning.
        ("delivery_care_call", "2024-10-08 18:00", "2024-10-09 09:00", "2024-10-09 20:00"),
        # DOMAIN's example: a 19:30 delivery gets its care call next morning, due by 20:00.
        ("delivery_care_call", "2024-10-08 19:30", "2024-10-09 09:00", "2024-10-09 20:00"),
        ("delivery_care_call", "2024-10-08 23:30", "2024-10-09 09:00", "2024-10-09 20:00"),
        # A delivery imported with a 02:00 time: opens at 09:00, due that evening.
        ("delivery_care_call", "2024-10-08 02:00", "2024-10-08 09:00", "2024-10-08 20:00"),
        ("delivery_care_call", "2024-10-08 07:00", "2024-10-08 09:00", "2024-10-08 20:00"),
        # Calendar days: holidays are calling days too.
        ("delivery_care_call", "2024-10-01 10:00", "2024-10-01 12:00", "2024-10-01 20:00"),
        # First after-sales follow-up: next day -> end of day 3.
        ("delivery_first_followup", "2024-10-08 15:00", "2024-10-09 09:00", "2024-10-11 20:00"),
        ("delivery_first_followup", "2024-10-08 23:59", "2024-10-09 09:00", "2024-10-11 20:00"),
        ("delivery_first_followup", "2024-12-30 11:00", "2024-12-31 09:00", "2025-01-02 20:00"),
        # 7-day care call: day 7 -> end of day 7.
        (
            "delivery_seven_day_care_call",
            "2024-10-01 10:00",
            "2024-10-08 09:00",
            "2024-10-08 20:00",
        ),
        # Run-in maintenance reminder: day 14 -> end of day 21.
        ("delivery_run_in_reminder", "2024-10-01 10:00", "2024-10-15 09:00", "2024-10-22 20:00"),
        # Service follow-up counts from the vehicle leaving, holidays included.
        ("service_followup", "2024-09-30 18:00", "2024-10-01 09:00", "2024-10-03 20:00"),
        (
            "complaint_satisfaction_check",
            "2025-01-27 16:00",
            "2025-01-28 09:00",
            "2025-01-30 20:00",
        ),
    ],
)
def test_default_windows(code, event_at, window_start, due_at):
    assert window(RULES[code], at(event_at)) == (window_start, due_at)


@pytest.mark.parametrize(
    ("event_at", "window_start", "due_at"),
    [
        ("2024-06-05 10:00", "2024-06-06 09:00", "2024-06-11 20:00"),  # Dragon Boat Monday
        ("2024-09-28 10:00", "2024-09-29 09:00", "2024-10-08 20:00"),  # Saturday: make-up Sunday
        ("2024-09-30 10:00", "2024-10-08 09:00", "2024-10-10 20:00"),  # over National Day
        ("2024-10-03 10:00", "2024-10-08 09:00", "2024-10-10 20:00"),  # from inside it
        ("2024-10-10 10:00", "2024-10-11 09:00", "2024-10-14 20:00"),  # make-up Saturday 12th
        ("2025-01-27 10:00", "2025-02-05 09:00", "2025-02-07 20:00"),  # over Spring Festival
        ("2099-01-02 10:00", "2099-01-05 09:00", "2099-01-07 20:00"),  # unknown year: Mon-Fri
    ],
)
def test_rules_in_working_days_skip_holidays_and_use_make_up_days(event_at, window_start, due_at):
    assert window(FIRST_TO_THIRD_WORKING_DAY, at(event_at)) == (window_start, due_at)


def test_working_day_rules_follow_the_overrides_of_the_store_calendar():
    calendar = WorkingCalendar({date(2099, 1, 5): False, date(2099, 1, 6): False})
    assert window(FIRST_TO_THIRD_WORKING_DAY, at("2099-01-02 10:00"), calendar=calendar) == (
        "2099-01-07 09:00",
        "2099-01-09 20:00",
    )


@pytest.mark.parametrize(
    ("rule", "event_at", "window_start", "due_at"),
    [
        # Day 0 never opens before the event itself.
        (SAME_DAY, "2024-10-08 10:00", "2024-10-08 10:00", "2024-10-08 20:00"),
        (SAME_DAY, "2024-10-08 06:00", "2024-10-08 09:00", "2024-10-08 20:00"),
        # Too late for day 0: opens next morning and is due by the end of that day.
        (SAME_DAY, "2024-10-08 21:00", "2024-10-09 09:00", "2024-10-09 20:00"),
        # Working day 0 of a holiday is the holiday itself.
        (SAME_WORKING_DAY, "2024-10-01 10:00", "2024-10-01 10:00", "2024-10-01 20:00"),
    ],
)
def test_windows_on_the_day_of_the_event(rule, event_at, window_start, due_at):
    assert window(rule, at(event_at)) == (window_start, due_at)


@pytest.mark.parametrize(
    ("tz", "window_start_utc", "due_at_utc"),
    [
        # 13:30 UTC is 19:30 in Urumqi: next morning 09:00 there, i.e. 03:00 UTC.
        (URUMQI, "2024-10-09 03:00", "2024-10-09 14:00"),
        # The same instant is 21:30 in Shanghai: next morning 09:00, i.e. 01:00 UTC.
        (SHANGHAI, "2024-10-09 01:00", "2024-10-09 12:00"),
        ("Asia/Urumqi", "2024-10-09 03:00", "2024-10-09 14:00"),
    ],
)
def test_windows_are_computed_on_the_store_clock_and_returned_in_utc(
    tz, window_start_utc, due_at_utc
):
    result = follow_up_window(
        at("2024-10-08 13:30", UTC),
        RULES["delivery_care_call"],
        tz=tz,
        calling_hours=(time(9), time(20)),
        calendar=CALENDAR,
    )
    assert result.window_start == at(window_start_utc, UTC)
    assert result.due_at == at(due_at_utc, UTC)
    assert result.window_start.tzinfo is UTC
    assert result.due_at.tzinfo is UTC


def test_local_date_not_utc_date_is_day_0():
    # 2024-09-30 17:00 UTC is already 1 October 01:00 in Shanghai: day 1 is 2 October.
    assert window(RULES["delivery_first_followup"], at("2024-09-30 17:00", UTC)) == (
        "2024-10-02 09:00",
        "2024-10-04 20:00",
    )


def test_a_store_with_other_calling_hours():
    # 16:30 + 2 h = 18:30, after the 18:00 close: next morning 08:30, due by 18:00.
    assert window(
        RULES["delivery_care_call"],
        at("2024-10-08 16:30"),
        calling_hours=DailyHours(time(8, 30), time(18, 0)),
    ) == ("2024-10-09 08:30", "2024-10-09 18:00")


def test_naive_event_time_is_refused():
    with pytest.raises(ValueError):
        follow_up_window(
            datetime(2024, 10, 8, 10),
            RULES["delivery_care_call"],
            tz=SHANGHAI,
            calling_hours=CALLING_HOURS,
            calendar=CALENDAR,
        )


@pytest.mark.parametrize(
    "fields",
    [
        {},  # opens neither after hours nor on a day
        {"earliest_hours": 2, "earliest_day": 1},  # both
        {"earliest_hours": -1},
        {"earliest_day": -1},
        {"earliest_day": 1, "due_day": -3},
    ],
)
def test_invalid_rules_are_refused(fields):
    with pytest.raises(ValueError):
        WindowRule("bad", Event.DELIVERY, **fields)


# --- calling hours and quiet hours ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "quiet_hours", "allowed_at"),
    [
        ("2024-10-08 10:00", None, "2024-10-08 10:00"),
        ("2024-10-08 09:00", None, "2024-10-08 09:00"),
        ("2024-10-08 08:00", None, "2024-10-08 09:00"),
        ("2024-10-08 20:00", None, "2024-10-09 09:00"),  # calling hours end at 20:00
        ("2024-10-08 23:00", None, "2024-10-09 09:00"),
        ("2024-10-08 12:30", (time(12), time(14)), "2024-10-08 14:00"),  # lunch break
        ("2024-10-08 11:00", (time(12), time(14)), "2024-10-08 11:00"),
        ("2024-10-08 15:00", (time(12), time(14)), "2024-10-08 15:00"),
        ("2024-10-08 09:30", (time(22), time(10)), "2024-10-08 10:00"),  # wraps midnight
        ("2024-10-08 19:00", (time(22), time(10)), "2024-10-08 19:00"),
        ("2024-10-08 20:30", (time(22), time(10)), "2024-10-09 10:00"),
        ("2024-10-08 19:30", (time(19), time(9, 30)), "2024-10-09 09:30"),
        ("2024-10-08 08:00", (time(9), time(10)), "2024-10-08 10:00"),  # at calling start
        ("2024-10-08 19:30", (time(19), time(20)), "2024-10-09 09:00"),  # at calling end
        ("2024-10-08 12:00", (time(12), time(12)), "2024-10-08 12:00"),  # empty: no effect
        ("2024-10-08 10:00", (time(8), time(21)), None),  # covers all calling hours: SMS only
        ("2024-10-08 10:00", (time(18), time(10)), "2024-10-08 10:00"),
        ("2024-10-08 10:00", (time(9), time(8)), None),  # 09:00 to 08:00 the next day
    ],
)
def test_allowed_call_time(now, quiet_hours, allowed_at):
    allowed = allowed_call_time(
        at(now), tz=SHANGHAI, calling_hours=CALLING_HOURS, quiet_hours=quiet_hours
    )
    assert allowed == (at(allowed_at) if allowed_at else None)
    assert is_call_allowed(
        at(now), tz=SHANGHAI, calling_hours=CALLING_HOURS, quiet_hours=quiet_hours
    ) is (allowed_at == now)


@pytest.mark.parametrize(
    ("tz", "allowed"),
    [(URUMQI, False), (SHANGHAI, True), ("Asia/Urumqi", False)],
)
def test_calls_are_allowed_by_the_store_clock(tz, allowed):
    # 01:30 UTC is 09:30 in Shanghai but 07:30 in Urumqi.
    now = at("2024-10-08 01:30", UTC)
    assert is_call_allowed(now, tz=tz, calling_hours=(time(9), time(20))) is allowed
    answer = allowed_call_time(now, tz=tz, calling_hours=(time(9), time(20)))
    assert answer.tzinfo is UTC
    assert answer == (now if allowed else at("2024-10-08 03:00", UTC))


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        is_call_allowed(datetime(2024, 10, 8, 10), tz=SHANGHAI, calling_hours=CALLING_HOURS)


# --- properties -------------------------------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=datetime(2003, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
ZONES = st.sampled_from([SHANGHAI, URUMQI])
HOURS = st.sampled_from(
    [CALLING_HOURS, DailyHours(time(8, 30), time(17, 30)), DailyHours(time(0), time(23, 59))]
)
ALL_RULES = st.sampled_from(
    [*DEFAULT_RULES, FIRST_TO_THIRD_WORKING_DAY, SAME_DAY, SAME_WORKING_DAY]
)
TIMES = st.times()


@given(event_at=MOMENTS, rule=ALL_RULES, tz=ZONES, hours=HOURS)
def test_windows_open_in_calling_hours_after_the_event_and_before_due(event_at, rule, tz, hours):
    result = follow_up_window(event_at, rule, tz=tz, calling_hours=hours, calendar=CALENDAR)
    opens = result.window_start.astimezone(tz)
    due = result.due_at.astimezone(tz)
    assert result.window_start >= event_at
    assert result.window_start < result.due_at
    assert hours.contains(opens.time())
    assert due.time() == hours.end


@given(
    first=MOMENTS,
    delay=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    rule=ALL_RULES,
    tz=ZONES,
)
def test_a_later_event_never_gets_an_earlier_window(first, delay, rule, tz):
    def of(moment):
        return follow_up_window(moment, rule, tz=tz, calling_hours=CALLING_HOURS, calendar=CALENDAR)

    earlier, later = of(first), of(first + delay)
    assert earlier.window_start <= later.window_start
    assert earlier.due_at <= later.due_at


@given(now=MOMENTS, tz=ZONES, quiet=st.none() | st.tuples(TIMES, TIMES))
def test_allowed_call_time_is_now_or_later_and_allowed(now, tz, quiet):
    allowed = allowed_call_time(now, tz=tz, calling_hours=CALLING_HOURS, quiet_hours=quiet)
    if allowed is not None:
        assert allowed >= now
        assert allowed - now < timedelta(days=2)
        assert is_call_allowed(allowed, tz=tz, calling_hours=CALLING_HOURS, quiet_hours=quiet)
        local = allowed.astimezone(tz).time()
        assert CALLING_HOURS.contains(local)
