"""Writes of follow-up rules and tasks: seeding rules, creating tasks from events (on save and in
the sweep), keeping them in step when an event changes, and supervisors' edits.

Tasks exist at most once per (rule, event): every path inserts with "ignore conflicts" against the
unique constraint, so the save hook, the sweep, a second sweep and a sweep restarted after a crash
all end with the same rows (docs/adr/0005-follow-up-tasks-and-queue-claiming.md).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.calendars import working_calendar_for
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.core.workdays import DailyHours, WorkingCalendar, to_local
from dealercare.customers.choices import CustomerType
from dealercare.customers.models import Customer

from . import events, rules
from .choices import OPEN_STATUSES, Channel, EventType, TaskOutcome, TaskStatus
from .conf import setting
from .defaults import default_rule_rows
from .models import FollowUpRule, FollowUpTask
from .scripts import spoken_phone

logger = logging.getLogger(__name__)

MSG_TASK_CLOSED = _("This follow-up is already closed.")
MSG_REASON_REQUIRED = _("Give a reason.")


# --- a store's schedule ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """What a store's follow-up windows depend on: its time zone, calling hours and calendar."""

    tz: tzinfo
    calling_hours: DailyHours
    calendar: WorkingCalendar

    def window(self, rule: rules.WindowRule, event_at: datetime) -> rules.Window:
        return rules.follow_up_window(
            event_at,
            rule,
            tz=self.tz,
            calling_hours=self.calling_hours,
            calendar=self.calendar,
        )


def store_schedule(store) -> Schedule:
    """The Schedule of `store` (one query, for its working-day overrides)."""
    return Schedule(
        tz=store.tzinfo,
        calling_hours=DailyHours(store.calling_hours_start, store.calling_hours_end),
        calendar=working_calendar_for(store),
    )


def lookback_start(now: datetime) -> datetime:
    """Events before this create no tasks: older history is imported, not followed up."""
    return now - timedelta(days=setting("FOLLOWUP_LOOKBACK_DAYS"))


# --- rules ---------------------------------------------------------------------------------------


def rules_seed_defaults(store) -> int:
    """Give `store` the default rules it lacks (DOMAIN §3); returns how many were added.

    Idempotent: codes are unique per store, so existing (possibly edited) rules stay as they are.
    """
    existing = set(FollowUpRule.objects.filter(store=store).values_list("code", flat=True))
    missing = [
        FollowUpRule(store=store, **row)
        for row in default_rule_rows()
        if row["code"] not in existing
    ]
    FollowUpRule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def store_rules(store, event: rules.Event | str | None = None) -> list[FollowUpRule]:
    """The active rules of `store` (for one event, if given); a store without rules gets the
    defaults first."""
    if not FollowUpRule.objects.filter(store=store).exists():
        rules_seed_defaults(store)
    queryset = FollowUpRule.objects.filter(store=store, is_active=True)
    if event is not None:
        queryset = queryset.filter(event=rules.Event(event))
    return list(queryset.order_by("id"))


@transaction.atomic
def rule_update(*, actor, rule, fields) -> FollowUpRule:
    """Edit a rule (CS manager); open tasks nobody has called yet take its new window."""
    access_for(actor).require(Capability.MANAGE_STORE, rule.store_id)
    unknown = set(fields) - set(FollowUpRule.EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    rule = FollowUpRule.objects.select_for_update().get(pk=rule.pk)
    before = audit.snapshot(rule, FollowUpRule.EDITABLE_FIELDS)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    changes = audit.field_changes(
        before, audit.snapshot(rule, FollowUpRule.EDITABLE_FIELDS), FollowUpRule.EDITABLE_FIELDS
    )
    rule.save()
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, target=rule, changes=changes)
    if set(changes) & set(FollowUpRule.WINDOW_FIELDS):
        _reschedule(
            FollowUpTask.objects.filter(rule=rule, status__in=OPEN_STATUSES, attempts_count=0),
            store_schedule(rule.store),
        )
    return rule


# --- building tasks ------------------------------------------------------------------------------


