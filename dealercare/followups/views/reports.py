"""Follow-up statistics for supervisors: the KPIs by store, agent, kind, week and month with a
trend chart, and annexes 3, 4 and 5 of seed 000 as screens and streamed XLSX exports."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.core.validators import mask_mobile
from dealercare.core.workdays import to_local

from .. import reports
from ..choices import EventType, TaskKind

C = Capability
PAGE_SIZE = 50
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
GROUP_LABELS = {
    "store": gettext_lazy("Store"),
    "agent": gettext_lazy("Agent"),
    "kind": gettext_lazy("Task kind"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
}


class PeriodForm(forms.Form):
    """A period of store-local due dates, a store and a grouping; invalid input falls back to
    the last 30 days and says why."""

    store = forms.TypedChoiceField(
        label=gettext_lazy("store"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(
        label=gettext_lazy("due from"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    date_to = forms.DateField(
        label=gettext_lazy("due to"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    by = forms.ChoiceField(
        label=gettext_lazy("per"), required=False, choices=list(GROUP_LABELS.items())
    )

    def __init__(self, *args, stores, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["store"].choices = [("", _("All stores")),
                                        *[(s.pk, f"{s.code} {s.name}") for s in stores]]  # fmt: skip
        for bound in self:
            css = "form-select" if isinstance(bound.field.widget, forms.Select) else "form-control"
            bound.field.widget.attrs["class"] = css + (" is-invalid" if bound.errors else "")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error("date_to", _("Choose at most three years."))
        return data

    @property
    def data_or_defaults(self):
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("date_to") or self.today
        start = data.get("date_from") or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
        return {
            "store": data.get("store"),
            "period": reports.Period(start, end),
            "by": data.get("by") or "kind",
        }

    def filters(self):
        values = self.data_or_defaults
        return {
            "store": str(values["store"] or ""),
            "date_from": values["period"].start.isoformat(),
            "date_to": values["period"].end.isoformat(),
        }


def _setup(request, capability=C.SUPERVISE_FOLLOWUPS):
    """The form, the chosen stores and their time zone, the due tasks of the period."""
    access = access_for(request.user)
    if not access.has_anywhere(capability) or not access.has_anywhere(C.SUPERVISE_FOLLOWUPS):
        raise PermissionDenied
    stores = list(access.stores(C.SUPERVISE_FOLLOWUPS))
    tz = stores[0].tzinfo if stores else timezone.get_current_timezone()
    today = to_local(timezone.now(), tz).date()
    form = PeriodForm(request.GET or None, stores=stores, today=today)
    values = form.data_or_defaults
    store_ids = [values["store"]] if values["store"] else None
    tasks = reports.due_tasks(request.user, values["period"], store_ids=store_ids, tz=tz)
    store = next((s for s in stores if s.pk == values["store"]), None)
    return form, values, tasks, tz, store, stores


def _base_context(request, form, values, stores):
    return {
        "form": form,
        "period": values["period"],
        "multi_store": len(stores) > 1,
        "can_export": access_for(request.user).has_anywhere(C.EXPORT_LISTS),
        "query": request.GET.urlencode(),
    }


@login_required
@require_GET
def statistics(request):
    """The follow-up KPIs of a period: totals, a breakdown and the weekly trend."""
    form, values, tasks, tz, _store, stores = _setup(request)
    rows = reports.kpi_breakdown(tasks, values["by"], tz=tz)
    # The trend: the 12 weeks up to the period's end, whatever the period.
    end = values["period"].end
    trend_period = reports.Period(end - datetime.timedelta(weeks=12) + datetime.timedelta(days=1),
                                  end)  # fmt: skip
    trend_tasks = reports.due_tasks(
        request.user, trend_period, store_ids=[values["store"]] if values["store"] else None,
        tz=tz,
    )  # fmt: skip
    trend = reports.kpi_breakdown(trend_tasks, "week", tz=tz)
    chart = {
        "weeks": [row["label"].split(" ")[0] for row in trend],
        "series": [
            {"name": str(_("Follow-up rate")), "data": [_pct(r["followup_rate"]) for r in trend]},
            {"name": str(_("On-time rate")), "data": [_pct(r["on_time_rate"]) for r in trend]},
            {"name": str(_("Reach rate")), "data": [_pct(r["reach_rate"]) for r in trend]},
            {"name": str(_("Satisfied rate")), "data": [_pct(r["satisfied_rate"]) for r in trend]},
        ],
    }
    context = _base_context(request, form, values, stores) | {
        "page_title": _("Follow-up statistics"),
        "total": reports.kpi_total(tasks),
        "rows": rows,
        "by_label": GROUP_LABELS[values["by"]],
        "chart": chart,
    }
    return render(request, "followups/reports/statistics.html", context)


def _pct(value):
    return None if value is None else round(value * 100, 1)


def _annex(request, event_type, template, title):
    form, values, tasks, tz, _store, stores = _setup(request)
    summary = reports.kpi_breakdown(
        tasks.filter(event_type=event_type).filter(kind__in=_kinds(event_type)), "kind", tz=tz
    )
    rows = reports.annex_rows(tasks, event_type=event_type)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    tasks_on_page = list(page.object_list)
    reports.attach_event_details(tasks_on_page, event_type=event_type)
    access = access_for(request.user)
    for task in tasks_on_page:
        mobile = task.customer.mobile
        task.mobile_shown = (
            mobile if access.has(C.REVEAL_PHONE, task.store_id) else mask_mobile(mobile)
        )
    context = _base_context(request, form, values, stores) | {
        "page_title": title,
        "summary": summary,
        "total": reports.kpi_total(
            tasks.filter(event_type=event_type, kind__in=_kinds(event_type))
        ),
        "page": page,
        "tasks": tasks_on_page,
        "delivery": event_type == EventType.DELIVERY,
    }
    return render(request, template, context)


def _kinds(event_type):
    if event_type == EventType.DELIVERY:
        return reports.DELIVERY_KINDS
    return (TaskKind.SERVICE_FOLLOWUP,)


@login_required
@require_GET
def annex3(request):
    """Annex 3: new-car buyer follow-up record statistics (交车后回访)."""
    return _annex(request, EventType.DELIVERY, "followups/reports/annex.html",
                  _("New-car buyer follow-up statistics"))  # fmt: skip


@login_required
@require_GET
def annex4(request):
    """Annex 4: service customer follow-up record statistics (维修回访)."""
    return _annex(request, EventType.SERVICE_VISIT, "followups/reports/annex.html",
                  _("Service customer follow-up statistics"))  # fmt: skip


@login_required
@require_GET
def annex5(request):
    """Annex 5: the follow-up programme management table, per kind and week or month."""
    form, values, tasks, tz, _store, stores = _setup(request)
    by = "month" if values["by"] == "month" else "week"
    context = _base_context(request, form, values, stores) | {
        "page_title": _("Follow-up programme management"),
        "rows": reports.programme_table(tasks, by=by, tz=tz),
        "by": by,
    }
    return render(request, "followups/reports/annex5.html", context)


def _export_annex(request, event_type):
    form, values, tasks, _tz, store, _stores = _setup(request, C.EXPORT_LISTS)
    return reports.annex_export(
        actor=request.user, tasks=tasks, event_type=event_type, filters=form.filters(),
        store=store,
    ).response()  # fmt: skip


@login_required
@require_GET
def annex3_export(request):
    return _export_annex(request, EventType.DELIVERY)


@login_required
@require_GET
def annex4_export(request):
    return _export_annex(request, EventType.SERVICE_VISIT)


@login_required
@require_GET
def annex5_export(request):
    form, values, tasks, tz, store, _stores = _setup(request, C.EXPORT_LISTS)
    by = "month" if values["by"] == "month" else "week"
    return reports.programme_export(
        actor=request.user, tasks=tasks, by=by, filters=form.filters() | {"by": by},
        store=store, tz=tz,
    )  # fmt: skip
