"""Filters of the operations lists and the forms that record deliveries, visits and inquiries.

Field labels and limits come from the models; the services run full_clean, so the model's rules
(a finished visit needs its date out, budget order...) come back as field errors from there.
"""

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.forms import StyledMixin
from dealercare.accounts.roles import Role
from dealercare.accounts.selectors import staff_of_store
from dealercare.customers.choices import Gender

from .choices import DeliveryStatus, InquiryChannel, InquiryStatus, VisitStatus, VisitType
from .models import Delivery, Inquiry, ServiceVisit

MSG_DATES_REVERSED = _("The end date is before the start date.")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

SALES_ROLES = (Role.SALES_CONSULTANT, Role.SALES_MANAGER)
SERVICE_ROLES = (Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER)
TECHNICIAN_ROLES = (Role.TECHNICIAN,)


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _choices(label_all, choices):
    return [("", label_all), *choices]


class ListFilterForm(StyledMixin, forms.Form):
    """Store, date range and search box, common to every operations list."""

    q = forms.CharField(label=_("Search"), required=False)
    store = forms.TypedChoiceField(label=_("store"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    search_hint = ""

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = _choices(
            _("All stores"), [(s.pk, f"{s.code} {s.name}") for s in stores]
        )
        self.fields["q"].widget.attrs["placeholder"] = self.search_hint
        self.style()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", MSG_DATES_REVERSED)
        return data

    def filters(self):
        """The valid filters as selector keyword arguments (all of them ignored when invalid)."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class DeliveryFilterForm(ListFilterForm):
    search_hint = _("Order no., plate or customer name")
    consultant = forms.CharField(label=_("sales consultant"), required=False)
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=_choices(_("All"), DeliveryStatus.choices)
    )


class VisitFilterForm(ListFilterForm):
    search_hint = _("Repair order no. or plate")
    visit_type = forms.ChoiceField(
        label=_("type"), required=False, choices=_choices(_("All types"), VisitType.choices)
    )
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=_choices(_("All"), VisitStatus.choices)
    )
    advisor = forms.CharField(label=_("service advisor"), required=False)


class InquiryFilterForm(ListFilterForm):
    search_hint = _("Customer name or model")
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=_choices(_("All"), InquiryStatus.choices)
    )
    channel = forms.ChoiceField(
        label=_("channel"), required=False, choices=_choices(_("All"), InquiryChannel.choices)
    )


class _EventForm(StyledMixin, forms.Form):
    """Fields of an operations model for one customer of one store; staff pickers of that store."""

    model = None
    field_names = ()
    staff_fields = {}  # field name -> roles offered
    widgets = {}
    starts_now = ()  # datetime fields that default to the current time (in the store's zone)

    def __init__(self, *args, store, vehicles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields.update(fields_for_model(self.model, fields=self.field_names,
                                            widgets=self.widgets))  # fmt: skip
        for name, roles in self.staff_fields.items():
            self.fields[name].queryset = staff_of_store(self.store, roles)
        now = timezone.localtime().replace(second=0, microsecond=0)
        for name in self.starts_now:
            self.fields[name].initial = now
        for name, field in self.fields.items():
            if isinstance(field, forms.DateTimeField):
                field.input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
            if name in ("fault_description", "work_summary", "needs", "note"):
                field.widget.attrs["rows"] = 3
        if vehicles is not None:
            self.fields = {
                "vehicle": forms.ModelChoiceField(
                    label=_("vehicle"), queryset=vehicles, empty_label=None
                ),
                **self.fields,
            }
        self.style()

    def service_fields(self):
        return {n: self.cleaned_data[n] for n in self.field_names if n in self.cleaned_data}


class DeliveryForm(_EventForm):
    """A vehicle handed over to the chosen customer."""

    model = Delivery
    field_names = ("delivered_at", "order_no", "sales_consultant", "consultant_name", "price",
                   "status", "note")  # fmt: skip
    staff_fields = {"sales_consultant": SALES_ROLES}
    widgets = {"delivered_at": _datetime_widget()}
    starts_now = ("delivered_at",)


class ServiceVisitForm(_EventForm):
    """A repair order of the chosen customer's vehicle."""

    model = ServiceVisit
    field_names = ("repair_order_no", "visit_type", "status", "date_in", "date_out", "mileage_km",
                   "advisor", "advisor_name", "technician", "technician_name",
                   "fault_description", "work_summary", "labour_amount", "parts_amount")  # fmt: skip
    staff_fields = {"advisor": SERVICE_ROLES, "technician": TECHNICIAN_ROLES}
    widgets = {"date_in": _datetime_widget(), "date_out": _datetime_widget()}
    starts_now = ("date_in",)

    def service_fields(self):
        fields = super().service_fields()
        fields.pop("repair_order_no", None)  # an argument of its own in the service
        return fields


class InquiryForm(_EventForm):
    """A prospect's needs, budget and models of interest."""

    model = Inquiry
    field_names = ("channel", "models_of_interest", "budget_min", "budget_max", "needs",
                   "consultant", "status")  # fmt: skip
    staff_fields = {"consultant": SALES_ROLES}


class ProspectForm(StyledMixin, forms.Form):
    """A new prospect (customer) recorded with their first inquiry; the store is chosen before."""

    name = forms.CharField(label=_("name"), max_length=100)
    gender = forms.ChoiceField(label=_("gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="prospect", **kwargs)
        self.style()
