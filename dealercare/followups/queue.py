"""The agents' queue: claim the next task, record call attempts, release, assign (DOMAIN §3).

`claim_next()` hands each due task to one agent only. On PostgreSQL the candidate row is locked
with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent agents never wait on each other and never
get the same task; everywhere the claim itself is a conditional UPDATE (... WHERE status =
'pending') whose row count is checked, which on SQLite (one writer at a time: the project's
connections BEGIN IMMEDIATE) is the whole guarantee. See docs/adr/0005.
"""

from __future__ import annotations

import functools
from datetime import datetime, time, timedelta

import psycopg
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

from .choices import (
    FAILED_OUTCOMES,
    AttemptOutcome,
    CallSatisfaction,
    Channel,
    TaskOutcome,
    TaskStatus,
)
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
MSG_SATISFACTION_ONLY_REACHED = _("Satisfaction is recorded only when the customer was reached.")
MSG_SATISFACTION_UNKNOWN = _("Choose one of the satisfaction levels.")
MSG_STOP_CALLS_ONLY_REFUSED = _(
    "Only a customer who refused the call can be taken off calls; choose “Refused the call”."
)

# Candidates a portable claim may lose to concurrent claims before it gives up for this call.
_MAX_CANDIDATES = 50

_CLAIM_CLEARED = {"claimed_by": None, "claimed_at": None, "claim_expires_at": None}


def claim_timeout() -> timedelta:
    return timedelta(minutes=setting("FOLLOWUP_CLAIM_TIMEOUT_MINUTES"))


def _calling_hours(store) -> DailyHours:
    return DailyHours(store.calling_hours_start, store.calling_hours_end)


def _working_store_ids(agent, store_ids) -> list[int]:
    """The ids among `store_ids` (default: all) of the stores where `agent` may work follow-ups
    (no query: the agent's access is read once and cached on the user)."""
    allowed = set(access_for(agent).store_ids(Capability.WORK_FOLLOWUPS))
    wanted = allowed if store_ids is None else set(store_ids)
    if not allowed or not wanted <= allowed:
        raise PermissionDenied(MSG_NO_PERMISSION)
    return sorted(wanted)


def _working_stores(agent, store_ids) -> list[Store]:
    """The active stores among `store_ids` (default: all) where `agent` may work follow-ups."""
    return list(Store.objects.filter(pk__in=_working_store_ids(agent, store_ids), is_active=True))


def claim_next(agent, store_ids=None, now: datetime | None = None) -> FollowUpTask | None:
    """Claim the most urgent task `agent` may call now, or return None when there is none.

    Tasks of the agent's stores (`store_ids`, default all of them) that are pending by phone,
    whose window has opened, owned by the agent or by nobody (the pool), in stores inside calling
    hours and of customers outside their quiet hours; the earliest due first (so overdue tasks
    lead), VIP customers first among tasks due at the same time, then the oldest. One call at a
    time: an agent who still holds a claim gets that task back. A claim lasts
    FOLLOWUP_CLAIM_TIMEOUT_MINUTES; an expired one returns to the pool. The task comes with its
    customer, vehicle, rule and store (what the call console shows).
    """
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # Stores, calling hours and wall clocks are read inside the one claiming round trip.
        wanted = _working_store_ids(agent, store_ids)
        return _claim_postgresql(agent, wanted, now, now + claim_timeout())
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
    pk = _claim_portable(agent, local_times, now, now + claim_timeout())
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


