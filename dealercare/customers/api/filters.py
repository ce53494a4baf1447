"""Query parameters of the customer and vehicle lists."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dealercare.core.validators import normalize_plate, normalize_vin
from dealercare.customers.choices import CustomerKind, CustomerType, LifecycleState, ValueTier
from dealercare.customers.models import Customer, Vehicle


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """The id of a related row (store, owner, customer): a whole number."""

    field_class = forms.IntegerField


class CustomerFilter(django_filters.FilterSet):
    """Filters of the customer list; `q` is the one-box search, answered in ranked order."""

    store = IdFilter(field_name="store_id", help_text=_("Store id."))
    kind = django_filters.ChoiceFilter(choices=CustomerKind.choices)
    customer_type = django_filters.ChoiceFilter(choices=CustomerType.choices)
    value_tier = django_filters.ChoiceFilter(choices=ValueTier.choices)
    lifecycle_state = django_filters.ChoiceFilter(choices=LifecycleState.choices)
    tag = django_filters.CharFilter(field_name="tags__name", help_text=_("Tag name."))
    q = django_filters.CharFilter(
        method="match_nothing_here",
        help_text=_(
            "Name, pinyin or initials, mobile (full or last 4), plate (with or without the "
            "province), VIN (full or last 6) or customer number. Results come best match "
            "first, 20 per page."
        ),
    )

    class Meta:
        model = Customer
        fields = ("store", "kind", "customer_type", "value_tier", "lifecycle_state", "tag", "q")

    def match_nothing_here(self, queryset, name, value):
        """The view answers `q` through the ranked search; here it must not narrow the rows."""
        return queryset


class VehicleFilter(django_filters.FilterSet):
    store = IdFilter(field_name="store_id", help_text=_("Store id."))
    brand = django_filters.CharFilter()
    owner = IdFilter(field_name="owner_id", help_text=_("Customer id."))
    q = django_filters.CharFilter(
        method="plate_or_vin", help_text=_("Part of the plate or of the VIN.")
    )

    class Meta:
        model = Vehicle
        fields = ("store", "brand", "owner", "q")

    def plate_or_vin(self, queryset, name, value):
        plate, vin = normalize_plate(value), normalize_vin(value)
        if not plate:
            return queryset
        return queryset.filter(Q(plate__contains=plate) | Q(vin__contains=vin))
