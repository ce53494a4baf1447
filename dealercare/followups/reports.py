"""Follow-up statistics (DOMAIN §3 targets, §7 annexes 3, 4 and 5): reads only, scoped to the
stores where the user supervises follow-ups, each breakdown in one aggregate query.

The figures, for the tasks *due* in a period (due_at on the store-local dates [start, end]):

- **due**: tasks due in the period, except those whose event was cancelled (a cancelled
  delivery is not owed a call). Tasks closed as "no consent" or cancelled by a supervisor stay
  in: they were owed and were not done, which is what the rate must show.
- **followed up**: due tasks closed by working them: done (reached or refused), unreachable
  (wrong number, or not reached after the allowed attempts) or SMS sent.
  **Follow-up rate** = followed up / due (target 100%, DOMAIN §3).
- **on time**: followed-up tasks closed at or before their due time.
  **On-time rate** = on time / followed up.
- **reached**: phone tasks whose customer answered (outcome reached or refused).
  **Reach rate** = reached / phone tasks closed by calling (done or unreachable, SMS excluded).
- **satisfied**: reached tasks whose customer said "very satisfied" or "satisfied".
  **Satisfied rate** = satisfied / reached tasks that recorded a satisfaction (contract 6).

A rate whose denominator is 0 is None (shown as "–"), never 0%.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store, User
from dealercare.accounts.roles import Capability
from dealercare.core.workdays import from_local

from .choices import SATISFIED_LEVELS, Channel, EventType, TaskOutcome, TaskStatus
from .models import FollowUpAttempt, FollowUpTask

DELIVERY_KINDS = (
    "delivery_care_call",
    "delivery_first_followup",
    "delivery_seven_day_care_call",
    "delivery_run_in_reminder",
)
FOLLOWED_UP = (TaskStatus.DONE, TaskStatus.UNREACHABLE, TaskStatus.SMS_SENT)
CALLED = (TaskStatus.DONE, TaskStatus.UNREACHABLE)
ANSWERED = (TaskOutcome.REACHED, TaskOutcome.REFUSED)
GROUPINGS = ("store", "agent", "kind", "week", "month")


@dataclass(frozen=True)
class Period:
    """Store-local dates [start, end], both included."""

    start: datetime.date
    end: datetime.date

    def bounds(self, tz) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware instants [from, to) on the wall clock of `tz`."""
        begin = from_local(datetime.datetime.combine(self.start, datetime.time()), tz)
        end = from_local(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time()), tz
        )
        return begin, end

    @classmethod
    def last_days(cls, days: int, today: datetime.date) -> Period:
        return cls(today - datetime.timedelta(days=days - 1), today)


def supervised_store_ids(user, store_ids=None) -> list[int]:
    """The stores where `user` supervises follow-ups (narrowed to `store_ids` if given)."""
    allowed = access_for(user).store_ids(Capability.SUPERVISE_FOLLOWUPS)
    if store_ids is None:
        return allowed
    return [pk for pk in allowed if pk in set(store_ids)]


def _zone(store_ids):
    """The time zone the period is read in: the first store's (stores of a group share one)."""
    store = Store.objects.filter(pk__in=store_ids).order_by("pk").first()
    return store.tzinfo if store else timezone.get_current_timezone()


def due_tasks(user, period: Period, *, store_ids=None, kinds=None, tz=None):
    """The tasks due in `period` in the user's supervised stores (see the module docstring)."""
    ids = supervised_store_ids(user, store_ids)
    begin, end = period.bounds(tz or _zone(ids))
    tasks = FollowUpTask.objects.filter(store_id__in=ids, due_at__gte=begin, due_at__lt=end)
    if kinds:
        tasks = tasks.filter(kind__in=kinds)
    return tasks.exclude(outcome=TaskOutcome.EVENT_CANCELLED)


