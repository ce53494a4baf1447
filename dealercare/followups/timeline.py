"""Follow-up tasks and hand-offs on the customer 360 timeline (customers.timeline, contract 5)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.customers.timeline import TimelineEntry, register

from .models import FollowUpTask, HandOff


@register
def followup_tasks(customer, user):
    """Each task of the customer that somebody acted on or that is open, with its outcome."""
    access = access_for(user)
    if not access.has(Capability.VIEW_CUSTOMERS, customer.store_id):
        return
    may_work = access.has(Capability.WORK_FOLLOWUPS, customer.store_id)
    tasks = FollowUpTask.objects.filter(customer=customer).prefetch_related("attempts")
    for task in tasks:
        notes = next((a.notes for a in task.attempts.all() if a.notes), "")
        detail = [task.get_status_display()]
        if task.outcome:
            detail.append(task.get_outcome_display())
        if task.satisfaction:
            detail.append(task.get_satisfaction_display())
        if task.attempts_count:
            detail.append(_("%(n)s attempts") % {"n": task.attempts_count})
        if notes:
            detail.append(notes[:80])
        yield TimelineEntry(
            at=task.closed_at or task.window_start, kind="followup", label=_("Follow-up"),
            title=task.get_kind_display(), detail=" · ".join(map(str, detail)),
            url=reverse("followups:console", args=[task.pk]) if may_work else "",
        )  # fmt: skip


@register
def handoffs(customer, user):
    """Problems handed to a department, until the customer was told the result."""
    access = access_for(user)
    if not access.has(Capability.VIEW_CUSTOMERS, customer.store_id):
        return
    may_open = access.has(Capability.HANDLE_COMPLAINTS, customer.store_id)
    for handoff in HandOff.objects.filter(customer=customer).select_related("owner"):
        yield TimelineEntry(
            at=handoff.created_at, kind="handoff", label=_("Hand-off"),
            title=f"{handoff.get_department_display()}: {handoff.description[:60]}",
            detail=" · ".join([str(handoff.owner), handoff.get_status_display()]),
            url=reverse("followups:handoff-detail", args=[handoff.pk])
            if may_open or handoff.owner_id == user.pk else "",
        )  # fmt: skip
