"""The import engine: clean rows in, customers, vehicles, deliveries and repair orders upserted by
their natural keys, set-based, a chunk of rows at a time. Files and the DMS push API share it.

Natural keys, all within the store: a customer by mobile, else by credit code, else as the owner
of the row's vehicle; a vehicle by VIN, else by plate (when only one vehicle has it); a delivery by
sales order number, else by vehicle and day; a repair order by its number. Importing the same rows
again finds everything and changes nothing.

Two policies: on a customers (or vehicles) file the row is the master: a changed field is updated
(a blank cell never erases). On an event row (delivery, repair order) the customer and vehicle are
identified, created when new, and only their blank fields are filled: a repair order does not
rename a customer. Within one run, a record met again with different values is a conflict and the
later row is rejected, so that a second run of the same file cannot flip values back and forth.

Per chunk: one query per natural key fetches what exists (on a store's first load only the keys
this run has written can exist, and only those are asked for: start_from_empty_store); rows are
resolved in memory (a row either applies completely or is rejected with its reasons); then new
rows are inserted in bulk (COPY on PostgreSQL, written in the background while the next chunk is
resolved; that chunk finds them in memory meanwhile), changed ones bulk-updated, search keys
built in bulk, and every changed record audited field by field. The caller owns the transaction (all-or-nothing, dry
runs) and calls finish() after the last chunk.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.core import audit
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.core.validators import plate_is_new_energy
from dealercare.customers import search_terms
from dealercare.customers.choices import (
    ConsentChannel,
    ConsentMethod,
    CustomerKind,
    CustomerSource,
    FuelType,
    OwnershipReason,
)
from dealercare.customers.models import (
    ConsentRecord,
    Customer,
    Vehicle,
    VehicleOwnership,
)
from dealercare.customers.services import rebuild_search_terms, refresh_classification
from dealercare.operations.choices import EventSource, VisitStatus
from dealercare.operations.models import Delivery, ServiceVisit

from .choices import ImportKind, RowOutcome
from .columns import CUSTOMER_COLUMNS, DELIVERY_COLUMNS, VEHICLE_COLUMNS, VISIT_COLUMNS
from .rows import MSG_FINISHED_NEEDS_OUT, MSG_OUT_BEFORE_IN
from .writers import writer_for_connection

MSG_NEEDS_KEY = _(
    "The customer cannot be recognised: give the mobile number, the credit code or the VIN."
)
MSG_NEEDS_NAME = _("A new customer needs a name.")
MSG_COMPANY_NEEDS_USCC = _("A company customer needs its unified social credit code.")
MSG_KEYS_DISAGREE = _(
    "The mobile number belongs to customer %(mobile_no)s, the credit code to %(uscc_no)s: "
    "they cannot both be this row's customer."
)
MSG_OWNER_NAME_DIFFERS = _(
    "The vehicle belongs to customer %(number)s with another name; give the mobile number to "
    "tell the customers apart."
)
MSG_OTHER_OWNER = _(
    "The vehicle belongs to another customer (%(number)s). Transfer it in Dealercare first, "
    "or correct the row."
)
MSG_NEEDS_VEHICLE = _("Give the VIN or the plate number (or both).")
MSG_PLATE_AMBIGUOUS = _("Several vehicles of this store have this plate; give the VIN.")
MSG_CONFLICT = _("An earlier row of this file gives this %(record)s a different value (%(value)s).")
MSG_NEEDS_DELIVERED_AT = _("A delivery needs the date it was delivered.")
MSG_NEEDS_DATE_IN = _("A repair order needs the date the vehicle came in.")
MSG_NEEDS_RO = _("A repair order needs its number.")
MSG_EVENT_OTHER_PARTIES = _(
    "%(number)s already exists in this store for another customer or vehicle."
)
RECORD_NAMES = {"customer": _("customer"), "vehicle": _("vehicle"), "event": _("record")}

CHUNK_ROWS = 5000
CUSTOMER_ATTRS = tuple(dict.fromkeys(col.attr for col in CUSTOMER_COLUMNS))
VEHICLE_ATTRS = tuple(col.attr for col in VEHICLE_COLUMNS)
DELIVERY_ATTRS = tuple(col.attr for col in DELIVERY_COLUMNS)
VISIT_ATTRS = tuple(col.attr for col in VISIT_COLUMNS)
CONSENT_ATTRS = {"allow_phone": ConsentChannel.PHONE, "allow_sms": ConsentChannel.SMS,
                 "allow_marketing": ConsentChannel.MARKETING}  # fmt: skip
# Never compared or updated: identity, bookkeeping.
_SKIP_COMPARE = {"id"}

MASTER, IDENTIFY = "master", "identify"
# Stored values that mean "nobody said" (or "not yet"): a row may fill them like blanks.
_UNSET = {"gender": "unknown", "status": VisitStatus.OPEN}


class IdSet:
    """A set of positive ids as a bitmap: a million ids cost 125 kB, not 60 MB."""

    __slots__ = ("bits",)

    def __init__(self):
        self.bits = bytearray()

    def add(self, pk):
        index = pk >> 3
        if index >= len(self.bits):
            self.bits.extend(bytes(index - len(self.bits) + 1 + 4096))
        self.bits[index] |= 1 << (pk & 7)

    def __contains__(self, pk):
        index = pk >> 3
        return index < len(self.bits) and bool(self.bits[index] & (1 << (pk & 7)))


class Rec:
    """A customer, vehicle or event as the engine knows it: stored values, or a new record."""

    __slots__ = ("pk", "data", "new", "changes", "seen", "owner", "owner_changed", "kind",
                 "vehicles", "search_dirty", "consents")  # fmt: skip

    def __init__(self, kind, pk, data, *, new=False, seen=False):
        self.kind = kind
        self.pk = pk
        self.data = data
        self.new = new
        self.changes = {}  # attr -> [old, new] for audit
        self.seen = seen  # met by an earlier row of this run
        self.owner = None  # vehicles: the owner Rec; events: (customer Rec, vehicle Rec)
        self.owner_changed = False
        self.vehicles = []  # customers: vehicles attached in this chunk
        self.search_dirty = False
        self.consents = []


@dataclass
class RowResult:
    """What happened to one row: outcome, reasons, and the records it touched."""

    number: int
    outcome: str
    errors: list = field(default_factory=list)
    customer: Rec | None = None
    vehicle: Rec | None = None
    event: Rec | None = None

    @property
    def customer_id(self):
        return self.customer.pk if self.customer else None

    @property
    def vehicle_id(self):
        return self.vehicle.pk if self.vehicle else None

    @property
    def event_id(self):
        return self.event.pk if self.event else None


NAME_KEYS_CACHED = 262_144
_name_keys = {}


def name_search_keys(name):
    """The name's search keys (pinyin readings are the costly part; names repeat a lot)."""
    keys = _name_keys.get(name)
    if keys is None:
        keys = frozenset(
            search_terms.customer_terms(name=name, number="", mobiles=(), plates=(), vins=())
        )
        remember_name_keys({name: keys})
    return keys


