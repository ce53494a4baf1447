"""Reading the audit trail: who may see which events, filters, and changes as readable lines.

A user sees the events of the stores where they hold VIEW_AUDIT; events without a store (group
level: group admin grants) only when they are a group admin, and then only their group's.
Mobile numbers inside stored changes are masked before display, like everywhere else.
"""

import datetime
import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .validators import mask_mobile

# The record types the log can filter by (label_lower of the audited model).
RECORD_TYPES = (
    "customers.customer",
    "customers.vehicle",
    "operations.delivery",
    "operations.servicevisit",
    "operations.inquiry",
    "accounts.store",
    "accounts.user",
)
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_WHOLE_MINUTE = re.compile(r"^(\d{2}:\d{2}):00$")  # "20:00:00" reads better as "20:00"

# Values of these keys are choices of another model than the audited one.
_EXTRA_LABELS = {
    "role": _("role"),
    "api_token": _("API token"),
    "is_active": _("active"),
    "is_group_admin": _("group admin"),
    "merged_into": _("merged into"),
    "owner": _("owner"),
    "tags": _("tags"),
    "source": _("merged customer"),
    "moved": _("records moved"),
    "filled": _("fields filled"),
    "username": _("username"),
    "display_name": _("name"),
}


def record_type_choices():
    """(label_lower, verbose name) of every record type the log knows."""
    return [(label, _model_name(label)) for label in RECORD_TYPES]


def _model_name(label):
    try:
        return apps.get_model(label)._meta.verbose_name
    except (LookupError, ValueError):
        return label


def events_for_user(user, *, action=None, actor=None, record_type=None, date_from=None,
                    date_to=None, store=None, q=None):  # fmt: skip
    """Audit events `user` may see, newest first, with the filters applied."""
    from dealercare.accounts.access import access_for
    from dealercare.accounts.roles import Capability

    scope = Q(store_id__in=access_for(user).store_ids(Capability.VIEW_AUDIT))
    if user.is_group_admin and user.dealer_group_id:
        scope |= Q(store__isnull=True, actor__dealer_group_id=user.dealer_group_id)
    events = AuditEvent.objects.filter(scope).select_related("actor", "store")
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_id=actor)
    if record_type:
        events = events.filter(target_type=record_type)
    if store:
        events = events.filter(store_id=store)
    tz = timezone.get_current_timezone()
    if date_from:
        start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min), tz)
        events = events.filter(created_at__gte=start)
    if date_to:
        end = timezone.make_aware(
            datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min),
            tz,
        )
        events = events.filter(created_at__lt=end)
    if q:
        events = events.filter(Q(target_repr__icontains=q) | Q(reason__icontains=q))
    return events.order_by("-created_at", "-id")


@dataclass(frozen=True)
class ChangeLine:
    """One changed field: label, old → new (already readable and masked)."""

    label: str
    old: str
    new: str
    is_pair: bool = True


def _mask(text):
    return _MOBILE.sub(lambda m: mask_mobile(m.group(0)), text)


def _readable(value, choices=None):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if choices and str(value) in choices:
        return str(choices[str(value)])
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_readable(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value)
    return _mask(_WHOLE_MINUTE.sub(r"\1", str(value)))


def _field_meta(target_type, name):
    """(label, {value: display}) of a field of the audited model, or a known extra key."""
    from dealercare.accounts.roles import Role

    if name == "role":
        return _EXTRA_LABELS["role"], dict(Role.choices)
    try:
        field = apps.get_model(target_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return _EXTRA_LABELS.get(name, name), None
    choices = {str(k): v for k, v in field.flatchoices} if field.choices else None
    return getattr(field, "verbose_name", name), choices


def change_lines(event):
    """The event's changes as readable lines; phone numbers masked; blank-to-blank left out."""
    lines = []
    changes = event.changes if isinstance(event.changes, dict) else {}
    for name, value in changes.items():
        label, choices = _field_meta(event.target_type, name)
        if isinstance(value, list) and len(value) == 2:
            if value[0] in (None, "") and value[1] in (None, ""):
                continue  # a blank field of a new record says nothing
            lines.append(ChangeLine(str(label), _readable(value[0], choices),
                                    _readable(value[1], choices)))  # fmt: skip
        else:
            lines.append(ChangeLine(str(label), "", _readable(value, choices), is_pair=False))
    return lines
