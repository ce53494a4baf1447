"""Every write to the customer archive: atomic, validated, audited, search keys kept current."""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError, DuplicateError
from dealercare.core.models import AuditAction

from . import classification, search_terms
from .choices import ConsentChannel, ConsentMethod, OwnershipReason
from .models import (
    CompanyContact,
    ConsentRecord,
    Customer,
    SearchTerm,
    Tag,
    Vehicle,
    VehicleOwnership,
)

MSG_DUPLICATE_MOBILE = _(
    "A customer with this mobile number already exists in this store: %(number)s %(name)s."
)
MSG_DUPLICATE_VIN = _(
    "A vehicle with this VIN already exists in this store (owner: %(owner)s, %(number)s)."
)
MSG_MERGE_SAME = _("A customer cannot be merged into itself.")
MSG_MERGE_STORES = _("Only customers of the same store can be merged.")
MSG_MERGE_MERGED = _("This customer was already merged into %(number)s.")
MSG_REASON_REQUIRED = _("Give a reason (at least 2 characters).")
MSG_TRANSFER_SAME = _("This customer already owns the vehicle.")
MSG_TRANSFER_BEFORE_START = _(
    "The transfer date cannot be before the current owner's ownership began (%(date)s)."
)
MSG_STORE_MISMATCH = _("The customer and the vehicle belong to different stores.")

CONSENT_FIELD = {
    ConsentChannel.PHONE: "allow_phone",
    ConsentChannel.SMS: "allow_sms",
    ConsentChannel.MARKETING: "allow_marketing",
}


# --- numbering and duplicates ----------------------------------------------------------------


def _next_customer_number(store):
    """The store's next readable customer number (GZ01-000123), safe under concurrency."""
    locked = Store.objects.select_for_update().get(pk=store.pk)
    locked.customer_seq += 1
    locked.save(update_fields=["customer_seq"])
    return f"{locked.code}-{locked.customer_seq:06d}"


def reserve_customer_numbers(store, count):
    """Reserve `count` consecutive numbers in one update (bulk imports, demo data)."""
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        first = locked.customer_seq + 1
        locked.customer_seq += count
        locked.save(update_fields=["customer_seq"])
    return [f"{locked.code}-{seq:06d}" for seq in range(first, first + count)]


def _check_duplicate_mobile(store_id, mobile, exclude_id=None):
    if not mobile:
        return
    existing = (
        Customer.objects.filter(store_id=store_id, mobile=mobile, merged_into__isnull=True)
        .exclude(pk=exclude_id)
        .first()
    )
    if existing:
        raise DuplicateError(
            MSG_DUPLICATE_MOBILE % {"number": existing.number, "name": existing.name},
            existing=existing,
            extra={
                "field": "mobile",
                "existing_id": existing.pk,
                "existing_number": existing.number,
            },
        )


def _check_duplicate_vin(store_id, vin, exclude_id=None):
    if not vin:
        return
    existing = (
        Vehicle.objects.filter(store_id=store_id, vin=vin)
        .exclude(pk=exclude_id)
        .select_related("owner")
        .first()
    )
    if existing:
        owner = existing.owner
        raise DuplicateError(
            MSG_DUPLICATE_VIN % {"owner": owner.name if owner else "-",
                                 "number": owner.number if owner else "-"},
            existing=existing,
            extra={"field": "vin", "existing_vehicle_id": existing.pk,
                   "existing_id": owner.pk if owner else None},
        )  # fmt: skip


