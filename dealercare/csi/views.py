"""CSI pages: dashboard (+ XLSX per chart), my results, action plans, targets, settings.

Thin: parse, call a selector or service, render. Gates: VIEW_CSI for the dashboard, plans and
targets; EXPORT_LISTS for exports (audited); MANAGE_SURVEYS for plans and settings;
SET_CSI_TARGETS for targets; any signed-in user for their own results.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.core.xlsx import Column, stream_xlsx, xlsx_response

from . import selectors, services, tables
from .analysis import PeriodKind
from .choices import PlanStatus
from .forms import (
    PERIOD_CHOICES,
    ActionPlanEditForm,
    ActionPlanForm,
    CsiSettingsForm,
    DashboardForm,
    ProgressForm,
    StoreChoiceForm,
    TargetForm,
)

C = Capability


def _require_anywhere(user, capability):
    if not access_for(user).has_anywhere(capability):
        raise PermissionDenied(MSG_NO_PERMISSION)


def _apply_errors(form, error):
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(error, ApplicationError):
        form.add_error(None, error.message)
    else:
        form.add_error(None, error)


def _pick_store(request, capability):
    """The store a create/settings page works in: ?store=, or the user's only one."""
    stores = access_for(request.user).stores(capability)
    form = StoreChoiceForm(request.GET or None, stores=stores)
    if request.GET.get("store") and form.is_valid():
        return form.cleaned_data["store"], form
    if len(stores) == 1:
        return stores[0], form
    return None, form


# --- dashboard --------------------------------------------------------------------------------


def _dashboard_for(request, capability_stores=None):
    stores = access_for(request.user).stores(C.VIEW_CSI)
    form = DashboardForm(request.GET or None, stores=stores)
    params = form.params()
    data = selectors.dashboard(request.user, **params, within=capability_stores)
    return form, data


@login_required
@require_GET
def dashboard(request):
    """The CSI overview: scores, levels, trend, rankings, breakdowns, findings, drivers."""
    _require_anywhere(request.user, C.VIEW_CSI)
    form, data = _dashboard_for(request)
    built = tables.build(data)
    store_ids = [s.pk for s in data.stores]
    plans = selectors.open_plans_by_item(store_ids, data.business)
    access = access_for(request.user)
    context = {
        "page_title": _("CSI dashboard"),
        "form": form,
        "d": data,
        "tables": {name: table.as_dict() for name, table in built.items()},
        "findings": [
            (f, data.catalogue.items.get(f.item), plans.get(f.item), row)
            for f, row in zip(data.findings, built["findings"].rows, strict=True)
        ],
        "breakdowns": selectors.breakdowns_of(data.business),
        "can_export": access.has_anywhere(C.EXPORT_LISTS),
        "can_plan": data.store is not None and access.has(C.MANAGE_SURVEYS, data.store),
        "query": request.GET.urlencode(),
        "periods": PERIOD_CHOICES,
    }
    return render(request, "csi/dashboard.html", context)


@login_required
@require_GET
def export(request):
    """One chart's table as XLSX: only stores where the user may also export; audited."""
    _require_anywhere(request.user, C.VIEW_CSI)
    _require_anywhere(request.user, C.EXPORT_LISTS)
    chart = request.GET.get("chart", "items")
    if chart not in tables.CHARTS:
        chart = "items"
    export_ids = set(access_for(request.user).store_ids(C.EXPORT_LISTS))
    form, data = _dashboard_for(request, capability_stores=export_ids)
    table = tables.build(data)[chart]
    model_header = _("Scoring model")
    columns = [
        Column(header, (lambda index: lambda row: row[index])(i), 24 if i == 0 else 14)
        for i, header in enumerate(table.headers)
    ] + [Column(model_header, lambda row: table.model_code, 16)]
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORT,
            target=("csi.dashboard", chart, str(table.title)),
            changes={
                "chart": chart,
                "period": data.period.label,
                "stores": [s.code for s in data.stores],
                "business": data.business,
                "rows": len(table.rows),
            },
            store=data.store,
        )
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
    name = f"CSI_{chart}_{data.period.label}_{stamp}.xlsx"
    return xlsx_response(
        stream_xlsx(iter(table.rows), columns, title=str(table.title)[:31]),
        filename=name,
        fallback=name,
    )


@login_required
@require_GET
def my_results(request):
    """The signed-in person's own survey results and targets (any role)."""
    period = request.GET.get("period") or PeriodKind.MONTH
    if period not in PeriodKind.__members__.values():
        period = PeriodKind.MONTH
    results = selectors.own_results(request.user, period_kind=period)
    sections = []
    for business, breakdown, fig, trend, cat in results.sections:
        scale = cat.model.scale if cat.model else 100
        sections.append(
            {
                "business": business,
                "breakdown": breakdown,
                "figures": fig,
                "model_code": cat.model.code if cat.model else "",
                "scale": scale,
                "items": [(cat.items[c], s) for c, s in fig.items.items() if c in cat.items],
                "trend": {
                    "labels": [p.label for p, _f in trend],
                    "values": [
                        str(f.survey.overall_display) if f.overall is not None else None
                        for _p, f in trend
                    ],
                },
            }
        )
    return render(
        request,
        "csi/my_results.html",
        {
            "page_title": _("My results"),
            "period": results.period,
            "sections": sections,
            "attainments": results.attainments,
            "periods": PERIOD_CHOICES,
            "current_period": period,
            "sections_trend": [section["trend"] for section in sections],
        },
    )


