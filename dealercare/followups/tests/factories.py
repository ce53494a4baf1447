"""Factories of the agent-side follow-up tests: tasks that are due now (whatever the clock says)
and hand-offs."""

import datetime as dt

from django.utils import timezone

from dealercare.customers.models import Vehicle
from dealercare.followups.choices import Channel, Department, EventType, TaskStatus
from dealercare.followups.models import FollowUpAttempt, FollowUpTask, HandOff, HandOffUpdate
from dealercare.testing.factories import CustomerFactory

from .support import rule_of

ALL_DAY = (dt.time(0, 0), dt.time(23, 59, 59, 999999))


def call_all_day(store):
    """Tests run at any hour: the store calls round the clock (the queue honours calling hours)."""
    store.calling_hours_start, store.calling_hours_end = ALL_DAY
    store.save(update_fields=["calling_hours_start", "calling_hours_end"])
    return store


_event_ids = iter(range(700_000, 10**9))


def due_task(store, *, customer=None, rule_code="delivery_first_followup", due_in_hours=2,
             opened_hours_ago=1, with_vehicle=True, **fields):  # fmt: skip
    """A pending phone task of `store` whose window opened before now."""
    now = timezone.now()
    customer = customer or CustomerFactory(store=store, name="王伟")
    vehicle = None
    if with_vehicle:
        vehicle = customer.vehicles.first() or Vehicle.objects.create(
            store=store, owner=customer, plate=f"粤A{next(_event_ids) % 100000:05d}",
            model_name="迈腾", brand="一汽-大众",
        )  # fmt: skip
    rule = rule_of(store, rule_code)
    values = {
        "store": store, "rule": rule, "customer": customer, "vehicle": vehicle,
        "event_type": EventType.DELIVERY, "event_id": next(_event_ids),
        "event_at": now - dt.timedelta(days=2), "kind": rule.kind, "channel": Channel.PHONE,
        "priority": 0 if customer.customer_type == "vip" else 1,
        "window_start": now - dt.timedelta(hours=opened_hours_ago),
        "due_at": now + dt.timedelta(hours=due_in_hours), "status": TaskStatus.PENDING,
    }  # fmt: skip
    values.update(fields)
    return FollowUpTask.objects.create(**values)


def attempt(task, agent, outcome="no_answer", notes="", **fields):
    return FollowUpAttempt.objects.create(
        task=task, agent=agent, at=fields.pop("at", timezone.now()), outcome=outcome, notes=notes,
        **fields,
    )  # fmt: skip


def handoff(task, owner, created_by=None, **fields):
    """A hand-off saved directly (services are tested on their own)."""
    values = {
        "store_id": task.store_id, "task": task, "customer": task.customer,
        "vehicle": task.vehicle, "department": Department.SERVICE, "owner": owner,
        "due_on": timezone.localdate() + dt.timedelta(days=3),
        "description": "空调异响，需回店检查", "created_by": created_by,
    }  # fmt: skip
    values.update(fields)
    made = HandOff.objects.create(**values)
    HandOffUpdate.objects.create(
        handoff=made, at=timezone.now(), actor=created_by, status_to=made.status,
        note=made.description,
    )  # fmt: skip
    return made