def task_priority(customer_type: str) -> int:
    """0 for VIP customers (served first among tasks due at the same time), 1 for the rest."""
    return 0 if customer_type == CustomerType.VIP else 1


def _new_task(rule, source, *, event_id, event_at, customer, vehicle_id, schedule, now):
    """An unsaved task of `rule` for one event (customer: anything with the consent fields)."""
    window = schedule.window(rule.window_rule(), event_at)
    channel = rules.task_channel(
        rule.channel, allow_phone=customer.allow_phone, allow_sms=customer.allow_sms
    )
    task = FollowUpTask(
        store_id=rule.store_id, rule=rule, customer_id=customer.pk, vehicle_id=vehicle_id,
        event_type=source.event_type, event_id=event_id, event_at=event_at, kind=rule.kind,
        channel=channel or rule.channel, priority=task_priority(customer.customer_type),
        window_start=window.window_start, due_at=window.due_at,
    )  # fmt: skip
    if channel is None:
        # The customer accepts neither calls nor SMS: the task exists (it counts) but is closed.
        task.status, task.outcome, task.closed_at = (
            TaskStatus.CANCELLED,
            TaskOutcome.NO_CONSENT,
            now,
        )
    return task


def _reschedule(tasks, schedule) -> int:
    """Recompute the windows of `tasks` from their rule and event time; returns how many moved."""
    changed = []
    now = timezone.now()
    for task in tasks.select_related("rule"):
        window = schedule.window(task.rule.window_rule(), task.event_at)
        if (task.window_start, task.due_at) != (window.window_start, window.due_at):
            task.window_start, task.due_at = window.window_start, window.due_at
            task.updated_at = now  # bulk_update does not apply auto_now
            changed.append(task)
    FollowUpTask.objects.bulk_update(changed, ["window_start", "due_at", "updated_at"])
    return len(changed)


# --- events: on save -----------------------------------------------------------------------------


@dataclass
class EventSync:
    """What sync_event_tasks() did for one event."""

    created: int = 0
    cancelled: int = 0
    reopened: int = 0
    rescheduled: int = 0


def on_event_saved(event) -> EventSync | None:
    """Commit hook of the operations services: bring the event's tasks in step with it.

    A failure here must not undo or fail the saved event; the sweep creates what is missing.
    """
    try:
        return sync_event_tasks(event)
    except Exception:
        logger.exception("Follow-up tasks of %s #%s not synced", type(event).__name__, event.pk)
        return None


@transaction.atomic
def sync_event_tasks(event, *, now: datetime | None = None) -> EventSync | None:
    """Create, reschedule, cancel or reopen the tasks of one event after it was saved.

    An active event (a delivery not cancelled, a finished visit) within the lookback gets a task
    per active rule that applies to its customer; a cancelled or reopened one has its open tasks
    cancelled; when its time changed, tasks nobody has called yet get new windows. Returns None
    for records that are no follow-up event (an inquiry).
    """
    source = events.source_for_instance(event)
    if source is None:
        return None
    now = now or timezone.now()
    result = EventSync()
    tasks = FollowUpTask.objects.filter(event_type=source.event_type, event_id=event.pk)

    if not source.qualifies(event):
        result.cancelled = tasks.filter(status__in=OPEN_STATUSES).update(
            status=TaskStatus.CANCELLED, outcome=TaskOutcome.EVENT_CANCELLED, closed_at=now,
            claimed_by=None, claimed_at=None, claim_expires_at=None, updated_at=now,
        )  # fmt: skip
        return result

    store = Store.objects.get(pk=event.store_id)
    schedule = store_schedule(store)
    event_at = source.event_at(event)
    # Tasks cancelled with their event come back when it does (a repair order finished again).
    result.reopened = tasks.filter(
        status=TaskStatus.CANCELLED, outcome=TaskOutcome.EVENT_CANCELLED
    ).update(status=TaskStatus.PENDING, outcome="", closed_at=None, updated_at=now)
    untouched = tasks.filter(status__in=OPEN_STATUSES, attempts_count=0)
    untouched.exclude(event_at=event_at).update(event_at=event_at, updated_at=now)
    result.rescheduled = _reschedule(untouched, schedule)

    if event_at < lookback_start(now):
        return result
    customer = Customer.objects.only("customer_type", "allow_phone", "allow_sms").get(
        pk=event.customer_id
    )
    have = set(tasks.values_list("rule_id", flat=True))
    new = [
        _new_task(
            rule,
            source,
            event_id=event.pk,
            event_at=event_at,
            customer=customer,
            vehicle_id=getattr(event, "vehicle_id", None),
            schedule=schedule,
            now=now,
        )  # fmt: skip
        for rule in store_rules(store, source.event)
        if rule.pk not in have and rule.applies_to(customer.customer_type)
    ]
    FollowUpTask.objects.bulk_create(new, ignore_conflicts=True)
    result.created = len(new)
    return result