# --- action plans -----------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request):
    _require_anywhere(request.user, C.VIEW_CSI)
    status = request.GET.get("status") or None
    if status not in PlanStatus.values:
        status = None
    plans = selectors.plans_for_user(request.user, status=status)[:500]
    return render(
        request,
        "csi/plan_list.html",
        {
            "page_title": _("Action plans"),
            "plans": plans,
            "statuses": PlanStatus.choices,
            "status": status,
            "can_create": access_for(request.user).has_anywhere(C.MANAGE_SURVEYS),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    _require_anywhere(request.user, C.MANAGE_SURVEYS)
    store, store_form = _pick_store(request, C.MANAGE_SURVEYS)
    if store is None:
        return render(
            request,
            "csi/pick_store.html",
            {"page_title": _("New action plan"), "form": store_form},
        )
    initial = {
        key: request.GET[key]
        for key in ("kind", "business", "item_code", "item_text", "period_label", "finding_note")
        if key in request.GET
    }
    form = ActionPlanForm(request.POST or None, initial=initial, store=store)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, store=store, fields=form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Action plan opened."))
            return redirect("csi:plan-detail", pk=plan.pk)
    return render(
        request,
        "csi/plan_form.html",
        {"page_title": _("New action plan"), "form": form, "store": store},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request, pk):
    plan = selectors.plan_for_user(request.user, pk)
    form = ProgressForm(request.POST or None)
    can_progress = services.can_progress(request.user, plan)
    if request.method == "POST":
        if not can_progress:
            raise PermissionDenied(MSG_NO_PERMISSION)
        if form.is_valid():
            try:
                services.plan_progress(
                    actor=request.user,
                    plan=plan,
                    status=form.cleaned_data["status"] or None,
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Action plan updated."))
                return redirect("csi:plan-detail", pk=plan.pk)
    return render(
        request,
        "csi/plan_detail.html",
        {
            "page_title": str(plan),
            "plan": plan,
            "updates": plan.updates.select_related("actor"),
            "form": form,
            "can_progress": can_progress,
            "can_edit": access_for(request.user).has(C.MANAGE_SURVEYS, plan.store_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = selectors.plan_for_user(request.user, pk)
    access_for(request.user).require(C.MANAGE_SURVEYS, plan.store_id)
    form = ActionPlanEditForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(
                actor=request.user,
                plan=plan,
                fields={name: form.cleaned_data[name] for name in form.changed_data},
            )
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Action plan saved."))
            return redirect("csi:plan-detail", pk=plan.pk)
    return render(
        request,
        "csi/plan_form.html",
        {"page_title": _("Edit action plan"), "form": form, "store": plan.store, "plan": plan},
    )


# --- targets ----------------------------------------------------------------------------------


@login_required
@require_GET
def target_list(request):
    _require_anywhere(request.user, C.VIEW_CSI)
    period = request.GET.get("period") or PeriodKind.MONTH
    if period not in PeriodKind.__members__.values():
        period = PeriodKind.MONTH
    current, rows = selectors.attainments(request.user, period_kind=period)
    return render(
        request,
        "csi/target_list.html",
        {
            "page_title": _("CSI targets"),
            "period": current,
            "rows": rows,
            "periods": PERIOD_CHOICES,
            "current_period": period,
            "can_set": access_for(request.user).has_anywhere(C.SET_CSI_TARGETS),
        },
    )


def _target_form_page(request, *, store, target=None):
    form = TargetForm(request.POST or None, instance=target, store=store)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in TargetForm.Meta.fields}
        try:
            if target is None:
                services.target_create(actor=request.user, store=store, fields=fields)
            else:
                services.target_update(actor=request.user, target=target, fields=fields)
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Target saved."))
            return redirect("csi:target-list")
    title = _("New target") if target is None else _("Edit target")
    return render(
        request, "csi/target_form.html", {"page_title": title, "form": form, "store": store}
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_create(request):
    _require_anywhere(request.user, C.SET_CSI_TARGETS)
    store, store_form = _pick_store(request, C.SET_CSI_TARGETS)
    if store is None:
        return render(
            request, "csi/pick_store.html", {"page_title": _("New target"), "form": store_form}
        )
    return _target_form_page(request, store=store)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request, pk):
    target = selectors.target_for_user(request.user, pk)
    access_for(request.user).require(C.SET_CSI_TARGETS, target.store_id)
    return _target_form_page(request, store=target.store, target=target)


# --- settings ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    _require_anywhere(request.user, C.MANAGE_SURVEYS)
    store, store_form = _pick_store(request, C.MANAGE_SURVEYS)
    if store is None:
        return render(
            request,
            "csi/pick_store.html",
            {"page_title": _("Strength and weakness thresholds"), "form": store_form},
        )
    current = selectors.settings_of(store)
    form = CsiSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(
                actor=request.user,
                store=store,
                fields={name: form.cleaned_data[name] for name in CsiSettingsForm.Meta.fields},
            )
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect(f"{request.path}?store={store.pk}")
    return render(
        request,
        "csi/settings.html",
        {"page_title": _("Strength and weakness thresholds"), "form": form, "store": store},
    )
