"""The demo's follow-up history: past-due tasks worked realistically and the same for a seed,
today's and future tasks left open for the queue."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from dealercare.demo.dataset import build_demo
from dealercare.followups import demo
from dealercare.followups.models import FollowUpAttempt, FollowUpTask

pytestmark = pytest.mark.django_db


def history(seed):
    """Build the archive and the history in a transaction that is rolled back; what came out."""
    with transaction.atomic():
        result = build_demo(customers=80, seed=3, now=timezone.now())
        summary = demo.build_history(group=result.group, seed=seed)
        tasks = list(FollowUpTask.objects.order_by("rule__code", "event_type", "event_id")
                     .values_list("status", "outcome", "satisfaction", "attempts_count"))  # fmt: skip
        statuses = dict(FollowUpTask.objects.values_list("status").annotate(n=Count("pk")))
        open_past = FollowUpTask.objects.filter(
            status="pending", due_at__lt=timezone.now() - dt.timedelta(days=1)
        ).count()
        worked_future = FollowUpTask.objects.filter(
            status__in=("done", "unreachable", "sms_sent"),
            due_at__gt=timezone.now() + dt.timedelta(days=1),
        ).count()
        attempts = FollowUpAttempt.objects.count()
        transaction.set_rollback(True)
    return summary, tasks, statuses, open_past, worked_future, attempts


def test_the_history_works_past_tasks_the_same_way_for_a_seed():
    summary, tasks, statuses, open_past, worked_future, attempts = history(seed=5)

    assert summary["Follow-up tasks created for the past year"] > 0
    assert summary["Follow-up calls recorded"] == attempts > 0
    calls_closed = statuses.get("done", 0) + statuses.get("unreachable", 0)
    assert statuses.get("done", 0) / calls_closed > 0.8  # most customers reached in the end
    assert open_past == 0  # nothing due before today is left open
    assert worked_future == 0  # tomorrow's work is left for the queue
    assert history(seed=5)[1] == tasks  # deterministic
