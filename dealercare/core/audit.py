"""Writing the audit trail: one call per audited act, inside the caller's transaction."""

import datetime
import decimal

from .models import AuditEvent


def _plain(value):
    """A JSON-safe, human-readable form of a field value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime.date | datetime.time | decimal.Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return str(value)
    return str(value)


def field_changes(before, after, fields):
    """{field: [old, new]} for each of `fields` whose value differs between two snapshots."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in fields
        if before.get(name) != after.get(name)
    }


def snapshot(instance, fields):
    """The current values of `fields` on a model instance (FKs by id)."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = getattr(instance, field.attname)
    return values


def record(*, actor, action, target, changes=None, reason="", store=None, ip_address=None):
    """Store one audit event for `target` (a model instance, or a (type, id, repr) triple)."""
    if isinstance(target, tuple):
        target_type, target_id, target_repr = target
    else:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_repr = str(target)[:200]
        if store is None:
            store = getattr(target, "store", None)
    return AuditEvent.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        store=store,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        changes=changes or {},
        reason=reason,
        ip_address=ip_address,
    )
