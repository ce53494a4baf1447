"""The date-only parts of follow-up windows (for set-based SQL) and a task's channel (pure)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealercare.core.workdays import DailyHours, WorkingCalendar, from_local, to_local
from dealercare.followups.rules import (
    DEFAULT_RULES,
    Event,
    WindowRule,
    follow_up_window,
    task_channel,
    window_day_bounds,
)

HOURS = DailyHours(time(9), time(20))
CALENDAR = WorkingCalendar({date(2026, 3, 9): False})
RULES = (
    *DEFAULT_RULES,
    WindowRule("same_day", Event.DELIVERY, earliest_day=0, due_day=0),
    WindowRule(
        "working",
        Event.DELIVERY,
        earliest_day=1,
        earliest_working_days=True,
        due_day=3,
        due_working_days=True,
    ),  # fmt: skip
    WindowRule("hours_due_day", Event.DELIVERY, earliest_hours=30, due_day=1),
)


def window_from_day_bounds(event_at, rule, tz="Asia/Shanghai"):
    """follow_up_window rebuilt the way the sweep's SQL does, from window_day_bounds."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    local = to_local(event_at, zone)
    day_open, day_due = window_day_bounds(local.date(), rule, calling_hours=HOURS,
                                          calendar=CALENDAR)  # fmt: skip
    if rule.earliest_hours is not None:
        opens = to_local(event_at + timedelta(hours=rule.earliest_hours), zone)
    else:
        opens = max(day_open, local)
    if opens.time() < HOURS.start:
        opens = datetime.combine(opens.date(), HOURS.start)
    elif opens.time() >= HOURS.end:
        opens = datetime.combine(opens.date() + timedelta(days=1), HOURS.start)
    due = day_due or datetime.combine(opens.date(), HOURS.end)
    if due <= opens:
        due = datetime.combine(opens.date(), HOURS.end)
    return from_local(opens, zone), from_local(due, zone)


@settings(max_examples=300, deadline=None)
@given(
    event_at=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),  # fmt: skip
    rule=st.sampled_from(RULES),
)
def test_day_bounds_rebuild_exactly_the_windows_of_the_pure_rule(event_at, rule):
    window = follow_up_window(event_at, rule, tz="Asia/Shanghai", calling_hours=HOURS,
                              calendar=CALENDAR)  # fmt: skip

    assert window_from_day_bounds(event_at, rule) == (window.window_start, window.due_at)


def test_day_bounds_of_the_default_rules():
    monday = date(2026, 3, 2)
    bounds = {
        rule.code: window_day_bounds(monday, rule, calling_hours=HOURS, calendar=CALENDAR)
        for rule in DEFAULT_RULES
    }

    assert bounds["delivery_care_call"] == (None, None)
    assert bounds["delivery_first_followup"] == (
        datetime(2026, 3, 3, 9), datetime(2026, 3, 5, 20),
    )  # fmt: skip
    assert bounds["delivery_run_in_reminder"] == (
        datetime(2026, 3, 16, 9), datetime(2026, 3, 23, 20),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rule_channel", "allow_phone", "allow_sms", "channel"),
    [
        ("phone", True, True, "phone"),
        ("phone", False, True, "sms"),  # refuses calls: the SMS variant
        ("phone", True, False, "phone"),
        ("phone", False, False, None),
        ("sms", True, True, "sms"),
        ("sms", True, False, "phone"),  # refuses SMS: called instead
        ("sms", False, True, "sms"),
        ("sms", False, False, None),
    ],
)
def test_the_channel_follows_the_rule_and_the_customers_consent(
    rule_channel, allow_phone, allow_sms, channel
):
    assert task_channel(rule_channel, allow_phone=allow_phone, allow_sms=allow_sms) == channel
