"""Forms of the login, store settings and user management pages; they parse, services decide."""

import zoneinfo

import phonenumbers
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Store
from .roles import Role

MSG_PASSWORDS_DIFFER = _("The two passwords differ.")

_COMMON_ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei")


def timezone_choices():
    """China's zones first, then every other zone the system knows."""
    others = sorted(zoneinfo.available_timezones() - set(_COMMON_ZONES))
    return [(z, z) for z in (*_COMMON_ZONES, *others)]


def readable_phone(national):
    """020 3888 6666 rather than the stored 2038886666 (landlines need their leading 0)."""
    if not national:
        return national
    try:
        number = phonenumbers.parse(national, "CN")
    except phonenumbers.NumberParseException:
        return national
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _widgets():
    return {
        "working_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        "working_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        "calling_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        "calling_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    }


def add_service_errors(form, exc):
    """Put a service's ValidationError on the form: per field where the form has it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class StyledMixin:
    """Tabler classes on every widget."""

    def style(self):
        for bound in self:
            widget = bound.field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if self._errors and bound.name in self._errors:  # never validates by itself
                css += " is-invalid"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        self.style()

    def add_error(self, field, error):
        super().add_error(field, error)
        self.style()


class LoginForm(StyledMixin, AuthenticationForm):
    """Django's login form with Tabler classes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.style()


class _StoreFieldsForm(StyledMixin, forms.Form):
    """Store fields, built from the model so labels, limits and help texts stay in one place.

    Cross-field rules (hours, thresholds) live in Store.clean and come back through the service.
    """

    field_names = Store.SETTINGS_FIELDS

    def __init__(self, *args, store=None, **kwargs):
        if store is not None:
            initial = model_to_dict(store, fields=self.field_names)
            initial["hotline"] = readable_phone(initial.get("hotline"))
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Store, fields=self.field_names, widgets=_widgets()))
        self.fields["timezone"] = forms.ChoiceField(
            label=Store._meta.get_field("timezone").verbose_name, choices=timezone_choices()
        )
        self.style()

    def changed_fields(self):
        return {name: self.cleaned_data[name] for name in self.field_names}


class StoreSettingsForm(_StoreFieldsForm):
    """Every setting of a store (Store.SETTINGS_FIELDS)."""

    sections = (
        (_("Store"), ("name", "city", "region", "address", "hotline", "brand", "timezone")),
        (_("Hours"), ("working_hours_start", "working_hours_end", "calling_hours_start",
                      "calling_hours_end")),
        (_("Lifecycle"), ("new_buyer_days", "inactive_after_days", "lost_after_days")),
        (_("Value tiers"), ("tier_a_min_spend", "tier_a_min_visits", "tier_b_min_spend",
                            "tier_b_min_visits")),
        (_("Surveys"), ("surveys_per_quarter",)),
    )  # fmt: skip

    def grouped(self):
        return [(title, [self[name] for name in names]) for title, names in self.sections]


class StoreCreateForm(_StoreFieldsForm):
    """A new store: its code and the basics; the other settings start at their defaults."""

    field_names = ("code", "name", "city", "region", "address", "hotline", "brand", "timezone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["placeholder"] = "GZ02"


class UserCreateForm(StyledMixin, forms.Form):
    """A new user with a first role in one of the stores the actor manages."""

    username = forms.CharField(label=_("username"), max_length=150)
    display_name = forms.CharField(label=_("name"), max_length=50)
    password = forms.CharField(
        label=_("password"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    password_again = forms.CharField(
        label=_("password again"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    store = forms.TypedChoiceField(label=_("store"), coerce=int)
    role = forms.ChoiceField(label=_("role"))

    def __init__(self, *args, stores, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.stores = {s.pk: s for s in stores}
        self.fields["store"].choices = [(s.pk, f"{s.code} {s.name}") for s in stores]
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        self.style()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", MSG_PASSWORDS_DIFFER)
        return data


class MembershipForm(forms.Form):
    """Set (or, with an empty role, remove) the user's role in one store."""

    store = forms.IntegerField()
    role = forms.ChoiceField(choices=[("", "")] + list(Role.choices), required=False)


class UserFilterForm(StyledMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    store = forms.TypedChoiceField(label=_("store"), coerce=int, required=False, empty_value=None)
    role = forms.ChoiceField(label=_("role"), required=False)
    active = forms.ChoiceField(
        label=_("status"), required=False,
        choices=[("", _("All")), ("1", pgettext_lazy("user status", "Active")), ("0", _("Deactivated"))],
    )  # fmt: skip

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All stores"))] + [
            (s.pk, f"{s.code} {s.name}") for s in stores
        ]
        self.fields["role"].choices = [("", _("All roles"))] + list(Role.choices)
        self.style()

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        active = {"1": True, "0": False}.get(data.get("active"))
        return {"q": data.get("q") or None, "store": data.get("store"),
                "role": data.get("role") or None, "active": active}  # fmt: skip
