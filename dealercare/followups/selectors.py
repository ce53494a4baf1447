"""Reads of follow-up rules, tasks and attempts, always scoped to the user's stores."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability

from .choices import OPEN_STATUSES, Channel, TaskStatus
from .models import FollowUpAttempt, FollowUpRule, FollowUpTask


def rules_for_user(user, capability=Capability.WORK_FOLLOWUPS):
    """The follow-up rules of the stores where `user` holds `capability`."""
    store_ids = access_for(user).store_ids(capability)
    return FollowUpRule.objects.filter(store_id__in=store_ids).select_related("store")


def tasks_for_user(user, capability=Capability.WORK_FOLLOWUPS):
    """Follow-up tasks of the stores where `user` holds `capability`."""
    store_ids = access_for(user).store_ids(capability)
    return FollowUpTask.objects.filter(store_id__in=store_ids).select_related(
        "customer", "vehicle", "rule", "store", "owner", "claimed_by"
    )


def task_get(user, pk) -> FollowUpTask:
    """One task the user may work, or 404 (never a 403 that tells another store's task exists)."""
    try:
        return tasks_for_user(user).get(pk=pk)
    except (FollowUpTask.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def task_attempts(task):
    """The calls of a task, newest first."""
    return task.attempts.select_related("agent").order_by("-at", "-id")


def agent_open_tasks(agent):
    """The open tasks an agent holds or owns, the earliest due first."""
    store_ids = access_for(agent).store_ids(Capability.WORK_FOLLOWUPS)
    return (
        FollowUpTask.objects.filter(store_id__in=store_ids, status__in=OPEN_STATUSES)
        .filter(Q(owner=agent) | Q(claimed_by=agent))
        .select_related("customer", "vehicle", "rule")
        .order_by("due_at", "priority", "pk")
    )


def queue_summary(user, *, store_ids=None, now: datetime | None = None) -> dict[str, int]:
    """Counts of the open work in the supervisor's stores: due now, overdue, later, in progress,
    and SMS waiting to go."""
    now = now or timezone.now()
    allowed = access_for(user).store_ids(Capability.SUPERVISE_FOLLOWUPS)
    wanted = allowed if store_ids is None else [s for s in store_ids if s in allowed]
    open_tasks = FollowUpTask.objects.filter(store_id__in=wanted, status__in=OPEN_STATUSES)
    pending_calls = Q(status=TaskStatus.PENDING, channel=Channel.PHONE)
    return open_tasks.aggregate(
        due_now=Count("pk", filter=pending_calls & Q(window_start__lte=now, due_at__gte=now)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        later=Count("pk", filter=pending_calls & Q(window_start__gt=now)),
        in_progress=Count("pk", filter=Q(status=TaskStatus.CLAIMED)),
        sms_waiting=Count("pk", filter=Q(status=TaskStatus.PENDING, channel=Channel.SMS)),
    )


def agent_load(user, *, store_ids=None, now: datetime | None = None) -> list[dict]:
    """Per agent (owner or claimer) in the supervisor's stores: open tasks assigned, in progress
    and overdue; the pool is the row with agent None."""
    now = now or timezone.now()
    allowed = access_for(user).store_ids(Capability.SUPERVISE_FOLLOWUPS)
    wanted = allowed if store_ids is None else [s for s in store_ids if s in allowed]
    open_tasks = FollowUpTask.objects.filter(store_id__in=wanted, status__in=OPEN_STATUSES)
    rows = {}
    for row in open_tasks.values("owner").annotate(
        assigned=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    ):
        rows[row["owner"]] = {"agent": row["owner"], "assigned": row["assigned"],
                              "overdue": row["overdue"], "in_progress": 0}  # fmt: skip
    for row in (
        open_tasks.filter(status=TaskStatus.CLAIMED)
        .values("claimed_by")
        .annotate(in_progress=Count("pk"))
    ):
        entry = rows.setdefault(
            row["claimed_by"],
            {"agent": row["claimed_by"], "assigned": 0, "overdue": 0, "in_progress": 0},
        )
        entry["in_progress"] = row["in_progress"]
    return sorted(rows.values(), key=lambda r: (r["agent"] is None, r["agent"] or 0))


def forbidden_phrase_counts(
    user, *, since: datetime | None = None, until: datetime | None = None
) -> dict[int | None, Counter]:
    """For the supervisor: per agent id, how often each forbidden phrase appeared in notes."""
    store_ids = access_for(user).store_ids(Capability.SUPERVISE_FOLLOWUPS)
    attempts = FollowUpAttempt.objects.filter(task__store_id__in=store_ids).exclude(
        forbidden_phrases=[]
    )
    if since is not None:
        attempts = attempts.filter(at__gte=since)
    if until is not None:
        attempts = attempts.filter(at__lt=until)
    counts: dict[int | None, Counter] = {}
    for agent_id, phrases in attempts.values_list("agent_id", "forbidden_phrases"):
        counts.setdefault(agent_id, Counter()).update(phrases)
    return counts
