"""The audit log page: who did what to which record, filtered, 50 per page."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from dealercare.accounts.access import access_for
from dealercare.accounts.models import User
from dealercare.accounts.roles import Capability

from . import audit_log
from .models import AuditAction

PAGE_SIZE = 50
_LINKED = {
    "customers.customer": "customers:detail",
    "customers.vehicle": "customers:vehicle-detail",
}


class AuditFilterForm(forms.Form):
    """The audit log's filters; choices are limited to what the user may see."""

    q = forms.CharField(label=_("Record or reason"), required=False)
    action = forms.ChoiceField(label=_("action"), required=False)
    actor = forms.TypedChoiceField(label=_("user"), required=False, coerce=int, empty_value=None)
    record_type = forms.ChoiceField(label=_("record type"), required=False)
    store = forms.TypedChoiceField(label=_("store"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, stores, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *AuditAction.choices]
        self.fields["record_type"].choices = [("", _("All records")),
                                              *audit_log.record_type_choices()]  # fmt: skip
        self.fields["store"].choices = [("", _("All stores")),
                                        *[(s.pk, f"{s.code} {s.name}") for s in stores]]  # fmt: skip
        self.fields["actor"].choices = [("", _("All users")),
                                        *[(u.pk, f"{u} ({u.username})") for u in actors]]  # fmt: skip
        for bound in self:
            css = "form-select" if isinstance(bound.field.widget, forms.Select) else "form-control"
            bound.field.widget.attrs["class"] = css + (" is-invalid" if bound.errors else "")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self):
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _actors(user, store_ids):
    """People whose acts the user may filter by: members of those stores, group admins."""
    scope = Q(memberships__store_id__in=store_ids)
    if user.is_group_admin and user.dealer_group_id:
        scope |= Q(dealer_group_id=user.dealer_group_id, is_group_admin=True)
    return User.objects.filter(pk__in=User.objects.filter(scope).values("pk")).order_by("username")


@login_required
@require_safe
def audit_list(request):
    """Audit events of the stores where I may view the audit log."""
    acc = access_for(request.user)
    if not acc.has_anywhere(Capability.VIEW_AUDIT):
        raise PermissionDenied
    stores = list(acc.stores(Capability.VIEW_AUDIT))
    form = AuditFilterForm(
        request.GET or None, stores=stores, actors=_actors(request.user, [s.pk for s in stores])
    )
    events = audit_log.events_for_user(request.user, **form.filters())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for event in page:
        url = ""
        if not event.target_id.isdigit():
            pass  # e.g. an export of a whole list: no single record to open
        elif event.target_type in _LINKED and acc.has(Capability.VIEW_CUSTOMERS, event.store_id):
            url = reverse(_LINKED[event.target_type], args=[event.target_id])
        elif event.target_type == "accounts.user" and acc.has(
            Capability.MANAGE_USERS, event.store_id
        ):
            url = reverse("user-edit", args=[event.target_id])
        elif event.target_type == "accounts.store" and acc.has(
            Capability.MANAGE_STORE, event.store_id
        ):
            url = reverse("store-settings", args=[event.target_id])
        rows.append({"event": event, "url": url, "changes": audit_log.change_lines(event),
                     "record_type": dict(audit_log.record_type_choices()).get(
                         event.target_type, event.target_type)})  # fmt: skip
    return render(request, "audit/list.html", {
        "page_title": _("Audit log"), "page_obj": page, "rows": rows, "filters": form,
    })  # fmt: skip
