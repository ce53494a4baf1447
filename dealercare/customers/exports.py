"""Lists as XLSX downloads: only stores the user may export, masked, formula-safe, audited.

`list_export` is the shared part (scope, masking, time zones, audit, file name, streaming); the
customer and vehicle lists are defined here, deliveries and service visits in operations.exports.
Rows are read as plain values (`values()`), a chunk at a time: no model instances, no query per
row, flat memory however long the list.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.models import AuditAction
from dealercare.core.validators import mask_mobile
from dealercare.core.xlsx import (
    XLSX_CONTENT_TYPE,
    Column,
    escape_formula,
    stream_xlsx,
    xlsx_response,
)

from .choices import CustomerKind, CustomerType, FuelType, LifecycleState
from .models import Customer, Vehicle

__all__ = ["XLSX_CONTENT_TYPE", "Export", "customer_list_export", "list_export", "safe_cell"]

CHUNK_SIZE = 2000  # rows per database round trip (and per look-up of tags and plates)
MAX_CODES_IN_NAME = 3
AUDIT_TARGET = ("customers.customer", "", "customer list")
VEHICLE_AUDIT_TARGET = ("customers.vehicle", "", "vehicle list")

safe_cell = escape_formula  # the name this module used before the shared writer


@dataclass
class ExportContext:
    """What the columns of one export need to know about the user and the stores."""

    reveal_store_ids: frozenset
    zones: dict = field(default_factory=dict)  # store id -> ZoneInfo
    store_names: dict = field(default_factory=dict)  # store id -> name

    def mobile(self, store_id, mobile):
        """The full number where the user may reveal numbers in that store, else masked."""
        return mobile if store_id in self.reveal_store_ids else mask_mobile(mobile)

    def local(self, value, store_id):
        """An aware datetime as the store's wall-clock time."""
        if value is None:
            return None
        return timezone.localtime(value, self.zones.get(store_id))

    def local_date(self, value, store_id):
        return self.local(value, store_id).date() if value else None

    def column(self, header, key, width=14):
        """A column showing one value of the row as it is."""
        return Column(header, itemgetter(key), width)

    def mobile_column(self, header, key):
        return Column(header, lambda r: self.mobile(r["store_id"], r[key]), 14)

    def store_column(self, header):
        return Column(header, lambda r: self.store_names.get(r["store_id"]), 18)

    def choice_column(self, header, key, choices, width=10):
        """A column showing the label of a choice (in the user's language), not its code."""
        labels = {value: str(label) for value, label in choices}
        return Column(header, lambda r: labels.get(r[key], r[key]), width)


@dataclass
class Export:
    chunks: Iterator[bytes]
    rows: int
    unmasked_mobiles: int
    filename: str
    fallback_filename: str  # ASCII, for clients that ignore the UTF-8 name

    def response(self):
        return xlsx_response(self.chunks, filename=self.filename, fallback=self.fallback_filename)


def plain_filters(cleaned_data, stores=()):
    """The filters in use as plain text, for the audit trail (a store by its code)."""
    codes = {s.pk: s.code for s in stores}
    applied = {}
    for name, value in cleaned_data.items():
        if value in (None, ""):
            continue
        if isinstance(value, Store):
            value = value.code
        elif name == "store" and value in codes:
            value = codes[value]
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        applied[name] = str(value)
    return applied


def _file_names(what, slug, store, stores, when):
    """'客户_GZ01_20261122_1530.xlsx' and its ASCII twin 'customers_GZ01_20261122_1530.xlsx'."""
    codes = [store.code] if store else [s.code for s in stores]
    if len(codes) <= MAX_CODES_IN_NAME:
        scope = ascii_scope = "-".join(codes)
    else:
        scope = _("%(count)s stores") % {"count": len(codes)}
        ascii_scope = f"{len(codes)}-stores"
    stamp = when.strftime("%Y%m%d_%H%M")
    return f"{what}_{scope}_{stamp}.xlsx", f"{slug}_{ascii_scope}_{stamp}.xlsx"


