"""Complaint time limits counted in working time (DOMAIN §5, §8); pure, no database.

A limit counts only the store's working hours (default 08:30-17:30) on working days of its
`WorkingCalendar`, on the store's wall clock, and stops while the case waits for the customer
(pauses). "N working days" means N times the length of the working day, so a complaint received
at 16:00 is due at 16:00 on the N-th working day after, and one received outside working hours is
due at the end of the N-th working day (docs/adr/0003-working-time-and-calendars.md). Services
call `deadline_with_pauses()` to store a step's due time, `status()` to warn and
`escalation_level()` to decide who must hear about a breach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import IntEnum, StrEnum

from dealercare.core.workdays import (
    ONE_DAY,
    DailyHours,
    WorkingCalendar,
    daily_hours,
    from_local,
    since_midnight,
    to_local,
    zone,
)

ZERO = timedelta(0)

Pause = tuple[datetime, datetime | None]  # (from, to); to is None while still waiting


class LimitUnit(StrEnum):
    """The unit a time limit is set in."""

    MINUTES = "working_minutes"
    HOURS = "working_hours"
    DAYS = "working_days"


@dataclass(frozen=True)
class Limit:
    """A time limit such as "2 working hours" or "3 working days"."""

    amount: int
    unit: LimitUnit

    def __post_init__(self):
        """A limit is a whole, non-negative number of units."""
        if not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"A limit is a whole number of units >= 0, got {self.amount!r}.")

    def working_time(self, working_hours: DailyHours | tuple[time, time]) -> timedelta:
        """The limit as an amount of working time; a working day is the working hours' length."""
        if self.unit == LimitUnit.DAYS:
            return self.amount * daily_hours(working_hours).length
        if self.unit == LimitUnit.HOURS:
            return timedelta(hours=self.amount)
        return timedelta(minutes=self.amount)


ACKNOWLEDGE_LIMIT = Limit(2, LimitUnit.HOURS)  # DOMAIN §5 default: acknowledge within 2 h
SOLUTION_LIMIT = Limit(3, LimitUnit.DAYS)  # DOMAIN §5 default: solution within 3 days


class SlaStatus(StrEnum):
    """Where a step stands against its deadline."""

    OK = "ok"
    NEARING = "nearing"
    BREACHED = "breached"


class EscalationLevel(IntEnum):
    """Who must hear about a breach; higher is more senior."""

    NONE = 0
    SUPERVISOR = 1
    CS_MANAGER = 2
    GENERAL_MANAGER = 3


# The accounts.roles.Role values each level notifies (strings: this module imports no models).
ESCALATION_ROLE = {
    EscalationLevel.SUPERVISOR: "cs_supervisor",
    EscalationLevel.CS_MANAGER: "cs_manager",
    EscalationLevel.GENERAL_MANAGER: "general_manager",
}


