"""Writes of DMS events (deliveries, service visits, inquiries): atomic, validated, audited.

Each event refreshes its customer's classification; follow-up rules will hang off these events.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError, DuplicateError
from dealercare.core.models import AuditAction
from dealercare.customers.services import refresh_classification

from .choices import EventSource
from .models import Delivery, Inquiry, ServiceVisit

MSG_WRONG_STORE = _("The customer and the vehicle must belong to this store.")
MSG_NOT_OWNER = _("The vehicle belongs to another customer (%(owner)s).")
MSG_DUPLICATE_RO = _("Repair order %(no)s already exists in this store.")
MSG_DUPLICATE_ORDER = _("Sales order %(no)s already exists in this store.")


def _check_parties(store, customer, vehicle):
    if customer.store_id != store.pk or (vehicle is not None and vehicle.store_id != store.pk):
        raise ApplicationError(MSG_WRONG_STORE)
    if vehicle is not None and vehicle.owner_id and vehicle.owner_id != customer.pk:
        raise ApplicationError(MSG_NOT_OWNER % {"owner": vehicle.owner})


def _refuse_duplicate(model, store_id, field, value, message, exclude_id=None):
    """A sales order or repair order number is stored once per store: name the existing one."""
    if not value:
        return
    existing = (
        model.objects.filter(store_id=store_id, **{field: value}).exclude(pk=exclude_id).first()
    )
    if existing:
        raise DuplicateError(
            message % {"no": value}, existing=existing,
            extra={"field": field, "existing_id": existing.pk},
        )  # fmt: skip


def _create(actor, model, instance, fields):
    unknown = set(fields) - set(model.EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(validate_constraints=False)
    instance.save()
    audit.record(
        actor=actor, action=AuditAction.CREATE, target=instance,
        changes=audit.field_changes({}, audit.snapshot(instance, model.EDITABLE_FIELDS),
                                    model.EDITABLE_FIELDS),
    )  # fmt: skip
    transaction.on_commit(lambda: refresh_classification([instance.customer_id]))
    from dealercare.followups.services import on_event_saved  # the app builds on this one

    transaction.on_commit(lambda: on_event_saved(instance))
    return instance


def _update(actor, model, instance, fields):
    access_for(actor).require(Capability.WRITE_OPERATIONS, instance.store_id)
    instance = model.objects.select_for_update().get(pk=instance.pk)
    before = audit.snapshot(instance, model.EDITABLE_FIELDS)
    unknown = set(fields) - set(model.EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    changes = audit.field_changes(
        before, audit.snapshot(instance, model.EDITABLE_FIELDS), model.EDITABLE_FIELDS
    )
    instance.save()
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, target=instance, changes=changes)
        transaction.on_commit(lambda: refresh_classification([instance.customer_id]))
        from dealercare.followups.services import on_event_saved  # the app builds on this one

        transaction.on_commit(lambda: on_event_saved(instance))
    return instance


@transaction.atomic
def delivery_create(*, actor, store, customer, vehicle, fields, source=EventSource.UI):
    """Record a vehicle handed over to its buyer; the order number is unique per store."""
    access_for(actor).require(Capability.WRITE_OPERATIONS, store)
    _check_parties(store, customer, vehicle)
    _refuse_duplicate(Delivery, store.pk, "order_no", fields.get("order_no"), MSG_DUPLICATE_ORDER)
    delivery = Delivery(store=store, customer=customer, vehicle=vehicle, source=source)
    return _create(actor, Delivery, delivery, fields)


@transaction.atomic
def delivery_update(*, actor, delivery, fields):
    access_for(actor).require(Capability.WRITE_OPERATIONS, delivery.store_id)
    _refuse_duplicate(Delivery, delivery.store_id, "order_no", fields.get("order_no"),
                      MSG_DUPLICATE_ORDER, exclude_id=delivery.pk)  # fmt: skip
    return _update(actor, Delivery, delivery, fields)


@transaction.atomic
def service_visit_create(*, actor, store, customer, vehicle, repair_order_no, fields,
                         source=EventSource.UI):  # fmt: skip
    """Record a repair order; its number is unique per store."""
    access_for(actor).require(Capability.WRITE_OPERATIONS, store)
    _check_parties(store, customer, vehicle)
    _refuse_duplicate(ServiceVisit, store.pk, "repair_order_no", repair_order_no, MSG_DUPLICATE_RO)
    visit = ServiceVisit(
        store=store, customer=customer, vehicle=vehicle, repair_order_no=repair_order_no,
        source=source,
    )  # fmt: skip
    return _create(actor, ServiceVisit, visit, fields)


@transaction.atomic
def service_visit_update(*, actor, visit, fields):
    return _update(actor, ServiceVisit, visit, fields)


@transaction.atomic
def inquiry_create(*, actor, store, customer, fields):
    """Record a prospect's inquiry (needs, budget, models of interest)."""
    access_for(actor).require(Capability.EDIT_CUSTOMERS, store)
    _check_parties(store, customer, None)
    inquiry = Inquiry(store=store, customer=customer)
    return _create(actor, Inquiry, inquiry, fields)