def _with_batches(rows, attach):
    """`rows` again, each CHUNK_SIZE of them first passed to `attach` (which adds values)."""
    batch = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK_SIZE:
                attach(batch)
                yield from batch
                batch = []
        if batch:
            attach(batch)
            yield from batch
    finally:
        rows.close()


def list_export(
    *,
    actor,
    queryset,
    fields: Sequence[str],
    columns: Callable[[ExportContext], Sequence[Column]],
    what: str,
    slug: str,
    target: tuple,
    filters: dict,
    store=None,
    mobile_field: str | None = None,
    attach: Callable[[list], None] | None = None,
) -> Export:
    """Audit an export of `queryset` (already filtered) and return its XLSX stream.

    Only rows of stores where `actor` holds EXPORT_LISTS are written, whatever the caller
    passed. Rows are dicts of `fields` (plus store_id); `attach`, if given, adds values to each
    batch of rows (e.g. a customer's tags). `mobile_field` (a lookup such as "customer__mobile")
    is what the audit counts as numbers given in full. The audit row is written before the
    first byte leaves, with the counts of the rows the export covers.
    """
    access = access_for(actor)
    export_ids = access.store_ids(Capability.EXPORT_LISTS)
    queryset = queryset.filter(store_id__in=export_ids)
    reveal_ids = frozenset(access.store_ids(Capability.REVEAL_PHONE))
    totals = {"rows": Count("pk")}
    if mobile_field:
        totals["unmasked"] = Count(
            "pk", filter=Q(store_id__in=reveal_ids, **{f"{mobile_field}__gt": ""})
        )
    counts = queryset.order_by().aggregate(**totals)
    stores = list(Store.objects.filter(pk__in=export_ids).order_by("code"))
    if store is None and len(stores) == 1:
        store = stores[0]
    context = ExportContext(
        reveal_ids, {s.pk: s.tzinfo for s in stores}, {s.pk: s.name for s in stores}
    )
    changes = {"filters": filters, "rows": counts["rows"]}
    if mobile_field:
        changes["unmasked_mobiles"] = counts["unmasked"]
    with transaction.atomic():
        audit.record(
            actor=actor, action=AuditAction.EXPORT, target=target, changes=changes, store=store
        )
    when = timezone.localtime(timezone.now(), store.tzinfo if store else None)
    filename, fallback = _file_names(what, slug, store, stores, when)
    rows = (
        queryset.prefetch_related(None).values("store_id", *fields).iterator(chunk_size=CHUNK_SIZE)
    )
    if attach:
        rows = _with_batches(rows, attach)
    chunks = stream_xlsx(rows, columns(context), title=what)
    return Export(chunks, counts["rows"], counts.get("unmasked", 0), filename, fallback)


def _yes_no(key):
    yes, no = _("yes"), _("no")
    return lambda r: yes if r[key] else no


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


# --- customers --------------------------------------------------------------------------------

CUSTOMER_FIELDS = (
    "id", "number", "name", "kind", "mobile", "customer_type", "value_tier", "lifecycle_state",
    "city", "last_visit_on", "last_delivery_on", "allow_phone", "allow_sms", "allow_marketing",
    "created_at",
)  # fmt: skip


def _attach_tags_and_plates(batch):
    """Each customer's tags and plates, in two queries per batch."""
    ids = [r["id"] for r in batch]
    tags, plates = defaultdict(list), defaultdict(list)
    links = Customer.tags.through.objects.filter(customer_id__in=ids)
    for customer_id, name in links.order_by("tag__name").values_list("customer_id", "tag__name"):
        tags[customer_id].append(name)
    cars = Vehicle.objects.filter(owner_id__in=ids).exclude(plate="").order_by("id")
    for owner_id, plate in cars.values_list("owner_id", "plate"):
        plates[owner_id].append(plate)
    for row in batch:
        row["tags"] = ", ".join(tags[row["id"]])
        row["plates"] = ", ".join(plates[row["id"]])