# --- working time on the store's wall clock ----------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    """A store's working hours, calendar and time zone, checked once per call."""

    hours: DailyHours
    calendar: WorkingCalendar
    tz: tzinfo

    @classmethod
    def of(cls, working_hours, calendar, tz) -> _Clock:
        """Normalise the arguments every public function takes."""
        return cls(daily_hours(working_hours), calendar, zone(tz))

    def _within_day(self, day, from_offset: timedelta, to_offset: timedelta) -> timedelta:
        """Working time between two offsets from midnight of one local day."""
        if not self.calendar.is_working_day(day):
            return ZERO
        start = max(from_offset, since_midnight(self.hours.start))
        end = min(to_offset, since_midnight(self.hours.end))
        return max(end - start, ZERO)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two wall-clock readings (zero when end is not after start)."""
        if end <= start:
            return ZERO
        start_offset, end_offset = since_midnight(start.time()), since_midnight(end.time())
        if start.date() == end.date():
            return self._within_day(start.date(), start_offset, end_offset)
        # Rest of the first day, whole days in between (from the calendar's counts), start of
        # the last day: no loop over days, however long the case has been open.
        whole_days = self.calendar.working_days_between(start.date(), end.date() - ONE_DAY)
        return (
            self._within_day(start.date(), start_offset, ONE_DAY)
            + whole_days * self.hours.length
            + self._within_day(end.date(), ZERO, end_offset)
        )

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest wall-clock reading at which `amount` of working time has passed."""
        if amount <= ZERO:
            return start
        day = start.date()
        opens, closes = since_midnight(self.hours.start), since_midnight(self.hours.end)
        offset = since_midnight(start.time())
        if self.calendar.is_working_day(day) and offset < closes:
            available = closes - max(offset, opens)
            if amount <= available:
                return datetime.combine(day, time()) + max(offset, opens) + amount
            amount -= available
        # The rest takes whole working days and a part of one more: jump to that day.
        days = -(-amount // self.hours.length)  # ceiling division
        last_day = self.calendar.add_working_days(day, days)
        return datetime.combine(last_day, time()) + opens + amount - (days - 1) * self.hours.length


def _limit_time(limit: Limit | timedelta, hours: DailyHours) -> timedelta:
    """A limit as working time; a timedelta is taken as working time already."""
    amount = limit.working_time(hours) if isinstance(limit, Limit) else limit
    if amount < ZERO:
        raise ValueError(f"A limit cannot be negative: {amount}.")
    return amount


def _local_pauses(
    pauses: Iterable[Pause], start: datetime, clock: _Clock
) -> list[tuple[datetime, datetime | None]]:
    """Pauses on the wall clock, from `start` on, sorted and merged; None ends an open pause."""
    local = []
    for pause_from, pause_to in pauses:
        if pause_to is not None and pause_to < pause_from:
            raise ValueError(f"A pause cannot end before it starts: {pause_from} > {pause_to}.")
        local.append(
            (
                max(to_local(pause_from, clock.tz), start),
                None if pause_to is None else to_local(pause_to, clock.tz),
            )
        )
    local.sort(key=lambda pause: pause[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for pause_from, pause_to in local:
        if pause_to is not None and pause_to <= start:
            continue  # over before the clock started
        if merged and (merged[-1][1] is None or pause_from <= merged[-1][1]):
            last_from, last_to = merged[-1]
            if last_to is not None and (pause_to is None or pause_to > last_to):
                merged[-1] = (last_from, pause_to)
            continue
        merged.append((pause_from, pause_to))
    return merged


# --- the public rules ---------------------------------------------------------------------------


def deadline(
    start: datetime,
    limit: Limit | timedelta,
    *,
    working_hours: DailyHours | tuple[time, time],
    calendar: WorkingCalendar,
    tz: tzinfo | str,
) -> datetime:
    """The aware UTC instant when `limit` of working time has passed since `start`."""
    clock = _Clock.of(working_hours, calendar, tz)
    due = clock.add(to_local(start, clock.tz), _limit_time(limit, clock.hours))
    return from_local(due, clock.tz)


def elapsed_working(
    start: datetime,
    end: datetime,
    *,
    working_hours: DailyHours | tuple[time, time],
    calendar: WorkingCalendar,
    tz: tzinfo | str,
    pauses: Iterable[Pause] = (),
) -> timedelta:
    """Working time from `start` to `end`, less the working time spent in `pauses`.

    Pauses may overlap each other or reach outside [start, end]; only their working time
    within it counts. A pause whose end is None is still running.
    """
    clock = _Clock.of(working_hours, calendar, tz)
    local_start, local_end = to_local(start, clock.tz), to_local(end, clock.tz)
    elapsed = clock.between(local_start, local_end)
    for pause_from, pause_to in _local_pauses(pauses, local_start, clock):
        until = local_end if pause_to is None else min(pause_to, local_end)
        elapsed -= clock.between(pause_from, until)
    return elapsed


def deadline_with_pauses(
    start: datetime,
    limit: Limit | timedelta,
    *,
    pauses: Iterable[Pause],
    working_hours: DailyHours | tuple[time, time],
    calendar: WorkingCalendar,
    tz: tzinfo | str,
) -> datetime | None:
    """The deadline moved on by the working time spent waiting for the customer.

    It is the earliest instant at which `elapsed_working()` reaches the limit. Returns None while
    an open pause (end None) holds the clock before the limit is reached: there is no deadline
    until the customer answers. A pause that starts after the deadline does not move it.
    """
    clock = _Clock.of(working_hours, calendar, tz)
    remaining = _limit_time(limit, clock.hours)
    cursor = to_local(start, clock.tz)
    # Walk the running stretches between pauses until the limit is used up.
    for pause_from, pause_to in _local_pauses(pauses, cursor, clock):
        running = clock.between(cursor, pause_from)
        if remaining <= running:
            break
        remaining -= running
        if pause_to is None:
            return None
        cursor = max(cursor, pause_to)
    return from_local(clock.add(cursor, remaining), clock.tz)


def status(now: datetime, deadline: datetime | None, warn_before: timedelta = ZERO) -> SlaStatus:
    """OK, nearing (within `warn_before` of the deadline) or breached (after the deadline).

    A step is still on time at its deadline itself. With no deadline (the clock is paused) a
    step is OK. `warn_before` is wall-clock time.
    """
    if deadline is None:
        return SlaStatus.OK
    if now > deadline:
        return SlaStatus.BREACHED
    if warn_before > ZERO and now >= deadline - warn_before:
        return SlaStatus.NEARING
    return SlaStatus.OK


def overdue_working(
    now: datetime,
    deadline: datetime | None,
    *,
    working_hours: DailyHours | tuple[time, time],
    calendar: WorkingCalendar,
    tz: tzinfo | str,
    pauses: Iterable[Pause] = (),
) -> timedelta | None:
    """Working time since a breached deadline (less pauses), or None when not breached."""
    if deadline is None or now <= deadline:
        return None
    return elapsed_working(
        deadline, now, working_hours=working_hours, calendar=calendar, tz=tz, pauses=pauses
    )


def escalation_level(
    *, overdue: timedelta | None, limit_time: timedelta, earlier_breaches: int = 0
) -> EscalationLevel:
    """Who must know about a step's breach: one level up per breach and per limit overdue.

    A breach goes to the supervisor; each further full limit of working time overdue, and each
    earlier breached step of the same complaint, goes one level higher, up to the general
    manager. With a 2-hour limit: just late -> supervisor, 2 h late -> CS manager, 4 h late ->
    general manager. `overdue` is `overdue_working()`'s answer; None means not breached.
    Escalate when the answer is above the complaint's current level.
    """
    if limit_time <= ZERO:
        raise ValueError("Escalation needs a positive limit.")
    if earlier_breaches < 0:
        raise ValueError("earlier_breaches cannot be negative.")
    if overdue is None:
        return EscalationLevel.NONE
    steps = 1 + earlier_breaches + overdue // limit_time
    return EscalationLevel(min(steps, EscalationLevel.GENERAL_MANAGER))
