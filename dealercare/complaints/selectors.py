"""Every read of complaints, scoped to the stores where the user holds the capability."""

from __future__ import annotations

import base64
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.customers.selectors import customer_search

from . import sla
from .choices import ComplaintStatus, CustomerSatisfaction, Department, Severity
from .deadlines import clock_for, overdue_filter
from .models import (
    Complaint,
    ComplaintAttachment,
    ComplaintBreach,
    ComplaintCategory,
    MajorIncidentReport,
    Notification,
)

C = Capability
PAGE_SIZE = 50
MSG_NOT_FOUND = _("No such complaint in your stores.")
LIST_RELATED = ("store", "customer", "vehicle", "category", "reason", "owner")


def complaints_for_user(user, capability=C.VIEW_COMPLAINTS):
    return Complaint.objects.filter(store_id__in=access_for(user).store_ids(capability))


def complaint_get(user, pk, capability=C.VIEW_COMPLAINTS):
    """One complaint the user may see, or 404 (the same for another store's and a missing id)."""
    try:
        return Complaint.objects.select_related(*LIST_RELATED, "repeat_of").get(
            pk=pk, store_id__in=access_for(user).store_ids(capability)
        )
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise Http404(MSG_NOT_FOUND) from None


def complaint_detail(user, pk):
    """A complaint with its log, attachments, breaches, repeats and report (fixed queries)."""
    complaint = complaint_get(user, pk)
    return {
        "complaint": complaint,
        "actions": list(complaint.actions.select_related("actor")),
        "attachments": list(ComplaintAttachment.objects.filter(complaint=complaint)),
        "breaches": list(ComplaintBreach.objects.filter(complaint=complaint).order_by("level")),
        "repeats": list(
            Complaint.objects.filter(repeat_of=complaint).only("id", "number", "received_at")
        ),
        "report": MajorIncidentReport.objects.filter(complaint=complaint).first(),
    }


