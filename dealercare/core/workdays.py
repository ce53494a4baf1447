"""Working days, daily hours and store-local time (DOMAIN §8); pure, no database.

China works Monday to Friday, except on public holidays, and also on the make-up working days
(调休) that the State Council moves onto weekends around them. `WorkingCalendar` answers "is this
a working day?" from the `chinese-calendar` package for the years it ships, from the overrides a
CS manager enters (next year's schedule is published each autumn, often before the package has
it), and for any other year from a Monday-Friday fallback that it reports as a warning instead of
crashing. Follow-up rules (followups/rules.py) and complaint time limits (complaints/sla.py) build
on it; see docs/adr/0003-working-time-and-calendars.md.
"""

from __future__ import annotations

import bisect
import calendar as gregorian
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext

ONE_DAY = timedelta(days=1)


# --- working days -----------------------------------------------------------------------------


@functools.cache
def _package_year(year: int) -> bytes | None:
    """The package's working-day flags for each day of `year`, or None if it has no data."""
    first = date(year, 1, 1)
    try:
        chinese_calendar.is_workday(first)
    except NotImplementedError:
        # The package raises outside the years it ships; we fall back instead of crashing.
        return None
    return bytes(
        chinese_calendar.is_workday(first + timedelta(days=i)) for i in range(_days_in(year))
    )


def _days_in(year: int) -> int:
    """Number of days in a Gregorian year."""
    return 366 if gregorian.isleap(year) else 365


def _weekday_flags(year: int) -> bytes:
    """Monday-Friday working-day flags for `year`: the fallback when nobody knows its holidays."""
    first = date(year, 1, 1)
    return bytes((first + timedelta(days=i)).weekday() < 5 for i in range(_days_in(year)))


@dataclass(frozen=True, slots=True)
class _Year:
    """One year of a calendar, precomputed so lookups and counts need no loops over days."""

    first_ordinal: int
    flags: bytes  # flags[i] is 1 when day i of the year (0 = 1 January) is a working day
    counts: tuple[int, ...]  # counts[i] = working days among the year's first i days
    known: bool  # False when the year runs on the Monday-Friday fallback

    @property
    def total(self) -> int:
        """Working days in the whole year."""
        return self.counts[-1]


def _require_date(day: date) -> None:
    """Refuse datetimes: the caller must say which store-local date it means."""
    # datetime is a subclass of date; a UTC datetime's date is often the wrong local day.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"Expected a date, got {type(day).__name__}: use the store-local date.")


