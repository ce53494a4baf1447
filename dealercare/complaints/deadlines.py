"""Complaint time limits on a store's clock (sla.py with the store's hours and calendar), and the
periodic check that warns owners and escalates breaches (DOMAIN §5, docs/adr/0003).

The check is set-based: it reads the open complaints whose due time is near or past in one query
per step and store, decides in memory with sla.py, and writes with a few bulk statements (the
breach rows, one UPDATE per escalation level, the notifications). The unique breach row per
(complaint, step, level) and the notification key make it idempotent: running twice notifies once.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dealercare.accounts.models import Store, User
from dealercare.core.calendars import working_calendar_for
from dealercare.core.workdays import DailyHours

from . import sla
from .choices import ActionKind, SlaStep
from .defaults import DEFAULT_LIMITS, WARN_SHARE
from .models import Complaint, ComplaintAction, ComplaintBreach, TimeLimit
from .notifications import notify_many, role_members

MIN_WARNING = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class StoreClock:
    """What sla.py needs about one store: working hours, calendar, time zone, limits."""

    hours: DailyHours
    calendar: object
    tz: object
    limits: dict  # (severity, step) -> sla.Limit

    def kwargs(self):
        return {"working_hours": self.hours, "calendar": self.calendar, "tz": self.tz}

    def limit(self, severity, step) -> sla.Limit:
        return self.limits[(str(severity), str(step))]

    def limit_time(self, severity, step) -> datetime.timedelta:
        return self.limit(severity, step).working_time(self.hours)

    def warn_before(self, severity, step) -> datetime.timedelta:
        return max(MIN_WARNING, self.limit_time(severity, step) * WARN_SHARE)


def limits_for(store) -> dict:
    """The store's limits: its own TimeLimit rows over the defaults."""
    limits = dict(DEFAULT_LIMITS)
    for row in TimeLimit.objects.filter(store=store):
        limits[(row.severity, row.step)] = sla.Limit(row.amount, sla.LimitUnit(row.unit))
    return limits


def clock_for(store) -> StoreClock:
    """The StoreClock of `store` (two queries: overrides and limits)."""
    return StoreClock(
        hours=DailyHours(store.working_hours_start, store.working_hours_end),
        calendar=working_calendar_for(store),
        tz=store.tzinfo,
        limits=limits_for(store),
    )


def pauses_of(complaint) -> list[sla.Pause]:
    """The complaint's waits for the customer as (from, to) datetimes; to None while waiting."""
    result = []
    for start, end in complaint.pauses or ():
        result.append((parse_datetime(start), parse_datetime(end) if end else None))
    return result


def refresh_due_times(complaint, clock: StoreClock) -> None:
    """Set acknowledge_due_at and solution_due_at from receipt, severity, limits and pauses."""
    pauses = pauses_of(complaint)
    for step, field_name in ((SlaStep.ACKNOWLEDGE, "acknowledge_due_at"),
                             (SlaStep.SOLUTION, "solution_due_at")):  # fmt: skip
        due = sla.deadline_with_pauses(
            complaint.received_at,
            clock.limit(complaint.severity, step),
            pauses=pauses,
            **clock.kwargs(),
        )
        setattr(complaint, field_name, due)


def step_status(complaint, step, now, clock: StoreClock) -> sla.SlaStatus:
    """Where one step of a complaint stands now (done steps are OK)."""
    done = (
        complaint.acknowledged_at
        if step == SlaStep.ACKNOWLEDGE
        else (complaint.solution_proposed_at)
    )
    if done is not None:
        return sla.SlaStatus.OK
    due = complaint.acknowledge_due_at if step == SlaStep.ACKNOWLEDGE else complaint.solution_due_at
    return sla.status(now, due, clock.warn_before(complaint.severity, step))


# --- the periodic check ------------------------------------------------------------------------