def attachment_get(user, pk):
    """An attachment of a complaint the user may see, or 404."""
    try:
        return ComplaintAttachment.objects.select_related("complaint").get(
            pk=pk, store_id__in=access_for(user).store_ids(C.VIEW_COMPLAINTS)
        )
    except (ComplaintAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404(MSG_NOT_FOUND) from None


def categories_for_store(store):
    """Active categories of a store with their active reasons (two queries)."""
    from .services import categories_seed_defaults

    if not ComplaintCategory.objects.filter(store=store).exists():
        categories_seed_defaults(store)
    return list(
        ComplaintCategory.objects.filter(store=store)
        .prefetch_related("reasons")
        .order_by("order", "id")
    )


def categories_for_user(user, capability=C.VIEW_COMPLAINTS):
    return (
        ComplaintCategory.objects.filter(store_id__in=access_for(user).store_ids(capability))
        .select_related("store")
        .prefetch_related("reasons")
    )


# --- the list: filters and keyset pagination ----------------------------------------------------


@dataclass
class Page:
    """One page of a keyset-paginated list: rows and the cursor of the next page (or None)."""

    rows: list
    next_cursor: str | None
    has_previous: bool


def encode_cursor(complaint) -> str:
    raw = f"{complaint.received_at.isoformat()}|{complaint.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """(received_at, id) of a cursor, or None when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        value = parse_datetime(at)
        return (value, int(pk)) if value else None
    except (ValueError, UnicodeDecodeError):
        return None


def complaint_list(user, *, store=None, status="", severity="", category="", channel="",
                   department="", mine=False, overdue=False, q="", now=None):  # fmt: skip
    """The filtered complaints of the user's stores, newest first (unevaluated queryset)."""
    # Two joins only: a seven-table join cost more to plan than to run (bench/complaints); the
    # few stores, categories, reasons and owners of a page come in one query each.
    qs = complaints_for_user(user).select_related("customer", "vehicle")
    qs = qs.prefetch_related("store", "category", "reason", "owner")
    if store:
        qs = qs.filter(store_id=store)
    if status == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif status in ComplaintStatus.values:
        qs = qs.filter(status=status)
    if severity in Severity.values:
        qs = qs.filter(severity=severity)
    if category:
        qs = qs.filter(category__code=category)
    if channel:
        qs = qs.filter(channel=channel)
    if department in Department.values:
        qs = qs.filter(department=department)
    if mine:
        qs = qs.filter(owner=user)
    if overdue:
        qs = qs.filter(overdue_filter(now or timezone.now()))
    if q:
        q = q.strip()
        if "-T" in q.upper():
            qs = qs.filter(number=q.upper())
        else:
            store_ids = access_for(user).store_ids(C.VIEW_COMPLAINTS)
            ids = [c.pk for c in customer_search(user, q, limit=50, store_ids=store_ids)]
            qs = qs.filter(customer_id__in=ids)
    return qs.order_by("-received_at", "-id")


def paginate(qs, cursor="", size=PAGE_SIZE) -> Page:
    """A page after `cursor` by (received_at, id) descending: an index range scan, no COUNT."""
    position = decode_cursor(cursor) if cursor else None
    if position:
        at, pk = position
        qs = qs.filter(Q(received_at__lt=at) | Q(received_at=at, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_cursor(rows[-1]) if more and rows else None, bool(position))


def notifications_for(user, limit=50):
    return list(Notification.objects.filter(recipient=user).select_related("complaint")[:limit])


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- statistics (annex 7) and analysis ----------------------------------------------------------

STAT_FIELDS = (
    "id", "number", "store_id", "store__name", "store__code", "received_at", "acknowledged_at",
    "solution_proposed_at", "closed_at", "status", "severity", "channel", "department",
    "category__name", "reason__name", "vehicle__model_name", "breach_count", "repeat_of_id",
    "satisfaction", "customer__name", "owner__display_name", "owner__username", "pauses",
)  # fmt: skip


def month_bounds(year, month, tz):
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def _working_hours_between(start, end, clock, pauses):
    if start is None or end is None:
        return None
    spent = sla.elapsed_working(start, end, pauses=pauses, **clock.kwargs())
    return spent.total_seconds() / 3600


def _parsed_pauses(row):
    return [(parse_datetime(a), parse_datetime(b) if b else None) for a, b in row["pauses"] or ()]


def _rows(user, stores, start, end, capability=C.VIEW_COMPLAINTS):
    allowed = set(access_for(user).store_ids(capability))
    store_ids = [s.pk for s in stores if s.pk in allowed]
    return list(
        Complaint.objects.filter(
            store_id__in=store_ids, received_at__gte=start, received_at__lt=end
        )
        .order_by("received_at", "id")
        .values(*STAT_FIELDS)
    )


def _timings(rows, stores):
    """Working hours to acknowledge and to a solution per complaint (store clocks, pauses)."""
    clocks = {s.pk: clock_for(s) for s in stores}
    for row in rows:
        clock, pauses = clocks[row["store_id"]], _parsed_pauses(row)
        row["ack_hours"] = _working_hours_between(
            row["received_at"], row["acknowledged_at"], clock, pauses
        )
        row["solution_hours"] = _working_hours_between(
            row["received_at"], row["solution_proposed_at"], clock, pauses
        )
    return rows


def _avg(values):
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 1) if values else None


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def summary(rows):
    """The headline figures of a set of complaint rows."""
    total = len(rows)
    confirmed = [r for r in rows if r["satisfaction"]]
    satisfied = [r for r in confirmed if r["satisfaction"] in (
        CustomerSatisfaction.VERY_SATISFIED, CustomerSatisfaction.SATISFIED)]  # fmt: skip
    breached = [r for r in rows if r["breach_count"]]
    return {
        "total": total,
        "closed": sum(1 for r in rows if r["closed_at"]),
        "open": sum(1 for r in rows if not r["closed_at"]),
        "major": sum(1 for r in rows if r["severity"] == Severity.MAJOR),
        "serious": sum(1 for r in rows if r["severity"] == Severity.SERIOUS),
        "repeat": sum(1 for r in rows if r["repeat_of_id"]),
        "breached": len(breached),
        "breach_rate": _share(len(breached), total),
        "avg_ack_hours": _avg(r.get("ack_hours") for r in rows),
        "avg_solution_hours": _avg(r.get("solution_hours") for r in rows),
        "satisfied_rate": _share(len(satisfied), len(confirmed)),
    }


def _group(rows, key, label_of=lambda v: v or "—"):
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    total = len(rows)
    out = []
    for value, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0]))):
        out.append(
            {
                "label": str(label_of(value)),
                "value": value,
                "count": len(items),
                "share": _share(len(items), total),
                "closed": sum(1 for r in items if r["closed_at"]),
                "breached": sum(1 for r in items if r["breach_count"]),
                "avg_ack_hours": _avg(r.get("ack_hours") for r in items),
                "avg_solution_hours": _avg(r.get("solution_hours") for r in items),
            }
        )
    return out  # fmt: skip


