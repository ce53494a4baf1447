"""Writes of the CSI app: rollups, analysis settings, targets and action plans.

``rollup_add(response)`` is what the surveys service calls when it records a response (inside
its transaction, after the answers and the overall score are saved): the rollups then commit
or roll back with the answers. It is idempotent per response.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.models import StoreMembership
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction

from . import rollups
from .choices import PLAN_TRANSITIONS, PlanStatus
from .models import ActionPlan, ActionPlanUpdate, CsiSettings, CsiTarget

C = Capability

MSG_OWNER_NOT_IN_STORE = _("The owner must work in the plan's store.")
MSG_PERSON_NOT_IN_STORE = _("The person must work in the target's store.")
MSG_BAD_TRANSITION = _("A plan that is %(from)s cannot become %(to)s.")
MSG_NOT_OWNER = _("Only the plan's owner or a CS manager may update this plan.")
MSG_VERIFY = _("Only a CS manager may verify that a plan worked.")
MSG_UNKNOWN_FIELDS = _("Unknown fields: %(fields)s")


# --- rollups ----------------------------------------------------------------------------------


def rollup_add(response):
    """Add a saved response's answers to the rollups (no-op if already added)."""
    return rollups.add_responses([response])


def rollup_add_many(responses):
    """Add many saved responses at once (external imports, demo data)."""
    return rollups.add_responses(responses)


def rollup_remove(response):
    """Take a response's answers out of the rollups (before it is deleted or re-answered)."""
    return rollups.add_responses([response], sign=-1)


def rollup_rebuild(store_ids=None):
    """Recompute the rollups (of some stores) from the answers."""
    return rollups.rebuild(store_ids)


# --- settings ---------------------------------------------------------------------------------


def settings_for(store) -> CsiSettings:
    """The store's CSI settings (created with the defaults the first time)."""
    found, _created = CsiSettings.objects.get_or_create(store=store)
    return found


@transaction.atomic
def settings_update(*, actor, store, fields) -> CsiSettings:
    """Change a store's strength/weakness thresholds (MANAGE_SURVEYS); audited."""
    access_for(actor).require(C.MANAGE_SURVEYS, store)
    unknown = set(fields) - set(CsiSettings.EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(MSG_UNKNOWN_FIELDS % {"fields": ", ".join(sorted(unknown))})
    current = settings_for(store)
    before = audit.snapshot(current, CsiSettings.EDITABLE_FIELDS)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    changes = audit.field_changes(
        before, audit.snapshot(current, CsiSettings.EDITABLE_FIELDS), CsiSettings.EDITABLE_FIELDS
    )
    if changes:
        audit.record(
            actor=actor, action=AuditAction.SETTINGS, target=current, store=store, changes=changes
        )
    return current


# --- targets ----------------------------------------------------------------------------------


def _works_in(user, store):
    return StoreMembership.objects.filter(user=user, store=store).exists()


@transaction.atomic
def target_create(*, actor, store, fields) -> CsiTarget:
    """Set a target for a store, a role or a person (SET_CSI_TARGETS); audited."""
    access_for(actor).require(C.SET_CSI_TARGETS, store)
    unknown = set(fields) - set(CsiTarget.EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(MSG_UNKNOWN_FIELDS % {"fields": ", ".join(sorted(unknown))})
    target = CsiTarget(store=store, created_by=actor, **fields)
    target.full_clean()
    if target.person_id and not _works_in(target.person, store):
        raise ApplicationError(MSG_PERSON_NOT_IN_STORE)
    target.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        target=target,
        changes={k: [None, audit._plain(v)] for k, v in fields.items()},
    )
    return target


@transaction.atomic
def target_update(*, actor, target, fields) -> CsiTarget:
    """Change a target (SET_CSI_TARGETS); audited."""
    access_for(actor).require(C.SET_CSI_TARGETS, target.store_id)
    unknown = set(fields) - set(CsiTarget.EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(MSG_UNKNOWN_FIELDS % {"fields": ", ".join(sorted(unknown))})
    target = CsiTarget.objects.select_for_update().get(pk=target.pk)
    before = audit.snapshot(target, CsiTarget.EDITABLE_FIELDS)
    for name, value in fields.items():
        setattr(target, name, value)
    target.full_clean()
    if target.person_id and not _works_in(target.person, target.store_id):
        raise ApplicationError(MSG_PERSON_NOT_IN_STORE)
    target.save()
    changes = audit.field_changes(
        before, audit.snapshot(target, CsiTarget.EDITABLE_FIELDS), CsiTarget.EDITABLE_FIELDS
    )
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, target=target, changes=changes)
    return target


# --- action plans -----------------------------------------------------------------------------

PLAN_CREATE_FIELDS = (
    "kind", "business", "item_code", "item_text", "period_label", "finding_note",
    "cause_analysis", "measures", "owner", "due_date",
)  # fmt: skip


@transaction.atomic
def plan_create(*, actor, store, fields) -> ActionPlan:
    """Open an action plan for a strength or weakness (MANAGE_SURVEYS); audited."""
    access_for(actor).require(C.MANAGE_SURVEYS, store)
    unknown = set(fields) - set(PLAN_CREATE_FIELDS)
    if unknown:
        raise ApplicationError(MSG_UNKNOWN_FIELDS % {"fields": ", ".join(sorted(unknown))})
    plan = ActionPlan(store=store, created_by=actor, status=PlanStatus.OPEN, **fields)
    plan.full_clean()
    if not _works_in(plan.owner, store):
        raise ApplicationError(MSG_OWNER_NOT_IN_STORE)
    plan.save()
    ActionPlanUpdate.objects.create(plan=plan, actor=actor, status_to=PlanStatus.OPEN)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        target=plan,
        changes={
            "item": [None, plan.item_code],
            "owner": [None, str(plan.owner)],
            "due_date": [None, str(plan.due_date)],
        },  # fmt: skip
    )
    return plan