# --- events: the sweep ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What the sweep did: tasks created per (store code, rule code), tasks it brought in step
    with events changed behind the services' back (cancelled, rescheduled), and calls it turned
    into SMS for customers who can never be called (rerouted)."""

    created: Counter = field(default_factory=Counter)
    cancelled: int = 0
    rescheduled: int = 0
    rerouted: int = 0
    chunks: int = 0

    @property
    def total(self) -> int:
        return sum(self.created.values())


def sweep(
    store=None,
    since: datetime | None = None,
    *,
    now: datetime | None = None,
    chunk_size: int | None = None,
) -> SweepResult:
    """Create every task that active rules call for and that does not exist yet.

    Catches whatever the save hook missed (bulk imports, new or re-activated rules, a crash).
    Events from `since` (default: the lookback, FOLLOWUP_LOOKBACK_DAYS) are read once per store
    and event kind, in id order, in chunks; per chunk and rule, the events without a task get
    theirs in one set-based INSERT, in its own transaction. A sweep killed midway keeps the
    chunks it finished and the next run adds only what is still missing; the unique constraint
    and ON CONFLICT DO NOTHING make overlapping runs safe too.
    """
    now = now or timezone.now()
    since = since or lookback_start(now)
    chunk_size = chunk_size or setting("FOLLOWUP_SWEEP_CHUNK_SIZE")
    stores = [store] if store is not None else Store.objects.filter(is_active=True).order_by("pk")
    result = SweepResult()
    for current in stores:
        schedule = store_schedule(current)
        for source in events.sources():
            _reconcile(current, source, schedule, now, result)
        rules_by_event = {}
        for rule in store_rules(current):
            rules_by_event.setdefault(rule.event, []).append(rule)
        for event, event_rules in rules_by_event.items():
            source = events.source_for_event(event)
            if source is None:
                continue  # e.g. complaint rules before the complaints module registers
            _sweep_source(current, source, event_rules, schedule, since, now, chunk_size, result)
        result.rerouted += reroute_uncallable(current, schedule, now)
    return result


@transaction.atomic
def reroute_uncallable(store, schedule, now) -> int:
    """Pending calls to customers whose quiet hours cover all calling hours become SMS (or close
    as no consent): the queue would never hand them out. Returns how many changed."""
    pending = FollowUpTask.objects.filter(
        store=store, status=TaskStatus.PENDING, channel=Channel.PHONE,
        customer__quiet_hours_start__isnull=False, customer__quiet_hours_end__isnull=False,
    ).select_related("customer")  # fmt: skip
    changed = []
    for task in pending:
        customer = task.customer
        quiet = (customer.quiet_hours_start, customer.quiet_hours_end)
        callable_at = rules.allowed_call_time(
            now, tz=schedule.tz, calling_hours=schedule.calling_hours, quiet_hours=quiet
        )
        if callable_at is not None:
            continue
        if customer.allow_sms:
            task.channel = Channel.SMS
        else:
            task.status, task.outcome, task.closed_at = (
                TaskStatus.CANCELLED,
                TaskOutcome.NO_CONSENT,
                now,
            )
        task.updated_at = now
        changed.append(task)
    FollowUpTask.objects.bulk_update(
        changed, ["channel", "status", "outcome", "closed_at", "updated_at"]
    )
    return len(changed)


@transaction.atomic
def _reconcile(store, source, schedule, now, result) -> None:
    """Cancel open tasks whose event no longer qualifies, and give tasks nobody has called yet
    the window of their event's current time (events changed by imports, not the services)."""
    model = source.model
    open_tasks = FollowUpTask.objects.filter(
        store=store, event_type=source.event_type, status__in=OPEN_STATUSES
    )
    active = model.objects.filter(source.active(), pk=OuterRef("event_id"))
    result.cancelled += open_tasks.exclude(Exists(active)).update(
        status=TaskStatus.CANCELLED, outcome=TaskOutcome.EVENT_CANCELLED, closed_at=now,
        claimed_by=None, claimed_at=None, claim_expires_at=None, updated_at=now,
    )  # fmt: skip
    moved = model.objects.filter(pk=OuterRef("event_id")).exclude(
        **{source.at_field: OuterRef("event_at")}
    )
    stale = open_tasks.filter(attempts_count=0).filter(Exists(moved))
    current_at = dict(
        model.objects.filter(pk__in=stale.values("event_id")).values_list("pk", source.at_field)
    )
    tasks = list(stale)
    for task in tasks:
        task.event_at, task.updated_at = current_at[task.event_id], now
    FollowUpTask.objects.bulk_update(tasks, ["event_at", "updated_at"])
    result.rescheduled += _reschedule(
        FollowUpTask.objects.filter(pk__in=[t.pk for t in tasks]), schedule
    )


