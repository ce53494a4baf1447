"""Deliveries, service visits and inquiries on the customer 360 timeline."""

from django.utils.translation import gettext as _

from dealercare.customers.timeline import TimelineEntry, register

from .models import Delivery, Inquiry, ServiceVisit


@register
def deliveries(customer, user):
    for d in Delivery.objects.filter(customer=customer).select_related("vehicle"):
        yield TimelineEntry(
            at=d.delivered_at, kind="delivery", label=_("Delivery"),
            title=f"{d.vehicle.model_name} {d.vehicle.plate or d.vehicle.vin}",
            detail=" · ".join(filter(None, [d.order_no, d.consultant_name, d.get_status_display()])),
        )  # fmt: skip


@register
def service_visits(customer, user):
    for v in ServiceVisit.objects.filter(customer=customer).select_related("vehicle"):
        yield TimelineEntry(
            at=v.date_in, kind="service_visit", label=v.get_visit_type_display(),
            title=f"{v.repair_order_no} {v.vehicle.plate or v.vehicle.vin}",
            detail=" · ".join(filter(None, [
                v.advisor_name, v.fault_description[:80], f"¥{v.total_amount:,.2f}",
                v.get_status_display(),
            ])),
        )  # fmt: skip


@register
def inquiries(customer, user):
    for i in Inquiry.objects.filter(customer=customer):
        yield TimelineEntry(
            at=i.created_at, kind="inquiry", label=_("Inquiry"),
            title=i.models_of_interest or _("Inquiry"),
            detail=" · ".join(filter(None, [i.needs[:80], i.get_status_display()])),
        )  # fmt: skip
