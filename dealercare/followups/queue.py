"""The agents' queue: claim the next task, record call attempts, release, assign (DOMAIN §3).

`claim_next()` hands each due task to one agent only. On PostgreSQL the candidate row is locked
with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent agents never wait on each other and never
get the same task; everywhere the claim itself is a conditional UPDATE (... WHERE status =
'pending') whose row count is checked, which on SQLite (one writer at a time: the project's
connections BEGIN IMMEDIATE) is the whole guarantee. See docs/adr/0005.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.core.workdays import DailyHours, from_local, to_local

from .choices import FAILED_OUTCOMES, AttemptOutcome, Channel, TaskOutcome, TaskStatus
from .conf import setting
from .models import FollowUpAttempt, FollowUpTask
from .rules import allowed_call_time, is_call_allowed
from .scripts import forbidden_phrases_in
from .services import MSG_TASK_CLOSED

MSG_CLAIMED_BY_OTHER = _("Another agent is working on this follow-up.")
MSG_ASSIGNED_TO_OTHER = _("This follow-up is assigned to another agent.")
MSG_SMS_TASK = _("This follow-up is sent by SMS, not called.")
MSG_CALL_BACK_TIME = _("Give a call-back time in the future.")
MSG_NOT_AN_AGENT = _("%(user)s cannot work follow-ups in this store.")
MSG_NOT_YOUR_CLAIM = _("You are not working on this follow-up.")

# Candidates a portable claim may lose to concurrent claims before it gives up for this call.
_MAX_CANDIDATES = 50

_CLAIM_CLEARED = {"claimed_by": None, "claimed_at": None, "claim_expires_at": None}


def claim_timeout() -> timedelta:
    return timedelta(minutes=setting("FOLLOWUP_CLAIM_TIMEOUT_MINUTES"))


def _calling_hours(store) -> DailyHours:
    return DailyHours(store.calling_hours_start, store.calling_hours_end)


def _working_stores(agent, store_ids) -> list[Store]:
    """The stores among `store_ids` (default: all) where `agent` may work follow-ups."""
    allowed = set(access_for(agent).store_ids(Capability.WORK_FOLLOWUPS))
    wanted = allowed if store_ids is None else set(store_ids)
    if not allowed or not wanted <= allowed:
        raise PermissionDenied(MSG_NO_PERMISSION)
    return list(Store.objects.filter(pk__in=wanted, is_active=True))


def claim_next(agent, store_ids=None, now: datetime | None = None) -> FollowUpTask | None:
    """Claim the most urgent task `agent` may call now, or return None when there is none.

    Tasks of the agent's stores (`store_ids`, default all of them) that are pending by phone,
    whose window has opened, owned by the agent or by nobody (the pool), in stores inside calling
    hours and of customers outside their quiet hours; the earliest due first (so overdue tasks
    lead), VIP customers first among tasks due at the same time, then the oldest. One call at a
    time: an agent who still holds a claim gets that task back. A claim lasts
    FOLLOWUP_CLAIM_TIMEOUT_MINUTES; an expired one returns to the pool.
    """
    now = now or timezone.now()
    stores = [
        store
        for store in _working_stores(agent, store_ids)
        if is_call_allowed(now, tz=store.tzinfo, calling_hours=_calling_hours(store))
    ]
    if not stores:
        return None
    # The wall-clock time in each store (for customers' quiet hours), grouped: usually one zone.
    local_times: dict[time, list[int]] = {}
    for store in stores:
        local_times.setdefault(to_local(now, store.tzinfo).time(), []).append(store.pk)
    claim = _claim_postgresql if connection.vendor == "postgresql" else _claim_portable
    pk = claim(agent, local_times, now, now + claim_timeout())
    return _claimed(pk) if pk is not None else None


def _claimed(pk) -> FollowUpTask:
    """A claimed task with what the call console shows."""
    return FollowUpTask.objects.select_related("customer", "vehicle", "rule", "store").get(pk=pk)


def _outside_quiet_hours(local_time: time) -> Q:
    """Tasks whose customer has no quiet hours covering `local_time` (store wall clock)."""
    start, end = "customer__quiet_hours_start", "customer__quiet_hours_end"
    inside = Q(**{f"{start}__lt": F(end), f"{start}__lte": local_time, f"{end}__gt": local_time})
    # Quiet hours such as 22:00-08:00 wrap past midnight.
    inside_wrapping = Q(**{f"{start}__gt": F(end)}) & (
        Q(**{f"{start}__lte": local_time}) | Q(**{f"{end}__gt": local_time})
    )
    no_quiet_hours = Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__isnull": True})
    return no_quiet_hours | ~(inside | inside_wrapping)


def _claimable(agent, local_times, now):
    """The queue of `agent` in the stores of `local_times`, in claim order."""
    in_stores = Q(pk__in=[])
    for local_time, store_ids in local_times.items():
        in_stores |= Q(store_id__in=store_ids) & _outside_quiet_hours(local_time)
    return (
        FollowUpTask.objects.filter(
            in_stores, status=TaskStatus.PENDING, channel=Channel.PHONE, window_start__lte=now
        )
        .filter(Q(owner__isnull=True) | Q(owner=agent))
        .order_by("due_at", "priority", "pk")
    )


def _claim_portable(agent, local_times, now, expires) -> int | None:
    """Claim with a conditional UPDATE whose row count is checked (any database; on SQLite the
    IMMEDIATE transaction makes each attempt the only writer)."""
    store_ids = [pk for pks in local_times.values() for pk in pks]
    release_expired_claims(now=now, store_ids=store_ids)
    held = FollowUpTask.objects.filter(
        claimed_by=agent, status=TaskStatus.CLAIMED, store_id__in=store_ids
    )
    pk = held.order_by("due_at", "priority", "pk").values_list("pk", flat=True).first()
    if pk is not None:
        held.filter(pk=pk).update(claim_expires_at=expires, updated_at=now)
        return pk
    queue = _claimable(agent, local_times, now).values_list("pk", flat=True)
    for _attempt in range(_MAX_CANDIDATES):
        with transaction.atomic():
            pk = queue.first()
            if pk is None:
                return None
            claimed = FollowUpTask.objects.filter(pk=pk, status=TaskStatus.PENDING).update(
                status=TaskStatus.CLAIMED, claimed_by=agent, claimed_at=now,
                claim_expires_at=expires, updated_at=now,
            )  # fmt: skip
            if claimed:
                return pk
    return None


# PostgreSQL: two statements, each atomic on its own, written out (no ORM compilation on the
# hot path). The first returns expired claims to the pool. The second renews and returns a claim
# the agent still holds, or else claims the first claimable row, locked with FOR UPDATE SKIP
# LOCKED: concurrent claimers skip it instead of waiting, and the UPDATE re-checks status on the
# row it locked. Quiet hours are read on each store's wall clock (%(local_times)s, aligned with
# %(stores)s), as in _claimable(), which the portable path uses.
_RELEASE_SQL = """
UPDATE followups_followuptask SET status = 'pending', claimed_by_id = NULL, claimed_at = NULL,
                                  claim_expires_at = NULL, updated_at = %(now)s
