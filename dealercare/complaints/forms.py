"""Forms of the complaint pages and of the public online form."""

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.core.validators import MSG_MOBILE_INVALID, normalize_mobile, normalize_plate

from .choices import (
    MANUAL_ACTIONS,
    ComplaintChannel,
    CustomerSatisfaction,
    Department,
    Severity,
)
from .flow import Transition
from .models import MajorIncidentReport


def _mobile(raw):
    """An 11-digit mainland mobile, or the validators' message."""
    mobile = normalize_mobile(raw)
    if mobile is None:
        raise forms.ValidationError(MSG_MOBILE_INVALID, code="invalid_mobile")
    return mobile


def style(form):
    """Tabler classes on every visible widget."""
    for field in form.fields.values():
        widget = field.widget
        if widget.is_hidden:
            continue
        css = (
            "form-select"
            if isinstance(widget, forms.Select)
            else ("form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control")
        )
        widget.attrs.setdefault("class", css)


class Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ORIGIN_TYPES = ("followup_task", "survey_response")


class IntakeForm(Styled):
    """Record a complaint: the customer (found or new), vehicle, what happened, what they ask."""

    store = forms.ModelChoiceField(queryset=None, label=_("Store"), empty_label=None)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    new_customer_name = forms.CharField(label=_("New customer: name"), required=False,
                                        max_length=100)  # fmt: skip
    new_customer_mobile = forms.CharField(label=_("New customer: mobile"), required=False,
                                          max_length=20)  # fmt: skip
    vehicle = forms.IntegerField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=ComplaintChannel.choices)
    received_at = forms.DateTimeField(label=_("Received at"), required=False, widget=DATETIME_INPUT)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=5000)  # fmt: skip
    customer_request = forms.CharField(
        label=_("What the customer asks for"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )  # fmt: skip
    promised_reply_at = forms.DateTimeField(
        label=_("Reply promised by"), required=False, widget=DATETIME_INPUT,
        help_text=_("Tell the customer. Empty: the acknowledgement time limit."),
    )  # fmt: skip
    category = forms.IntegerField(label=_("Category"), required=False)
    reason = forms.IntegerField(label=_("Reason"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices,
                                 initial=Severity.NORMAL)  # fmt: skip
    origin_type = forms.CharField(required=False, widget=forms.HiddenInput, max_length=30)
    origin_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores

    def clean_new_customer_mobile(self):
        raw = self.cleaned_data.get("new_customer_mobile", "")
        if not raw:
            return ""
        return _mobile(raw)

    def clean_origin_type(self):
        value = self.cleaned_data.get("origin_type", "")
        if value and value not in ORIGIN_TYPES:
            raise forms.ValidationError(_("Unknown origin."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not data.get("new_customer_name"):
            self.add_error("customer", _("Find the customer, or enter a new customer's name."))
        return data


class TransitionForm(Styled):
    transition = forms.ChoiceField(choices=[(t.value, t.value) for t in Transition])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000)  # fmt: skip
    owner = forms.IntegerField(required=False)
    department = forms.ChoiceField(required=False, choices=[("", "—"), *Department.choices])
    solution = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    result = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    satisfaction = forms.ChoiceField(
        required=False, choices=[("", "—"), *CustomerSatisfaction.choices]
    )
    prevention = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(Styled):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in MANUAL_ACTIONS])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000)  # fmt: skip
    owner = forms.IntegerField(required=False)
    when = forms.DateTimeField(required=False, widget=DATETIME_INPUT)


class ClassifyForm(Styled):
    category = forms.IntegerField(required=False)
    reason = forms.IntegerField(required=False)
    severity = forms.ChoiceField(choices=Severity.choices)


class AttachmentForm(Styled):
    file = forms.FileField(label=_("File"))


class ReportForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    class Meta:
        model = MajorIncidentReport
        fields = MajorIncidentReport.FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 3})
                   for name in ("summary", "cause", "handling", "result", "responsibility",
                                "prevention")}  # fmt: skip


class CategoryForm(Styled):
    category = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.IntegerField(required=False, widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=80)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PeriodForm(Styled):
    store = forms.IntegerField(required=False)
    month = forms.CharField(required=False, max_length=7)  # YYYY-MM

    def period(self):
        """(year, month) chosen, or the current month."""
        value = (self.cleaned_data.get("month") or "") if self.is_valid() else ""
        try:
            year, month = (int(p) for p in value.split("-"))
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return year, month
        except ValueError:
            pass
        today = timezone.localdate()
        return today.year, today.month


# --- the public online form ---------------------------------------------------------------------

FORM_SALT = "complaints.public-form"


def issue_form_token():
    """A signed timestamp put in the form when it is shown (the minimum fill time starts here)."""
    return signing.TimestampSigner(salt=FORM_SALT).sign("public-complaint")


class PublicComplaintForm(Styled):
    """What a customer fills in online; `website` is a honeypot left empty by people."""

    name = forms.CharField(label=_("Your name"), max_length=50)
    mobile = forms.CharField(label=_("Mobile"), max_length=20)
    plate = forms.CharField(label=_("Plate number (optional)"), max_length=12, required=False)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), min_length=10,
        max_length=2000,
    )  # fmt: skip
    customer_request = forms.CharField(
        label=_("What would you like us to do?"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
    )  # fmt: skip
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    token = forms.CharField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_("I agree that the store uses my name and mobile to handle this complaint."),
    )

    def clean_mobile(self):
        return _mobile(self.cleaned_data["mobile"])

    def clean_plate(self):
        return normalize_plate(self.cleaned_data.get("plate", ""))
