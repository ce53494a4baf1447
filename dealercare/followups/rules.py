"""When a follow-up task opens and when it is due (DOMAIN §3); pure, no database.

Use `follow_up_window()` whenever a task is created from its event (on save and in the sweep),
so both paths schedule the same window. `DEFAULT_RULES` is DOMAIN §3's table as data; a store's
editable rules (followups.models) carry the same fields. `allowed_call_time()` tells the queue
when a customer may be called at all (calling hours minus the customer's quiet hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

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


class Event(StrEnum):
    """What happened to the customer that calls for a follow-up."""

    DELIVERY = "delivery"  # vehicle delivered 交车
    SERVICE_VISIT_FINISHED = "service_visit_finished"  # vehicle left the workshop 离站
    COMPLAINT_CLOSED = "complaint_closed"
    SURVEY_LOW_SCORE = "survey_low_score"  # an answer at or below "average", or a "no" check


@dataclass(frozen=True)
class WindowRule:
    """The timing of one kind of follow-up task, relative to its event.

    The window opens `earliest_hours` after the event, or else at the start of calling hours on
    day `earliest_day` (the event's local date is day 0). It is due at the end of calling hours
    on day `due_day`, or, when `due_day` is None, at the end of the calling day it opens on. Days
    count calendar days unless the matching `*_working_days` flag says working days.
    """

    code: str
    event: Event
    earliest_hours: int | None = None
    earliest_day: int | None = None
    earliest_working_days: bool = False
    due_day: int | None = None
    due_working_days: bool = False

    def __post_init__(self):
        """A rule opens either some hours after its event or on a day, never both or neither."""
        if (self.earliest_hours is None) == (self.earliest_day is None):
            raise ValueError(f"{self.code}: give exactly one of earliest_hours, earliest_day.")
        for name in ("earliest_hours", "earliest_day", "due_day"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{self.code}: {name} must not be negative.")


@dataclass(frozen=True)
class Window:
    """When a follow-up may start and when it is due, as aware UTC datetimes."""

    window_start: datetime
    due_at: datetime


# DOMAIN §3's table. Codes are stable: stores' rules and tasks refer to them.
DEFAULT_RULES: tuple[WindowRule, ...] = (
    # Care call 关怀回访: 2 hours after delivery, by the end of that calling day.
    WindowRule("delivery_care_call", Event.DELIVERY, earliest_hours=2),
    # First after-sales follow-up 售后第一次跟踪: next day, by the end of day 3.
    WindowRule("delivery_first_followup", Event.DELIVERY, earliest_day=1, due_day=3),
    # 7-day care call 七天关怀回访: on day 7.
    WindowRule("delivery_seven_day_care_call", Event.DELIVERY, earliest_day=7, due_day=7),
    # Run-in maintenance reminder 走合保养提醒: from day 14, within 3 weeks.
    WindowRule("delivery_run_in_reminder", Event.DELIVERY, earliest_day=14, due_day=21),
    # Service follow-up 维修回访: next day after the vehicle left, by the end of day 3.
    WindowRule("service_followup", Event.SERVICE_VISIT_FINISHED, earliest_day=1, due_day=3),
    # Satisfaction check on the complaint's handling: next day, by the end of day 3.
    WindowRule("complaint_satisfaction_check", Event.COMPLAINT_CLOSED, earliest_day=1, due_day=3),
    # Recovery call after a low survey answer (closed loop, DOMAIN §4): at once, by the end of
    # the next working day.
    WindowRule(
        "survey_recovery",
        Event.SURVEY_LOW_SCORE,
        earliest_hours=0,
        due_day=1,
        due_working_days=True,
    ),
)


def default_rules_for(event: Event) -> tuple[WindowRule, ...]:
    """The default rules that fire on `event`, in DOMAIN §3's order."""
    return tuple(rule for rule in DEFAULT_RULES if rule.event == event)


def _day_n(event_day: date, n: int, working: bool, calendar: WorkingCalendar) -> date:
    """Day N after the event's local date, counting calendar or working days."""
    return calendar.add_working_days(event_day, n) if working else event_day + n * ONE_DAY


def _into_calling_hours(local: datetime, hours: DailyHours) -> datetime:
    """The wall-clock moment itself if calls are allowed then, else the next calling-hours start."""
    if local.time() < hours.start:
        return datetime.combine(local.date(), hours.start)
    if local.time() >= hours.end:
        return datetime.combine(local.date() + ONE_DAY, hours.start)
    return local


def follow_up_window(
    event_at: datetime,
    rule: WindowRule,
    *,
    tz: tzinfo | str,
    calling_hours: DailyHours | tuple[time, time],
    calendar: WorkingCalendar,
) -> Window:
    """The (window_start, due_at) of a task created by `rule` for an event at `event_at`."""
    store_zone = zone(tz)
    hours = daily_hours(calling_hours)
    event_local = to_local(event_at, store_zone)
    event_day = event_local.date()

    if rule.earliest_hours is not None:
        # "2 hours after" is elapsed time, so add it to the instant, not to the wall clock.
        opens = to_local(event_at + timedelta(hours=rule.earliest_hours), store_zone)
    else:
        day = _day_n(event_day, rule.earliest_day, rule.earliest_working_days, calendar)
        # Day 0 would open at this morning's calling start: never before the event itself.
        opens = max(datetime.combine(day, hours.start), event_local)
    opens = _into_calling_hours(opens, hours)

    if rule.due_day is None:
        due = datetime.combine(opens.date(), hours.end)
    else:
        day = _day_n(event_day, rule.due_day, rule.due_working_days, calendar)
        due = datetime.combine(day, hours.end)
    if due <= opens:
        # The window opened too late for its due (a 19:30 delivery): due by the end of that day.
        due = datetime.combine(opens.date(), hours.end)
    return Window(window_start=from_local(opens, store_zone), due_at=from_local(due, store_zone))


# --- when a customer may be called ---------------------------------------------------------------


def _allowed_spans(
    hours: DailyHours, quiet_hours: tuple[time, time] | None
) -> list[tuple[timedelta, timedelta]]:
    """Calling hours minus the quiet hours, as [from, to) offsets from midnight, in order."""
    spans = [(since_midnight(hours.start), since_midnight(hours.end))]
    if quiet_hours is None:
        return spans
    quiet_from, quiet_to = (since_midnight(t) for t in quiet_hours)
    if quiet_from == quiet_to:
        # An empty period; refusing calls altogether is the customer's allow_phone flag.
        return spans
    if quiet_from < quiet_to:
        cuts = [(quiet_from, quiet_to)]
    else:
        # Quiet hours such as 22:00-08:00 wrap past midnight: two cuts within one day.
        cuts = [(timedelta(0), quiet_to), (quiet_from, ONE_DAY)]
    for cut_from, cut_to in cuts:
        remaining = []
        for span_from, span_to in spans:
            if span_from < cut_from:
                remaining.append((span_from, min(span_to, cut_from)))
            if span_to > cut_to:
                remaining.append((max(span_from, cut_to), span_to))
        spans = remaining
    return spans


def allowed_call_time(
    now: datetime,
    *,
    tz: tzinfo | str,
    calling_hours: DailyHours | tuple[time, time],
    quiet_hours: tuple[time, time] | None = None,
) -> datetime | None:
    """The first instant at or after `now` when the customer may be called, in UTC.

    Calls are allowed within the store's calling hours, outside the customer's quiet hours (both
    read on the store's wall clock). Returns None when the quiet hours cover all calling hours:
    such a customer can only get SMS.
    """
    store_zone = zone(tz)
    spans = _allowed_spans(daily_hours(calling_hours), quiet_hours)
    local = to_local(now, store_zone)
    midnight = datetime.combine(local.date(), time())
    # Every day has the same spans, so today and tomorrow hold the answer if there is one.
    for day_midnight in (midnight, midnight + ONE_DAY):
        for span_from, span_to in spans:
            if day_midnight + span_to > local:
                return from_local(max(local, day_midnight + span_from), store_zone)
    return None


def is_call_allowed(
    now: datetime,
    *,
    tz: tzinfo | str,
    calling_hours: DailyHours | tuple[time, time],
    quiet_hours: tuple[time, time] | None = None,
) -> bool:
    """True when the customer may be called at `now`."""
    allowed = allowed_call_time(now, tz=tz, calling_hours=calling_hours, quiet_hours=quiet_hours)
    return allowed == now


# --- the same windows, one day at a time (for set-based SQL) -------------------------------------


def window_day_bounds(
    event_day: date,
    rule: WindowRule,
    *,
    calling_hours: DailyHours | tuple[time, time],
    calendar: WorkingCalendar,
) -> tuple[datetime | None, datetime | None]:
    """The parts of `follow_up_window` that depend only on the event's local date.

    Returns (opens, due) as naive store wall-clock datetimes: `opens` is the calling-hours start
    on day `earliest_day` (None for an `earliest_hours` rule), `due` the calling-hours end on day
    `due_day` (None when due the day it opens). The sweep joins them to events by local date and
    finishes the window in SQL exactly as follow_up_window does; a test checks they agree.
    """
    hours = daily_hours(calling_hours)
    opens = None
    if rule.earliest_day is not None:
        day = _day_n(event_day, rule.earliest_day, rule.earliest_working_days, calendar)
        opens = datetime.combine(day, hours.start)
    due = None
    if rule.due_day is not None:
        day = _day_n(event_day, rule.due_day, rule.due_working_days, calendar)
        due = datetime.combine(day, hours.end)
    return opens, due


# --- which channel a task uses -------------------------------------------------------------------


def task_channel(rule_channel: str, *, allow_phone: bool, allow_sms: bool) -> str | None:
    """The channel of a task: the rule's, else the other one the customer accepts, else None.

    A customer who refuses calls gets the SMS variant (DOMAIN §3); one who refuses SMS gets a
    call for an SMS rule; one who refuses both gets nothing (the task is closed as no consent).
    """
    allowed = {"phone": allow_phone, "sms": allow_sms}
    other = "sms" if rule_channel == "phone" else "phone"
    for channel in (rule_channel, other):
        if allowed[channel]:
            return channel
    return None