def remember_name_keys(found):
    """Cache {name: search keys}, worked out here or by the cleaning process (cleaner.py)."""
    if len(_name_keys) + len(found) > NAME_KEYS_CACHED:
        _name_keys.clear()
    _name_keys.update(found)


def customer_search_keys(*, name, number, mobiles, plates, vins):
    """Exactly search_terms.customer_terms(...), with the name part cached."""
    rest = search_terms.customer_terms(
        name="", number=number, mobiles=mobiles, plates=plates, vins=vins
    )
    return name_search_keys(name or "") | rest


def _blank(value):
    return value is None or value == ""


def _shown(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


class Upserter:
    """Upserts clean rows of one kind into one store; call `run_chunk` per chunk, in order."""

    def __init__(self, *, store, kind, actor=None, source=EventSource.IMPORT, reason="",
                 audit_creates=False, reserve_numbers=None, dry_run=False):  # fmt: skip
        self.store = store
        self.kind = ImportKind(kind)
        self.actor = actor if actor is not None and actor.is_authenticated else None
        self.source = source
        self.reason = reason
        self.audit_creates = audit_creates
        self.reserve_numbers = reserve_numbers
        self.dry_run = dry_run
        self.writer = writer_for_connection()
        self.tz = store.tzinfo
        self.seen = {"customer": IdSet(), "vehicle": IdSet(), "event": IdSet()}
        self._dry_numbers = 0
        self._carried = None  # the previous chunk's new records, maybe not written yet
        self.known = None  # natural keys that can exist, when the store started empty
        self._post = None  # what to do once the previous chunk's rows have landed
        self.customer_policy = MASTER if self.kind == ImportKind.CUSTOMERS else IDENTIFY
        self.vehicle_policy = (
            MASTER if self.kind in (ImportKind.CUSTOMERS, ImportKind.VEHICLES) else IDENTIFY
        )
        self.event_model = {ImportKind.DELIVERIES: Delivery,
                            ImportKind.SERVICE_VISITS: ServiceVisit}.get(self.kind)  # fmt: skip
        self._customer_defaults = self._defaults(Customer)
        self._vehicle_defaults = self._defaults(Vehicle)
        self._event_defaults = self._defaults(self.event_model) if self.event_model else None

    @staticmethod
    def _defaults(model):
        return {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }

    def start_from_empty_store(self):
        """A store's first load: when it has no customers and no vehicles yet, the mobiles,
        VINs and plates that can be stored are the ones this run stores, so the per-chunk
        lookups ask only for keys this run has already written (a million-row first import
        makes three million index probes otherwise, nearly all for keys that do not exist).
        Call it inside the run's transaction, after taking the store's import lock. A customer
        or vehicle someone adds by hand meanwhile with the same mobile or VIN makes the import
        fail on the unique constraint (nothing is kept; running it again completes it)."""
        store_id = self.store.pk
        if (Customer.objects.filter(store_id=store_id).exists()
                or Vehicle.objects.filter(store_id=store_id).exists()):  # fmt: skip
            return False
        self.known = {"mobile": set(), "vin": set(), "plate": set()}
        return True

    def _remember_keys(self, customers, vehicles):
        """Keys this run stored (only tracked when it started from an empty store)."""
        if self.known is None:
            return
        mobiles, vins, plates = self.known["mobile"], self.known["vin"], self.known["plate"]
        for rec in customers:
            if mobile := rec.data.get("mobile"):
                mobiles.add(mobile)
        for rec in vehicles:
            if vin := rec.data.get("vin"):
                vins.add(vin)
            if plate := rec.data.get("plate"):
                plates.add(plate)

    # --- fetching what exists ------------------------------------------------------------------

    def _customer_rec(self, values):
        pk = values.pop("id")
        return Rec("customer", pk, values, seen=pk in self.seen["customer"])

    def _vehicle_rec(self, values):
        pk = values.pop("id")
        return Rec("vehicle", pk, values, seen=pk in self.seen["vehicle"])

    def _load(self, rows):
        """Fetch every stored record the chunk's natural keys name (one query per key)."""
        store_id = self.store.pk
        mobiles = {r.customer["mobile"] for r in rows if "mobile" in r.customer}
        usccs = {r.customer["uscc"] for r in rows if "uscc" in r.customer}
        vins = {r.vehicle["vin"] for r in rows if "vin" in r.vehicle}
        plates = {r.vehicle["plate"] for r in rows if "plate" in r.vehicle}
        if self.known is not None:
            mobiles &= self.known["mobile"]
            vins &= self.known["vin"]
            plates &= self.known["plate"]
        customer_fields = ("id", "number", *CUSTOMER_ATTRS)
        vehicle_fields = ("id", "owner_id", *VEHICLE_ATTRS)
        self.customers_by_pk = {}
        self.by_mobile, self.by_uscc = {}, {}
        self.by_vin, self.by_plate = {}, {}
        live = Customer.objects.filter(store_id=store_id, merged_into__isnull=True).order_by()
        if mobiles:
            for values in _where_in(live, "mobile", mobiles).values(*customer_fields):
                rec = self._customer_rec(values)
                self.customers_by_pk[rec.pk] = rec
                self.by_mobile[rec.data["mobile"]] = rec
        if usccs:
            for values in _where_in(live, "uscc", usccs).values(*customer_fields):
                rec = self.customers_by_pk.get(values["id"]) or self._customer_rec(values)
                self.customers_by_pk[rec.pk] = rec
                self.by_uscc.setdefault(rec.data["uscc"], rec)
        vehicles = {}
        if vins:
            for values in _where_in(
                Vehicle.objects.filter(store_id=store_id).order_by(), "vin", vins
            ).values(*vehicle_fields):
                rec = self._vehicle_rec(values)
                vehicles[rec.pk] = rec
                self.by_vin[rec.data["vin"]] = rec
        if plates:
            for values in _where_in(
                Vehicle.objects.filter(store_id=store_id).order_by(), "plate", plates
            ).values(*vehicle_fields):
                rec = vehicles.get(values["id"]) or self._vehicle_rec(values)
                vehicles[rec.pk] = rec
                self.by_plate.setdefault(rec.data["plate"], []).append(rec)
        owner_ids = {v.data["owner_id"] for v in vehicles.values() if v.data["owner_id"]}
        missing = owner_ids - self.customers_by_pk.keys()
        if missing:
            for values in Customer.objects.filter(pk__in=missing).values(*customer_fields):
                rec = self._customer_rec(values)
                self.customers_by_pk[rec.pk] = rec
        for v in vehicles.values():
            v.owner = self.customers_by_pk.get(v.data.pop("owner_id"))
        self.vehicles_by_pk = vehicles
        self.events_by_key = {}
        if self.event_model is not None:
            self._load_events(rows, vehicles)

    def _event_key(self, event, vehicle):
        if self.kind == ImportKind.SERVICE_VISITS:
            return event.get("repair_order_no")
        if event.get("order_no"):
            return event["order_no"]
        if vehicle is not None and event.get("delivered_at"):
            local_day = timezone.localtime(event["delivered_at"], self.tz).date()
            return (id(vehicle) if vehicle.pk is None else vehicle.pk, local_day)
        return None

    def _stored_event_key(self, values):
        if self.kind == ImportKind.SERVICE_VISITS:
            return values["repair_order_no"]
        if values["order_no"]:
            return values["order_no"]
        # A delivery without an order number is known by its vehicle and day.
        return (values["vehicle_id"], timezone.localtime(values["delivered_at"], self.tz).date())

    def _load_events(self, rows, vehicles):
        store_id = self.store.pk
        if self.kind == ImportKind.SERVICE_VISITS:
            numbers = {r.event["repair_order_no"] for r in rows if "repair_order_no" in r.event}
            qs = ServiceVisit.objects.filter(store_id=store_id, repair_order_no__in=numbers)
            fields = ("id", "customer_id", "vehicle_id", "repair_order_no", *VISIT_ATTRS)
        else:
            numbers = {r.event["order_no"] for r in rows if "order_no" in r.event}
            qs = Delivery.objects.filter(store_id=store_id, order_no__in=numbers)
            fields = ("id", "customer_id", "vehicle_id", *DELIVERY_ATTRS)
        found = list(qs.values(*fields)) if numbers else []
        if self.kind == ImportKind.DELIVERIES and vehicles:
            found += list(
                Delivery.objects.filter(
                    store_id=store_id, order_no="", vehicle_id__in=vehicles
                ).values(*fields)
            )
        for values in found:
            key = self._stored_event_key(values)
            pk = values.pop("id")
            rec = Rec("event", pk, values, seen=pk in self.seen["event"])
            rec.owner = (values.pop("customer_id"), values.pop("vehicle_id"))
            self.events_by_key.setdefault(key, rec)

    # --- resolving one row ---------------------------------------------------------------------

    def _changes(self, rec, data, policy, errors, row, record):
        """{attr: new value} that `data` asks of `rec` under `policy`; conflicts go to errors."""
        changes = {}
        current_data = rec.data
        for attr, value in data.items():
            current = current_data.get(attr)
            if current == value:
                continue
            if attr == "status" and current == VisitStatus.FINISHED and value == VisitStatus.OPEN:
                continue  # an older state of a repair order never reopens it
            if policy == IDENTIFY:
                if attr == "mileage_km" and current is not None:
                    if value > current:
                        changes[attr] = value
                elif _blank(current) or _UNSET.get(attr) == current:
                    changes[attr] = value
                continue
            if rec.seen and not _blank(current) and _UNSET.get(attr) != current:
                errors.append((attr, MSG_CONFLICT % {"record": RECORD_NAMES[record],
                                                     "value": _shown(current)}))  # fmt: skip
                continue
            changes[attr] = value
        return changes

    def _resolve(self, row):
        """Decide what a row does without changing anything: (plan, errors)."""
        errors = []
        cdata, vdata = row.customer, row.vehicle
        if self.kind == ImportKind.SERVICE_VISITS and row.event.get("mileage_km") is not None:
            # The odometer read at the visit is the vehicle's latest known mileage.
            vdata = {**vdata, "mileage_km": row.event["mileage_km"]}
        needs_vehicle = self.kind != ImportKind.CUSTOMERS or bool(vdata)
        vehicle = None
        vin, plate = vdata.get("vin"), vdata.get("plate")
        if needs_vehicle:
            if vin:
                vehicle = self.by_vin.get(vin)
            if vehicle is None and plate:
                candidates = self.by_plate.get(plate, [])
                if vin:
                    vinless = [v for v in candidates if not v.data.get("vin")]
                    vehicle = vinless[0] if len(vinless) == 1 else None
                elif len(candidates) > 1:
                    errors.append(("plate", MSG_PLATE_AMBIGUOUS))
                elif candidates:
                    vehicle = candidates[0]
            if not vin and not plate and (vdata or self.kind != ImportKind.CUSTOMERS):
                errors.append(("vin", MSG_NEEDS_VEHICLE))
        mobile, uscc = cdata.get("mobile"), cdata.get("uscc")
        by_mobile = self.by_mobile.get(mobile) if mobile else None
        by_uscc = self.by_uscc.get(uscc) if uscc else None
        if by_mobile and by_uscc and not _same_record(by_mobile, by_uscc):
            errors.append(("uscc", MSG_KEYS_DISAGREE % {"mobile_no": _number(by_mobile),
                                                         "uscc_no": _number(by_uscc)}))  # fmt: skip
        customer = by_mobile or by_uscc
        owner = vehicle.owner if vehicle is not None else None
        if customer is None and owner is not None and not mobile and not uscc:
            name = cdata.get("name")
            if name and name != owner.data.get("name"):
                errors.append(("name", MSG_OWNER_NAME_DIFFERS % {"number": _number(owner)}))
            customer = owner
        wants_customer = bool(cdata) or self.kind != ImportKind.VEHICLES
        new_customer = customer is None and wants_customer
        if new_customer:
            if not (mobile or uscc or vin or (plate and self.kind != ImportKind.CUSTOMERS)):
                errors.append(("mobile", MSG_NEEDS_KEY))
            if not cdata.get("name"):
                errors.append(("name", MSG_NEEDS_NAME))
            kind = cdata.get("kind") or (CustomerKind.COMPANY if uscc else CustomerKind.PERSON)
            if kind == CustomerKind.COMPANY and not uscc:
                errors.append(("uscc", MSG_COMPANY_NEEDS_USCC))
        if owner is not None and (
            new_customer or (customer is not None and not _same_record(owner, customer))
        ):
            errors.append(("vin", MSG_OTHER_OWNER % {"number": _number(owner)}))
        plan = {"customer": customer, "vehicle": vehicle, "new_customer": new_customer,
                "vehicle_data": vdata}  # fmt: skip
        if errors:
            return plan, errors
        if customer is not None:
            changes = self._changes(customer, cdata, self.customer_policy, errors, row, "customer")
            plan["customer_changes"] = changes
            merged = {**customer.data, **changes}
            if merged.get("kind") == CustomerKind.COMPANY and not merged.get("uscc"):
                errors.append(("uscc", MSG_COMPANY_NEEDS_USCC))
        if vehicle is not None:
            plan["vehicle_changes"] = self._changes(
                vehicle, vdata, self.vehicle_policy, errors, row, "vehicle"
            )
        if self.event_model is not None:
            self._resolve_event(row, plan, errors)
        return plan, errors

    def _resolve_event(self, row, plan, errors):
        edata = row.event
        vehicle = plan["vehicle"]
        key = self._event_key(edata, vehicle)
        if self.kind == ImportKind.SERVICE_VISITS and not key:
            errors.append(("repair_order_no", MSG_NEEDS_RO))
            return
        event = self.events_by_key.get(key) if key is not None else None
        plan["event_key"] = key
        plan["event"] = event
        if event is None:
            if self.kind == ImportKind.DELIVERIES and "delivered_at" not in edata:
                errors.append(("delivered_at", MSG_NEEDS_DELIVERED_AT))
            if self.kind == ImportKind.SERVICE_VISITS and "date_in" not in edata:
                errors.append(("date_in", MSG_NEEDS_DATE_IN))
            merged = {**self._event_defaults, **edata}
        else:
            customer, vehicle = plan["customer"], plan["vehicle"]
            stored_customer, stored_vehicle = event.owner
            if not (_same(stored_customer, customer) and _same(stored_vehicle, vehicle)):
                label = edata.get("repair_order_no") or edata.get("order_no") or ""
                errors.append(
                    (
                        "repair_order_no" if self.kind == ImportKind.SERVICE_VISITS else "order_no",
                        MSG_EVENT_OTHER_PARTIES % {"number": label},
                    )
                )
                return  # fmt: skip
            plan["event_changes"] = self._changes(event, edata, MASTER, errors, row, "event")
            merged = {**event.data, **plan["event_changes"]}
        if self.kind == ImportKind.SERVICE_VISITS:
            date_in, date_out = merged.get("date_in"), merged.get("date_out")
            if date_in and date_out and date_out < date_in:
                errors.append(("date_out", MSG_OUT_BEFORE_IN))
            if merged.get("status") == VisitStatus.FINISHED and not date_out:
                errors.append(("date_out", MSG_FINISHED_NEEDS_OUT))

    # --- applying one row ----------------------------------------------------------------------

    def _apply(self, row, plan, result):
        created = updated = False
        customer = plan["customer"]
        if plan["new_customer"]:
            data = dict(row.customer)
            data.setdefault("kind", CustomerKind.COMPANY if data.get("uscc") else
                            CustomerKind.PERSON)  # fmt: skip
            data.setdefault("source", CustomerSource.DMS)
            customer = Rec("customer", None, data, new=True)
            customer.consents = [a for a in CONSENT_ATTRS if a in data]
            self.new_customers.append(customer)
            if data.get("mobile"):
                self.by_mobile[data["mobile"]] = customer
            if data.get("uscc"):
                self.by_uscc.setdefault(data["uscc"], customer)
            created = True
        elif customer is not None:
            changes = plan.get("customer_changes") or {}
            if changes:
                self._record_changes(customer, changes, self.changed_customers)
                if "mobile" in changes:
                    old = customer.changes["mobile"][0]
                    if old and self.by_mobile.get(old) is customer:
                        del self.by_mobile[old]
                    self.by_mobile[changes["mobile"]] = customer
                if "uscc" in changes:
                    self.by_uscc.setdefault(changes["uscc"], customer)
                if {"name", "mobile"} & changes.keys():
                    customer.search_dirty = True
                customer.consents += [a for a in CONSENT_ATTRS if a in changes]
                updated = True
        if customer is not None:
            customer.seen = True
        vehicle = plan["vehicle"]
        if vehicle is None and (row.vehicle.get("vin") or row.vehicle.get("plate")):
            data = dict(plan["vehicle_data"])
            if "fuel_type" not in data and data.get("plate") and plate_is_new_energy(data["plate"]):
                data["fuel_type"] = FuelType.EV if data["plate"][2] == "D" else FuelType.PHEV
            if self.kind == ImportKind.DELIVERIES and "delivered_at" in row.event:
                data.setdefault(
                    "delivery_date", timezone.localtime(row.event["delivered_at"], self.tz).date()
                )
            vehicle = Rec("vehicle", None, data, new=True)
            vehicle.owner = customer
            self.new_vehicles.append(vehicle)
            if data.get("vin"):
                self.by_vin[data["vin"]] = vehicle
            if data.get("plate"):
                self.by_plate.setdefault(data["plate"], []).append(vehicle)
            if customer is not None:
                customer.vehicles.append(vehicle)
                customer.search_dirty = True
            created = True
        elif vehicle is not None:
            changes = plan.get("vehicle_changes") or {}
            if changes:
                self._record_changes(vehicle, changes, self.changed_vehicles)
                if "vin" in changes:
                    self.by_vin[changes["vin"]] = vehicle
                updated = True
                if {"vin", "plate"} & changes.keys() and vehicle.owner is not None:
                    vehicle.owner.search_dirty = True
            if vehicle.owner is None and customer is not None:
                vehicle.owner = customer
                vehicle.owner_changed = True
                vehicle.changes["owner"] = [None, customer]
                self.changed_vehicles[id(vehicle)] = vehicle
                customer.vehicles.append(vehicle)
                customer.search_dirty = True
                updated = True
        if vehicle is not None:
            vehicle.seen = True
        event = None
        if self.event_model is not None:
            event = plan.get("event")
            if event is None:
                data = dict(row.event)
                event = Rec("event", None, data, new=True)
                event.owner = (customer, vehicle)
                self.new_events.append(event)
                key = self._event_key(row.event, vehicle)
                if key is not None:
                    self.events_by_key[key] = event
                created = True
            else:
                changes = plan.get("event_changes") or {}
                if changes:
                    self._record_changes(event, changes, self.changed_events)
                    updated = True
            event.seen = True
            if customer is not None and (created or updated):
                self.classify.add(id(customer))
                self.classify_recs[id(customer)] = customer
        result.customer, result.vehicle, result.event = customer, vehicle, event
        result.outcome = (
            RowOutcome.NEW if created else RowOutcome.UPDATED if updated else RowOutcome.UNCHANGED
        )
        for rec in (customer, vehicle, event):
            if rec is not None and rec.pk is not None:
                self.seen[rec.kind].add(rec.pk)

    def _record_changes(self, rec, changes, bucket):
        for attr, value in changes.items():
            old = rec.changes[attr][0] if attr in rec.changes else rec.data.get(attr)
            rec.changes[attr] = [old, value]
            rec.data[attr] = value
        bucket[id(rec)] = rec

    # --- one chunk -----------------------------------------------------------------------------

    def run_chunk(self, rows):
        """Resolve and write a chunk of CleanRows (in file order); a RowResult per row."""
        self.new_customers, self.new_vehicles, self.new_events = [], [], []
        self.changed_customers, self.changed_vehicles, self.changed_events = {}, {}, {}
        self.classify, self.classify_recs = set(), {}
        valid = [r for r in rows if not r.errors]
        self._load(valid)
        if self.writer.defers:
            # The previous chunk's rows are still queued: what it created is carried in memory
            # (this chunk's lookups could not see it), then written while we work on this one.
            # Ids for as many new records as this chunk can create (a row creates at most one
            # of each) are drawn first, so that its rows are prepared without waiting for the
            # server; the ids it does not use serve the next chunk.
            self._merge_carried()
            for model in (Customer, Vehicle, self.event_model):
                if model is not None and valid:
                    self.writer.reserve_ids(model, len(valid))
            self.writer.send()
        results = []
        for row in rows:
            result = RowResult(row.number, RowOutcome.REJECTED, list(row.errors))
            results.append(result)
            if row.errors:
                continue
            plan, errors = self._resolve(row)
            if errors:
                for field_key, message in errors:
                    row.fail(field_key, message)
                result.errors = list(row.errors)
                continue
            self._apply(row, plan, result)
        self._write()
        return results

    # --- writing -------------------------------------------------------------------------------

    def _numbers(self, count):
        if self.dry_run or self.reserve_numbers is None:
            first = self._dry_numbers
            self._dry_numbers += count
            return [f"{self.store.code}-P{first + i + 1:07d}" for i in range(count)]
        return self.reserve_numbers(count)

    def _write(self):
        """Queue this chunk's new rows, then (once the previous chunk's rows have landed) apply
        its updates and the previous chunk's follow-up work (search keys, classification)."""
        now = timezone.now()
        store_id = self.store.pk
        actor_id = self.actor.pk if self.actor else None
        writer = self.writer
        stamp = {"store_id": store_id, "created_at": now, "updated_at": now}
        if self.new_customers:
            numbers = self._numbers(len(self.new_customers))
            for rec, number in zip(self.new_customers, numbers, strict=True):
                rec.data["number"] = number
            base = {**self._customer_defaults, **stamp, "created_by_id": actor_id}
            pks = writer.insert(Customer, base, [rec.data for rec in self.new_customers], ids=True)
            for rec, pk in zip(self.new_customers, pks, strict=True):
                rec.pk = pk
                self.seen["customer"].add(pk)
        if self.new_vehicles:
            rows = []
            for rec in self.new_vehicles:
                rec.data["owner_id"] = rec.owner.pk if rec.owner else None
                rows.append(rec.data)
            base = {**self._vehicle_defaults, **stamp}
            pks = writer.insert(Vehicle, base, rows, ids=True)
            for rec, pk in zip(self.new_vehicles, pks, strict=True):
                rec.pk = pk
                self.seen["vehicle"].add(pk)
        self._remember_keys([*self.new_customers, *self.changed_customers.values()],
                            [*self.new_vehicles, *self.changed_vehicles.values()])  # fmt: skip
        self._write_ownerships(now)
        self._insert_events(now, store_id)
        self._write_consents(now, actor_id)
        self._insert_search_terms(store_id)
        updates = self._updates()
        self._write_audit(now, store_id, actor_id)
        post = (self._stale_customers(), [rec.pk for rec in self.classify_recs.values()])
        writer.wait()
        self._run_post()
        for model, changes in updates:
            writer.update(model, changes, now=now)
        self._post = post
        if writer.defers:
            self._carried = (self.new_customers, self.new_vehicles, self.new_events)
        else:
            self._run_post()

    def _updates(self):
        """[(model, {pk: {column: value}})] of this chunk's changed stored records."""
        vehicles = {}
        for rec in self.changed_vehicles.values():
            if rec.new:
                continue
            values = {a: rec.data[a] for a in rec.changes if a != "owner"}
            if rec.owner_changed:
                values["owner_id"] = rec.owner.pk
            vehicles[rec.pk] = values
        found = [
            (Customer, {rec.pk: {a: rec.data[a] for a in rec.changes}
                        for rec in self.changed_customers.values() if not rec.new}),
            (Vehicle, vehicles),
        ]  # fmt: skip
        if self.event_model is not None:
            found.append((self.event_model, {rec.pk: {a: rec.data[a] for a in rec.changes}
                                             for rec in self.changed_events.values()
                                             if not rec.new}))  # fmt: skip
        return [(model, changes) for model, changes in found if changes]

    def _run_post(self):
        post, self._post = self._post, None
        if post is None:
            return
        stale, classify = post
        if stale:
            rebuild_search_terms(stale)
        if classify:
            refresh_classification(classify)

    def finish(self):
        """Write what is still queued and do its follow-up work; call once, after the last
        chunk, inside the transaction."""
        self.writer.send()
        self.writer.wait()
        self._run_post()
        self._carried = None

    def close(self):
        """Release the background writer (also after an error)."""
        self.writer.close()

    def _merge_carried(self):
        """Make the previous chunk's new records findable by this chunk's rows, as stored ones."""
        carried, self._carried = self._carried, None
        if not carried:
            return
        customers, vehicles, events = carried
        for rec in customers:
            rec.new, rec.changes, rec.vehicles, rec.search_dirty = False, {}, [], False
            self.customers_by_pk.setdefault(rec.pk, rec)
            if rec.data.get("mobile"):
                self.by_mobile.setdefault(rec.data["mobile"], rec)
            if rec.data.get("uscc"):
                self.by_uscc.setdefault(rec.data["uscc"], rec)
        for rec in vehicles:
            rec.new, rec.changes, rec.owner_changed = False, {}, False
            if rec.owner is not None:
                rec.owner = self.customers_by_pk.get(rec.owner.pk, rec.owner)
            self.vehicles_by_pk.setdefault(rec.pk, rec)
            if rec.data.get("vin"):
                self.by_vin.setdefault(rec.data["vin"], rec)
            if rec.data.get("plate"):
                self.by_plate.setdefault(rec.data["plate"], []).append(rec)
        for rec in events:
            rec.new, rec.changes = False, {}
            customer, vehicle = rec.owner
            rec.owner = (self.customers_by_pk.get(customer.pk, customer),
                         self.vehicles_by_pk.get(vehicle.pk, vehicle))  # fmt: skip
            key = self._event_key(rec.data, rec.owner[1])
            if key is not None:
                self.events_by_key.setdefault(key, rec)

    def _write_ownerships(self, now):
        today = timezone.localdate(now, self.tz)
        reason = OwnershipReason.PURCHASE if self.kind == ImportKind.DELIVERIES else (
            OwnershipReason.IMPORT)  # fmt: skip
        rows = []
        for rec in [*self.new_vehicles, *(v for v in self.changed_vehicles.values()
                                          if v.owner_changed)]:  # fmt: skip
            if rec.owner is None:
                continue
            started = rec.data.get("delivery_date") or rec.data.get("purchase_date") or today
            rows.append((rec.pk, rec.owner.pk, started, None, reason, now))
        self.writer.insert_tuples(
            VehicleOwnership,
            ["vehicle_id", "customer_id", "started_on", "ended_on", "reason", "created_at"],
            rows,
        )

    def _insert_events(self, now, store_id):
        model = self.event_model
        if model is None:
            return
        if self.new_events:
            rows = []
            for rec in self.new_events:
                customer, vehicle = rec.owner
                rows.append({**rec.data, "customer_id": customer.pk, "vehicle_id": vehicle.pk})
            base = {**self._event_defaults, "store_id": store_id, "created_at": now,
                    "updated_at": now, "source": self.source}  # fmt: skip
            pks = self.writer.insert(model, base, rows, ids=True)
            for rec, pk in zip(self.new_events, pks, strict=True):
                rec.pk = pk
                self.seen["event"].add(pk)

    def _write_consents(self, now, actor_id):
        rows = []
        for rec in [*self.new_customers, *self.changed_customers.values()]:
            for attr in dict.fromkeys(rec.consents):
                rows.append((rec.pk, CONSENT_ATTRS[attr], bool(rec.data[attr]),
                             ConsentMethod.IMPORT, now, actor_id, self.reason[:200]))  # fmt: skip
            rec.consents = []
        self.writer.insert_tuples(
            ConsentRecord,
            ["customer_id", "channel", "granted", "method", "recorded_at", "recorded_by_id",
             "note"],
            rows,
        )  # fmt: skip

    def _insert_search_terms(self, store_id):
        """The search keys of new customers, built here (no database round trip)."""
        rows = []
        for rec in self.new_customers:
            vehicles = rec.vehicles
            for kind, term in customer_search_keys(
                name=rec.data.get("name"), number=rec.data["number"],
                mobiles=[rec.data.get("mobile")],
                plates=[v.data.get("plate") for v in vehicles],
                vins=[v.data.get("vin") for v in vehicles],
            ):  # fmt: skip
                rows.append((store_id, rec.pk, kind, term))
        # In term order, the inserts walk the term index from left to right instead of
        # jumping around it: far fewer pages to read and write once it outgrows memory.
        rows.sort(key=lambda row: row[3])
        self.writer.insert_search_terms(rows)

    def _stale_customers(self):
        """Stored customers whose search keys changed (name, mobile, a vehicle): rebuilt from
        the database once this chunk's rows have landed."""
        stale = {rec.pk for rec in self.customers_by_pk.values() if rec.search_dirty}
        stale |= {rec.pk for rec in self.changed_customers.values()
                  if rec.search_dirty and not rec.new}  # fmt: skip
        for v in self.new_vehicles:
            if v.owner is not None and not v.owner.new:
                stale.add(v.owner.pk)
        return sorted(stale)

    def _write_audit(self, now, store_id, actor_id):
        rows = []
        reason = self.reason
        for bucket, model in ((self.changed_customers, Customer), (self.changed_vehicles, Vehicle),
                              (self.changed_events, self.event_model)):  # fmt: skip
            label = model._meta.label_lower if model else ""
            for rec in bucket.values():
                if rec.new:
                    continue
                changes = {
                    attr: [audit._plain(old), audit._plain(_audit_value(new))]
                    for attr, (old, new) in rec.changes.items()
                }
                rows.append((now, actor_id, store_id, AuditAction.UPDATE, label, str(rec.pk),
                             _repr(rec)[:200], changes, reason, None))  # fmt: skip
                rec.changes = {}
        if self.audit_creates:
            for recs, model in ((self.new_customers, Customer), (self.new_vehicles, Vehicle),
                                (self.new_events, self.event_model)):  # fmt: skip
                label = model._meta.label_lower if model else ""
                for rec in recs:
                    changes = {a: [None, audit._plain(v)] for a, v in rec.data.items()
                               if not _blank(v) and a not in ("store_id",)}  # fmt: skip
                    rows.append((now, actor_id, store_id, AuditAction.CREATE, label, str(rec.pk),
                                 _repr(rec)[:200], changes, reason, None))  # fmt: skip
        self.writer.insert_tuples(
            AuditEvent,
            ["created_at", "actor_id", "store_id", "action", "target_type", "target_id",
             "target_repr", "changes", "reason", "ip_address"],
            rows,
        )  # fmt: skip


def _same_record(a, b):
    """Two Recs of one record: the same object, or the same stored id (a record carried from
    the previous chunk and the same record read again from the database)."""
    return a is b or (a.pk is not None and a.pk == b.pk)


def _same(stored, rec):
    """Whether an event's customer or vehicle (a Rec when new in this run, else an id) is `rec`."""
    if isinstance(stored, Rec):
        return rec is not None and _same_record(stored, rec)
    return rec is not None and rec.pk == stored


def _where_in(queryset, column, values):
    """queryset WHERE column IN values, for values already in canonical form.

    A plain `mobile__in=` would run MobileField's normaliser (phonenumbers) on each of 5,000
    numbers per chunk; on PostgreSQL one array parameter also beats 5,000 placeholders.
    """
    table = queryset.model._meta.db_table
    values = list(values)
    if connection.vendor == "postgresql":
        return queryset.extra(where=[f'"{table}"."{column}" = ANY(%s)'], params=[values])  # noqa: S610
    marks = ", ".join(["%s"] * len(values))
    return queryset.extra(where=[f'"{table}"."{column}" IN ({marks})'], params=values)  # noqa: S610


def _audit_value(value):
    if isinstance(value, Rec):
        return _repr(value)
    return value


def _number(rec):
    return rec.data.get("number") or "-"


def _repr(rec):
    data = rec.data
    if rec.kind == "customer":
        return f"{data.get('name', '')} ({data.get('number', '')})"
    if rec.kind == "vehicle":
        return data.get("plate") or data.get("vin") or f"#{rec.pk}"
    return str(data.get("repair_order_no") or data.get("order_no") or rec.pk)