def _save_guarding_duplicates(instance, recheck):
    """Save; if a concurrent writer won the unique constraint, answer as a duplicate would."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        recheck()  # raises DuplicateError naming the record that won
        raise


# --- search keys ------------------------------------------------------------------------------


def rebuild_search_terms(customer_ids):
    """Recompute the search keys of these customers from their current data."""
    customer_ids = list(customer_ids)
    if not customer_ids:
        return
    customers = Customer.objects.filter(pk__in=customer_ids).only(
        "id", "store_id", "name", "number", "mobile", "merged_into_id"
    )
    vehicles = {}
    for owner_id, plate, vin in Vehicle.objects.filter(owner_id__in=customer_ids).values_list(
        "owner_id", "plate", "vin"
    ):
        vehicles.setdefault(owner_id, []).append((plate, vin))
    contact_mobiles = {}
    for customer_id, mobile in (
        CompanyContact.objects.filter(customer_id__in=customer_ids)
        .exclude(mobile="")
        .values_list("customer_id", "mobile")
    ):
        contact_mobiles.setdefault(customer_id, []).append(mobile)
    rows = []
    for c in customers:
        if c.merged_into_id:
            continue  # a merged customer is found through the one it was merged into
        owned = vehicles.get(c.pk, [])
        for kind, term in search_terms.customer_terms(
            name=c.name,
            number=c.number,
            mobiles=[c.mobile, *contact_mobiles.get(c.pk, [])],
            plates=[p for p, _v in owned],
            vins=[v for _p, v in owned],
        ):
            rows.append(SearchTerm(store_id=c.store_id, customer_id=c.pk, kind=kind, term=term))
    SearchTerm.objects.filter(customer_id__in=customer_ids).delete()
    SearchTerm.objects.bulk_create(rows, batch_size=2000)


# --- customers --------------------------------------------------------------------------------


def _apply(instance, fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(instance, name, value)


def _set_tags(customer, tag_names):
    tags = []
    for name in dict.fromkeys(n.strip() for n in tag_names if n and n.strip()):
        tag, _created = Tag.objects.get_or_create(store_id=customer.store_id, name=name[:30])
        tags.append(tag)
    customer.tags.set(tags)


@transaction.atomic
def customer_create(*, actor, store, fields, tags=None, contacts=(), consent_method=None):
    """Create a customer with a new number; refuses a mobile already used in the store."""
    access_for(actor).require(Capability.EDIT_CUSTOMERS, store)
    customer = Customer(store=store, created_by=actor if actor.is_authenticated else None)
    _apply(customer, fields, Customer.EDITABLE_FIELDS)
    customer.full_clean(exclude=["number"], validate_constraints=False)
    _check_duplicate_mobile(store.pk, customer.mobile)
    customer.number = _next_customer_number(store)
    _save_guarding_duplicates(customer, lambda: _check_duplicate_mobile(store.pk, customer.mobile))
    if tags:
        _set_tags(customer, tags)
    for contact in contacts:
        c = CompanyContact(customer=customer, **contact)
        c.full_clean()
        c.save()
    method = consent_method or ConsentMethod.STAFF
    for channel, field in CONSENT_FIELD.items():
        ConsentRecord.objects.create(
            customer=customer, channel=channel, granted=getattr(customer, field), method=method,
            recorded_by=actor if actor.is_authenticated else None,
        )  # fmt: skip
    rebuild_search_terms([customer.pk])
    audit.record(
        actor=actor, action=AuditAction.CREATE, target=customer,
        changes=audit.field_changes({}, audit.snapshot(customer, Customer.EDITABLE_FIELDS),
                                    Customer.EDITABLE_FIELDS),
    )  # fmt: skip
    return customer


@transaction.atomic
def customer_update(*, actor, customer, fields, tags=None):
    """Change a customer's fields; each changed field is audited from → to."""
    access_for(actor).require(Capability.EDIT_CUSTOMERS, customer.store_id)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = audit.snapshot(customer, Customer.EDITABLE_FIELDS)
    old_tags = sorted(customer.tags.values_list("name", flat=True))
    _apply(customer, fields, Customer.EDITABLE_FIELDS)
    customer.full_clean(validate_constraints=False)
    _check_duplicate_mobile(customer.store_id, customer.mobile, exclude_id=customer.pk)
    after = audit.snapshot(customer, Customer.EDITABLE_FIELDS)
    changes = audit.field_changes(before, after, Customer.EDITABLE_FIELDS)
    _save_guarding_duplicates(
        customer,
        lambda: _check_duplicate_mobile(customer.store_id, customer.mobile, customer.pk),
    )
    if tags is not None:
        _set_tags(customer, tags)
        new_tags = sorted(customer.tags.values_list("name", flat=True))
        if new_tags != old_tags:
            changes["tags"] = [", ".join(old_tags), ", ".join(new_tags)]
    for channel, field in CONSENT_FIELD.items():
        if field in changes:
            ConsentRecord.objects.create(
                customer=customer, channel=channel, granted=getattr(customer, field),
                method=ConsentMethod.STAFF, recorded_by=actor,
            )  # fmt: skip
    if {"name", "mobile"} & changes.keys():
        rebuild_search_terms([customer.pk])
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, target=customer, changes=changes)
    return customer