# PostgreSQL: two prepared statements, written out: no ORM compilation, no model queries and
# (once per connection) no planning on the hot path. The first returns
# expired claims to the pool (before the second runs, so a released task can be claimed at
# once). The second, one statement: the agent's stores that are inside calling hours now, with
# each store's wall clock (for quiet hours), computed by the database from the stores' time
# zones; then renew and return a claim the agent still holds ("one call at a time"), or else
# claim the first claimable row, locked with FOR UPDATE SKIP LOCKED (concurrent claimers skip it
# instead of waiting; the UPDATE re-checks its status); and return the task joined with its
# customer, vehicle, rule and store, which _console_task() turns into model instances as
# select_related() would. The stores travel as one array (an InitPlan), so the candidate scan
# stays an index scan of the queue index that stops at the first claimable row.
#
# A claim is a lease, not a record: when the claim runs in its own transaction (autocommit, as
# in the views and the API), `lease` makes its commit asynchronous (synchronous_commit off for
# this transaction only), so the agent does not wait for the WAL flush. A crash can lose at most
# the last fraction of a second of claims; those tasks are then simply pending again, exactly as
# if their claims had expired, and nothing the agent records is lost (record_attempt accepts a
# pending task). Visibility and locking are unchanged: no other agent can see the task as
# pending once the claim has committed. Inside a caller's transaction the claim is not made
# asynchronous, since that would apply to everything the caller commits.
_LEASE_CTE = "lease AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true)),\n"
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
WITH {lease}calling AS MATERIALIZED (
    SELECT COALESCE(array_agg(s.id), '{{}}') AS ids, array_agg(clock.local_time) AS clocks
    FROM accounts_store s
    CROSS JOIN LATERAL (
        SELECT (%(now)s::timestamptz AT TIME ZONE s.timezone)::time AS local_time
    ) clock
    {lease_join}WHERE s.id = ANY(%(stores)s::bigint[]) AND s.is_active
      AND clock.local_time >= s.calling_hours_start AND clock.local_time < s.calling_hours_end
),
held AS (
    UPDATE followups_followuptask SET claim_expires_at = %(expires)s, updated_at = %(now)s
    WHERE id = (
        SELECT id FROM followups_followuptask
        WHERE claimed_by_id = %(agent)s AND status = 'claimed'
          AND store_id = ANY((SELECT ids FROM calling)::bigint[])
        ORDER BY due_at, priority, id LIMIT 1
    )
    RETURNING {task_columns}
),
candidate AS (
    SELECT t.id FROM followups_followuptask t
    JOIN customers_customer c ON c.id = t.customer_id
    CROSS JOIN LATERAL (
        SELECT k.clocks[array_position(k.ids, t.store_id::bigint)] AS local_time FROM calling k
    ) store_clock
    WHERE t.status = 'pending' AND t.channel = 'phone' AND t.window_start <= %(now)s
      AND t.store_id = ANY((SELECT ids FROM calling)::bigint[])
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
    RETURNING {task_columns}
),
got AS (SELECT * FROM held UNION ALL SELECT * FROM claimed)
SELECT got.*, {related_columns}
FROM got
JOIN customers_customer c ON c.id = got.customer_id
LEFT JOIN customers_vehicle v ON v.id = got.vehicle_id
JOIN followups_followuprule r ON r.id = got.rule_id
JOIN accounts_store s ON s.id = got.store_id
"""


@functools.cache
def _console_query():
    """The claim statement with its column lists, and how to cut a row into model instances."""
    from dealercare.customers.models import Customer, Vehicle

    from .models import FollowUpRule

    def columns(model, alias):
        return [f"{alias}.{connection.ops.quote_name(f.column)}"
                for f in model._meta.concrete_fields]  # fmt: skip

    related = (("customer", Customer, "c"), ("vehicle", Vehicle, "v"),
               ("rule", FollowUpRule, "r"), ("store", Store, "s"))  # fmt: skip
    task_columns = ", ".join(
        connection.ops.quote_name(f.column) for f in FollowUpTask._meta.concrete_fields
    )
    related_columns = ", ".join(col for _, model, alias in related
                                for col in columns(model, alias))  # fmt: skip
    claim_sql = {
        lease: _CLAIM_SQL.format(
            task_columns=task_columns,
            related_columns=related_columns,
            lease=_LEASE_CTE if lease else "",
            lease_join="CROSS JOIN lease " if lease else "",
        )  # fmt: skip
        for lease in (True, False)
    }
    return (
        _RELEASE_SQL,
        claim_sql,
        [(name, model, len(model._meta.concrete_fields)) for name, model, _ in related],
    )


def _console_task(row, related) -> FollowUpTask:
    """A claimed task from its row, with customer, vehicle, rule and store attached."""
    width = len(FollowUpTask._meta.concrete_fields)
    task = FollowUpTask.from_db(connection.alias, None, row[:width])
    offset = width
    for name, model, count in related:
        values = row[offset : offset + count]
        offset += count
        instance = model.from_db(connection.alias, None, values) if values[0] is not None else None
        FollowUpTask._meta.get_field(name).set_cached_value(task, instance)
    return task


def _claim_postgresql(agent, store_ids, now, expires) -> FollowUpTask | None:
    """Claim in two prepared statements on the same connection (see _CLAIM_SQL, _LEASE_CTE).

    Planning the claim takes a few milliseconds, more than running it. Django binds parameters
    on the client and turns psycopg's prepared statements off (prepare_threshold None, for
    connection poolers), so PostgreSQL would plan it on every call. Here psycopg's preparing is
    switched on for these two statements only: they are prepared once per connection, with
    one generic plan for any parameters (FOLLOWUP_CLAIM_PREPARED turns this off). Both
    statements run in the caller's transaction, if any.
    """
    release_sql, claim_sql, related = _console_query()
    params = {"now": now, "expires": expires, "agent": agent.pk, "stores": store_ids}
    # A lease only when the claim commits on its own (see _LEASE_CTE).
    lease = connection.get_autocommit() and not connection.in_atomic_block
    connection.ensure_connection()
    raw = connection.connection
    prepared = setting("FOLLOWUP_CLAIM_PREPARED")
    threshold = raw.prepare_threshold
    with psycopg.Cursor(raw) as cursor:
        try:
            if prepared:
                raw.prepare_threshold = threshold if threshold is not None else 5
                if not getattr(raw, "_followups_claim_ready", False):
                    # One generic plan, whatever the parameters: a custom plan per call costs
                    # more than the claim. Only prepared statements read this setting, and
                    # Django's own queries are not prepared.
                    cursor.execute(
                        "SELECT set_config('plan_cache_mode', 'force_generic_plan', false)"
                    )
                    raw._followups_claim_ready = True
            cursor.execute(release_sql, params, prepare=prepared)
            cursor.execute(claim_sql[lease], params, prepare=prepared)
            row = cursor.fetchone()
        finally:
            raw.prepare_threshold = threshold
    return _console_task(row, related) if row else None


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
    satisfaction: str = "",
    stop_calls: bool = False,
    now: datetime | None = None,
) -> FollowUpAttempt:
    """Record one call of `task` and move the task on.

    Reached or refused closes it as done, a wrong number as unreachable; "call back at" reopens
    it for the agent from that time; no answer and busy retry after FOLLOWUP_RETRY_MINUTES until
    the rule's max attempts (default 3), then close it as unreachable. Forbidden phrases in the
    notes are stored on the attempt (the console flags them, supervisors count them). On a
    reached call, `satisfaction` (choices.CallSatisfaction, optional) is what the customer said:
    it goes on the task for the follow-up statistics' satisfied rate.

    `stop_calls` (refused only): the customer asks not to be called again. Their phone consent
    is withdrawn (recorded and audited as said on this call), and they get the SMS variant
    instead (DOMAIN §3): this follow-up and their other pending calls go by SMS, or are
    cancelled for lack of consent when they take no SMS either (or have no mobile number).
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
    if satisfaction and satisfaction not in CallSatisfaction.values:
        raise ApplicationError(MSG_SATISFACTION_UNKNOWN, extra={"field": "satisfaction"})
    if satisfaction and outcome != AttemptOutcome.REACHED:
        raise ApplicationError(MSG_SATISFACTION_ONLY_REACHED, extra={"field": "satisfaction"})
    if stop_calls and outcome != AttemptOutcome.REFUSED:
        raise ApplicationError(MSG_STOP_CALLS_ONLY_REFUSED, extra={"field": "stop_calls"})

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
        if outcome == AttemptOutcome.REACHED:
            task.satisfaction = satisfaction
    elif outcome == AttemptOutcome.CALL_BACK:
        # The customer asked for this time: the agent who promised calls back, and the task is
        # not late before then.
        task.window_start, task.owner = call_back_at, agent
        task.due_at = max(task.due_at, _end_of_calling_day(call_back_at, task.store))
    elif task.attempts.filter(outcome__in=FAILED_OUTCOMES).count() >= task.rule.max_attempts:
        _close(task, TaskStatus.UNREACHABLE, TaskOutcome.MAX_ATTEMPTS, agent, now)
    else:
        task.window_start = _retry_time(task, now)
    if stop_calls:
        _stop_calls(task, agent, now)
    task.save(update_fields=_ATTEMPT_FIELDS)
    return attempt