@transaction.atomic
def plan_update(*, actor, plan, fields) -> ActionPlan:
    """Edit a plan's cause analysis, measures, owner or due date (MANAGE_SURVEYS); audited."""
    access_for(actor).require(C.MANAGE_SURVEYS, plan.store_id)
    unknown = set(fields) - set(ActionPlan.EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(MSG_UNKNOWN_FIELDS % {"fields": ", ".join(sorted(unknown))})
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    before = audit.snapshot(plan, ActionPlan.EDITABLE_FIELDS)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    if not _works_in(plan.owner, plan.store_id):
        raise ApplicationError(MSG_OWNER_NOT_IN_STORE)
    plan.save()
    changes = audit.field_changes(
        before, audit.snapshot(plan, ActionPlan.EDITABLE_FIELDS), ActionPlan.EDITABLE_FIELDS
    )
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, target=plan, changes=changes)
    return plan


def can_progress(user, plan):
    """The owner (with CSI access) or a CS manager moves a plan along."""
    access = access_for(user)
    if access.has(C.MANAGE_SURVEYS, plan.store_id):
        return True
    return plan.owner_id == user.pk and access.has(C.VIEW_CSI, plan.store_id)


@transaction.atomic
def plan_progress(*, actor, plan, status=None, note="") -> ActionPlan:
    """Move a plan to ``status`` and/or add a progress note; verifying is the manager's."""
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    if not can_progress(actor, plan):
        raise ApplicationError(MSG_NOT_OWNER, code="forbidden")
    old = plan.status
    if status and status != old:
        status = PlanStatus(status)
        if status not in PLAN_TRANSITIONS[PlanStatus(old)]:
            raise ApplicationError(
                MSG_BAD_TRANSITION % {"from": PlanStatus(old).label, "to": status.label}
            )
        if status == PlanStatus.VERIFIED and not access_for(actor).has(
            C.MANAGE_SURVEYS, plan.store_id
        ):
            raise ApplicationError(MSG_VERIFY, code="forbidden")
        now = timezone.now()
        plan.status = status
        if status == PlanStatus.DONE:
            plan.done_at = now
        elif status == PlanStatus.VERIFIED:
            plan.verified_at, plan.verified_by = now, actor
        else:
            plan.done_at = None
        plan.save()
        audit.record(
            actor=actor, action=AuditAction.UPDATE, target=plan,
            changes={"status": [old, str(status)]}, reason=note,
        )  # fmt: skip
    elif not note.strip():
        raise ApplicationError(_("Choose a new status or write a note."))
    ActionPlanUpdate.objects.create(
        plan=plan, actor=actor, status_from=old if plan.status != old else "",
        status_to=plan.status if plan.status != old else "", note=note.strip(),
    )  # fmt: skip
    return plan