def monthly_statistics(user, *, stores, year, month):
    """月份客户投诉处理统计月报表 (annex 7) for the chosen stores and month."""
    tz = stores[0].tzinfo if stores else datetime.UTC
    start, end = month_bounds(year, month, tz)
    rows = _timings(_rows(user, stores, start, end), stores)
    departments = dict(Department.choices)
    severities = dict(Severity.choices)
    from .choices import ComplaintChannel

    channels = dict(ComplaintChannel.choices)
    by_category = _group(rows, "category__name", lambda v: v or _("Not classified"))
    reasons = Counter((r["category__name"], r["reason__name"]) for r in rows if r["reason__name"])
    return {
        "year": year, "month": month, "start": start, "end": end, "rows": rows,
        "summary": summary(rows),
        "by_category": by_category,
        "by_reason": [{"category": c, "reason": r, "count": n}
                      for (c, r), n in reasons.most_common()],
        "by_department": _group(rows, "department",
                                lambda v: departments.get(v, _("Not assigned"))),
        "by_channel": _group(rows, "channel", lambda v: channels.get(v, v)),
        "by_severity": _group(rows, "severity", lambda v: severities.get(v, v)),
        "by_store": _group(rows, "store__name"),
    }  # fmt: skip


def analysis(user, *, stores, start, end):
    """Complaints by category, reason, department, store, model, month; timings; breach rate."""
    rows = _timings(_rows(user, stores, start, end), stores)
    departments = dict(Department.choices)
    months = defaultdict(list)
    tz = stores[0].tzinfo if stores else datetime.UTC
    for row in rows:
        months[timezone.localtime(row["received_at"], tz).strftime("%Y-%m")].append(row)
    trend = [
        {"month": m, "count": len(items), "breach_rate": summary(items)["breach_rate"] or 0,
         "avg_ack_hours": summary(items)["avg_ack_hours"] or 0,
         "avg_solution_hours": summary(items)["avg_solution_hours"] or 0}
        for m, items in sorted(months.items())
    ]  # fmt: skip
    reasons = Counter(r["reason__name"] for r in rows if r["reason__name"])
    return {
        "summary": summary(rows),
        "by_category": _group(rows, "category__name", lambda v: v or _("Not classified")),
        "by_reason": [{"label": k, "count": v} for k, v in reasons.most_common(15)],
        "by_department": _group(rows, "department",
                                lambda v: departments.get(v, _("Not assigned"))),
        "by_store": _group(rows, "store__name"),
        "by_model": _group(rows, "vehicle__model_name", lambda v: v or _("No vehicle"))[:15],
        "trend": trend,
    }  # fmt: skip