class WorkingCalendar:
    """Immutable answer to "is this a working day?" for one store or group (DOMAIN §8)."""

    __slots__ = ("_overrides", "_override_years", "_years")

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        """Build a calendar from the package's data plus `overrides` (date -> is a working day)."""
        checked: dict[date, bool] = {}
        by_year: dict[int, list[tuple[date, bool]]] = {}
        for day, working in (overrides or {}).items():
            _require_date(day)
            if not isinstance(working, bool):
                raise TypeError(f"Override for {day} must be True or False, got {working!r}.")
            checked[day] = working
            by_year.setdefault(day.year, []).append((day, working))
        object.__setattr__(self, "_overrides", MappingProxyType(checked))
        object.__setattr__(self, "_override_years", MappingProxyType(by_year))
        # Filled lazily, one entry per year asked about; never changes what the calendar says.
        object.__setattr__(self, "_years", {})

    def __setattr__(self, name, value):
        """Calendars are shared between requests and cached: nothing may change one."""
        raise AttributeError("WorkingCalendar is immutable")

    def __eq__(self, other):
        """Two calendars are equal when they have the same overrides."""
        if not isinstance(other, WorkingCalendar):
            return NotImplemented
        return self._overrides == other._overrides

    def __hash__(self):
        """Hash of the overrides, so a calendar can key a cache."""
        return hash(frozenset(self._overrides.items()))

    def __repr__(self):
        """Show how many overrides the calendar holds."""
        return f"WorkingCalendar(<{len(self._overrides)} overrides>)"

    @property
    def overrides(self) -> Mapping[date, bool]:
        """The explicit days, read-only."""
        return self._overrides

    def _year(self, year: int) -> _Year:
        """The precomputed table of `year`, built on first use."""
        table = self._years.get(year)
        if table is None:
            package = _package_year(year)
            flags = bytearray(package if package is not None else _weekday_flags(year))
            first_ordinal = date(year, 1, 1).toordinal()
            # Overrides win over the package: the manager may correct it or add a store's days.
            for day, working in self._override_years.get(year, ()):
                flags[day.toordinal() - first_ordinal] = working
            table = _Year(
                first_ordinal=first_ordinal,
                flags=bytes(flags),
                counts=tuple(accumulate(flags, initial=0)),
                known=package is not None or year in self._override_years,
            )
            self._years[year] = table
        return table

    def is_working_day(self, day: date) -> bool:
        """True when the store works on `day` (a store-local date)."""
        _require_date(day)
        table = self._year(day.year)
        return bool(table.flags[day.toordinal() - table.first_ordinal])

    def knows_year(self, year: int) -> bool:
        """True when `year`'s holidays come from the package or from entered overrides."""
        # Any entered day counts: the manager enters the State Council's schedule at once.
        return self._year(year).known

    def missing_years(self, years: Iterable[int]) -> tuple[int, ...]:
        """The years among `years` that run on the Monday-Friday fallback, in order."""
        return tuple(sorted({year for year in years if not self.knows_year(year)}))

    def warning_for(self, day: date) -> str | None:
        """A message for the UI when `day` falls in a year whose holidays nobody has entered."""
        _require_date(day)
        if self.knows_year(day.year):
            return None
        return gettext(
            "No public holidays are entered for %(year)s: "
            "working days are assumed to be Monday to Friday."
        ) % {"year": day.year}

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0); `day` itself is not counted."""
        _require_date(day)
        if n == 0:
            return day
        table = self._year(day.year)
        index = day.toordinal() - table.first_ordinal
        year = day.year
        if n > 0:
            # Position wanted in the running count of the year's working days.
            wanted = table.counts[index + 1] + n
            while wanted > table.total:
                wanted -= table.total
                year += 1
                table = self._year(year)
        else:
            wanted = table.counts[index] + n + 1
            while wanted < 1:
                year -= 1
                table = self._year(year)
                wanted += table.total
        # The first day whose running count reaches `wanted` is that working day.
        position = bisect.bisect_left(table.counts, wanted) - 1
        return date.fromordinal(table.first_ordinal + position)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days passed going from `start` to `end`: the day reached counts, not the day left.

        Forwards that is start < d <= end; backwards (end < start) it is end <= d < start, made
        negative, so that working_days_between(day, add_working_days(day, n)) == n for every n.
        """
        _require_date(start)
        _require_date(end)
        if end < start:
            return -self.working_days_between(end - ONE_DAY, start - ONE_DAY)
        # Counts within each end's year, plus the whole years in between.
        total = self._count_through(end) - self._count_through(start)
        for year in range(start.year, end.year):
            total += self._year(year).total
        return total

    def _count_through(self, day: date) -> int:
        """Working days from 1 January of `day`'s year through `day`."""
        table = self._year(day.year)
        return table.counts[day.toordinal() - table.first_ordinal + 1]


# --- daily hours and store-local time ----------------------------------------------------------


@dataclass(frozen=True)
class DailyHours:
    """A store's hours within one day, start inclusive, end exclusive (e.g. 08:30-17:30)."""

    start: time
    end: time

    def __post_init__(self):
        """Hours never span midnight and carry no time zone: the store's zone applies."""
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Daily hours are local times without a time zone.")
        if self.start >= self.end:
            raise ValueError(f"Daily hours must end after they start: {self.start}-{self.end}.")

    @property
    def length(self) -> timedelta:
        """How long the hours last each day, by the clock on the wall."""
        return since_midnight(self.end) - since_midnight(self.start)

    def contains(self, moment: time) -> bool:
        """True when a local time of day falls within the hours."""
        return self.start <= moment < self.end


def daily_hours(value: DailyHours | tuple[time, time]) -> DailyHours:
    """Accept either a DailyHours or a (start, end) pair of times, e.g. from a Store's fields."""
    if isinstance(value, DailyHours):
        return value
    start, end = value
    return DailyHours(start, end)


def zone(tz: tzinfo | str) -> tzinfo:
    """A time zone from a tzinfo or an IANA name such as "Asia/Shanghai"."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def since_midnight(moment: time) -> timedelta:
    """A local time of day as the time elapsed since midnight."""
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def require_aware(moment: datetime) -> datetime:
    """Return `moment` if it carries a UTC offset; naive datetimes have no defined instant."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"Expected an aware datetime, got {moment!r}.")
    return moment


def to_local(moment: datetime, tz: tzinfo) -> datetime:
    """The store's wall-clock reading (naive) of an aware instant."""
    return require_aware(moment).astimezone(tz).replace(tzinfo=None)


def from_local(wall_clock: datetime, tz: tzinfo) -> datetime:
    """The aware UTC instant of a store wall-clock reading."""
    return wall_clock.replace(tzinfo=tz).astimezone(UTC)
