"""Forms of the customer and vehicle pages; model validators give the per-field messages."""

import json
import re

from django import forms
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.forms import inlineformset_factory
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core.validators import mask_mobile

from . import selectors
from .choices import (
    ConsentChannel,
    ConsentMethod,
    CustomerKind,
    CustomerType,
    LifecycleState,
    ValueTier,
)
from .models import CompanyContact, Customer, Tag, Vehicle

# A ranked search narrows the list to its best matches; more would not be "found" any more.
SEARCH_RESULT_LIMIT = 200
TAG_SEPARATORS = re.compile(r"[,，、;；]")


class TablerFormMixin:
    """Gives every widget Tabler's classes, so templates render fields without per-field markup."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _choices(label, choices):
    return [("", label), *choices]


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_widget():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _duplicate_check(field, check, extra_vals=None, include=None):
    """Ask the search view, as the user types, whether this mobile or VIN already exists."""
    field.duplicate_check = True
    attrs = {
        "hx-get": f"{reverse_lazy('customers:search')}?check={check}",
        "hx-trigger": "input changed delay:400ms, change",
        "hx-target": f"#hint-{check}",
        "hx-swap": "innerHTML",
        "autocomplete": "off",
    }
    if include:
        attrs["hx-include"] = include
    if extra_vals:
        attrs["hx-vals"] = json.dumps(extra_vals)
    field.widget.attrs.update(attrs)
    field.hint_id = f"hint-{check}"


# --- customer list ----------------------------------------------------------------------------


class CustomerFilterForm(TablerFormMixin, forms.Form):
    """The list's filters and search box; `customers()` gives the matching, scoped queryset."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, pinyin, mobile, plate, VIN")}
        ),
    )
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=Store.objects.none(), required=False, empty_label=_("All stores")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_choices(_("All kinds"), CustomerKind.choices)
    )
    customer_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=_choices(_("All types"), CustomerType.choices)
    )
    value_tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=_choices(_("All tiers"), ValueTier.choices)
    )
    lifecycle_state = forms.ChoiceField(
        label=_("Lifecycle"),
        required=False,
        choices=_choices(_("All states"), LifecycleState.choices),
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def __init__(self, data=None, *, user, capability=Capability.VIEW_CUSTOMERS):
        super().__init__(data)
        self.user = user
        self.capability = capability
        access = access_for(user)
        self.store_ids = access.store_ids(capability)
        self.fields["store"].queryset = access.stores(capability)
        names = (
            Tag.objects.filter(store_id__in=access.store_ids(Capability.VIEW_CUSTOMERS))
            .order_by("name")
            .values_list("name", flat=True)
            .distinct()
        )
        self.fields["tag"].choices = _choices(_("All tags"), [(n, n) for n in names])

    def customers(self):
        """Scoped customers matching the filters: ranked by relevance when searching, else newest."""
        if not self.is_valid():
            return Customer.objects.none()
        data = self.cleaned_data
        qs = selectors.customer_list(
            self.user,
            store=data["store"].pk if data["store"] else None,
            customer_type=data["customer_type"] or None,
            value_tier=data["value_tier"] or None,
            lifecycle_state=data["lifecycle_state"] or None,
            tag=data["tag"] or None,
            kind=data["kind"] or None,
        )
        if self.capability != Capability.VIEW_CUSTOMERS:
            qs = qs.filter(store_id__in=self.store_ids)
        qs = qs.prefetch_related(
            Prefetch(
                "vehicles",
                queryset=Vehicle.objects.only("id", "plate", "vin", "owner_id").order_by("id"),
                to_attr="listed_vehicles",
            )
        )
        if data["q"]:
            ranked = [
                c.pk
                for c in selectors.customer_search(self.user, data["q"], limit=SEARCH_RESULT_LIMIT)
            ]
            if not ranked:
                return qs.none()
            rank = Case(
                *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ranked)],
                output_field=IntegerField(),
            )
            qs = qs.filter(pk__in=ranked).order_by(rank)
        return qs

    def applied_filters(self):
        """The filters in use, as plain text (for the audit trail of an export)."""
        if not self.is_bound or not self.is_valid():
            return {}
        applied = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            applied[name] = value.code if isinstance(value, Store) else str(value)
        return applied