def _counts():
    """The aggregates every breakdown computes."""
    followed = Q(status__in=FOLLOWED_UP)
    return {
        "due": Count("pk"),
        "followed_up": Count("pk", filter=followed),
        "on_time": Count("pk", filter=followed & Q(closed_at__lte=F("due_at"))),
        "called": Count("pk", filter=Q(status__in=CALLED, channel=Channel.PHONE)),
        "reached": Count("pk", filter=Q(outcome__in=ANSWERED, channel=Channel.PHONE)),
        "unreachable": Count("pk", filter=Q(status=TaskStatus.UNREACHABLE)),
        "open": Count("pk", filter=Q(status__in=(TaskStatus.PENDING, TaskStatus.CLAIMED))),
        "rated": Count("pk", filter=Q(outcome=TaskOutcome.REACHED) & ~Q(satisfaction="")),
        "satisfied": Count(
            "pk", filter=Q(outcome=TaskOutcome.REACHED, satisfaction__in=SATISFIED_LEVELS)
        ),
    }


def _rate(part, whole):
    return None if not whole else part / whole


def with_rates(row: dict) -> dict:
    """A row of counts with its four rates added."""
    return row | {
        "followup_rate": _rate(row["followed_up"], row["due"]),
        "on_time_rate": _rate(row["on_time"], row["followed_up"]),
        "reach_rate": _rate(row["reached"], row["called"]),
        "satisfied_rate": _rate(row["satisfied"], row["rated"]),
    }


def kpi_total(tasks) -> dict:
    """The figures of a queryset of due tasks as one row (one query)."""
    return with_rates(tasks.order_by().aggregate(**_counts()))


def kpi_breakdown(tasks, by: str, *, tz=None) -> list[dict]:
    """The figures per store, agent (who closed the task), task kind, week or month (of the due
    date); each row has "key" and "label". One query, plus one for the stores' or agents' names.
    """
    if by not in GROUPINGS:
        raise ValueError(f"Unknown grouping: {by}")
    tasks = tasks.order_by()
    if by == "store":
        rows = tasks.values(key=F("store_id")).annotate(**_counts())
    elif by == "agent":
        rows = tasks.values(key=F("closed_by_id")).annotate(**_counts())
    elif by == "kind":
        rows = tasks.values(key=F("kind")).annotate(**_counts())
    else:
        trunc = TruncWeek if by == "week" else TruncMonth
        rows = tasks.annotate(key=trunc("due_at", tzinfo=tz)).values("key").annotate(**_counts())
    rows = [with_rates(dict(row)) for row in rows.order_by("key")]
    labels = _labels(by, [row["key"] for row in rows])
    for row in rows:
        row["label"] = labels.get(row["key"], row["key"])
    if by in ("store", "agent"):
        rows.sort(key=lambda r: (r["key"] is None, str(r["label"])))
    return rows


def _labels(by, keys) -> dict:
    from .choices import TaskKind

    if by == "store":
        return {s.pk: f"{s.code} {s.name}" for s in Store.objects.filter(pk__in=keys)}
    if by == "agent":
        from django.utils.translation import gettext

        names = {u.pk: u.display_name or u.username for u in User.objects.filter(pk__in=keys)}
        names[None] = gettext("Not closed by an agent")
        return names
    if by == "kind":
        return dict(TaskKind.choices)
    if by == "week":
        return {k: f"{k:%Y-%m-%d} ({k.isocalendar()[1]:02d})" for k in keys if k}
    return {k: f"{k:%Y-%m}" for k in keys if k}


# --- annexes ------------------------------------------------------------------------------


def annex_rows(tasks, *, event_type: str):
    """The task rows of annex 3 (deliveries) or 4 (service visits), in due order, with what the
    screen and the export show; `tasks` is a due_tasks() queryset."""
    kinds = DELIVERY_KINDS if event_type == EventType.DELIVERY else ("service_followup",)
    return (
        tasks.filter(event_type=event_type, kind__in=kinds)
        .select_related("customer", "vehicle", "closed_by", "store")
        .order_by("event_at", "event_id", "kind", "pk")
    )


