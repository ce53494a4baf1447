"""The delivery and service-visit lists as XLSX downloads (see customers.exports.list_export)."""

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dealercare.core.xlsx import Column
from dealercare.customers.exports import list_export

from .choices import DeliveryStatus, EventSource, VisitStatus, VisitType
from .models import Delivery, ServiceVisit

DELIVERY_AUDIT_TARGET = ("operations.delivery", "", "delivery list")
VISIT_AUDIT_TARGET = ("operations.servicevisit", "", "service visit list")

CUSTOMER_AND_VEHICLE_FIELDS = (
    "customer__number", "customer__name", "customer__mobile", "vehicle__plate", "vehicle__vin",
    "vehicle__brand", "vehicle__model_name",
)  # fmt: skip


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


def _staff_fields(user_field, name_field):
    return (f"{user_field}__display_name", f"{user_field}__username", name_field)


def _staff(user_field, name_field):
    """The linked user's name (as the app shows users), else the name the DMS gave."""
    display, username = f"{user_field}__display_name", f"{user_field}__username"
    return lambda r: r[display] or r[username] or r[name_field]


def _customer_and_vehicle_columns(ctx):
    return [
        ctx.column(_("Customer no."), "customer__number", 16),
        ctx.column(_("Customer"), "customer__name", 16),
        ctx.mobile_column(_("Mobile"), "customer__mobile"),
        ctx.column(_("Plate"), "vehicle__plate", 12),
        ctx.column(_("VIN"), "vehicle__vin", 20),
        Column(
            _("Brand / model"), lambda r: f"{r['vehicle__brand']} {r['vehicle__model_name']}", 18
        ),
    ]


# --- deliveries -------------------------------------------------------------------------------

DELIVERY_FIELDS = (
    "delivered_at", "order_no", *CUSTOMER_AND_VEHICLE_FIELDS,
    *_staff_fields("sales_consultant", "consultant_name"), "price", "status", "source", "note",
)  # fmt: skip


def _delivery_columns(ctx):
    def label(name):
        return _label(Delivery, name)

    return [
        Column(label("delivered_at"), lambda r: ctx.local(r["delivered_at"], r["store_id"]), 17),
        ctx.store_column(_("Store")),
        ctx.column(label("order_no"), "order_no", 16),
        *_customer_and_vehicle_columns(ctx),
        Column(label("sales_consultant"), _staff("sales_consultant", "consultant_name"), 12),
        ctx.column(label("price"), "price", 14),
        ctx.choice_column(label("status"), "status", DeliveryStatus.choices, 12),
        ctx.choice_column(label("source"), "source", EventSource.choices, 12),
        ctx.column(label("note"), "note", 30),
    ]


def delivery_list_export(*, actor, deliveries, filters, store=None):
    """The delivery list (a scoped, filtered queryset) as an audited XLSX export.

    The customer's mobile is masked unless `actor` may reveal numbers in that store.
    """
    return list_export(
        actor=actor,
        queryset=deliveries,
        fields=DELIVERY_FIELDS,
        columns=_delivery_columns,
        what=_("Deliveries"),
        slug="deliveries",
        target=DELIVERY_AUDIT_TARGET,
        filters=filters,
        store=store,
        mobile_field="customer__mobile",
    )


# --- service visits ---------------------------------------------------------------------------

VISIT_FIELDS = (
    "repair_order_no", "visit_type", "status", "date_in", "date_out",
    *CUSTOMER_AND_VEHICLE_FIELDS, "mileage_km", *_staff_fields("advisor", "advisor_name"),
    *_staff_fields("technician", "technician_name"), "fault_description", "work_summary",
    "labour_amount", "parts_amount", "source",
)  # fmt: skip


def _visit_columns(ctx):
    def label(name):
        return _label(ServiceVisit, name)

    def total(row):
        return row["labour_amount"] + row["parts_amount"]

    return [
        ctx.column(label("repair_order_no"), "repair_order_no", 16),
        ctx.store_column(_("Store")),
        ctx.choice_column(label("visit_type"), "visit_type", VisitType.choices),
        ctx.choice_column(label("status"), "status", VisitStatus.choices, 12),
        Column(label("date_in"), lambda r: ctx.local(r["date_in"], r["store_id"]), 17),
        Column(label("date_out"), lambda r: ctx.local(r["date_out"], r["store_id"]), 17),
        *_customer_and_vehicle_columns(ctx),
        ctx.column(label("mileage_km"), "mileage_km", 10),
        Column(label("advisor"), _staff("advisor", "advisor_name"), 12),
        Column(label("technician"), _staff("technician", "technician_name"), 12),
        ctx.column(label("fault_description"), "fault_description", 30),
        ctx.column(label("work_summary"), "work_summary", 30),
        ctx.column(label("labour_amount"), "labour_amount", 12),
        ctx.column(label("parts_amount"), "parts_amount", 12),
        Column(_("Amount"), total, 12),
        ctx.choice_column(label("source"), "source", EventSource.choices, 12),
    ]


def service_visit_list_export(*, actor, visits, filters, store=None):
    """The service visit list (a scoped, filtered queryset) as an audited XLSX export.

    The customer's mobile is masked unless `actor` may reveal numbers in that store.
    """
    return list_export(
        actor=actor,
        queryset=visits,
        fields=VISIT_FIELDS,
        columns=_visit_columns,
        what=_("Service visits"),
        slug="service-visits",
        target=VISIT_AUDIT_TARGET,
        filters=filters,
        store=store,
        mobile_field="customer__mobile",
    )