def _stop_calls(task, agent, now) -> None:
    """The customer on `task` refused calls: no more calls, the SMS variant instead."""
    from dealercare.customers.choices import ConsentChannel, ConsentMethod
    from dealercare.customers.services import consent_set

    customer = task.customer
    if customer.allow_phone:
        consent_set(
            actor=agent, customer=customer, channel=ConsentChannel.PHONE, granted=False,
            method=ConsentMethod.VERBAL_CALL, note=f"follow-up {task.pk}",
        )  # fmt: skip
    others = FollowUpTask.objects.filter(
        customer=customer, status__in=(TaskStatus.PENDING, TaskStatus.CLAIMED),
        channel=Channel.PHONE,
    ).exclude(pk=task.pk)  # fmt: skip
    if customer.allow_sms and customer.mobile:
        # This follow-up too: the SMS sender sends its SMS text at its next run.
        task.status, task.outcome, task.closed_at, task.closed_by = (
            TaskStatus.PENDING, "", None, None)  # fmt: skip
        task.channel, task.window_start = Channel.SMS, now
        others.update(channel=Channel.SMS, status=TaskStatus.PENDING, updated_at=now,
                      **_CLAIM_CLEARED)  # fmt: skip
    else:
        others.update(
            status=TaskStatus.CANCELLED, outcome=TaskOutcome.NO_CONSENT, closed_at=now,
            updated_at=now, **_CLAIM_CLEARED,
        )  # fmt: skip


# What an attempt may change on its task.
_ATTEMPT_FIELDS = (
    "status", "outcome", "closed_at", "closed_by", "attempts_count", "window_start", "due_at",
    "channel",
    "owner", "claimed_by", "claimed_at", "claim_expires_at", "satisfaction", "updated_at",
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