@transaction.atomic
def consent_set(*, actor, customer, channel, granted, method, note=""):
    """Record a customer's yes/no to a channel (with how it was given) and apply it."""
    access_for(actor).require(Capability.EDIT_CUSTOMERS, customer.store_id)
    field = CONSENT_FIELD[ConsentChannel(channel)]
    before = getattr(customer, field)
    record = ConsentRecord(
        customer=customer, channel=channel, granted=granted, method=method, note=note,
        recorded_by=actor,
    )  # fmt: skip
    record.full_clean()
    record.save()
    setattr(customer, field, granted)
    customer.save(update_fields=[field, "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.CONSENT, target=customer,
        changes={field: [before, granted]}, reason=f"{method} {note}".strip(),
    )  # fmt: skip
    return record


@transaction.atomic
def customer_merge(*, actor, source, target, reason):
    """Fold `source` into `target`: every record of source moves to target, nothing is lost.

    Blank fields of target are filled from source; source stays (marked merged) so old links
    and the audit trail still resolve.
    """
    acc = access_for(actor)
    acc.require(Capability.MERGE_CUSTOMERS, source.store_id)
    acc.require(Capability.MERGE_CUSTOMERS, target.store_id)
    if not reason or len(reason.strip()) < 2:
        raise ApplicationError(MSG_REASON_REQUIRED)
    if source.pk == target.pk:
        raise ApplicationError(MSG_MERGE_SAME)
    if source.store_id != target.store_id:
        raise ApplicationError(MSG_MERGE_STORES)
    source, target = (
        Customer.objects.select_for_update().get(pk=source.pk),
        Customer.objects.select_for_update().get(pk=target.pk),
    )
    for c in (source, target):
        if c.merged_into_id:
            merged_into = Customer.objects.get(pk=c.merged_into_id)
            raise ApplicationError(MSG_MERGE_MERGED % {"number": merged_into.number})

    moved = {}
    skip = {SearchTerm, Customer}
    for rel in Customer._meta.related_objects:
        if not rel.one_to_many or rel.related_model in skip:
            continue
        if rel.related_model is VehicleOwnership:
            continue  # handled below, to keep one open ownership per vehicle
        count = rel.related_model._base_manager.filter(**{rel.field.name: source}).update(
            **{rel.field.name: target}
        )
        if count:
            moved[rel.related_model._meta.label_lower] = count
    count = VehicleOwnership.objects.filter(customer=source).update(customer=target)
    if count:
        moved["customers.vehicleownership"] = count
    target.tags.add(*source.tags.all())

    filled = {}
    source_mobile = source.mobile
    for name in Customer.EDITABLE_FIELDS:
        if getattr(target, name) in (None, "") and getattr(source, name) not in (None, ""):
            if name == "mobile":
                continue  # set after source releases it (unique per store)
            setattr(target, name, getattr(source, name))
            filled[name] = [None, str(getattr(source, name))]
    source.merged_into = target
    source.mobile = ""
    source.save(update_fields=["merged_into", "mobile", "updated_at"])
    if not target.mobile and source_mobile:
        target.mobile = source_mobile
        filled["mobile"] = [None, source_mobile]
    target.save()
    refresh_classification([target.pk])
    target.refresh_from_db()
    rebuild_search_terms([source.pk, target.pk])
    summary = {
        "source": {"id": source.pk, "number": source.number, "name": source.name,
                   "mobile": source_mobile},
        "moved": moved,
        "filled": filled,
    }  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.MERGE, target=target, changes=summary, reason=reason
    )
    audit.record(
        actor=actor, action=AuditAction.MERGE, target=source,
        changes={"merged_into": [None, target.number]}, reason=reason,
    )  # fmt: skip
    return target


@transaction.atomic
def mobile_reveal(*, actor, customer, reason, ip_address=None):
    """Return a customer's full mobile number; the reveal is audited with its reason."""
    access_for(actor).require(Capability.REVEAL_PHONE, customer.store_id)
    if not reason or len(reason.strip()) < 2:
        raise ApplicationError(MSG_REASON_REQUIRED)
    audit.record(
        actor=actor, action=AuditAction.REVEAL_PHONE, target=customer,
        reason=reason.strip(), ip_address=ip_address,
    )  # fmt: skip
    return customer.mobile


# --- vehicles ---------------------------------------------------------------------------------