def _sweep_source(store, source, event_rules, schedule, since, now, chunk_size, result):
    """Give the events of one kind in `store` the missing tasks of `event_rules`."""
    events_in_order = (
        source.model.objects.filter(source.active(), store_id=store.pk)
        .filter(**{f"{source.at_field}__gte": since})
        .order_by("pk")
        .values_list("pk", source.at_field)
    )
    insert = _insert_chunk_sql if connection.vendor == "postgresql" else _insert_chunk_orm
    # One read of the events (a server-side cursor on PostgreSQL), whatever the table's
    # statistics say: right after a bulk import they are stale, and an anti-join planned on
    # them can take minutes. Which events already have a task is a range scan of the unique
    # index, per chunk.
    for chunk in _batched(events_in_order.iterator(chunk_size=chunk_size), chunk_size):
        first, last = chunk[0][0], chunk[-1][0]
        for rule in event_rules:
            have = set(
                FollowUpTask.objects.filter(
                    rule_id=rule.pk, event_type=source.event_type, event_id__range=(first, last)
                ).values_list("event_id", flat=True)
            )
            missing = [(pk, event_at) for pk, event_at in chunk if pk not in have]
            if not missing:
                continue
            with transaction.atomic():
                created = _run_chunk(insert, rule, source, schedule, missing, now)
            result.chunks += 1
            if created:
                result.created[(store.code, rule.code)] += created