def attach_event_details(rows: list, *, event_type: str) -> None:
    """Give each row (a task, or a dict with event_id) the event's consultant or advisor and its
    order number, and the last attempt's notes: two queries per batch."""
    from dealercare.operations.models import Delivery, ServiceVisit

    def get(row, name):
        return row[name] if isinstance(row, dict) else getattr(row, name)

    def put(row, name, value):
        if isinstance(row, dict):
            row[name] = value
        else:
            setattr(row, name, value)

    event_ids = {get(row, "event_id") for row in rows}
    if event_type == EventType.DELIVERY:
        events = Delivery.objects.filter(pk__in=event_ids).values_list(
            "pk", "consultant_name", "order_no"
        )
    else:
        events = ServiceVisit.objects.filter(pk__in=event_ids).values_list(
            "pk", "advisor_name", "repair_order_no"
        )
    details = {pk: (person, number) for pk, person, number in events}
    notes = {}
    task_ids = [get(row, "id") for row in rows]
    for task_id, text in (
        FollowUpAttempt.objects.filter(task_id__in=task_ids)
        .exclude(notes="")
        .order_by("task_id", "at", "id")
        .values_list("task_id", "notes")
    ):
        notes[task_id] = text  # the last one wins
    for row in rows:
        person, number = details.get(get(row, "event_id"), ("", ""))
        put(row, "event_person", person)
        put(row, "event_number", number)
        put(row, "last_notes", notes.get(get(row, "id"), ""))


def programme_table(tasks, *, by: str = "week", tz=None) -> list[dict]:
    """Annex 5, the follow-up programme management table: per task kind (programme) and week or
    month of the due date, the figures of the module docstring. One query."""
    trunc = TruncWeek if by == "week" else TruncMonth
    rows = (
        tasks.order_by()
        .annotate(bucket=trunc("due_at", tzinfo=tz))
        .values("kind", "bucket")
        .annotate(**_counts())
        .order_by("kind", "bucket")
    )
    from .choices import TaskKind

    kinds = dict(TaskKind.choices)
    result = []
    for row in rows:
        row = with_rates(dict(row))
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
        bucket = row["bucket"]
        row["bucket_label"] = (
            f"{bucket:%Y-%m-%d}" if by == "week" else f"{bucket:%Y-%m}"
        ) if bucket else ""  # fmt: skip
        result.append(row)
    return result


def forbidden_phrase_attempts(user, *, agent_id=None, since=None, until=None):
    """The attempts whose notes hold a forbidden phrase, in the supervised stores (drill-down of
    selectors.forbidden_phrase_counts), newest first."""
    ids = supervised_store_ids(user)
    attempts = (
        FollowUpAttempt.objects.filter(task__store_id__in=ids)
        .exclude(forbidden_phrases=[])
        .select_related("task", "task__customer", "task__store", "agent")
        .order_by("-at", "-id")
    )
    if agent_id is not None:
        attempts = attempts.filter(agent_id=agent_id)
    if since is not None:
        attempts = attempts.filter(at__gte=since)
    if until is not None:
        attempts = attempts.filter(at__lt=until)
    return attempts


# --- exports (streamed XLSX, audited, masked per role, formula-safe) ------------------------

ANNEX_FIELDS = (
    "id", "event_id", "event_at", "kind", "window_start", "due_at", "closed_at", "status",
    "outcome", "satisfaction", "attempts_count", "customer__name", "customer__mobile",
    "vehicle__plate", "vehicle__model_name", "closed_by__display_name", "closed_by__username",
)  # fmt: skip


def _annex_columns(event_type):
    from django.utils.translation import gettext as _

    from dealercare.core.xlsx import Column

    from .choices import CallSatisfaction, TaskKind, TaskOutcome, TaskStatus

    delivery = event_type == EventType.DELIVERY

    def build(ctx):
        return [
            ctx.store_column(_("Store")),
            Column(
                _("Delivered") if delivery else _("Left the workshop"),
                lambda r: ctx.local(r["event_at"], r["store_id"]),
                17,
            ),  # fmt: skip
            ctx.column(
                _("Sales order no.") if delivery else _("Repair order no."), "event_number", 16
            ),  # fmt: skip
            ctx.column(_("Customer"), "customer__name", 14),
            ctx.mobile_column(_("Mobile"), "customer__mobile"),
            ctx.column(_("Plate"), "vehicle__plate", 11),
            ctx.column(_("Model"), "vehicle__model_name", 12),
            ctx.column(
                _("Sales consultant") if delivery else _("Service advisor"), "event_person", 12
            ),  # fmt: skip
            ctx.choice_column(_("Follow-up"), "kind", TaskKind.choices, 22),
            Column(_("Due"), lambda r: ctx.local(r["due_at"], r["store_id"]), 17),
            Column(_("Closed"), lambda r: ctx.local(r["closed_at"], r["store_id"]), 17),
            Column(
                _("Agent"),
                lambda r: r["closed_by__display_name"] or r["closed_by__username"] or "",
                10,
            ),  # fmt: skip
            ctx.column(_("Attempts"), "attempts_count", 8),
            ctx.choice_column(_("Status"), "status", TaskStatus.choices),
            ctx.choice_column(_("Result"), "outcome", TaskOutcome.choices, 16),
            ctx.choice_column(_("Satisfaction"), "satisfaction", CallSatisfaction.choices),
            ctx.column(_("Notes"), "last_notes", 40),
        ]

    return build


