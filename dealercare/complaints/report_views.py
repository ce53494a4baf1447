"""Complaint outputs: annex 6 (record form), 7 (monthly statistics), 8 (major complaint report),
the analysis page, the list export and the category editor. Files need EXPORT_LISTS and are
audited; mobiles are masked for roles that may not reveal them."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.core.xlsx import Column, content_disposition
from dealercare.customers.exports import list_export

from . import annexes, selectors, services
from .choices import ComplaintChannel, ComplaintStatus, Department, Severity, SlaStep
from .deadlines import limits_for
from .forms import CategoryForm, PeriodForm, ReportForm
from .models import ComplaintCategory, ComplaintReason
from .sla import LimitUnit
from .views import require_anywhere, shown_mobile

C = Capability
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(content, content_type, filename, fallback):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, fallback)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _audit_export(user, target, store, what, **changes):
    audit.record(actor=user, action=AuditAction.EXPORT, target=target, store=store,
                 changes={"file": what, **changes})  # fmt: skip


def _require_export(user, store_id):
    if not access_for(user).has(C.EXPORT_LISTS, store_id):
        raise PermissionDenied(MSG_NO_PERMISSION)


# --- annex 6: the complaint record form ---------------------------------------------------------


def record_data(complaint, user, actions):
    """The fields of 客户投诉记录表 as (label, value, long) and the handling log lines."""
    tz = complaint.store.tzinfo
    vehicle = complaint.vehicle
    fields = [
        (_("Reference no."), complaint.number, False),
        (_("Store"), complaint.store.name, False),
        (_("Received at"), annexes.local(complaint.received_at, tz), False),
        (_("Channel"), complaint.get_channel_display(), False),
        (_("Customer"), complaint.customer.name, False),
        (_("Contact mobile"), shown_mobile(user, complaint.store_id, complaint.contact_mobile),
         False),
        (_("Vehicle model"), vehicle.model_name if vehicle else "", False),
        (_("Plate / VIN"), f"{vehicle.plate or ''} {vehicle.vin or ''}".strip() if vehicle
         else "", False),
        (_("Category"), complaint.category.name if complaint.category else "", False),
        (_("Reason"), complaint.reason.name if complaint.reason else "", False),
        (_("Severity"), complaint.get_severity_display(), False),
        (_("Status"), complaint.get_status_display(), False),
        (_("Department"), complaint.get_department_display(), False),
        (_("Owner"), str(complaint.owner or ""), False),
        (_("Reply promised by"), annexes.local(complaint.promised_reply_at, tz), False),
        (_("Closed at"), annexes.local(complaint.closed_at, tz), False),
        (_("What happened"), complaint.description, True),
        (_("What the customer asks for"), complaint.customer_request, True),
        (_("Solution"), complaint.solution, True),
        (_("Result"), complaint.result, True),
        (_("Customer satisfaction"), complaint.get_satisfaction_display(), True),
        (_("Prevention measures"), complaint.prevention, True),
    ]  # fmt: skip
    log = [(annexes.local(a.at, tz), str(a.actor or _("System")), a.get_kind_display(), a.note)
           for a in actions]  # fmt: skip
    return {"title": _("Customer complaint record"), "fields": fields, "log": log}


@login_required
@require_GET
def complaint_record(request, pk):
    """Annex 6 on screen, laid out for printing."""
    require_anywhere(request.user, C.VIEW_COMPLAINTS)
    data = selectors.complaint_detail(request.user, pk)
    complaint = data["complaint"]
    return render(request, "complaints/record.html", {
        "complaint": complaint, "record": record_data(complaint, request.user, data["actions"]),
        "can_export": access_for(request.user).has(C.EXPORT_LISTS, complaint.store_id),
    })  # fmt: skip


@login_required
@require_GET
def complaint_record_xlsx(request, pk):
    require_anywhere(request.user, C.EXPORT_LISTS)
    data = selectors.complaint_detail(request.user, pk)
    complaint = data["complaint"]
    _require_export(request.user, complaint.store_id)
    content = annexes.record_xlsx(record_data(complaint, request.user, data["actions"]))
    _audit_export(request.user, complaint, complaint.store, "annex6")
    return _file(content, XLSX, f"客户投诉记录表_{complaint.number}.xlsx",
                 f"complaint_{complaint.number}.xlsx")  # fmt: skip


# --- annex 8: the major complaint report ---------------------------------------------------------


def report_data(complaint, report, user):
    tz = complaint.store.tzinfo
    fields = [
        (_("Reference no."), complaint.number, False),
        (_("Store"), complaint.store.name, False),
        (_("Incident"), report.title, False),
        (_("Received at"), annexes.local(complaint.received_at, tz), False),
        (_("Customer"), complaint.customer.name, False),
        (_("Contact mobile"), shown_mobile(user, complaint.store_id, complaint.contact_mobile),
         False),
        (_("Vehicle"), str(complaint.vehicle or ""), False),
        (_("Compensation (CNY)"), f"{report.compensation:,.2f}", False),
        (_("Owner"), str(complaint.owner or ""), False),
        (_("Reported by"), str(report.reported_by or ""), False),
        (_("What happened"), report.summary, True),
        (_("Cause analysis"), report.cause, True),
        (_("How it was handled"), report.handling, True),
        (_("Result and customer's response"), report.result, True),
        (_("Responsibility"), report.responsibility, True),
        (_("Corrective and preventive measures"), report.prevention, True),
    ]  # fmt: skip
    return {"title": _("Major complaint report"), "fields": fields}


@login_required
@require_http_methods(["GET", "POST"])
def complaint_report(request, pk):
    """Annex 8 on screen; its owner or a CS manager writes it (major complaints only)."""
    require_anywhere(request.user, C.VIEW_COMPLAINTS)
    complaint = selectors.complaint_get(request.user, pk)
    report = getattr(complaint, "major_report", None) if complaint.is_major else None
    can_edit = (
        complaint.is_major
        and access_for(request.user).has(C.HANDLE_COMPLAINTS, complaint.store_id)
        and services.may_work_on(request.user, complaint)
    )
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(MSG_NO_PERMISSION)
    form = ReportForm(request.POST or None, instance=report) if can_edit else None
    if request.method == "POST" and form.is_valid():
        try:
            services.major_report_save(actor=request.user, complaint=complaint,
                                       fields=form.cleaned_data)  # fmt: skip
        except (ApplicationError, ValidationError) as error:
            form.add_error(None, getattr(error, "message", error))
        else:
            messages.success(request, _("Major-incident report saved."))
            return redirect("complaints:report", complaint.pk)
    return render(request, "complaints/report.html", {
        "page_title": _("Major complaint report %(number)s") % {"number": complaint.number},
        "complaint": complaint, "report": report, "form": form,
        "data": report_data(complaint, report, request.user) if report else None,
        "can_export": report is not None and access_for(request.user).has(
            C.EXPORT_LISTS, complaint.store_id),
    })  # fmt: skip


def _report_for_export(request, pk):
    require_anywhere(request.user, C.EXPORT_LISTS)
    complaint = selectors.complaint_get(request.user, pk)
    _require_export(request.user, complaint.store_id)
    report = getattr(complaint, "major_report", None) if complaint.is_major else None
    if report is None:
        from django.http import Http404

        raise Http404(_("This complaint has no major-incident report."))
    return complaint, report_data(complaint, report, request.user)


@login_required
@require_GET
def complaint_report_xlsx(request, pk):
    complaint, data = _report_for_export(request, pk)
    _audit_export(request.user, complaint, complaint.store, "annex8.xlsx")
    return _file(annexes.report_xlsx(data), XLSX, f"重大投诉事件处理报告_{complaint.number}.xlsx",
                 f"major_report_{complaint.number}.xlsx")  # fmt: skip


@login_required
@require_GET
def complaint_report_pdf(request, pk):
    complaint, data = _report_for_export(request, pk)
    _audit_export(request.user, complaint, complaint.store, "annex8.pdf")
    return _file(annexes.report_pdf(data), "application/pdf",
                 f"重大投诉事件处理报告_{complaint.number}.pdf",
                 f"major_report_{complaint.number}.pdf")  # fmt: skip


# --- annex 7 and analysis -----------------------------------------------------------------------


def _chosen_stores(request, capability):
    stores = list(access_for(request.user).stores(capability))
    chosen = request.GET.get("store", "")
    if chosen.isdigit():
        stores = [s for s in stores if s.pk == int(chosen)] or stores[:0]
    return stores


def _statistics(request, capability):
    require_anywhere(request.user, capability)
    form = PeriodForm(request.GET)
    year, month = form.period()
    stores = _chosen_stores(request, capability)
    return (
        stores,
        year,
        month,
        selectors.monthly_statistics(request.user, stores=stores, year=year, month=month),
    )


SUMMARY_LABELS = (
    ("total", gettext_lazy("Complaints received")), ("closed", gettext_lazy("Closed")),
    ("open", gettext_lazy("Still open")), ("major", gettext_lazy("Major")),
    ("serious", gettext_lazy("Serious")), ("repeat", gettext_lazy("Repeat complaints")),
    ("breached", gettext_lazy("Past a time limit")), ("breach_rate", gettext_lazy("Breach rate %")),
    ("avg_ack_hours", gettext_lazy("Avg. working hours to acknowledge")),
    ("avg_solution_hours", gettext_lazy("Avg. working hours to a solution")),
    ("satisfied_rate", gettext_lazy("Satisfied after handling %")),
)  # fmt: skip


def _summary_rows(summary):
    return [(str(label), summary[key]) for key, label in SUMMARY_LABELS]


def _sections(stats):
    return [(_("By category"), stats["by_category"]), (_("By department"), stats["by_department"]),
            (_("By channel"), stats["by_channel"]), (_("By severity"), stats["by_severity"]),
            (_("By store"), stats["by_store"])]  # fmt: skip


@login_required
@require_GET
def statistics(request):
    """Annex 7 on screen (MANAGE_COMPLAINTS)."""
    stores, year, month, stats = _statistics(request, C.MANAGE_COMPLAINTS)
    return render(request, "complaints/statistics.html", {
        "page_title": _("Monthly complaint statistics"), "stats": stats,
        "summary_rows": _summary_rows(stats["summary"]), "sections": _sections(stats),
        "stores": access_for(request.user).stores(C.MANAGE_COMPLAINTS),
        "month_value": f"{year:04d}-{month:02d}", "store_value": request.GET.get("store", ""),
        "can_export": access_for(request.user).has_anywhere(C.EXPORT_LISTS),
    })  # fmt: skip


@login_required
@require_GET
def statistics_xlsx(request):
    require_anywhere(request.user, C.EXPORT_LISTS)
    require_anywhere(request.user, C.MANAGE_COMPLAINTS)
    allowed = set(access_for(request.user).store_ids(C.EXPORT_LISTS))
    stores, year, month, _stats = _statistics(request, C.MANAGE_COMPLAINTS)
    stores = [s for s in stores if s.pk in allowed]
    stats = selectors.monthly_statistics(request.user, stores=stores, year=year, month=month)
    tz = stores[0].tzinfo if stores else None
    head = (
        _("Reference no."),
        _("Store"),
        _("Received at"),
        _("Customer"),
        _("Category"),
        _("Reason"),
        _("Severity"),
        _("Status"),
        _("Department"),
        _("Owner"),
        _("Closed at"),
    )
    severities, statuses = dict(Severity.choices), dict(ComplaintStatus.choices)
    departments = dict(Department.choices)
    lines = [(r["number"], r["store__name"], annexes.local(r["received_at"], tz),
              r["customer__name"], r["category__name"] or "", r["reason__name"] or "",
              str(severities.get(r["severity"], "")), str(statuses.get(r["status"], "")),
              str(departments.get(r["department"], "")),
              r["owner__display_name"] or r["owner__username"] or "",
              annexes.local(r["closed_at"], tz)) for r in stats["rows"]]  # fmt: skip
    title = _("Customer complaint statistics, %(year)s-%(month)02d") % {
        "year": year,
        "month": month,
    }
    content = annexes.statistics_xlsx({
        "summary_rows": _summary_rows(stats["summary"]), "sections": _sections(stats),
        "by_reason": stats["by_reason"], "list_head": head, "list_rows": lines,
    }, title)  # fmt: skip
    _audit_export(request.user, ("complaints.complaint", "", "monthly statistics"),
                  stores[0] if len(stores) == 1 else None, "annex7",
                  month=f"{year}-{month:02d}", stores=[s.code for s in stores],
                  rows=len(lines))  # fmt: skip
    return _file(content, XLSX, f"客户投诉统计月报_{year}{month:02d}.xlsx",
                 f"complaint_statistics_{year}{month:02d}.xlsx")  # fmt: skip


@login_required
@require_GET
def analysis(request):
    """By category, reason, department, store, model; timings and breach rate (ECharts)."""
    require_anywhere(request.user, C.MANAGE_COMPLAINTS)
    stores = _chosen_stores(request, C.MANAGE_COMPLAINTS)
    tz = stores[0].tzinfo if stores else None
    end = timezone.localtime(timezone.now(), tz).replace(day=1, hour=0, minute=0, second=0,
                                                         microsecond=0)  # fmt: skip
    end = (end + datetime.timedelta(days=32)).replace(day=1)
    start = end.replace(year=end.year - 1)
    result = selectors.analysis(request.user, stores=stores, start=start, end=end)
    return render(request, "complaints/analysis.html", {
        "page_title": _("Complaint analysis"), "result": result,
        "summary_rows": _summary_rows(result["summary"]),
        "stores": access_for(request.user).stores(C.MANAGE_COMPLAINTS),
        "store_value": request.GET.get("store", ""), "start": start, "end": end,
        "chart_data": {
            "category": [[g["label"], g["count"]] for g in result["by_category"]],
            "reason": [[g["label"], g["count"]] for g in result["by_reason"]],
            "department": [[g["label"], g["count"]] for g in result["by_department"]],
            "store": [[g["label"], g["count"]] for g in result["by_store"]],
            "model": [[g["label"], g["count"]] for g in result["by_model"]],
            "trend": result["trend"],
        },
    })  # fmt: skip


# --- the list export ----------------------------------------------------------------------------


@login_required
@require_GET
def complaint_export(request):
    require_anywhere(request.user, C.EXPORT_LISTS)
    require_anywhere(request.user, C.VIEW_COMPLAINTS)
    g = request.GET
    store = g.get("store", "")
    qs = selectors.complaint_list(
        request.user, store=int(store) if store.isdigit() else None,
        status=g.get("status", ""), severity=g.get("severity", ""),
        category=g.get("category", ""), channel=g.get("channel", ""),
        department=g.get("department", ""), q=g.get("q", ""),
    )  # fmt: skip
    statuses, severities = dict(ComplaintStatus.choices), dict(Severity.choices)
    channels, departments = dict(ComplaintChannel.choices), dict(Department.choices)

    def columns(ctx):
        return [
            ctx.column(_("Reference no."), "number", 16), ctx.store_column(_("Store")),
            Column(_("Received at"), lambda r: ctx.local(r["received_at"], r["store_id"]), 17),
            ctx.column(_("Customer"), "customer__name"),
            ctx.mobile_column(_("Contact mobile"), "contact_mobile"),
            Column(_("Channel"), lambda r: str(channels.get(r["channel"], ""))),
            ctx.column(_("Category"), "category__name"), ctx.column(_("Reason"), "reason__name"),
            Column(_("Severity"), lambda r: str(severities.get(r["severity"], ""))),
            Column(_("Status"), lambda r: str(statuses.get(r["status"], ""))),
            Column(_("Department"), lambda r: str(departments.get(r["department"], ""))),
            ctx.column(_("Owner"), "owner__username"),
            ctx.column(_("Breaches"), "breach_count", 8),
            Column(_("Closed at"), lambda r: ctx.local(r["closed_at"], r["store_id"]), 17),
            ctx.column(_("What happened"), "description", 40),
        ]  # fmt: skip

    export = list_export(
        actor=request.user, queryset=qs.filter(
            store_id__in=access_for(request.user).store_ids(C.VIEW_COMPLAINTS)),
        fields=("number", "received_at", "customer__name", "contact_mobile", "channel",
                "category__name", "reason__name", "severity", "status", "department",
                "owner__username", "breach_count", "closed_at", "description"),
        columns=columns, what=_("Complaints"), slug="complaints",
        target=("complaints.complaint", "", "complaint list"),
        filters={k: v for k, v in g.items() if v}, mobile_field="contact_mobile",
    )  # fmt: skip
    return export.response()


# --- categories (CS manager) --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def categories(request):
    require_anywhere(request.user, C.MANAGE_COMPLAINTS)
    stores = list(access_for(request.user).stores(C.MANAGE_COMPLAINTS))
    chosen = request.GET.get("store") or request.POST.get("store") or ""
    store = next((s for s in stores if str(s.pk) == chosen), stores[0])
    if request.method == "POST" and request.POST.get("limits"):
        return _save_limits(request, store)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _save_category(request.user, store, data)
        except (ApplicationError, ValidationError) as error:
            form.add_error(None, getattr(error, "message", None) or error)
        except ObjectDoesNotExist:
            form.add_error(None, _("No such category or reason in this store."))
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{request.path}?store={store.pk}")
    return render(request, "complaints/categories.html", {
        "page_title": _("Complaint categories and reasons"), "store": store, "stores": stores,
        "categories": selectors.categories_for_store(store), "form": form,
        "limits": _limit_rows(store), "units": [(u.value, str(UNIT_LABELS[u])) for u in LimitUnit],
    })  # fmt: skip


UNIT_LABELS = {
    LimitUnit.MINUTES: gettext_lazy("working minutes"),
    LimitUnit.HOURS: gettext_lazy("working hours"),
    LimitUnit.DAYS: gettext_lazy("working days"),
}


def _limit_rows(store):
    limits = limits_for(store)
    return [
        {
            "severity": sev,
            "severity_label": sev_label,
            "step": step,
            "step_label": step_label,
            "amount": limits[(sev, step)].amount,
            "unit": limits[(sev, step)].unit.value,
        }
        for sev, sev_label in Severity.choices
        for step, step_label in SlaStep.choices
    ]


def _save_limits(request, store):
    wanted = {}
    for row in _limit_rows(store):
        key = f"{row['severity']}-{row['step']}"
        raw = request.POST.get(f"amount-{key}", "")
        wanted[(row["severity"], row["step"])] = (
            int(raw) if raw.isdigit() else -1,
            request.POST.get(f"unit-{key}", ""),
        )
    try:
        services.time_limits_save(actor=request.user, store=store, limits=wanted)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Time limits saved."))
    return redirect(f"{request.path}?store={store.pk}")


def _save_category(user, store, data):
    common = {"name": data["name"], "order": data["order"] or 0, "is_active": data["is_active"]}
    if data.get("reason"):
        reason = ComplaintReason.objects.select_related("category").get(
            pk=data["reason"], category__store=store
        )
        return services.reason_save(actor=user, category=reason.category, reason=reason, **common)
    if data.get("parent"):
        category = ComplaintCategory.objects.get(pk=data["parent"], store=store)
        code = f"r{ComplaintReason.objects.filter(category=category).count() + 1}"
        return services.reason_save(actor=user, category=category, code=code, **common)
    if data.get("category"):
        category = ComplaintCategory.objects.get(pk=data["category"], store=store)
        return services.category_save(actor=user, store=store, category=category, **common)
    code = f"c{ComplaintCategory.objects.filter(store=store).count() + 1}"
    return services.category_save(actor=user, store=store, code=code, **common)