def _batched(rows, size):
    """Lists of up to `size` items from an iterator."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _run_chunk(insert, rule, source, schedule, chunk, now) -> int:
    """One chunk of the sweep, in its own transaction (a seam for tests that simulate a kill)."""
    return insert(rule, source, schedule, chunk, now)


def _insert_chunk_orm(rule, source, schedule, chunk, now) -> int:
    """Create the tasks of one chunk: windows in Python, one bulk INSERT ignoring conflicts."""
    rows = source.model.objects.filter(pk__in=[pk for pk, _ in chunk])
    if rule.customer_types:
        rows = rows.filter(customer__customer_type__in=rule.customer_types)
    rows = rows.order_by("pk").values_list(
        "pk", source.at_field, "customer_id", "vehicle_id", "customer__customer_type",
        "customer__allow_phone", "customer__allow_sms",
    )  # fmt: skip
    new = []
    for pk, event_at, customer_id, vehicle_id, customer_type, allow_phone, allow_sms in rows:
        customer = _Consent(customer_id, customer_type, allow_phone, allow_sms)
        new.append(
            _new_task(
                rule,
                source,
                event_id=pk,
                event_at=event_at,
                customer=customer,
                vehicle_id=vehicle_id,
                schedule=schedule,
                now=now,
            )  # fmt: skip
        )
    FollowUpTask.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@dataclass(frozen=True)
class _Consent:
    """The customer fields a new task needs, read in bulk."""

    pk: int
    customer_type: str
    allow_phone: bool
    allow_sms: bool


# PostgreSQL: one INSERT ... SELECT per chunk (of events known to lack the task; ON CONFLICT
# covers a concurrent sweep or save hook). The date-dependent parts of each window come from
# rules.window_day_bounds() (calendar, working days) as a small table joined on the event's local
# date; the rest of follow_up_window (the hours rule, "never before the event", into calling
# hours, "due by the end of that calling day") is the same arithmetic in SQL.
_INSERT_SQL = """
WITH days(day, day_open, day_due) AS (
    SELECT * FROM unnest(%(days)s::date[], %(opens)s::timestamp[], %(dues)s::timestamp[])
),
ev AS (
    SELECT e.id, e.customer_id, e.vehicle_id, e.{at} AS event_at,
           c.customer_type, c.allow_phone, c.allow_sms,
           (e.{at} AT TIME ZONE %(tz)s) AS local_at,
           ((e.{at} + make_interval(hours => %(hours)s)) AT TIME ZONE %(tz)s) AS local_after
    FROM {table} e
    JOIN {customers} c ON c.id = e.customer_id
    WHERE e.id = ANY(%(ids)s) AND (%(all_types)s OR c.customer_type = ANY(%(types)s))
),
raw AS (
    SELECT ev.*, d.day_due,
           CASE WHEN %(by_hours)s THEN ev.local_after
                ELSE GREATEST(d.day_open, ev.local_at) END AS opens_raw
    FROM ev JOIN days d ON d.day = ev.local_at::date
),
opened AS (
    SELECT raw.*,
           CASE WHEN opens_raw::time < %(start)s THEN opens_raw::date + %(start)s::time
                WHEN opens_raw::time >= %(end)s THEN opens_raw::date + 1 + %(start)s::time
                ELSE opens_raw END AS opens
    FROM raw
),
windowed AS (
    SELECT opened.*, COALESCE(day_due, opens::date + %(end)s::time) AS due_raw FROM opened
)
INSERT INTO {tasks} (
    created_at, updated_at, store_id, rule_id, customer_id, vehicle_id, event_type, event_id,
    event_at, kind, channel, priority, window_start, due_at, status, attempts_count, outcome,
    closed_at, satisfaction
)
SELECT %(now)s, %(now)s, %(store)s, %(rule)s, customer_id, vehicle_id, %(event_type)s, id,
       event_at, %(kind)s,
       CASE WHEN {preferred_ok} THEN %(preferred)s WHEN {other_ok} THEN %(other)s
            ELSE %(preferred)s END,
       CASE WHEN customer_type = %(vip)s THEN 0 ELSE 1 END,
       opens AT TIME ZONE %(tz)s,
       (CASE WHEN due_raw <= opens THEN opens::date + %(end)s::time ELSE due_raw END)
           AT TIME ZONE %(tz)s,
       CASE WHEN allow_phone OR allow_sms THEN %(pending)s ELSE %(cancelled)s END,
       0,
       CASE WHEN allow_phone OR allow_sms THEN '' ELSE %(no_consent)s END,
       CASE WHEN allow_phone OR allow_sms THEN NULL ELSE %(now)s::timestamptz END,
       ''