@transaction.atomic
def vehicle_create(
    *, actor, store, owner, fields, started_on=None, reason=OwnershipReason.PURCHASE
):
    """Register a vehicle for an owner; refuses a VIN already in the store."""
    access_for(actor).require(Capability.EDIT_CUSTOMERS, store)
    if owner is not None and owner.store_id != store.pk:
        raise ApplicationError(MSG_STORE_MISMATCH)
    vehicle = Vehicle(store=store, owner=owner)
    _apply(vehicle, fields, Vehicle.EDITABLE_FIELDS)
    vehicle.full_clean(validate_constraints=False)
    _check_duplicate_vin(store.pk, vehicle.vin)
    _save_guarding_duplicates(vehicle, lambda: _check_duplicate_vin(store.pk, vehicle.vin))
    if owner is not None:
        VehicleOwnership.objects.create(
            vehicle=vehicle, customer=owner, reason=reason,
            started_on=started_on or vehicle.delivery_date or timezone.localdate(),
        )  # fmt: skip
        rebuild_search_terms([owner.pk])
    audit.record(
        actor=actor, action=AuditAction.CREATE, target=vehicle,
        changes=audit.field_changes({}, audit.snapshot(vehicle, Vehicle.EDITABLE_FIELDS),
                                    Vehicle.EDITABLE_FIELDS),
    )  # fmt: skip
    return vehicle


@transaction.atomic
def vehicle_update(*, actor, vehicle, fields):
    access_for(actor).require(Capability.EDIT_CUSTOMERS, vehicle.store_id)
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    before = audit.snapshot(vehicle, Vehicle.EDITABLE_FIELDS)
    _apply(vehicle, fields, Vehicle.EDITABLE_FIELDS)
    vehicle.full_clean(validate_constraints=False)
    _check_duplicate_vin(vehicle.store_id, vehicle.vin, exclude_id=vehicle.pk)
    changes = audit.field_changes(
        before, audit.snapshot(vehicle, Vehicle.EDITABLE_FIELDS), Vehicle.EDITABLE_FIELDS
    )
    _save_guarding_duplicates(
        vehicle, lambda: _check_duplicate_vin(vehicle.store_id, vehicle.vin, vehicle.pk)
    )
    if {"plate", "vin"} & changes.keys() and vehicle.owner_id:
        rebuild_search_terms([vehicle.owner_id])
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, target=vehicle, changes=changes)
    return vehicle


@transaction.atomic
def vehicle_transfer(*, actor, vehicle, new_owner, on_date=None, reason=OwnershipReason.TRANSFER):
    """Change a vehicle's owner, closing the previous ownership (history is kept)."""
    access_for(actor).require(Capability.EDIT_CUSTOMERS, vehicle.store_id)
    if new_owner.store_id != vehicle.store_id:
        raise ApplicationError(MSG_STORE_MISMATCH)
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if vehicle.owner_id == new_owner.pk:
        raise ApplicationError(MSG_TRANSFER_SAME)
    on_date = on_date or timezone.localdate()
    current = VehicleOwnership.objects.filter(vehicle=vehicle, ended_on__isnull=True).first()
    if current and on_date < current.started_on:
        raise ApplicationError(MSG_TRANSFER_BEFORE_START % {"date": current.started_on})
    old_owner_id = vehicle.owner_id
    VehicleOwnership.objects.filter(vehicle=vehicle, ended_on__isnull=True).update(ended_on=on_date)
    VehicleOwnership.objects.create(
        vehicle=vehicle, customer=new_owner, started_on=on_date, reason=reason
    )
    vehicle.owner = new_owner
    vehicle.save(update_fields=["owner", "updated_at"])
    rebuild_search_terms([i for i in (old_owner_id, new_owner.pk) if i])
    old_owner = Customer.objects.filter(pk=old_owner_id).first()
    audit.record(
        actor=actor, action=AuditAction.TRANSFER, target=vehicle,
        changes={"owner": [str(old_owner) if old_owner else None, str(new_owner)]},
    )  # fmt: skip
    return vehicle


# --- classification ---------------------------------------------------------------------------