STEP_FIELDS = {
    SlaStep.ACKNOWLEDGE: ("acknowledge_due_at", "acknowledged_at", "acknowledge_warned_at"),
    SlaStep.SOLUTION: ("solution_due_at", "solution_proposed_at", "solution_warned_at"),
}
ROW_FIELDS = ("id", "number", "store_id", "severity", "owner_id", "escalation_level",
              "received_at", "pauses", "breach_count")  # fmt: skip


@dataclass
class CheckResult:
    """What one run did: warnings sent, breach rows added per level, notifications written."""

    warned: int = 0
    breaches: Counter = field(default_factory=Counter)
    escalated: int = 0
    notified: int = 0

    @property
    def breach_total(self):
        return sum(self.breaches.values())


def check_deadlines(*, now=None, store=None) -> CheckResult:
    """Warn owners of steps nearing their limit and escalate breached steps, every store."""
    now = now or timezone.now()
    stores = [store] if store is not None else list(Store.objects.filter(is_active=True))
    result = CheckResult()
    for current in stores:
        with transaction.atomic():
            _check_store(current, now, result)
    return result


def _check_store(store, now, result: CheckResult) -> None:
    clock = clock_for(store)
    open_rows = Complaint.objects.filter(store=store, closed_at__isnull=True)
    existing = defaultdict(set)  # complaint id -> {(step, level)}
    new_breaches, warnings, levels = [], [], {}
    horizon_by_step = {}
    for step in SlaStep:
        warn_max = max(clock.warn_before(sev, step) for sev in ("normal", "serious", "major"))
        horizon_by_step[step] = now + warn_max
    candidates = {}
    for step, (due_field, done_field, warned_field) in STEP_FIELDS.items():
        rows = open_rows.filter(
            **{f"{done_field}__isnull": True, f"{due_field}__lte": horizon_by_step[step]}
        ).values(*ROW_FIELDS, due_field, warned_field)
        candidates[step] = list(rows)
    ids = {row["id"] for rows in candidates.values() for row in rows}
    if not ids:
        return
    for complaint_id, step, level in ComplaintBreach.objects.filter(
        complaint_id__in=ids
    ).values_list("complaint_id", "step", "level"):
        existing[complaint_id].add((step, level))
    for step, rows in candidates.items():
        due_field, _done, warned_field = STEP_FIELDS[step]
        for row in rows:
            due = row[due_field]
            state = sla.status(now, due, clock.warn_before(row["severity"], step))
            if state == sla.SlaStatus.NEARING and row[warned_field] is None:
                warnings.append((step, row))
            if state != sla.SlaStatus.BREACHED:
                continue
            pauses = [
                (parse_datetime(a), parse_datetime(b) if b else None) for a, b in row["pauses"]
            ]
            overdue = sla.overdue_working(now, due, pauses=pauses, **clock.kwargs())
            earlier = len({s for s, _lvl in existing[row["id"]] if s != step})
            level = sla.escalation_level(
                overdue=overdue,
                limit_time=clock.limit_time(row["severity"], step),
                earlier_breaches=earlier,
            )
            for lvl in range(1, int(level) + 1):
                if (step, lvl) not in existing[row["id"]]:
                    existing[row["id"]].add((step, lvl))
                    new_breaches.append((step, lvl, row, due))
            levels[row["id"]] = max(levels.get(row["id"], 0), int(level), row["escalation_level"])

    _write_warnings(store, warnings, now, result)
    _write_breaches(store, new_breaches, levels, now, result)


def _complaint_url(complaint_id):
    return reverse("complaints:detail", args=[complaint_id])


