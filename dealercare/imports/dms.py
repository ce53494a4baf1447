"""DMS pushes: deliveries and repair orders sent one by one or in batches, with the file
importer's engine (same natural keys, same checks, same messages), stored once with source=api.

A batch is all-or-nothing unless the caller asks for the valid items only. With an
Idempotency-Key, the answer of a successful push is stored: the same key and body get that
answer again (nothing is written twice); the same key with another body is refused.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError
from dealercare.customers.services import reserve_customer_numbers
from dealercare.operations.choices import EventSource

from .choices import ImportKind, RowOutcome
from .models import IdempotencyRecord
from .rows import RowBuilder, RowError
from .services import follow_up_events
from .upsert import Upserter

MAX_ITEMS = 1000
MSG_BODY = _("Send one object or a list of at most %(max)s objects.")
MSG_TOO_MANY = _("A batch holds at most %(max)s items; this one has %(count)s.")
MSG_INVALID_ITEMS = _("%(count)s of %(total)s items were rejected; nothing was stored.")
MSG_KEY_REUSED = _(
    "This Idempotency-Key was already used with a different request body. Use a new key for a "
    "new request; retry with the same key only to resend the very same request."
)
MSG_KEY_INVALID = _("The Idempotency-Key must be 1 to 255 visible ASCII characters.")
MSG_STORE_REQUIRED = _("Give the store code: you push to more than one store.")
MSG_NO_SUCH_STORE = _("No such store in your stores.")
MSG_BUSY = _("Another request changed the same records at the same moment; retry.")

# API field paths → importer field keys (the same converters and messages as file columns).
CUSTOMER_PATHS = {
    "customer.name": "name", "customer.mobile": "mobile", "customer.kind": "customer_kind",
    "customer.gender": "gender", "customer.uscc": "uscc", "customer.phone_other": "phone_other",
    "customer.city": "city", "customer.address": "address",
}  # fmt: skip
VEHICLE_PATHS = {
    "vehicle.vin": "vin", "vehicle.plate": "plate", "vehicle.brand": "brand",
    "vehicle.model_name": "model_name", "vehicle.colour": "colour",
    "vehicle.fuel_type": "fuel_type", "vehicle.purchase_date": "purchase_date",
}  # fmt: skip
EVENT_PATHS = {
    ImportKind.DELIVERIES: {
        "order_no": "order_no", "delivered_at": "delivered_at",
        "consultant_name": "consultant_name", "price": "price", "status": "delivery_status",
        "note": "delivery_note",
    },
    ImportKind.SERVICE_VISITS: {
        "repair_order_no": "repair_order_no", "visit_type": "visit_type",
        "advisor_name": "advisor_name", "technician_name": "technician_name",
        "fault_description": "fault_description", "work_summary": "work_summary",
        "mileage_km": "visit_mileage_km", "date_in": "date_in", "date_out": "date_out",
        "labour_amount": "labour_amount", "parts_amount": "parts_amount",
        "status": "visit_status",
    },
}  # fmt: skip
STATUS_WORDS = {RowOutcome.NEW: "created", RowOutcome.UPDATED: "updated",
                RowOutcome.UNCHANGED: "unchanged", RowOutcome.REJECTED: "rejected"}  # fmt: skip


class IdempotencyKeyReused(ApplicationError):
    """Same key, different body: HTTP 422."""


def paths_for(kind):
    return {**EVENT_PATHS[ImportKind(kind)], **CUSTOMER_PATHS, **VEHICLE_PATHS}


def flatten(item):
    """{'customer': {'mobile': x}} → {'customer.mobile': x} (one level, as the API nests)."""
    flat = {}
    for key, value in item.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                flat[f"{key}.{inner}"] = inner_value
        else:
            flat[key] = value
    return flat


def fingerprint(body, options):
    """A stable hash of a request: its parsed JSON body and the options that change its effect."""
    canonical = json.dumps({"body": body, "options": options}, sort_keys=True, default=str,
                           ensure_ascii=False, separators=(",", ":"))  # fmt: skip
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key):
    if key is None:
        return None
    if not (1 <= len(key) <= 255) or not key.isascii() or not key.isprintable():
        raise ApplicationError(MSG_KEY_INVALID)
    return key


def _stores_of(actor):
    store_ids = set(access_for(actor).store_ids(Capability.WRITE_OPERATIONS))
    store_ids &= set(access_for(actor).store_ids(Capability.EDIT_CUSTOMERS))
    return {s.code: s for s in Store.objects.filter(pk__in=store_ids)}


def _push(*, actor, kind, items, valid_only):
    """Upsert validated items ({index, store_code, values, errors}); (HTTP status, body)."""
    kind = ImportKind(kind)
    stores = _stores_of(actor)
    paths = paths_for(kind)
    reverse = {key: path for path, key in paths.items()}
    results = [None] * len(items)
    errors = []
    by_store = {}
    for item in items:
        index = item["index"]
        if item["errors"]:
            errors.extend(item["errors"])
            continue
        code = item["store_code"]
        if not code and len(stores) == 1:
            code = next(iter(stores))
        if not code:
            errors.append({"index": index, "field": "store", "message": str(MSG_STORE_REQUIRED)})
            continue
        if code not in stores:
            errors.append({"index": index, "field": "store", "message": str(MSG_NO_SUCH_STORE)})
            continue
        by_store.setdefault(code, []).append(item)
    with transaction.atomic():
        for code, store_items in by_store.items():
            store = stores[code]
            builder = RowBuilder([(path, key) for path, key in paths.items()], store.tzinfo)
            upserter = Upserter(
                store=store, kind=kind, actor=actor, source=EventSource.API,
                reason=gettext("DMS push"), audit_creates=True,
                reserve_numbers=lambda count, store=store: reserve_customer_numbers(store, count),
            )  # fmt: skip
            rows = [builder.build(item["index"], item["values"]) for item in store_items]
            touched = False
            try:
                for row_result in upserter.run_chunk(rows):
                    results[row_result.number] = row_result
                    touched |= row_result.outcome in (RowOutcome.NEW, RowOutcome.UPDATED)
                    for error in row_result.errors:
                        errors.append(_api_error(error, reverse))
                upserter.finish()
            finally:
                upserter.close()
            if touched:
                follow_up_events(store.pk)  # runs on commit only: a rejected batch adds nothing
        rejected = {e["index"] for e in errors}
        if rejected and not valid_only:
            transaction.set_rollback(True)
            body = {
                "detail": str(MSG_INVALID_ITEMS % {"count": len(rejected), "total": len(items)}),
                "code": "invalid_items",
                "errors": sorted(errors, key=lambda e: e["index"]),
            }
            return 400, body
    body = {"created": 0, "updated": 0, "unchanged": 0, "rejected": len(rejected), "results": [],
            "errors": sorted(errors, key=lambda e: e["index"])}  # fmt: skip
    for index in range(len(items)):
        result = results[index]
        if index in rejected or result is None:
            body["results"].append({"index": index, "outcome": "rejected", "id": None,
                                    "customer_id": None, "vehicle_id": None})  # fmt: skip
            continue
        word = STATUS_WORDS[result.outcome]
        body[word] += 1
        body["results"].append({"index": index, "outcome": word, "id": result.event_id,
                                "customer_id": result.customer_id,
                                "vehicle_id": result.vehicle_id})  # fmt: skip
    return (201 if body["created"] else 200), body


def _api_error(error: RowError, reverse):
    return {"index": error.number, "field": reverse.get(error.field, error.field or "non_field"),
            "message": error.message}  # fmt: skip


def dms_push(*, actor, kind, items, valid_only=False, idempotency_key=None, request_hash=""):
    """Store pushed deliveries or repair orders; (HTTP status, body, replayed)."""
    access_for(actor)  # warm the cache outside the transaction
    key = check_key(idempotency_key)
    endpoint = ImportKind(kind).value
    for attempt in range(2):
        try:
            with transaction.atomic():
                if key:
                    stored = IdempotencyRecord.objects.filter(
                        user=actor, endpoint=endpoint, key=key
                    ).first()
                    if stored is not None:
                        if stored.request_hash != request_hash:
                            raise IdempotencyKeyReused(
                                MSG_KEY_REUSED, code="idempotency_key_reused"
                            )
                        return stored.status_code, stored.response, True
                status, body = _push(actor=actor, kind=kind, items=items, valid_only=valid_only)
                if key and status < 300:
                    IdempotencyRecord.objects.create(
                        user=actor, endpoint=endpoint, key=key, request_hash=request_hash,
                        status_code=status, response=body,
                    )  # fmt: skip
                return status, body, False
        except IntegrityError:
            # A twin request (same key, or the same new customer) committed first: look again.
            if attempt:
                raise ApplicationError(MSG_BUSY, code="conflict") from None
    raise ApplicationError(MSG_BUSY, code="conflict")  # pragma: no cover