def refresh_classification(customer_ids=None, *, store=None, today=None):
    """Recompute last delivery/visit, lifecycle state and value tier from the service history.

    Give customer ids, or a store to refresh all its customers (the nightly task does this).
    Returns the number of customers whose classification changed.
    """
    from dealercare.operations.choices import DeliveryStatus, VisitStatus
    from dealercare.operations.models import ServiceVisit

    qs = Customer.objects.filter(merged_into__isnull=True)
    if customer_ids is not None:
        qs = qs.filter(pk__in=list(customer_ids))
    if store is not None:
        qs = qs.filter(store=store)
    today = today or timezone.localdate()
    since = timezone.now() - datetime.timedelta(days=365)
    qs = qs.select_related("store").annotate(
        _last_delivery=Max(
            "deliveries__delivered_at", filter=Q(deliveries__status=DeliveryStatus.DELIVERED)
        ),
    )
    visit_stats = {
        row["customer_id"]: row
        for row in ServiceVisit.objects.filter(customer__in=qs.values("pk"))
        .exclude(status=VisitStatus.CANCELLED)
        .values("customer_id")
        .annotate(
            last_in=Max("date_in"),
            visits_12m=Count("id", filter=Q(date_in__gte=since)),
            spend_12m=Sum("labour_amount", filter=Q(date_in__gte=since), default=0)
            + Sum("parts_amount", filter=Q(date_in__gte=since), default=0),
        )
    }
    changed = []
    for customer in qs.iterator(chunk_size=2000):
        tz = customer.store.tzinfo
        stats = visit_stats.get(customer.pk, {})
        last_delivery_on = (
            timezone.localtime(customer._last_delivery, tz).date()
            if customer._last_delivery
            else None
        )
        last_visit_on = (
            timezone.localtime(stats["last_in"], tz).date() if stats.get("last_in") else None
        )
        thresholds = classification.Thresholds.of_store(customer.store)
        state = classification.lifecycle_state(
            today=today, last_delivery_on=last_delivery_on, last_visit_on=last_visit_on,
            thresholds=thresholds,
        )  # fmt: skip
        tier = classification.value_tier(
            spend_12m=Decimal(stats.get("spend_12m") or 0),
            visits_12m=stats.get("visits_12m") or 0,
            thresholds=thresholds,
        )
        new = (last_delivery_on, last_visit_on, state.value, tier.value)
        old = (customer.last_delivery_on, customer.last_visit_on, customer.lifecycle_state,
               customer.value_tier)  # fmt: skip
        if new != old:
            (customer.last_delivery_on, customer.last_visit_on, customer.lifecycle_state,
             customer.value_tier) = new  # fmt: skip
            changed.append(customer)
    Customer.objects.bulk_update(
        changed, ["last_delivery_on", "last_visit_on", "lifecycle_state", "value_tier"],
        batch_size=1000,
    )  # fmt: skip
    return len(changed)


# --- web forms: several writes that must succeed or fail together ------------------------------


def _contact_line(contact):
    return " ".join(filter(None, [contact.name, contact.position, contact.mobile]))


@transaction.atomic
def customer_contacts_set(*, actor, customer, contacts=(), delete_ids=()):
    """Add, change and remove a company's key contacts; audited as one change of `contacts`.

    `contacts` are dicts of CompanyContact fields, with `id` for an existing contact.
    """
    access_for(actor).require(Capability.EDIT_CUSTOMERS, customer.store_id)
    existing = {c.pk: c for c in CompanyContact.objects.filter(customer=customer)}
    before = sorted(_contact_line(c) for c in existing.values())
    for contact_id in delete_ids:
        if contact_id in existing:
            existing.pop(contact_id).delete()
    for data in contacts:
        data = dict(data)
        contact_id = data.pop("id", None)
        contact = existing.get(contact_id) if contact_id else CompanyContact(customer=customer)
        if contact is None:
            raise ApplicationError(_("This contact does not belong to this customer."))
        _apply(contact, data, ("name", "position", "mobile", "is_key"))
        contact.full_clean(exclude=["customer"])
        contact.save()
        existing[contact.pk] = contact
    after = sorted(_contact_line(c) for c in existing.values())
    if after != before:
        rebuild_search_terms([customer.pk])
        audit.record(
            actor=actor, action=AuditAction.UPDATE, target=customer,
            changes={"contacts": ["; ".join(before), "; ".join(after)]},
        )  # fmt: skip


@transaction.atomic
def customer_create_with_vehicle(
    *, actor, store, fields, tags=None, contacts=(), vehicle_fields=None
):
    """Create a customer and, when given, its first vehicle: both or neither."""
    customer = customer_create(
        actor=actor, store=store, fields=fields, tags=tags, contacts=contacts
    )
    if vehicle_fields:
        vehicle_create(actor=actor, store=store, owner=customer, fields=vehicle_fields)
    return customer


@transaction.atomic
def customer_edit(*, actor, customer, fields, tags=None, contacts=None, delete_contact_ids=()):
    """Change a customer's profile and (for a company) its key contacts in one transaction."""
    customer = customer_update(actor=actor, customer=customer, fields=fields, tags=tags)
    if contacts is not None or delete_contact_ids:
        customer_contacts_set(
            actor=actor, customer=customer, contacts=contacts or (),
            delete_ids=delete_contact_ids,
        )  # fmt: skip
    return customer
