"""A year of worked follow-ups for the demo (`manage.py seed_demo` calls build_history()).

The demo's deliveries and service visits are bulk-loaded; this first lets the sweep create the
tasks of the whole past year (the regular sweep only looks FOLLOWUP_LOOKBACK_DAYS back), then
works every task due before today as the store's agents would have: calls with outcomes (about
nine in ten customers reached in the end, some after a retry, some unreachable or a wrong
number), the satisfaction they said (mostly satisfied), notes (a few with a forbidden phrase),
a few calls late. SMS tasks were sent. Today's and future tasks stay open for the queue.
Deterministic for a seed; bulk writes only.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from dealercare.accounts.models import Store, StoreMembership
from dealercare.accounts.roles import Capability, capabilities_of
from dealercare.core.workdays import from_local, to_local

from . import services
from .choices import AttemptOutcome, CallSatisfaction, Channel, TaskOutcome, TaskStatus
from .models import FollowUpAttempt, FollowUpTask
from .scripts import forbidden_phrases_in

BATCH = 2000
NOTES = {
    "reached": (
        "客户对车辆很满意，无其他问题。", "客户表示使用正常，已提醒下次保养时间。",
        "客户询问保养周期，已解答。", "客户对服务顾问的讲解很满意。", "客户建议休息区增加充电口。",
        "客户反映空调有异味，已转服务部跟进。", "客户表示交车流程顺利。", "",
    ),
    "failed": ("无人接听。", "占线。", "客户在开会，稍后再打。", ""),
    # What agents must not say to a complaining customer (seed 000 §2.2); the supervisor sees it.
    "forbidden": ("客户说异响，我回答：真的吗？已转服务部。", "客户抱怨等待时间长，我说不可能这么久。",
                  "客户说漏油，问了一句你确定吗，之后已道歉。"),
}  # fmt: skip
SATISFACTION = (
    (CallSatisfaction.VERY_SATISFIED, 46),
    (CallSatisfaction.SATISFIED, 40),
    (CallSatisfaction.AVERAGE, 9),
    (CallSatisfaction.DISSATISFIED, 4),
    (CallSatisfaction.VERY_DISSATISFIED, 1),
)
NO_SATISFACTION_SHARE = 0.08  # reached, but the customer gave no judgement
FORBIDDEN_SHARE = 0.012
LATE_SHARE = 0.05


def build_history(*, group, seed: int = 1) -> dict:
    """Create the past year's tasks and work those due before today; returns counts."""
    rng = random.Random(f"followups-{seed}")
    now = timezone.now()
    stores = list(Store.objects.filter(group=group, is_active=True).order_by("pk"))
    created = 0
    for store in stores:
        result = services.sweep(store, since=now - datetime.timedelta(days=365), now=now)
        created += result.total
    totals = {"attempts": 0, "done": 0, "unreachable": 0, "sms": 0, "forbidden": 0}
    for store in stores:
        _work_store(store, rng, now, totals)
    return {
        "Follow-up tasks created for the past year": created,
        "Follow-up calls recorded": totals["attempts"],
        "Follow-ups done": totals["done"],
        "Follow-ups unreachable": totals["unreachable"],
        "Follow-up SMS sent": totals["sms"],
        "Notes with a forbidden phrase": totals["forbidden"],
    }


def _agents(store):
    """The store's people who work follow-ups: agents first (they make most calls)."""
    rows = StoreMembership.objects.filter(store=store, user__is_active=True).values_list(
        "user_id", "role"
    )
    agents = sorted(
        (role != "followup_agent", user_id)
        for user_id, role in rows
        if Capability.WORK_FOLLOWUPS in capabilities_of(role)
    )
    return [user_id for _, user_id in agents]


