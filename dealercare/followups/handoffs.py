"""Hand-offs: a problem found on a follow-up call goes to the service or sales department, with an
owner there and a due date, and is tracked until the customer has been told the result
(DOMAIN §3). Writes (create, status changes) are audited; reads are scoped to the user's stores.

Who sees a store's hand-offs: whoever holds HANDLE_COMPLAINTS there (the CS department and the
department managers, who also receive the store's complaints) and each hand-off's owner (a
service advisor, say). Who moves one on: the owner, a CS supervisor (SUPERVISE_FOLLOWUPS), the
manager of its department; "customer informed" also by any follow-up agent of the store (the CS
department tells the customer).
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.models import StoreMembership, User
from dealercare.accounts.roles import Capability, Role
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction

from .choices import Department, HandOffStatus
from .models import HandOff, HandOffUpdate

MSG_OWNER_NOT_IN_STORE = _("The owner must be a user of this store.")
MSG_DUE_IN_PAST = _("The due date cannot be in the past.")
MSG_TRANSITION = _("A hand-off that is %(current)s cannot become %(target)s.")
MSG_RESOLUTION_REQUIRED = _("Say how the problem was resolved.")
MSG_HANDOFF_CLOSED = _("The customer has been informed: this hand-off is closed.")
MSG_CUSTOMER_MISMATCH = _("The vehicle does not belong to this customer.")

# The roles that make up each department (DOMAIN §1), and its manager's.
DEPARTMENT_ROLES = {
    Department.SERVICE: (Role.SERVICE_MANAGER, Role.SERVICE_ADVISOR, Role.TECHNICIAN),
    Department.SALES: (Role.SALES_MANAGER, Role.SALES_CONSULTANT),
}
DEPARTMENT_MANAGERS = {
    Department.SERVICE: (Role.SERVICE_MANAGER, Role.GENERAL_MANAGER),
    Department.SALES: (Role.SALES_MANAGER, Role.GENERAL_MANAGER),
}

# Where a hand-off may go from each status (resolved may go back: not fixed after all).
TRANSITIONS = {
    HandOffStatus.OPEN: (HandOffStatus.IN_PROGRESS, HandOffStatus.RESOLVED),
    HandOffStatus.IN_PROGRESS: (HandOffStatus.RESOLVED,),
    HandOffStatus.RESOLVED: (HandOffStatus.CUSTOMER_INFORMED, HandOffStatus.IN_PROGRESS),
    HandOffStatus.CUSTOMER_INFORMED: (),
}


# --- reads ---------------------------------------------------------------------------------------


def handoffs_for_user(user):
    """The hand-offs `user` may see: the stores where they hold HANDLE_COMPLAINTS, and their own."""
    store_ids = access_for(user).store_ids(Capability.HANDLE_COMPLAINTS)
    return HandOff.objects.filter(Q(store_id__in=store_ids) | Q(owner_id=user.pk)).select_related(
        "store", "customer", "vehicle", "owner", "created_by", "task"
    )


def may_list_handoffs(user) -> bool:
    """Whether the hand-off list is for `user` at all (else 403)."""
    if access_for(user).has_anywhere(Capability.HANDLE_COMPLAINTS):
        return True
    return HandOff.objects.filter(owner_id=user.pk).exists()


def handoff_get(user, pk) -> HandOff:
    """One hand-off the user may see, or 404."""
    try:
        return handoffs_for_user(user).get(pk=pk)
    except (HandOff.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def user_departments(user) -> dict[int, set[str]]:
    """Per store id, the departments `user` belongs to by role (service or sales)."""
    departments: dict[int, set[str]] = {}
    for store_id, role in StoreMembership.objects.filter(user=user).values_list("store", "role"):
        for department, roles in DEPARTMENT_ROLES.items():
            if role in roles:
                departments.setdefault(store_id, set()).add(department)
    return departments


def handoff_list(user, *, scope="mine", status=""):
    """The hand-offs of one tab: "mine" (owned or created), "department" (the user's
    departments), "all" (the stores where the user supervises follow-ups); any other scope:
    every hand-off the user may see."""
    queryset = handoffs_for_user(user)
    if scope == "department":
        wanted = Q(pk__in=[])
        for store_id, departments in user_departments(user).items():
            wanted |= Q(store_id=store_id, department__in=departments)
        queryset = queryset.filter(wanted)
    elif scope == "all":
        queryset = queryset.filter(
            store_id__in=access_for(user).store_ids(Capability.SUPERVISE_FOLLOWUPS)
        )
    elif scope == "mine":
        queryset = queryset.filter(Q(owner_id=user.pk) | Q(created_by_id=user.pk))
    if status == "open":
        queryset = queryset.exclude(status=HandOffStatus.CUSTOMER_INFORMED)
    elif status in HandOffStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("due_on", "pk")


def owner_choices(store, department=None):
    """Users of `store` who may own a hand-off, the department's people first."""
    members = (
        StoreMembership.objects.filter(store=store, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    rows = [(m.user, m.role) for m in members]
    if department:
        roles = DEPARTMENT_ROLES.get(department, ())
        rows.sort(key=lambda row: row[1] not in roles)
    return rows


def handoff_updates(handoff):
    return handoff.updates.select_related("actor").order_by("at", "pk")


def allowed_targets(user, handoff) -> list[str]:
    """The statuses `user` may move `handoff` to now."""
    return [status for status in TRANSITIONS[handoff.status] if _may_move(user, handoff, status)]


def _is_department_manager(user, handoff) -> bool:
    roles = DEPARTMENT_MANAGERS.get(handoff.department, ())
    return StoreMembership.objects.filter(
        user=user, store_id=handoff.store_id, role__in=roles
    ).exists()


def _may_move(user, handoff, target) -> bool:
    access = access_for(user)
    if handoff.owner_id == user.pk or access.has(Capability.SUPERVISE_FOLLOWUPS, handoff.store_id):
        return True
    if target == HandOffStatus.CUSTOMER_INFORMED and access.has(
        Capability.WORK_FOLLOWUPS, handoff.store_id
    ):
        return True
    return _is_department_manager(user, handoff)


# --- writes --------------------------------------------------------------------------------------


def _store_member(user, store) -> bool:
    if user.is_group_admin and user.dealer_group_id == store.group_id:
        return True
    return StoreMembership.objects.filter(user=user, store=store).exists()


@transaction.atomic
def handoff_create(
    *,
    actor,
    customer,
    department,
    owner: User,
    due_on: date,
    description: str,
    task=None,
    vehicle=None,
    now: datetime | None = None,
) -> HandOff:
    """A follow-up agent hands a problem to a department; audited."""
    store = task.store if task is not None else customer.store
    access_for(actor).require(Capability.WORK_FOLLOWUPS, store.pk)
    now = now or timezone.now()
    if customer.store_id != store.pk:
        raise PermissionDenied(MSG_NO_PERMISSION)
    if vehicle is not None and vehicle.owner_id != customer.pk:
        raise ApplicationError(MSG_CUSTOMER_MISMATCH, extra={"field": "vehicle"})
    if owner is None or not owner.is_active or not _store_member(owner, store):
        raise ApplicationError(MSG_OWNER_NOT_IN_STORE, extra={"field": "owner"})
    if due_on < timezone.localtime(now, store.tzinfo).date():
        raise ApplicationError(MSG_DUE_IN_PAST, extra={"field": "due_on"})
    handoff = HandOff(
        store=store, task=task, customer=customer, vehicle=vehicle, department=department,
        owner=owner, due_on=due_on, description=(description or "").strip(), created_by=actor,
    )  # fmt: skip
    handoff.full_clean()
    handoff.save()
    HandOffUpdate.objects.create(
        handoff=handoff, at=now, actor=actor, status_to=HandOffStatus.OPEN,
        note=handoff.description,
    )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.CREATE, target=handoff,
        changes={"department": [None, department], "owner": [None, str(owner)],
                 "due_on": [None, str(due_on)]},
    )  # fmt: skip
    return handoff


@transaction.atomic
def handoff_move(*, actor, handoff, status, note: str = "", now: datetime | None = None) -> HandOff:
    """Move a hand-off on (in progress, resolved with the result, customer informed); audited."""
    now = now or timezone.now()
    handoff = HandOff.objects.select_for_update().get(pk=handoff.pk)
    if not handoffs_for_user(actor).filter(pk=handoff.pk).exists():
        raise PermissionDenied(MSG_NO_PERMISSION)
    target = HandOffStatus(status)
    if not handoff.is_open:
        raise ApplicationError(MSG_HANDOFF_CLOSED)
    if target not in TRANSITIONS[handoff.status]:
        raise ApplicationError(
            MSG_TRANSITION % {"current": handoff.get_status_display(), "target": target.label},
            extra={"field": "status"},
        )
    if not _may_move(actor, handoff, target):
        raise PermissionDenied(MSG_NO_PERMISSION)
    note = (note or "").strip()
    if target == HandOffStatus.RESOLVED and not note:
        raise ApplicationError(MSG_RESOLUTION_REQUIRED, extra={"field": "note"})
    before = handoff.status
    handoff.status = target
    if target == HandOffStatus.RESOLVED:
        handoff.resolution, handoff.resolved_at = note, now
    elif target == HandOffStatus.IN_PROGRESS:
        handoff.resolved_at = None
    elif target == HandOffStatus.CUSTOMER_INFORMED:
        handoff.informed_at = now
    handoff.full_clean()
    handoff.save()
    HandOffUpdate.objects.create(
        handoff=handoff, at=now, actor=actor, status_from=before, status_to=target, note=note
    )
    audit.record(
        actor=actor, action=AuditAction.UPDATE, target=handoff,
        changes={"status": [before, str(target)]}, reason=note[:500],
    )  # fmt: skip
    return handoff