WHERE id IN (
    SELECT id FROM followups_followuptask
    WHERE status = 'claimed' AND claim_expires_at <= %(now)s
      AND store_id = ANY(%(stores)s::bigint[])
    LIMIT 100 FOR UPDATE SKIP LOCKED
)
"""
_CLAIM_SQL = """
WITH held AS (
    UPDATE followups_followuptask SET claim_expires_at = %(expires)s, updated_at = %(now)s
    WHERE id = (
        SELECT id FROM followups_followuptask
        WHERE claimed_by_id = %(agent)s AND status = 'claimed'
          AND store_id = ANY(%(stores)s::bigint[])
        ORDER BY due_at, priority, id LIMIT 1
    )
    RETURNING id
),
candidate AS (
    SELECT t.id FROM followups_followuptask t
    JOIN customers_customer c ON c.id = t.customer_id
    CROSS JOIN LATERAL (
        SELECT (%(local_times)s::time[])[
            array_position(%(stores)s::bigint[], t.store_id::bigint)
        ] AS local_time
    ) store_clock
    WHERE t.status = 'pending' AND t.channel = 'phone' AND t.window_start <= %(now)s
      AND t.store_id = ANY(%(stores)s::bigint[])
      AND (t.owner_id IS NULL OR t.owner_id = %(agent)s)
      AND NOT COALESCE(
          (c.quiet_hours_start < c.quiet_hours_end
           AND store_clock.local_time >= c.quiet_hours_start
           AND store_clock.local_time < c.quiet_hours_end)
          OR (c.quiet_hours_start > c.quiet_hours_end
              AND (store_clock.local_time >= c.quiet_hours_start
                   OR store_clock.local_time < c.quiet_hours_end)),
          FALSE)
    ORDER BY t.due_at, t.priority, t.id
    LIMIT 1
    FOR UPDATE OF t SKIP LOCKED
),
claimed AS (
    UPDATE followups_followuptask SET status = 'claimed', claimed_by_id = %(agent)s,
                                      claimed_at = %(now)s, claim_expires_at = %(expires)s,
                                      updated_at = %(now)s
    WHERE NOT EXISTS (SELECT 1 FROM held) AND status = 'pending'
      AND id = (SELECT id FROM candidate)
    RETURNING id
)
SELECT id FROM held UNION ALL SELECT id FROM claimed
"""


def _claim_postgresql(agent, local_times, now, expires) -> int | None:
    """Claim with SELECT ... FOR UPDATE SKIP LOCKED (see _CLAIM_SQL): two round trips."""
    stores, clocks = [], []
    for local_time, store_ids in local_times.items():
        stores += store_ids
        clocks += [local_time] * len(store_ids)
    params = {
        "now": now, "expires": expires, "agent": agent.pk, "stores": stores,
        "local_times": clocks,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_RELEASE_SQL, params)
        cursor.execute(_CLAIM_SQL, params)
        row = cursor.fetchone()
    return row[0] if row else None


def release_expired_claims(*, now: datetime | None = None, store_ids=None, limit=1000) -> int:
    """Return claims past their expiry to the pool; returns how many were released."""
    now = now or timezone.now()
    expired = FollowUpTask.objects.filter(status=TaskStatus.CLAIMED, claim_expires_at__lte=now)
    if store_ids is not None:
        expired = expired.filter(store_id__in=store_ids)
    with transaction.atomic():
        pks = list(
            expired.select_for_update(skip_locked=True)
            .order_by("claim_expires_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not pks:
            return 0
        return expired.filter(pk__in=pks).update(
            status=TaskStatus.PENDING, updated_at=now, **_CLAIM_CLEARED
        )


@transaction.atomic
def release(*, task, agent, now: datetime | None = None) -> FollowUpTask:
    """The agent hands a claimed task back to the pool without calling (skip)."""
    access_for(agent).require(Capability.WORK_FOLLOWUPS, task.store_id)
    now = now or timezone.now()
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.CLAIMED or task.claimed_by_id != agent.pk:
        raise ApplicationError(MSG_NOT_YOUR_CLAIM)
    task.status = TaskStatus.PENDING
    for name, value in _CLAIM_CLEARED.items():
        setattr(task, name, value)
    task.save()
    return task


@transaction.atomic
def record_attempt(
    *,
    task,
    agent,
    outcome,
    notes: str = "",
    call_back_at: datetime | None = None,
    now: datetime | None = None,
) -> FollowUpAttempt:
    """Record one call of `task` and move the task on.

    Reached or refused closes it as done, a wrong number as unreachable; "call back at" reopens
    it for the agent from that time; no answer and busy retry after FOLLOWUP_RETRY_MINUTES until
    the rule's max attempts (default 3), then close it as unreachable. Forbidden phrases in the
    notes are stored on the attempt (the console flags them, supervisors count them).
    """
    access = access_for(agent)
    access.require(Capability.WORK_FOLLOWUPS, task.store_id)
    now = now or timezone.now()
    outcome = AttemptOutcome(outcome)
    task = (
        FollowUpTask.objects.select_for_update(of=("self",))
        .select_related("rule", "store", "customer")
        .get(pk=task.pk)
    )
    if not task.is_open:
        raise ApplicationError(MSG_TASK_CLOSED)
    if task.channel != Channel.PHONE:
        raise ApplicationError(MSG_SMS_TASK)
    supervisor = access.has(Capability.SUPERVISE_FOLLOWUPS, task.store_id)
    claimed_by_other = (
        task.status == TaskStatus.CLAIMED
        and task.claimed_by_id != agent.pk
        and task.claim_expires_at > now
    )
    if claimed_by_other and not supervisor:
        raise ApplicationError(MSG_CLAIMED_BY_OTHER)
    if task.owner_id not in (None, agent.pk) and not supervisor:
        raise ApplicationError(MSG_ASSIGNED_TO_OTHER)
    if outcome == AttemptOutcome.CALL_BACK and (call_back_at is None or call_back_at <= now):
        raise ApplicationError(MSG_CALL_BACK_TIME, extra={"field": "call_back_at"})

    attempt = FollowUpAttempt.objects.create(
        task=task, agent=agent, at=now, outcome=outcome, notes=notes,
        call_back_at=call_back_at if outcome == AttemptOutcome.CALL_BACK else None,
        forbidden_phrases=forbidden_phrases_in(notes),
    )  # fmt: skip
    task.attempts_count += 1
    task.status = TaskStatus.PENDING
    for name, value in _CLAIM_CLEARED.items():
        setattr(task, name, value)

    closing = {
        AttemptOutcome.REACHED: (TaskStatus.DONE, TaskOutcome.REACHED),
        AttemptOutcome.REFUSED: (TaskStatus.DONE, TaskOutcome.REFUSED),
        AttemptOutcome.WRONG_NUMBER: (TaskStatus.UNREACHABLE, TaskOutcome.WRONG_NUMBER),
    }
    if outcome in closing:
        _close(task, *closing[outcome], agent, now)
    elif outcome == AttemptOutcome.CALL_BACK:
        # The customer asked for this time: the agent who promised calls back, and the task is
        # not late before then.
        task.window_start, task.owner = call_back_at, agent
        task.due_at = max(task.due_at, _end_of_calling_day(call_back_at, task.store))
    elif task.attempts.filter(outcome__in=FAILED_OUTCOMES).count() >= task.rule.max_attempts:
        _close(task, TaskStatus.UNREACHABLE, TaskOutcome.MAX_ATTEMPTS, agent, now)
    else:
        task.window_start = _retry_time(task, now)
    task.save(update_fields=_ATTEMPT_FIELDS)
    return attempt


# What an attempt may change on its task.
_ATTEMPT_FIELDS = (
    "status", "outcome", "closed_at", "closed_by", "attempts_count", "window_start", "due_at",
    "owner", "claimed_by", "claimed_at", "claim_expires_at", "updated_at",
)  # fmt: skip


def _close(task, status, outcome, agent, now) -> None:
    task.status, task.outcome, task.closed_at, task.closed_by = status, outcome, now, agent


def _end_of_calling_day(moment: datetime, store) -> datetime:
    """The end of calling hours on the store-local day of `moment` (never before `moment`)."""
    local = to_local(moment, store.tzinfo)
    end = from_local(datetime.combine(local.date(), store.calling_hours_end), store.tzinfo)
    return max(end, moment)


def _retry_time(task, now) -> datetime:
    """When to try again after no answer or busy: the retry delay, moved into allowed hours."""
    customer, store = task.customer, task.store
    quiet = None
    if customer.quiet_hours_start is not None and customer.quiet_hours_end is not None:
        quiet = (customer.quiet_hours_start, customer.quiet_hours_end)
    later = now + timedelta(minutes=setting("FOLLOWUP_RETRY_MINUTES"))
    allowed = allowed_call_time(
        later, tz=store.tzinfo, calling_hours=_calling_hours(store), quiet_hours=quiet
    )
    return allowed or later


@transaction.atomic
def assign(*, task, agent, by) -> FollowUpTask:
    """A supervisor gives an open task to `agent` (None: back to the pool); any claim ends."""
    access_for(by).require(Capability.SUPERVISE_FOLLOWUPS, task.store_id)
    if agent is not None and not access_for(agent).has(Capability.WORK_FOLLOWUPS, task.store_id):
        raise ApplicationError(MSG_NOT_AN_AGENT % {"user": agent}, extra={"field": "agent"})
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if not task.is_open:
        raise ApplicationError(MSG_TASK_CLOSED)
    before = task.owner
    task.owner = agent
    if task.status == TaskStatus.CLAIMED and task.claimed_by_id != getattr(agent, "pk", None):
        task.status = TaskStatus.PENDING
        for name, value in _CLAIM_CLEARED.items():
            setattr(task, name, value)
    task.save()
    if before != agent:
        audit.record(
            actor=by, action=AuditAction.UPDATE, target=task,
            changes={"owner": [str(before) if before else None, str(agent) if agent else None]},
        )  # fmt: skip
    return task