def _work_store(store, rng, now, totals):
    agents = _agents(store)
    if not agents:
        return
    # The agent makes most calls; the others help out.
    weights = [6] + [1] * (len(agents) - 1)
    tz = store.tzinfo
    # The start of the store's local day, as an aware instant (tasks due before it are worked).
    today = from_local(to_local(now, tz).replace(hour=0, minute=0, second=0, microsecond=0), tz)
    past_due = (
        FollowUpTask.objects.filter(
            store=store, status=TaskStatus.PENDING, due_at__lt=today, window_start__lt=now
        )
        .select_related("rule")
        .order_by("pk")
    )
    tasks, attempts = [], []
    for task in past_due.iterator(chunk_size=BATCH):
        agent = rng.choices(agents, weights)[0]
        if task.channel == Channel.SMS:
            _close(task, TaskStatus.SMS_SENT, TaskOutcome.SMS_SENT, None, task.window_start)
            totals["sms"] += 1
        else:
            attempts += _calls(task, agent, rng, totals)
        tasks.append(task)
        if len(tasks) >= BATCH:
            _flush(tasks, attempts)
            tasks, attempts = [], []
    _flush(tasks, attempts)


def _calls(task, agent, rng, totals) -> list[FollowUpAttempt]:
    """The calls of one past task and its closing, decided by the dice."""
    window = max(task.due_at - task.window_start, datetime.timedelta(hours=1))
    late = rng.random() < LATE_SHARE
    at = task.window_start + window * rng.uniform(0.05, 0.6)
    if late:
        at = task.due_at + datetime.timedelta(hours=rng.uniform(2, 40))
    roll = rng.random()
    max_attempts = task.rule.max_attempts
    if roll < 0.02:
        failures, final = 0, AttemptOutcome.WRONG_NUMBER
    elif roll < 0.08:
        failures, final = max_attempts, None  # never answered: unreachable
    elif roll < 0.09:
        failures, final = rng.randint(0, 1), AttemptOutcome.REFUSED
    else:
        failures = 0 if roll < 0.75 else (1 if roll < 0.93 else 2)
        failures = min(failures, max_attempts - 1)
        final = AttemptOutcome.REACHED
    made = []
    for _ in range(failures):
        outcome = rng.choice((AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY))
        made.append(_attempt(task, agent, at, outcome, rng.choice(NOTES["failed"])))
        at += datetime.timedelta(hours=rng.choice((1, 2, 3, 20)))
    if final is None:
        _close(task, TaskStatus.UNREACHABLE, TaskOutcome.MAX_ATTEMPTS, agent, made[-1].at)
        totals["unreachable"] += 1
    elif final == AttemptOutcome.WRONG_NUMBER:
        made.append(_attempt(task, agent, at, final, "号码错误，已请销售核实。"))
        _close(task, TaskStatus.UNREACHABLE, TaskOutcome.WRONG_NUMBER, agent, at)
        totals["unreachable"] += 1
    else:
        forbidden = final == AttemptOutcome.REACHED and rng.random() < FORBIDDEN_SHARE
        notes = rng.choice(NOTES["forbidden"] if forbidden else NOTES["reached"])
        made.append(_attempt(task, agent, at, final, notes))
        outcome = TaskOutcome.REACHED if final == AttemptOutcome.REACHED else TaskOutcome.REFUSED
        _close(task, TaskStatus.DONE, outcome, agent, at)
        if final == AttemptOutcome.REACHED and rng.random() >= NO_SATISFACTION_SHARE:
            levels, weights = zip(*SATISFACTION, strict=True)
            task.satisfaction = rng.choices(levels, weights)[0]
        totals["done"] += 1
        totals["forbidden"] += forbidden
    task.attempts_count = len(made)
    totals["attempts"] += len(made)
    return made


def _attempt(task, agent, at, outcome, notes):
    return FollowUpAttempt(
        task=task, agent_id=agent, at=at, outcome=outcome, notes=notes,
        forbidden_phrases=forbidden_phrases_in(notes),
    )  # fmt: skip


def _close(task, status, outcome, agent, at):
    task.status, task.outcome, task.closed_by_id, task.closed_at = status, outcome, agent, at
    task.updated_at = at


@transaction.atomic
def _flush(tasks, attempts):
    FollowUpTask.objects.bulk_update(
        tasks,
        ["status", "outcome", "closed_by", "closed_at", "satisfaction", "attempts_count",
         "updated_at"],
        batch_size=500,
    )  # fmt: skip
    FollowUpAttempt.objects.bulk_create(attempts, batch_size=1000)
