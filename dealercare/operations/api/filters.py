"""Query parameters of the delivery, service-visit and prospect lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from dealercare.customers.api.filters import IdFilter
from dealercare.operations.choices import (
    DeliveryStatus,
    InquiryChannel,
    InquiryStatus,
    VisitStatus,
    VisitType,
)
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit

STORE_HELP = _("Store id.")
FROM_HELP = _("From this local date (inclusive).")
TO_HELP = _("Up to this local date (inclusive).")


class DeliveryFilter(django_filters.FilterSet):
    store = IdFilter(field_name="store_id", help_text=STORE_HELP)
    customer = IdFilter(field_name="customer_id")
    vehicle = IdFilter(field_name="vehicle_id")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    order_no = django_filters.CharFilter()
    date_from = django_filters.DateFilter(
        field_name="delivered_at", lookup_expr="date__gte", help_text=FROM_HELP
    )
    date_to = django_filters.DateFilter(
        field_name="delivered_at", lookup_expr="date__lte", help_text=TO_HELP
    )

    class Meta:
        model = Delivery
        fields = ("store", "customer", "vehicle", "status", "order_no", "date_from", "date_to")


class ServiceVisitFilter(django_filters.FilterSet):
    store = IdFilter(field_name="store_id", help_text=STORE_HELP)
    customer = IdFilter(field_name="customer_id")
    vehicle = IdFilter(field_name="vehicle_id")
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)
    visit_type = django_filters.ChoiceFilter(choices=VisitType.choices)
    repair_order_no = django_filters.CharFilter()
    date_from = django_filters.DateFilter(
        field_name="date_in", lookup_expr="date__gte", help_text=FROM_HELP
    )
    date_to = django_filters.DateFilter(
        field_name="date_in", lookup_expr="date__lte", help_text=TO_HELP
    )

    class Meta:
        model = ServiceVisit
        fields = ("store", "customer", "vehicle", "status", "visit_type", "repair_order_no",
                  "date_from", "date_to")  # fmt: skip


class InquiryFilter(django_filters.FilterSet):
    store = IdFilter(field_name="store_id", help_text=STORE_HELP)
    customer = IdFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=InquiryStatus.choices)
    channel = django_filters.ChoiceFilter(choices=InquiryChannel.choices)

    class Meta:
        model = Inquiry
        fields = ("store", "customer", "status", "channel")