def annex_export(*, actor, tasks, event_type, filters, store=None):
    """Annex 3 (deliveries) or 4 (service visits) as an audited XLSX export: only stores where
    `actor` may export, mobiles masked where they may not reveal numbers."""
    from django.utils.translation import gettext as _

    from dealercare.customers.exports import list_export

    delivery = event_type == EventType.DELIVERY
    queryset = annex_rows(tasks, event_type=event_type).select_related(None)
    return list_export(
        actor=actor,
        queryset=queryset,
        fields=ANNEX_FIELDS,
        columns=_annex_columns(event_type),
        attach=lambda batch: attach_event_details(batch, event_type=event_type),
        what=_("New-car buyer follow-ups") if delivery else _("Service customer follow-ups"),
        slug="annex3_buyer_followups" if delivery else "annex4_service_followups",
        target=("followups.followuptask", "", "annex 3" if delivery else "annex 4"),
        filters=filters,
        store=store,
        mobile_field="customer__mobile",
    )


def _percent(value):
    return "" if value is None else round(value * 100, 1)


def programme_export(*, actor, tasks, by, filters, store=None, tz=None):
    """Annex 5 as an audited XLSX export (aggregates only: no mobiles). Returns a response."""
    from django.db import transaction
    from django.utils.translation import gettext as _

    from dealercare.core import audit
    from dealercare.core.models import AuditAction
    from dealercare.core.xlsx import Column, stream_xlsx, xlsx_response

    export_ids = access_for(actor).store_ids(Capability.EXPORT_LISTS)
    rows = programme_table(tasks.filter(store_id__in=export_ids), by=by, tz=tz)
    with transaction.atomic():
        audit.record(
            actor=actor, action=AuditAction.EXPORT,
            target=("followups.followuptask", "", "annex 5"),
            changes={"filters": filters, "rows": len(rows)}, store=store,
        )  # fmt: skip
    columns = [
        Column(_("Follow-up"), lambda r: r["kind_label"], 24),
        Column(_("Week of") if by == "week" else _("Month"), lambda r: r["bucket_label"], 12),
        Column(_("Due"), lambda r: r["due"], 8),
        Column(_("Followed up"), lambda r: r["followed_up"], 10),
        Column(_("Follow-up rate %"), lambda r: _percent(r["followup_rate"]), 10),
        Column(_("On time"), lambda r: r["on_time"], 8),
        Column(_("On-time rate %"), lambda r: _percent(r["on_time_rate"]), 10),
        Column(_("Reached"), lambda r: r["reached"], 8),
        Column(_("Reach rate %"), lambda r: _percent(r["reach_rate"]), 10),
        Column(_("Unreachable"), lambda r: r["unreachable"], 10),
        Column(_("Satisfied"), lambda r: r["satisfied"], 8),
        Column(_("Satisfied rate %"), lambda r: _percent(r["satisfied_rate"]), 10),
        Column(_("Still open"), lambda r: r["open"], 8),
    ]
    stamp = timezone.localtime(timezone.now(), tz).strftime("%Y%m%d_%H%M")
    title = _("Follow-up programme")
    return xlsx_response(
        stream_xlsx(iter(rows), columns, title=title),
        filename=f"{title}_{stamp}.xlsx",
        fallback=f"annex5_followup_programme_{stamp}.xlsx",
    )
