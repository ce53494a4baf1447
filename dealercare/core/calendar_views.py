"""The working-day calendar pages (DOMAIN §8): a year's public holidays and make-up working days
as the store or group sees them, and the CS manager's overrides, added and removed per dealer
group (every store) or per store (which wins).

Who may do what: a user with MANAGE_STORE sees the calendar of those stores and of their group;
changes a store's days where they hold MANAGE_STORE there; changes group-wide days only when
they hold MANAGE_STORE in every active store of the group (a group admin, a group-wide manager),
because those days move every store's follow-up windows and complaint time limits.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability

from . import audit
from .calendars import working_calendar_for
from .errors import ApplicationError
from .models import AuditAction, WorkingDayOverride
from .workdays import WorkingCalendar

C = Capability
GROUP = "group"
MAX_RANGE_DAYS = 31
FIRST_YEAR, LAST_YEAR = 2000, 2100

MSG_RANGE_TOO_LONG = gettext_lazy("Enter at most %(n)s days at a time.")
MSG_RANGE_BACKWARDS = gettext_lazy("The last day is before the first day.")
MSG_ALREADY_ENTERED = gettext_lazy(
    "%(days)s already entered for this scope: remove the entry first to change it."
)


# --- who may see and change what ----------------------------------------------------------


def managed_stores(user) -> list[Store]:
    return list(access_for(user).stores(C.MANAGE_STORE).select_related("group"))


def may_edit_group(user, group_id) -> bool:
    """True when `user` manages every active store of the group."""
    store_ids = set(Store.objects.filter(group_id=group_id, is_active=True).values_list("pk",
                                                                                      flat=True))  # fmt: skip
    return bool(store_ids) and store_ids <= set(access_for(user).store_ids(C.MANAGE_STORE))


def visible_overrides(user):
    """Overrides the user may see: of the groups of their managed stores and of those stores."""
    stores = managed_stores(user)
    return WorkingDayOverride.objects.filter(
        models_q_group_or_store({s.group_id for s in stores}, {s.pk for s in stores})
    ).select_related("store")


def models_q_group_or_store(group_ids, store_ids):
    from django.db.models import Q

    return Q(group_id__in=group_ids, store__isnull=True) | Q(store_id__in=store_ids)


def _editable(user, override) -> bool:
    if override.store_id is None:
        return may_edit_group(user, override.group_id)
    return access_for(user).has(C.MANAGE_STORE, override.store_id)


# --- writes (atomic, validated, audited) ----------------------------------------------------


@transaction.atomic
def overrides_add(*, actor, group_id, store=None, first, last=None, is_working_day, note=""):
    """Enter days [first, last] as working days or days off for a group or one store; all or
    nothing (a day already entered for that scope refuses the whole range)."""
    if store is not None:
        access_for(actor).require(C.MANAGE_STORE, store)
        group_id = store.group_id
    elif not may_edit_group(actor, group_id):
        raise PermissionDenied
    last = last or first
    if last < first:
        raise ApplicationError(MSG_RANGE_BACKWARDS, extra={"field": "last"})
    days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    if len(days) > MAX_RANGE_DAYS:
        raise ApplicationError(MSG_RANGE_TOO_LONG % {"n": MAX_RANGE_DAYS}, extra={"field": "last"})
    same_scope = WorkingDayOverride.objects.filter(day__in=days)
    same_scope = (
        same_scope.filter(store=store)
        if store is not None
        else same_scope.filter(group_id=group_id, store__isnull=True)
    )
    taken = sorted(same_scope.values_list("day", flat=True))
    if taken:
        raise ApplicationError(
            MSG_ALREADY_ENTERED % {"days": ", ".join(d.isoformat() for d in taken)},
            extra={"field": "first"},
        )
    created = []
    for day in days:
        override = WorkingDayOverride(
            group_id=group_id, store=store, day=day, is_working_day=is_working_day, note=note
        )
        override.full_clean(validate_constraints=False)
        created.append(override)
    try:
        WorkingDayOverride.objects.bulk_create(created)
    except IntegrityError:  # a concurrent entry of the same day
        raise ApplicationError(MSG_ALREADY_ENTERED % {"days": first.isoformat()}) from None
    audit.record(
        actor=actor, action=AuditAction.SETTINGS,
        target=("core.workingdayoverride", "", _scope_label(group_id, store)),
        changes={"added": [d.isoformat() for d in days],
                 "working_day": is_working_day, "note": note},
        store=store,
    )  # fmt: skip
    return created


@transaction.atomic
def override_remove(*, actor, override) -> None:
    """Remove one entered day (the national calendar applies again)."""
    if not _editable(actor, override):
        raise PermissionDenied
    audit.record(
        actor=actor, action=AuditAction.SETTINGS,
        target=("core.workingdayoverride", str(override.pk),
                _scope_label(override.group_id, override.store)),
        changes={"removed": override.day.isoformat(), "working_day": override.is_working_day,
                 "note": override.note},
        store=override.store,
    )  # fmt: skip
    override.delete()


def _scope_label(group_id, store):
    return f"store {store.code}" if store is not None else f"group {group_id}"


# --- pages ----------------------------------------------------------------------------------


class OverrideForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("For"))
    first = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label=gettext_lazy("To (optional)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    is_working_day = forms.TypedChoiceField(
        label=gettext_lazy("These days are"),
        choices=[("0", gettext_lazy("days off (holiday)")),
                 ("1", gettext_lazy("working days (make-up day)"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )  # fmt: skip
    note = forms.CharField(label=gettext_lazy("Note"), max_length=100, required=False)

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes
        for bound in self:
            widget = bound.field.widget
            if not isinstance(widget, forms.RadioSelect):
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs["class"] = css + (" is-invalid" if bound.errors else "")


def _scopes(user, stores):
    """(value, label) of what the user may edit: the group(s) they fully manage, their stores."""
    scopes = []
    for group_id, name in sorted({(s.group_id, s.group.name) for s in stores}):
        if may_edit_group(user, group_id):
            scopes.append((f"{GROUP}-{group_id}", _("Every store of %(group)s") % {"group": name}))
    scopes += [(str(s.pk), f"{s.code} {s.name}") for s in stores]
    return scopes


def _year_of(request, today):
    raw = request.GET.get("year", "")
    if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return today.year


def special_days(calendar: WorkingCalendar, year: int):
    """The days of `year` that differ from Monday-Friday: holidays on weekdays, make-up working
    days at weekends."""
    day = datetime.date(year, 1, 1)
    rows = []
    while day.year == year:
        working = calendar.is_working_day(day)
        if working != (day.weekday() < 5):
            rows.append((day, working))
        day += datetime.timedelta(days=1)
    return rows


@login_required
@require_GET
def calendar_list(request):
    """A year of the chosen store's (or group's) calendar with the entered days."""
    stores = managed_stores(request.user)
    if not stores:
        raise PermissionDenied
    today = timezone.localdate()
    year = _year_of(request, today)
    view = request.GET.get("view", "")
    store = next((s for s in stores if str(s.pk) == view), None) or (
        None if view.startswith(GROUP) else stores[0]
    )
    group_id = store.group_id if store else stores[0].group_id
    entered = visible_overrides(request.user).filter(day__year=year).order_by("day", "store_id")
    if store is not None:
        calendar = working_calendar_for(store)
        shown = entered.filter(models_q_group_or_store({group_id}, {store.pk}))
    else:
        group_rows = entered.filter(group_id=group_id, store__isnull=True)
        calendar = WorkingCalendar({o.day: o.is_working_day for o in group_rows})
        shown = group_rows
    source = {o.day: o for o in shown if o.store_id is not None}
    for override in shown:
        source.setdefault(override.day, override)
    days = [
        {"day": day, "working": working, "override": source.get(day)}
        for day, working in special_days(calendar, year)
    ]
    scopes = _scopes(request.user, stores)
    form = OverrideForm(
        initial={"scope": str(store.pk) if store else f"{GROUP}-{group_id}",
                 "is_working_day": "0"},
        scopes=scopes,
    )  # fmt: skip
    overrides = list(shown)
    for override in overrides:
        override.editable = _editable(request.user, override)
    return render(
        request,
        "core/calendar/list.html",
        {
            "page_title": _("Working-day calendar"),
            "year": year,
            "years": [year - 1, year, year + 1],
            "store": store,
            "stores": stores,
            "group_id": group_id,
            "group_view": f"{GROUP}-{group_id}",
            "days": days,
            "overrides": overrides,
            "warning": calendar.warning_for(datetime.date(year, 1, 1)),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def override_add(request):
    """Enter one day or a range of days for a group or a store."""
    stores = managed_stores(request.user)
    if not stores:
        raise PermissionDenied
    scopes = _scopes(request.user, stores)
    form = OverrideForm(request.POST or None, scopes=scopes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope = data["scope"]
        store = next((s for s in stores if str(s.pk) == scope), None)
        group_id = int(scope.split("-", 1)[1]) if scope.startswith(GROUP) else None
        try:
            created = overrides_add(
                actor=request.user, group_id=group_id, store=store, first=data["first"],
                last=data["last"], is_working_day=data["is_working_day"], note=data["note"],
            )  # fmt: skip
        except ApplicationError as error:
            form.add_error(error.extra.get("field") if error.extra else None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(n)s day(s) entered.") % {"n": len(created)})
            view = str(store.pk) if store else scope
            url = reverse("calendar:list")
            return redirect(f"{url}?year={data['first'].year}&view={view}")
    return render(
        request,
        "core/calendar/add.html",
        {"page_title": _("Enter holidays or make-up working days"), "form": form},
    )


@login_required
@require_POST
def override_delete(request, pk):
    """Remove one entered day."""
    try:
        override = visible_overrides(request.user).get(pk=pk)
    except WorkingDayOverride.DoesNotExist:
        raise Http404 from None
    if not _editable(request.user, override):
        raise PermissionDenied
    year, view = override.day.year, str(override.store_id or f"{GROUP}-{override.group_id}")
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Confirm the removal first."))
    else:
        override_remove(actor=request.user, override=override)
        messages.success(request, _("%(day)s removed.") % {"day": override.day.isoformat()})
    return redirect(f"{reverse('calendar:list')}?year={year}&view={view}")
