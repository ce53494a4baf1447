"""Forms of the CSI pages: dashboard filters, action plans, targets, analysis settings."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.models import User
from dealercare.surveys.choices import Business, ResponseSource

from .analysis import PeriodKind
from .choices import Breakdown, PlanStatus, TargetMetric, TargetScope
from .models import ActionPlan, CsiSettings, CsiTarget

PERIOD_CHOICES = [
    (PeriodKind.WEEK.value, _("Week")),
    (PeriodKind.MONTH.value, _("Month")),
    (PeriodKind.QUARTER.value, _("Quarter")),
]


class DashboardForm(forms.Form):
    """Which period, stores, business and breakdown the dashboard shows (all optional)."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    day = forms.DateField(
        label=_("Day in the period"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=None, required=False, empty_label=_("All my stores")
    )
    business = forms.ChoiceField(label=_("Business"), choices=Business.choices, required=False)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[("", _("Internal and external")), *ResponseSource.choices],
        required=False,
    )
    breakdown = forms.ChoiceField(
        label=_("Break down by"),
        choices=[c for c in Breakdown.choices if c[0]],
        required=False,
    )
    model = forms.CharField(label=_("Scoring model"), required=False, max_length=40)

    def __init__(self, data, *, stores, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["store"].queryset = stores
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def params(self):
        """Keyword arguments of selectors.dashboard (invalid input falls back to defaults)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "period_kind": data.get("period") or PeriodKind.MONTH,
            "day": data.get("day") or timezone.localdate(),
            "store": data.get("store"),
            "business": data.get("business") or Business.SERVICE,
            "source": data.get("source") or None,
            "breakdown": data.get("breakdown") or None,
            "model_code": data.get("model") or None,
        }


class _Styled(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def people_of(store):
    """Users holding a role in ``store``."""
    return User.objects.filter(memberships__store=store).distinct().order_by("username")


class ActionPlanForm(_Styled):
    """A new action plan (the finding's fields come prefilled from the dashboard)."""

    class Meta:
        model = ActionPlan
        fields = ("kind", "business", "item_code", "item_text", "period_label", "finding_note",
                  "cause_analysis", "measures", "owner", "due_date")  # fmt: skip
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "cause_analysis": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "item_text": forms.HiddenInput(),
            "finding_note": forms.HiddenInput(),
        }

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_of(store)


class ActionPlanEditForm(_Styled):
    class Meta:
        model = ActionPlan
        fields = ActionPlan.EDITABLE_FIELDS
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "cause_analysis": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_of(self.instance.store)


class ProgressForm(forms.Form):
    """Move a plan along and/or note what happened."""

    status = forms.ChoiceField(label=_("New status"), choices=[("", "—"), *PlanStatus.choices],
                               required=False)  # fmt: skip
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.fields["note"].widget.attrs["class"] = "form-control"


class TargetForm(_Styled):
    class Meta:
        model = CsiTarget
        fields = CsiTarget.EDITABLE_FIELDS
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_of(store)
        self.fields["scope"].initial = TargetScope.STORE
        self.fields["metric"].initial = TargetMetric.SATISFIED_RATE


class StoreChoiceForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=None)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.fields["store"].widget.attrs["class"] = "form-select"


class CsiSettingsForm(_Styled):
    class Meta:
        model = CsiSettings
        fields = CsiSettings.EDITABLE_FIELDS