FROM windowed
ORDER BY id  -- concurrent sweeps insert in the same order: they wait, never deadlock
ON CONFLICT (rule_id, event_type, event_id) DO NOTHING
"""


def _insert_chunk_sql(rule, source, schedule, chunk, now) -> int:
    """Create the tasks of one chunk in one INSERT ... SELECT ... ON CONFLICT DO NOTHING."""
    window_rule = rule.window_rule()
    local_days = sorted({to_local(event_at, schedule.tz).date() for _, event_at in chunk})
    bounds = [
        rules.window_day_bounds(
            day, window_rule, calling_hours=schedule.calling_hours, calendar=schedule.calendar
        )
        for day in local_days
    ]
    preferred = rule.channel
    other = Channel.SMS if preferred == Channel.PHONE else Channel.PHONE
    consent = {Channel.PHONE: "allow_phone", Channel.SMS: "allow_sms"}
    sql = _INSERT_SQL.format(
        at=connection.ops.quote_name(source.model._meta.get_field(source.at_field).column),
        table=connection.ops.quote_name(source.model._meta.db_table),
        customers=connection.ops.quote_name("customers_customer"),
        tasks=connection.ops.quote_name(FollowUpTask._meta.db_table),
        preferred_ok=consent[preferred],
        other_ok=consent[other],
    )
    zone_name = getattr(schedule.tz, "key", str(schedule.tz))
    params = {
        "days": local_days,
        "opens": [opens for opens, _ in bounds],
        "dues": [due for _, due in bounds],
        "tz": zone_name,
        "hours": window_rule.earliest_hours or 0,
        "by_hours": window_rule.earliest_hours is not None,
        "ids": [pk for pk, _ in chunk],
        "all_types": not rule.customer_types,
        "types": list(rule.customer_types or []),
        "rule": rule.pk,
        "event_type": str(source.event_type),
        "start": schedule.calling_hours.start,
        "end": schedule.calling_hours.end,
        "now": now,
        "store": rule.store_id,
        "kind": rule.kind,
        "preferred": str(preferred),
        "other": str(other),
        "vip": str(CustomerType.VIP),
        "pending": str(TaskStatus.PENDING),
        "cancelled": str(TaskStatus.CANCELLED),
        "no_consent": str(TaskOutcome.NO_CONSENT),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- supervisors ---------------------------------------------------------------------------------


@transaction.atomic
def task_cancel(*, task, by, reason, now: datetime | None = None) -> FollowUpTask:
    """A supervisor closes an open task that should not be worked (e.g. the customer moved away)."""
    access_for(by).require(Capability.SUPERVISE_FOLLOWUPS, task.store_id)
    if not reason or len(reason.strip()) < 2:
        raise ApplicationError(MSG_REASON_REQUIRED)
    now = now or timezone.now()
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if not task.is_open:
        raise ApplicationError(MSG_TASK_CLOSED)
    before = task.status
    task.status, task.outcome, task.closed_at, task.closed_by = (
        TaskStatus.CANCELLED,
        TaskOutcome.CANCELLED,
        now,
        by,
    )
    task.claimed_by, task.claimed_at, task.claim_expires_at = None, None, None
    task.save()
    audit.record(
        actor=by, action=AuditAction.UPDATE, target=task,
        changes={"status": [before, task.status]}, reason=reason.strip(),
    )  # fmt: skip
    return task


def script_values(task, *, agent=None, now: datetime | None = None) -> dict[str, object]:
    """The values of the script placeholders (scripts.PLACEHOLDERS) for `task`."""
    now = now or timezone.now()
    store, customer, vehicle = task.store, task.customer, task.vehicle
    tz = store.tzinfo
    delivered_on = vehicle.delivery_date if vehicle else None
    if task.event_type == EventType.DELIVERY:
        delivered_on = to_local(task.event_at, tz).date()
    days = (to_local(now, tz).date() - delivered_on).days if delivered_on else None
    return {
        "name": customer.name,
        "title": customer.title,
        "store": store.name,
        "agent": (agent.display_name or agent.username) if agent else "",
        "model": (vehicle.model_name or vehicle.brand) if vehicle else "",
        "plate": vehicle.plate if vehicle else "",
        "days_since_delivery": days,
        "hotline": spoken_phone(store.hotline),
    }