def _write_warnings(store, warnings, now, result):
    if not warnings:
        return
    actions, notes = [], []
    for step in SlaStep:
        ids = [row["id"] for s, row in warnings if s == step]
        warned_field = STEP_FIELDS[step][2]
        if ids:
            Complaint.objects.filter(pk__in=ids, **{f"{warned_field}__isnull": True}).update(
                **{warned_field: now}
            )
    for step, row in warnings:
        due_field = STEP_FIELDS[step][0]
        due_local = timezone.localtime(row[due_field], store.tzinfo)
        title = _("Complaint %(number)s: %(step)s is due at %(due)s") % {
            "number": row["number"], "step": SlaStep(step).label,
            "due": due_local.strftime("%Y-%m-%d %H:%M"),
        }  # fmt: skip
        actions.append(
            ComplaintAction(
                complaint_id=row["id"],
                kind=ActionKind.WARNED,
                at=now,
                note=title,
                data={"step": str(step)},
            )  # fmt: skip
        )
        if row["owner_id"]:
            notes.append((row["owner_id"], row["id"], f"warn:{step}:{row['id']}", title))
    ComplaintAction.objects.bulk_create(actions)
    result.warned += len(actions)
    if notes:
        users = User.objects.in_bulk({n[0] for n in notes})
        created = notify_many(
            [(users.get(uid), store.pk, cid, key, title, _complaint_url(cid))
             for uid, cid, key, title in notes],
            now=now,
        )  # fmt: skip
        result.notified += len(created)


def _write_breaches(store, new_breaches, levels, now, result):
    if not new_breaches:
        return
    ComplaintBreach.objects.bulk_create(
        [
            ComplaintBreach(
                complaint_id=row["id"],
                store=store,
                step=step,
                level=lvl,
                due_at=due,
                detected_at=now,
            )  # fmt: skip
            for step, lvl, row, due in new_breaches
        ],
        ignore_conflicts=True,
    )
    by_level = defaultdict(list)
    for complaint_id, level in levels.items():
        by_level[level].append(complaint_id)
    for level, ids in by_level.items():
        result.escalated += Complaint.objects.filter(pk__in=ids, escalation_level__lt=level).update(
            escalation_level=level, updated_at=now
        )
    # breach_count: the distinct breached steps (level 1 rows), counted in one pass per step.
    first = Counter(row["id"] for _step, lvl, row, _due in new_breaches if lvl == 1)
    for count in set(first.values()):
        ids = [cid for cid, n in first.items() if n == count]
        Complaint.objects.filter(pk__in=ids).update(breach_count=F("breach_count") + count)
    roles = {lvl: sla.ESCALATION_ROLE[sla.EscalationLevel(lvl)] for lvl in (1, 2, 3)}
    members = role_members([store.pk], roles.values())
    actions, items = [], []
    owners = User.objects.in_bulk({row["owner_id"] for *_x, row, _d in new_breaches
                                   if row["owner_id"]})  # fmt: skip
    for step, lvl, row, _due in new_breaches:
        result.breaches[lvl] += 1
        role = roles[lvl]
        title = _("Complaint %(number)s is past its time limit (%(step)s): escalated to level "
                  "%(level)s") % {"number": row["number"], "step": SlaStep(step).label,
                                  "level": lvl}  # fmt: skip
        actions.append(
            ComplaintAction(
                complaint_id=row["id"],
                kind=ActionKind.ESCALATED,
                at=now,
                note=title,
                data={"step": str(step), "level": lvl, "role": role},
            )  # fmt: skip
        )
        key = f"breach:{step}:{lvl}:{row['id']}"
        for user in members.get((store.pk, role), []):
            items.append((user, store.pk, row["id"], key, title, _complaint_url(row["id"])))
        if lvl == 1 and row["owner_id"] in owners:
            items.append((owners[row["owner_id"]], store.pk, row["id"], key, title,
                          _complaint_url(row["id"])))  # fmt: skip
    ComplaintAction.objects.bulk_create(actions)
    result.notified += len(notify_many(items, now=now))


def overdue_filter(now):
    """Open complaints past a due time of a step not done yet (for lists and counts)."""
    return Q(closed_at__isnull=True) & (
        Q(acknowledged_at__isnull=True, acknowledge_due_at__lt=now)
        | Q(solution_proposed_at__isnull=True, solution_due_at__lt=now)
    )