# --- create / edit ----------------------------------------------------------------------------


def split_tags(text):
    """'车友会, 老客户推荐，VIP' -> ['车友会', '老客户推荐', 'VIP']."""
    return [t.strip() for t in TAG_SEPARATORS.split(text or "") if t.strip()]


class CustomerForm(TablerFormMixin, forms.ModelForm):
    """A customer's profile. On edit the mobile is never put into the page: blank keeps it."""

    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none())
    tags_text = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=300,
        help_text=_("Separate tags with commas, e.g. 车友会, 老客户推荐."),
    )
    clear_mobile = forms.BooleanField(label=_("Remove the mobile number"), required=False)

    class Meta:
        model = Customer
        fields = Customer.EDITABLE_FIELDS
        widgets = {
            "birth_date": _date_widget(),
            "quiet_hours_start": _time_widget(),
            "quiet_hours_end": _time_widget(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "address": forms.TextInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["mobile"].widget.attrs.update({"inputmode": "tel"})
        if self.instance.pk:
            del self.fields["store"]
            # The page must not carry the full number: show it masked, keep it unless replaced.
            self.initial["mobile"] = ""
            self.initial["tags_text"] = ", ".join(t.name for t in self.instance.tags.all())
            if self.instance.mobile:
                self.fields["mobile"].widget.attrs["placeholder"] = mask_mobile(
                    self.instance.mobile
                )
                self.fields["mobile"].help_text = _(
                    "Leave blank to keep the current number; type a new one to replace it."
                )
            else:
                del self.fields["clear_mobile"]
            _duplicate_check(
                self.fields["mobile"],
                "mobile",
                extra_vals={"store": self.instance.store_id, "exclude": self.instance.pk},
            )
        else:
            del self.fields["clear_mobile"]
            stores = access_for(user).stores(Capability.EDIT_CUSTOMERS)
            self.fields["store"].queryset = stores
            if len(stores) == 1:
                self.fields["store"].initial = stores[0].pk
            _duplicate_check(self.fields["mobile"], "mobile", include="[name='store']")

    def clean(self):
        data = super().clean()
        if self.instance.pk and not data.get("mobile") and not data.get("clear_mobile"):
            data["mobile"] = self.instance.mobile
        return data

    def customer_fields(self):
        """The validated, normalised values to give the services."""
        return {name: getattr(self.instance, name) for name in Customer.EDITABLE_FIELDS}

    def tag_names(self):
        return split_tags(self.cleaned_data.get("tags_text"))


class ContactForm(TablerFormMixin, forms.ModelForm):
    """A company's key contact; an existing contact's mobile stays masked, blank keeps it."""

    class Meta:
        model = CompanyContact
        fields = ("name", "position", "mobile", "is_key")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.mobile:
            self.initial["mobile"] = ""
            self.fields["mobile"].widget.attrs["placeholder"] = mask_mobile(self.instance.mobile)

    def clean(self):
        data = super().clean()
        if self.instance.pk and not data.get("mobile"):
            data["mobile"] = self.instance.mobile
        return data


ContactFormSet = inlineformset_factory(
    Customer, CompanyContact, form=ContactForm, extra=2, can_delete=True, max_num=20
)


def contact_changes(formset):
    """(contacts to save as dicts with their id or None, ids to delete) from a valid formset."""
    to_save, to_delete = [], []
    for form in formset.forms:
        if form.instance.pk and formset._should_delete_form(form):
            to_delete.append(form.instance.pk)
            continue
        if not form.has_changed() or formset._should_delete_form(form):
            continue
        to_save.append(
            {
                "id": form.instance.pk,
                "name": form.instance.name,
                "position": form.instance.position,
                "mobile": form.instance.mobile,
                "is_key": form.instance.is_key,
            }
        )
    return to_save, to_delete


# --- vehicles ---------------------------------------------------------------------------------


class VehicleForm(TablerFormMixin, forms.ModelForm):
    """A vehicle's data; VIN and plate are normalised and checked by the model fields."""

    class Meta:
        model = Vehicle
        fields = Vehicle.EDITABLE_FIELDS
        widgets = {
            name: _date_widget()
            for name in (
                "purchase_date",
                "delivery_date",
                "warranty_end",
                "insurance_end",
                "inspection_due",
            )
        }

    def __init__(self, *args, store_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        vin = self.fields["vin"]
        vin.widget.attrs.update({"style": "text-transform: uppercase", "maxlength": 20})
        vals = {"store": store_id or self.instance.store_id or ""}
        if self.instance.pk:
            vals["exclude"] = self.instance.pk
        _duplicate_check(vin, "vin", extra_vals=vals)

    def vehicle_fields(self):
        return {name: getattr(self.instance, name) for name in self._meta.fields}


class FirstVehicleForm(VehicleForm):
    """The optional first vehicle on the new-customer form; untouched means no vehicle."""

    class Meta(VehicleForm.Meta):
        fields = ("vin", "plate", "brand", "model_name", "colour", "delivery_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The customer form's store select decides the store of the duplicate check.
        self.fields["vin"].widget.attrs.pop("hx-vals", None)
        self.fields["vin"].widget.attrs["hx-include"] = "[name='store']"


class TransferForm(TablerFormMixin, forms.Form):
    new_owner = forms.ModelChoiceField(
        label=_("New owner"), queryset=Customer.objects.none(), widget=forms.HiddenInput
    )
    on_date = forms.DateField(label=_("Owner since"), widget=_date_widget())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = candidates
        self.fields["new_owner"].error_messages["required"] = _("Choose the new owner first.")
        self.fields["on_date"].initial = timezone.localdate()


class VehicleFilterForm(TablerFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Plate, VIN or owner")}),
    )
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=Store.objects.none(), required=False, empty_label=_("All stores")
    )
    brand = forms.ChoiceField(label=_("Brand"), required=False)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        access = access_for(user)
        self.fields["store"].queryset = access.stores(Capability.VIEW_CUSTOMERS)
        brands = (
            selectors.vehicles_for_user(user)
            .exclude(brand="")
            .order_by("brand")
            .values_list("brand", flat=True)
            .distinct()
        )
        self.fields["brand"].choices = _choices(_("All brands"), [(b, b) for b in brands])


# --- small action forms -----------------------------------------------------------------------


class RevealForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full number?"),
        min_length=2,
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": _("e.g. return call")}),
        error_messages={
            "required": _("Give a reason (at least 2 characters)."),
            "min_length": _("Give a reason (at least 2 characters)."),
        },
    )


class ConsentForm(TablerFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Agrees")), ("no", _("Refuses"))],
        coerce=lambda value: value == "yes",
    )
    method = forms.ChoiceField(label=_("How it was given"), choices=ConsentMethod.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class MergeForm(TablerFormMixin, forms.Form):
    KEEP_THIS, KEEP_OTHER = "this", "other"

    other = forms.IntegerField(widget=forms.HiddenInput)
    keep = forms.ChoiceField(
        label=_("Keep"),
        choices=[(KEEP_THIS, _("this customer")), (KEEP_OTHER, _("the other customer"))],
        initial=KEEP_THIS,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=2,
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. same person, registered twice")}
        ),
        error_messages={
            "required": _("Give a reason (at least 2 characters)."),
            "min_length": _("Give a reason (at least 2 characters)."),
        },
    )