def _customer_columns(ctx):
    return [
        ctx.column(_("Customer no."), "number", 16),
        ctx.column(_("Name"), "name", 16),
        ctx.choice_column(_("Kind"), "kind", CustomerKind.choices, 8),
        ctx.mobile_column(_("Mobile"), "mobile"),
        ctx.choice_column(_("Type"), "customer_type", CustomerType.choices),
        ctx.column(_("Tier"), "value_tier", 6),
        ctx.choice_column(_("Lifecycle"), "lifecycle_state", LifecycleState.choices),
        ctx.store_column(_("Store")),
        ctx.column(_("Tags"), "tags", 16),
        ctx.column(_("Plates"), "plates", 14),
        ctx.column(_("City"), "city", 8),
        ctx.column(_("Last service visit"), "last_visit_on", 12),
        ctx.column(_("Last delivery"), "last_delivery_on", 12),
        Column(_("Accepts phone calls"), _yes_no("allow_phone"), 8),
        Column(_("Accepts SMS"), _yes_no("allow_sms"), 8),
        Column(_("Accepts marketing"), _yes_no("allow_marketing"), 8),
        Column(_("In archive since"), lambda r: ctx.local_date(r["created_at"], r["store_id"]), 12),
    ]


def customer_list_export(*, actor, customers, filters, store=None):
    """The customer list (a scoped, filtered queryset of Customer) as an audited XLSX export.

    Mobiles are masked unless `actor` may reveal numbers in that customer's store.
    """
    return list_export(
        actor=actor,
        queryset=customers,
        fields=CUSTOMER_FIELDS,
        columns=_customer_columns,
        attach=_attach_tags_and_plates,
        what=_("Customers"),
        slug="customers",
        target=AUDIT_TARGET,
        filters=filters,
        store=store,
        mobile_field="mobile",
    )


# --- vehicles ---------------------------------------------------------------------------------

VEHICLE_FIELDS = (
    "plate", "vin", "brand", "model_name", "colour", "fuel_type", "purchase_date",
    "delivery_date", "mileage_km", "warranty_end", "insurance_end", "inspection_due",
    "owner__number", "owner__name", "owner__mobile",
)  # fmt: skip


def _vehicle_columns(ctx):
    def label(name):
        return _label(Vehicle, name)

    return [
        ctx.column(_("Plate"), "plate", 12),
        ctx.column(_("VIN"), "vin", 20),
        ctx.column(label("brand"), "brand", 12),
        ctx.column(label("model_name"), "model_name", 16),
        ctx.column(label("colour"), "colour", 8),
        ctx.choice_column(label("fuel_type"), "fuel_type", FuelType.choices, 8),
        ctx.column(label("purchase_date"), "purchase_date", 12),
        ctx.column(label("delivery_date"), "delivery_date", 12),
        ctx.column(label("mileage_km"), "mileage_km", 10),
        ctx.column(label("warranty_end"), "warranty_end", 12),
        ctx.column(label("insurance_end"), "insurance_end", 12),
        ctx.column(label("inspection_due"), "inspection_due", 12),
        ctx.column(_("Customer no."), "owner__number", 16),
        ctx.column(_("Owner"), "owner__name", 16),
        ctx.mobile_column(_("Mobile"), "owner__mobile"),
        ctx.store_column(_("Store")),
    ]


def vehicle_list_export(*, actor, vehicles, filters, store=None):
    """The vehicle list (a scoped, filtered queryset of Vehicle) as an audited XLSX export.

    The owner's mobile is masked unless `actor` may reveal numbers in the vehicle's store.
    """
    return list_export(
        actor=actor,
        queryset=vehicles,
        fields=VEHICLE_FIELDS,
        columns=_vehicle_columns,
        what=_("Vehicles"),
        slug="vehicles",
        target=VEHICLE_AUDIT_TARGET,
        filters=filters,
        store=store,
        mobile_field="owner__mobile",
    )
