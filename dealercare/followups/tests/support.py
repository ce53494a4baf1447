"""Helpers of the follow-up tests: store-local times, customers, events and ready-made tasks."""

import datetime as dt
from zoneinfo import ZoneInfo

from dealercare.customers.models import Customer, Vehicle
from dealercare.followups.choices import Channel, EventType, TaskStatus
from dealercare.followups.models import FollowUpRule, FollowUpTask
from dealercare.followups.services import rules_seed_defaults
from dealercare.operations.models import Delivery, ServiceVisit

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning inside calling hours; queue tests claim "now".
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


def at(text):
    """An aware datetime from "YYYY-MM-DD HH:MM" on the Shanghai wall clock."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def local(moment):
    """An aware datetime read back as "YYYY-MM-DD HH:MM" in Shanghai."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def make_customer(store, **fields):
    """A customer saved directly (no search terms: fast)."""
    fields.setdefault("gender", "male")
    fields.setdefault("name", "王伟")
    fields.setdefault("number", f"T{Customer.objects.count() + 1:06d}")
    return Customer.objects.create(store=store, **fields)


def make_delivery(customer, delivered_at, **fields):
    """A delivery of a new vehicle to `customer`, saved as an import would (no services)."""
    vehicle = Vehicle.objects.create(
        store=customer.store, owner=customer, plate=f"粤A{Vehicle.objects.count():05d}",
        model_name="迈腾",
    )  # fmt: skip
    return Delivery.objects.create(
        store=customer.store, customer=customer, vehicle=vehicle, delivered_at=delivered_at,
        **fields,
    )  # fmt: skip


def make_visit(customer, date_out, status="finished", **fields):
    """A service visit of `customer`'s first vehicle (or a new one), saved without services."""
    vehicle = customer.vehicles.first() or Vehicle.objects.create(
        store=customer.store, owner=customer, plate=f"粤B{Vehicle.objects.count():05d}",
        model_name="朗逸",
    )  # fmt: skip
    return ServiceVisit.objects.create(
        store=customer.store, customer=customer, vehicle=vehicle,
        repair_order_no=f"RO{ServiceVisit.objects.count() + 1:06d}",
        date_in=(date_out or at("2026-03-01 09:00")) - dt.timedelta(hours=3), date_out=date_out,
        status=status, **fields,
    )  # fmt: skip


def rule_of(store, code):
    rules_seed_defaults(store)
    return FollowUpRule.objects.get(store=store, code=code)


def make_tasks(
    rule, customers, *, due_at, window_start=None, channel=Channel.PHONE,
    status=TaskStatus.PENDING, **fields,
):  # fmt: skip
    """One pending phone task of `rule` per customer (fake event ids), created in bulk."""
    start = FollowUpTask.objects.count() + 1
    tasks = [
        FollowUpTask(
            store_id=rule.store_id,
            rule=rule,
            customer=customer,
            event_type=EventType.DELIVERY,
            event_id=start + i,
            event_at=due_at - dt.timedelta(days=3),
            kind=rule.kind,
            channel=channel,
            priority=0 if customer.customer_type == "vip" else 1,
            window_start=window_start or due_at - dt.timedelta(days=2),
            due_at=due_at,
            status=status,
            **fields,
        )  # fmt: skip
        for i, customer in enumerate(customers)
    ]
    return FollowUpTask.objects.bulk_create(tasks)
