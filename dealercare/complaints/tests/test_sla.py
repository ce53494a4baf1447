"""Complaint time limits in working time: deadlines, pauses, status and escalation."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dealercare.accounts.roles import Role
from dealercare.complaints.sla import (
    ACKNOWLEDGE_LIMIT,
    ESCALATION_ROLE,
    SOLUTION_LIMIT,
    EscalationLevel,
    Limit,
    LimitUnit,
    SlaStatus,
    deadline,
    deadline_with_pauses,
    elapsed_working,
    escalation_level,
    overdue_working,
    status,
)
from dealercare.core.workdays import DailyHours, WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")
WORKING_HOURS = DailyHours(time(8, 30), time(17, 30))
CALENDAR = WorkingCalendar()
STORE = {"working_hours": WORKING_HOURS, "calendar": CALENDAR, "tz": SHANGHAI}
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(text, tz=SHANGHAI):
    """An aware datetime from "YYYY-MM-DD HH:MM" on the wall clock of `tz`."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def local(moment, tz=SHANGHAI):
    """An aware datetime read back as "YYYY-MM-DD HH:MM" on the wall clock of `tz`."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("limit", "working_time"),
    [
        (ACKNOWLEDGE_LIMIT, 2 * H),
        (SOLUTION_LIMIT, 27 * H),  # 3 x the 9-hour working day
        (Limit(30, LimitUnit.MINUTES), 30 * M),
        (Limit(0, LimitUnit.DAYS), timedelta(0)),
    ],
)
def test_limits_in_working_time(limit, working_time):
    assert limit.working_time(WORKING_HOURS) == working_time


def test_a_working_day_is_as_long_as_the_store_working_hours():
    assert SOLUTION_LIMIT.working_time((time(9), time(12))) == 9 * H


@pytest.mark.parametrize("amount", [-1, 1.5, "2"])
def test_limits_are_whole_non_negative_numbers(amount):
    with pytest.raises(ValueError):
        Limit(amount, LimitUnit.HOURS)


@pytest.mark.parametrize(
    ("start", "limit", "due"),
    [
        # Acknowledge within 2 working hours.
        ("2024-06-03 09:00", ACKNOWLEDGE_LIMIT, "2024-06-03 11:00"),
        ("2024-06-03 15:30", ACKNOWLEDGE_LIMIT, "2024-06-03 17:30"),  # ends exactly at close
        ("2024-06-03 17:00", ACKNOWLEDGE_LIMIT, "2024-06-04 10:00"),  # half an hour tonight
        ("2024-06-03 07:00", ACKNOWLEDGE_LIMIT, "2024-06-03 10:30"),  # before opening
        ("2024-06-03 20:00", ACKNOWLEDGE_LIMIT, "2024-06-04 10:30"),  # after closing
        ("2024-06-07 17:00", ACKNOWLEDGE_LIMIT, "2024-06-11 10:00"),  # weekend + Dragon Boat
        ("2024-06-08 11:00", ACKNOWLEDGE_LIMIT, "2024-06-11 10:30"),  # received on Saturday
        ("2024-09-28 10:00", ACKNOWLEDGE_LIMIT, "2024-09-29 10:30"),  # make-up Sunday works
        ("2024-09-30 17:00", ACKNOWLEDGE_LIMIT, "2024-10-08 10:00"),  # over National Day
        ("2024-10-11 17:00", ACKNOWLEDGE_LIMIT, "2024-10-12 10:00"),  # make-up Saturday works
        # Solution within 3 working days = 27 working hours.
        ("2024-06-03 08:30", SOLUTION_LIMIT, "2024-06-05 17:30"),
        ("2024-06-03 17:30", SOLUTION_LIMIT, "2024-06-06 17:30"),
        ("2024-06-03 10:15", SOLUTION_LIMIT, "2024-06-06 10:15"),  # same time, 3rd day after
        ("2024-06-08 11:00", SOLUTION_LIMIT, "2024-06-13 17:30"),  # end of the 3rd working day
        # The ADR's example: 16:00 the day before a holiday -> 16:00 on the 3rd working day.
        ("2024-09-30 16:00", SOLUTION_LIMIT, "2024-10-10 16:00"),
        ("2024-09-27 16:00", SOLUTION_LIMIT, "2024-10-08 16:00"),  # make-up Sunday counts
        ("2025-01-24 16:00", SOLUTION_LIMIT, "2025-02-05 16:00"),  # Spring Festival 2025
        # Other units and limits.
        ("2024-06-03 17:15", Limit(30, LimitUnit.MINUTES), "2024-06-04 08:45"),
        ("2024-06-03 10:00", Limit(0, LimitUnit.HOURS), "2024-06-03 10:00"),
        ("2024-06-03 10:00", timedelta(hours=1, minutes=15), "2024-06-03 11:15"),
        ("2024-06-03 10:00", Limit(20, LimitUnit.DAYS), "2024-07-02 10:00"),
        # A year the package does not know: Monday to Friday, with a warning elsewhere.
        ("2099-01-02 17:00", ACKNOWLEDGE_LIMIT, "2099-01-05 10:00"),
    ],
)
def test_deadline(start, limit, due):
    assert local(deadline(at(start), limit, **STORE)) == due


def test_deadline_follows_the_store_calendar_overrides():
    calendar = WorkingCalendar({date(2099, 1, 5): False})  # the manager entered a holiday
    due = deadline(
        at("2099-01-02 17:00"),
        ACKNOWLEDGE_LIMIT,
        working_hours=WORKING_HOURS,
        calendar=calendar,
        tz=SHANGHAI,
    )
    assert local(due) == "2099-01-06 10:00"


@pytest.mark.parametrize(
    ("tz", "due_utc"),
    [
        # 10:00 UTC is 18:00 in Shanghai (closed): 2 h from 08:30 next day = 02:30 UTC.
        (SHANGHAI, "2024-06-04 02:30"),
        # It is 16:00 in Urumqi: 1.5 h today, 0.5 h from 08:30 next day = 03:00 UTC.
        (URUMQI, "2024-06-04 03:00"),
        ("Asia/Urumqi", "2024-06-04 03:00"),
    ],
)
def test_deadline_counts_on_the_store_clock_and_answers_in_utc(tz, due_utc):
    due = deadline(
        at("2024-06-03 10:00", UTC),
        ACKNOWLEDGE_LIMIT,
        working_hours=(time(8, 30), time(17, 30)),
        calendar=CALENDAR,
        tz=tz,
    )
    assert due == at(due_utc, UTC)
    assert due.tzinfo is UTC


def test_deadline_uses_the_local_date_when_utc_is_still_the_day_before():
    # 2024-09-30 23:00 UTC is 1 October 07:00 in Shanghai, a holiday.
    assert local(deadline(at("2024-09-30 23:00", UTC), ACKNOWLEDGE_LIMIT, **STORE)) == (
        "2024-10-08 10:30"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: deadline(datetime(2024, 6, 3, 9), ACKNOWLEDGE_LIMIT, **STORE),  # naive
        lambda: deadline(at("2024-06-03 09:00"), -H, **STORE),
        lambda: elapsed_working(at("2024-06-03 09:00"), datetime(2024, 6, 3, 10), **STORE),
    ],
)
def test_naive_times_and_negative_limits_are_refused(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    ("start", "end", "elapsed"),
    [
        ("2024-06-03 09:00", "2024-06-03 11:00", 2 * H),
        ("2024-06-03 07:00", "2024-06-03 08:00", timedelta(0)),  # before opening
        ("2024-06-03 11:00", "2024-06-03 09:00", timedelta(0)),  # end before start
        ("2024-06-03 16:00", "2024-06-04 10:00", 3 * H),  # over a night
        ("2024-06-07 17:00", "2024-06-11 09:00", H),  # weekend and Dragon Boat
        ("2024-06-08 09:00", "2024-06-09 17:00", timedelta(0)),  # a weekend
        ("2024-09-30 16:00", "2024-10-10 16:00", 27 * H),  # National Day
        ("2024-09-28 00:00", "2024-09-30 00:00", 9 * H),  # the make-up Sunday
        ("2024-01-01 00:00", "2025-01-01 00:00", 251 * 9 * H),  # a whole year
    ],
)
def test_elapsed_working(start, end, elapsed):
    assert elapsed_working(at(start), at(end), **STORE) == elapsed


def pauses_at(*pairs):
    """Pauses from ("from", "to") pairs of Shanghai wall-clock texts; None keeps one open."""
    return [(at(begin), None if end is None else at(end)) for begin, end in pairs]


@pytest.mark.parametrize(
    ("start", "end", "pauses", "elapsed"),
    [
        # Waiting for the customer from 17:00 to 09:00 next morning: 0.5 h + 0.5 h paused.
        (
            "2024-06-03 09:00",
            "2024-06-04 12:00",
            [("2024-06-03 17:00", "2024-06-04 09:00")],
            11 * H,
        ),
        # A pause over National Day only holds the working time on each side.
        (
            "2024-09-30 09:00",
            "2024-10-08 17:30",
            [("2024-09-30 16:00", "2024-10-08 10:00")],
            14 * H + 30 * M,
        ),
        # Overlapping pauses count once.
        (
            "2024-06-03 08:30",
            "2024-06-03 17:30",
            [("2024-06-03 10:00", "2024-06-03 12:00"), ("2024-06-03 11:00", "2024-06-03 13:00")],
            6 * H,
        ),
        # A pause inside another, a touching one, and one given out of order.
        (
            "2024-06-03 08:30",
            "2024-06-03 17:30",
            [
                ("2024-06-03 15:00", "2024-06-03 16:00"),
                ("2024-06-03 10:00", "2024-06-03 12:00"),
                ("2024-06-03 10:30", "2024-06-03 11:00"),
                ("2024-06-03 12:00", "2024-06-03 12:30"),
            ],
            5 * H + 30 * M,
        ),
        # Pauses before the start or after the end do not count; one across the start partly.
        (
            "2024-06-03 10:00",
            "2024-06-03 16:00",
            [
                ("2024-06-01 10:00", "2024-06-02 10:00"),
                ("2024-06-03 09:00", "2024-06-03 11:00"),
                ("2024-06-03 16:30", "2024-06-03 17:00"),
            ],
            5 * H,
        ),
        # A pause covering everything leaves nothing.
        (
            "2024-06-03 10:00",
            "2024-06-03 16:00",
            [("2024-06-03 09:00", "2024-06-04 09:00")],
            timedelta(0),
        ),
        # An open pause runs until the end; a closed one inside it counts once.
        (
            "2024-06-03 09:00",
            "2024-06-03 17:00",
            [("2024-06-03 13:00", None), ("2024-06-03 14:00", "2024-06-03 15:00")],
            4 * H,
        ),
        (
            "2024-06-03 09:00",
            "2024-06-03 17:00",
            [("2024-06-03 12:00", "2024-06-03 14:00"), ("2024-06-03 13:00", None)],
            3 * H,
        ),
        ("2024-06-03 09:00", "2024-06-03 17:00", [("2024-06-03 18:00", None)], 8 * H),
    ],
)
def test_elapsed_working_excludes_pauses(start, end, pauses, elapsed):
    assert elapsed_working(at(start), at(end), pauses=pauses_at(*pauses), **STORE) == elapsed


def test_a_pause_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        elapsed_working(
            at("2024-06-03 09:00"),
            at("2024-06-03 17:00"),
            pauses=pauses_at(("2024-06-03 12:00", "2024-06-03 11:00")),
            **STORE,
        )


@pytest.mark.parametrize(
    ("start", "limit", "pauses", "due"),
    [
        ("2024-06-03 09:00", ACKNOWLEDGE_LIMIT, [], "2024-06-03 11:00"),
        # One working hour paused: one hour later.
        (
            "2024-06-03 09:00",
            ACKNOWLEDGE_LIMIT,
            [("2024-06-03 09:30", "2024-06-03 10:30")],
            "2024-06-03 12:00",
        ),
        # Paused from the start.
        (
            "2024-06-03 09:00",
            ACKNOWLEDGE_LIMIT,
            [("2024-06-03 09:00", "2024-06-03 10:00")],
            "2024-06-03 12:00",
        ),
        # A pause over a night only moves the deadline by its working time.
        (
            "2024-06-03 16:00",
            ACKNOWLEDGE_LIMIT,
            [("2024-06-03 17:00", "2024-06-04 09:00")],
            "2024-06-04 10:00",
        ),
        # Waiting from the day before National Day until the morning after: 8.5 h more.
        (
            "2024-09-27 16:00",
            SOLUTION_LIMIT,
            [("2024-09-30 10:00", "2024-10-08 09:30")],
            "2024-10-09 15:30",
        ),
        # A pause after the deadline does not move it, one at the deadline neither.
        (
            "2024-06-03 09:00",
            ACKNOWLEDGE_LIMIT,
            [("2024-06-03 12:00", "2024-06-03 14:00")],
            "2024-06-03 11:00",
        ),
        (
            "2024-06-03 09:00",
            ACKNOWLEDGE_LIMIT,
            [("2024-06-03 11:00", "2024-06-03 14:00")],
            "2024-06-03 11:00",
        ),
        # A pause outside working hours changes nothing.
        (
            "2024-06-03 16:00",
            ACKNOWLEDGE_LIMIT,
            [("2024-06-03 18:00", "2024-06-04 08:00")],
            "2024-06-04 09:00",
        ),
        # Two pauses, the deadline falling between them and then after both.
        (
            "2024-06-03 09:00",
            ACKNOWLEDGE_LIMIT,
            [("2024-06-03 09:30", "2024-06-03 10:00"), ("2024-06-03 10:30", "2024-06-03 11:30")],
            "2024-06-03 12:30",
        ),
        # An open pause that starts after the deadline: breached before the wait began.
        ("2024-06-03 09:00", ACKNOWLEDGE_LIMIT, [("2024-06-03 13:00", None)], "2024-06-03 11:00"),
    ],
)
def test_deadline_with_pauses(start, limit, pauses, due):
    result = deadline_with_pauses(at(start), limit, pauses=pauses_at(*pauses), **STORE)
    assert local(result) == due


@pytest.mark.parametrize(
    "pauses",
    [
        [("2024-06-03 10:00", None)],
        [("2024-06-03 09:00", None)],
        [("2024-06-03 09:30", "2024-06-03 10:00"), ("2024-06-03 10:00", None)],
        [("2024-06-02 18:00", None)],  # waiting since before the complaint's clock started
    ],
)
def test_no_deadline_while_waiting_for_the_customer(pauses):
    assert (
        deadline_with_pauses(
            at("2024-06-03 09:00"), ACKNOWLEDGE_LIMIT, pauses=pauses_at(*pauses), **STORE
        )
        is None
    )


@pytest.mark.parametrize(
    ("now", "due", "warn_before", "expected"),
    [
        ("2024-06-03 09:00", "2024-06-03 11:00", 30 * M, SlaStatus.OK),
        ("2024-06-03 10:29", "2024-06-03 11:00", 30 * M, SlaStatus.OK),
        ("2024-06-03 10:30", "2024-06-03 11:00", 30 * M, SlaStatus.NEARING),
        ("2024-06-03 10:59", "2024-06-03 11:00", 30 * M, SlaStatus.NEARING),
        ("2024-06-03 11:00", "2024-06-03 11:00", 30 * M, SlaStatus.NEARING),  # still on time
        ("2024-06-03 11:00", "2024-06-03 11:00", timedelta(0), SlaStatus.OK),
        ("2024-06-03 11:01", "2024-06-03 11:00", 30 * M, SlaStatus.BREACHED),
        ("2024-06-03 11:01", "2024-06-03 11:00", timedelta(0), SlaStatus.BREACHED),
        ("2024-06-03 11:01", None, 30 * M, SlaStatus.OK),  # paused: no deadline
    ],
)
def test_status(now, due, warn_before, expected):
    assert status(at(now), at(due) if due else None, warn_before) is expected


def test_status_compares_instants_across_time_zones():
    assert status(at("2024-06-03 04:00", UTC), at("2024-06-03 11:00"), 30 * M) is SlaStatus.BREACHED


@pytest.mark.parametrize(
    ("now", "due", "pauses", "overdue"),
    [
        ("2024-06-03 10:00", "2024-06-03 11:00", [], None),
        ("2024-06-03 11:00", "2024-06-03 11:00", [], None),
        ("2024-06-03 10:00", None, [], None),
        ("2024-06-07 18:00", "2024-06-07 17:30", [], timedelta(0)),  # late, but after hours
        ("2024-06-11 09:30", "2024-06-07 16:30", [], 2 * H),  # Fri 1 h + Tue 1 h (Mon holiday)
        ("2024-06-11 09:30", "2024-06-07 16:30", [("2024-06-11 08:00", None)], H),
    ],
)
def test_overdue_working(now, due, pauses, overdue):
    result = overdue_working(at(now), at(due) if due else None, pauses=pauses_at(*pauses), **STORE)
    assert result == overdue


@pytest.mark.parametrize(
    ("overdue", "limit_time", "earlier_breaches", "level"),
    [
        (None, 2 * H, 0, EscalationLevel.NONE),
        (None, 2 * H, 2, EscalationLevel.NONE),  # this step is on time
        (timedelta(0), 2 * H, 0, EscalationLevel.SUPERVISOR),
        (2 * H - M, 2 * H, 0, EscalationLevel.SUPERVISOR),
        (2 * H, 2 * H, 0, EscalationLevel.CS_MANAGER),
        (4 * H, 2 * H, 0, EscalationLevel.GENERAL_MANAGER),
        (40 * H, 2 * H, 0, EscalationLevel.GENERAL_MANAGER),
        (timedelta(0), 2 * H, 1, EscalationLevel.CS_MANAGER),
        (timedelta(0), 2 * H, 2, EscalationLevel.GENERAL_MANAGER),
        (2 * H, 2 * H, 1, EscalationLevel.GENERAL_MANAGER),
        (26 * H, 27 * H, 0, EscalationLevel.SUPERVISOR),  # 3 working days
        (27 * H, 27 * H, 0, EscalationLevel.CS_MANAGER),
    ],
)
def test_escalation_level(overdue, limit_time, earlier_breaches, level):
    assert (
        escalation_level(overdue=overdue, limit_time=limit_time, earlier_breaches=earlier_breaches)
        is level
    )


@pytest.mark.parametrize(("limit_time", "earlier_breaches"), [(timedelta(0), 0), (H, -1)])
def test_escalation_needs_a_positive_limit_and_a_breach_count(limit_time, earlier_breaches):
    with pytest.raises(ValueError):
        escalation_level(overdue=H, limit_time=limit_time, earlier_breaches=earlier_breaches)


def test_each_escalation_level_names_a_role():
    assert ESCALATION_ROLE == {
        EscalationLevel.SUPERVISOR: Role.CS_SUPERVISOR,
        EscalationLevel.CS_MANAGER: Role.CS_MANAGER,
        EscalationLevel.GENERAL_MANAGER: Role.GENERAL_MANAGER,
    }


# --- properties -------------------------------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
STORES = st.fixed_dictionaries(
    {
        "working_hours": st.sampled_from(
            [WORKING_HOURS, DailyHours(time(9), time(18)), DailyHours(time(8), time(12))]
        ),
        "calendar": st.sampled_from([CALENDAR, WorkingCalendar({date(2027, 10, 1): False})]),
        "tz": st.sampled_from([SHANGHAI, URUMQI]),
    }
)
LIMITS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12))
PAUSES = st.lists(
    st.tuples(MOMENTS, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10))).map(
        lambda pair: (pair[0], pair[0] + pair[1])
    ),
    max_size=4,
)


@settings(deadline=None)  # timing varies on a loaded CI machine; results do not
@given(start=MOMENTS, limit=LIMITS, store=STORES)
def test_elapsed_working_time_to_the_deadline_is_the_limit(start, limit, store):
    due = deadline(start, limit, **store)
    assert due >= start
    assert elapsed_working(start, due, **store) == limit
    if limit:
        # The deadline is the earliest such instant.
        assert elapsed_working(start, due - timedelta(microseconds=1), **store) < limit


@settings(deadline=None)  # timing varies on a loaded CI machine; results do not
@given(
    start=MOMENTS,
    delay=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    limit=LIMITS,
    store=STORES,
)
def test_deadline_is_monotonic_in_start(start, delay, limit, store):
    assert deadline(start, limit, **store) <= deadline(start + delay, limit, **store)


@settings(deadline=None)  # timing varies on a loaded CI machine; results do not
@given(moments=st.lists(MOMENTS, min_size=3, max_size=3).map(sorted), store=STORES, pauses=PAUSES)
def test_elapsed_working_adds_up(moments, store, pauses):
    first, middle, last = moments
    assert elapsed_working(first, last, pauses=pauses, **store) == elapsed_working(
        first, middle, pauses=pauses, **store
    ) + elapsed_working(middle, last, pauses=pauses, **store)


@settings(deadline=None)  # timing varies on a loaded CI machine; results do not
@given(start=MOMENTS, limit=LIMITS, store=STORES, pauses=PAUSES)
def test_paused_deadline_leaves_exactly_the_limit_of_running_time(start, limit, store, pauses):
    due = deadline_with_pauses(start, limit, pauses=pauses, **store)
    assert due >= deadline(start, limit, **store)
    assert elapsed_working(start, due, pauses=pauses, **store) == limit
    if limit:
        before = due - timedelta(microseconds=1)
        assert elapsed_working(start, before, pauses=pauses, **store) < limit


@settings(deadline=None)  # timing varies on a loaded CI machine; results do not
@given(start=MOMENTS, limit=LIMITS, store=STORES, paused_at=MOMENTS)
def test_an_open_pause_before_the_deadline_removes_it(start, limit, store, paused_at):
    due = deadline(start, limit, **store)
    assume(paused_at < due)
    assume(elapsed_working(start, paused_at, **store) < limit)
    assert deadline_with_pauses(start, limit, pauses=[(paused_at, None)], **store) is None
