"""A year of complaint history for the demo dealer group (seed_demo): every channel, category,
severity and state, some past their time limits, a couple of major ones with their reports.
Deterministic for a seed; bulk-created, so it takes about a second per store."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from dealercare.accounts.models import Store, StoreMembership
from dealercare.accounts.roles import Capability, Role, capabilities_of
from dealercare.customers.models import Vehicle

from . import sla
from .choices import ComplaintChannel, CustomerSatisfaction, Department
from .deadlines import clock_for
from .models import (
    Complaint,
    ComplaintAction,
    ComplaintBreach,
    ComplaintCategory,
    MajorIncidentReport,
)
from .services import categories_seed_defaults

PER_STORE_MONTH = 9
CHANNELS = [(ComplaintChannel.HOTLINE, 30), (ComplaintChannel.FOLLOWUP, 25),
            (ComplaintChannel.SURVEY, 15), (ComplaintChannel.WALK_IN, 15),
            (ComplaintChannel.ONLINE, 10), (ComplaintChannel.MANUFACTURER, 5)]  # fmt: skip
CATEGORY_WEIGHT = {"service_skill": 30, "service_attitude": 22, "timeliness": 16,
                   "parts_supply": 14, "overall_service": 8, "product_quality": 10}  # fmt: skip
DEPARTMENT_OF = {"service_skill": Department.SERVICE, "service_attitude": Department.SERVICE,
                 "timeliness": Department.SERVICE, "parts_supply": Department.PARTS,
                 "overall_service": Department.CUSTOMER_SERVICE,
                 "product_quality": Department.SERVICE}  # fmt: skip
STORIES = {
    "service_skill": ("车辆保养后发动机仍有异响，已经第二次来店", "彻底排除故障"),
    "service_attitude": ("服务顾问接待时态度冷淡，问题没人解释", "服务顾问道歉"),
    "timeliness": ("预约维修当天等了三个小时才开始施工", "说明原因并给予补偿"),
    "parts_supply": ("更换刹车片等配件等了两周还没到货", "尽快到货并提供代步车"),
    "overall_service": ("结算流程繁琐，开票排队时间太长", "简化流程"),
    "product_quality": ("新车行驶不到一个月中控屏频繁黑屏", "更换中控屏"),
}
SOLUTIONS = ("免费返修并赠送一次保养", "由服务经理当面道歉并赠送洗车券", "提供代步车并加急调货",
             "更换相关部件并延长质保", "退还部分工时费")  # fmt: skip


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def build_history(*, group, seed=0, now=None) -> dict:
    """Complaints of the last 12 months for every store of `group`; returns {label: count}."""
    now = now or timezone.now()
    rng = random.Random(f"complaints-{seed}")
    handler_roles = [r.value for r in Role if Capability.HANDLE_COMPLAINTS in capabilities_of(r)]
    totals = {"complaints": 0, "breached": 0, "major": 0, "open": 0}
    for store in Store.objects.filter(group=group).order_by("code"):
        made = _store_history(store, rng, now, handler_roles)
        for key in totals:
            totals[key] += made[key]
    return {
        "Complaints": totals["complaints"], "Complaints past a time limit": totals["breached"],
        "Major complaints": totals["major"], "Complaints still open": totals["open"],
    }  # fmt: skip


def _store_history(store, rng, now, handler_roles):
    categories_seed_defaults(store)
    categories = {c.code: c for c in ComplaintCategory.objects.filter(store=store)
                  .prefetch_related("reasons")}  # fmt: skip
    handlers = list(StoreMembership.objects.filter(store=store, role__in=handler_roles)
                    .select_related("user").order_by("user__username"))  # fmt: skip
    managers = [m.user for m in handlers if m.role == Role.CS_MANAGER] or [
        m.user for m in handlers]  # fmt: skip
    vehicles = list(Vehicle.objects.filter(store=store, owner__isnull=False)
                    .select_related("owner").order_by("id")[:3000])  # fmt: skip
    made = {"complaints": 0, "breached": 0, "major": 0, "open": 0}
    if not vehicles or not handlers:
        return made
    clock = clock_for(store)
    count = PER_STORE_MONTH * 12 + rng.randint(-10, 10)
    starts = sorted(now - datetime.timedelta(minutes=rng.randint(30, 365 * 24 * 60))
                    for _ in range(count))  # fmt: skip
    starts[-1] = now - datetime.timedelta(minutes=rng.randint(5, 25))  # one just in: the inbox
    complaints, plans = [], []
    by_vehicle = {}
    for n, received in enumerate(starts, start=1):
        local = timezone.localtime(received, store.tzinfo)
        if local.hour < 8 and n < count:  # move night-time calls into the day, never past now
            received = min(received.replace(hour=rng.randint(1, 10)), now)
        vehicle = rng.choice(vehicles)
        if by_vehicle and rng.random() < 0.08:  # the same car again: a repeat complaint
            vehicle = by_vehicle[rng.choice(sorted(by_vehicle))].vehicle
        code = _weighted(rng, list(CATEGORY_WEIGHT.items()))
        category = categories[code]
        reason = rng.choice(list(category.reasons.all()))
        severity = _weighted(rng, [("normal", 80), ("serious", 17), ("major", 3)])
        if n in (count // 3, 2 * count // 3):
            severity = "major"  # at least two major complaints per store
        story, wish = STORIES[code]
        ack_due = sla.deadline(received, clock.limit(severity, "acknowledge"), **clock.kwargs())
        sol_due = sla.deadline(received, clock.limit(severity, "solution"), **clock.kwargs())
        complaint = Complaint(
            store=store, number=f"{store.code}-T{n:06d}", customer=vehicle.owner,
            vehicle=vehicle, contact_name=vehicle.owner.name, contact_mobile=vehicle.owner.mobile,
            channel=_weighted(rng, CHANNELS), received_at=received, description=story,
            customer_request=wish, promised_reply_at=ack_due, category=category, reason=reason,
            severity=severity, acknowledge_due_at=ack_due, solution_due_at=sol_due,
            created_at=received,
        )  # fmt: skip
        by_vehicle[vehicle.pk] = complaint
        complaints.append(complaint)
        plans.append(_plan(complaint, rng, now, handlers, managers, fresh=n == count))
    saved = Complaint.objects.bulk_create(complaints, batch_size=500)
    _fix_repeats(saved)
    actions, breaches, reports = [], [], []
    for complaint, plan in zip(saved, plans, strict=True):
        _apply(complaint, plan, actions, breaches, reports, now)
        made["complaints"] += 1
        made["breached"] += bool(plan["breach_levels"])
        made["major"] += complaint.severity == "major"
        made["open"] += complaint.closed_at is None
    Complaint.objects.bulk_update(saved, [
        "status", "owner", "department", "acknowledged_at", "assigned_at", "solution_proposed_at",
        "resolved_at", "satisfaction_confirmed_at", "closed_at", "solution", "result",
        "satisfaction", "escalation_level", "breach_count",
    ], batch_size=500)  # fmt: skip
    ComplaintAction.objects.bulk_create(actions, batch_size=2000)
    ComplaintBreach.objects.bulk_create(breaches, batch_size=2000)
    MajorIncidentReport.objects.bulk_create(reports)
    return made


def _fix_repeats(saved):
    """Link repeats after the bulk insert gave every row its id (one UPDATE per link)."""
    last_by_vehicle = {}
    links = []
    for complaint in saved:
        previous = last_by_vehicle.get(complaint.vehicle_id)
        if previous and (complaint.received_at - previous.received_at).days <= 90:
            complaint.repeat_of = previous
            links.append(complaint)
        last_by_vehicle[complaint.vehicle_id] = complaint
    Complaint.objects.bulk_update(links, ["repeat_of"], batch_size=500)


def _plan(complaint, rng, now, handlers, managers, fresh=False):
    """How far the complaint got and how fast: older ones are mostly closed, a fresh one is
    still waiting to be acknowledged."""
    age_days = (now - complaint.received_at).days
    stage = _weighted(rng, [(9, 92), (7, 4), (5, 4)]) if age_days > 20 else rng.randint(0, 9)
    stage = 0 if fresh else stage
    late = rng.random() < 0.12
    ack_after = datetime.timedelta(minutes=rng.randint(10, 100)) if not late else (
        datetime.timedelta(hours=rng.randint(3, 30)))  # fmt: skip
    return {
        "stage": stage, "ack_after": ack_after, "owner": rng.choice(handlers).user,
        "manager": rng.choice(managers), "late": late,
        "solution_after": datetime.timedelta(hours=rng.randint(3, 60 if not late else 150)),
        "satisfaction": _weighted(rng, [(CustomerSatisfaction.VERY_SATISFIED, 35),
                                        (CustomerSatisfaction.SATISFIED, 45),
                                        (CustomerSatisfaction.NEUTRAL, 15),
                                        (CustomerSatisfaction.DISSATISFIED, 5)]),
        "solution": rng.choice(SOLUTIONS), "breach_levels": [],
    }  # fmt: skip


def _apply(complaint, plan, actions, breaches, reports, now):
    """Set milestones up to the planned stage (never after now), log them, record breaches."""
    steps = ["acknowledge", "assign", "investigate", "propose", "customer_accepts", "resolve",
             "confirm_satisfaction", "close"]  # fmt: skip
    at = complaint.received_at
    actions.append(
        ComplaintAction(
            complaint=complaint,
            kind="received",
            at=at,
            to_status="received",
            note=complaint.description,
        )
    )
    times = {
        "acknowledge": at + plan["ack_after"],
        "assign": at + plan["ack_after"] + datetime.timedelta(minutes=20),
        "investigate": at + plan["ack_after"] + datetime.timedelta(hours=2),
        "propose": at + plan["solution_after"],
        "customer_accepts": at + plan["solution_after"] + datetime.timedelta(hours=4),
        "resolve": at + plan["solution_after"] + datetime.timedelta(days=2),
        "confirm_satisfaction": at + plan["solution_after"] + datetime.timedelta(days=3),
        "close": at + plan["solution_after"] + datetime.timedelta(days=3, hours=1),
    }
    status = {"acknowledge": "acknowledged", "assign": "assigned", "investigate": "investigating",
              "propose": "solution_proposed", "customer_accepts": "accepted",
              "resolve": "resolved", "confirm_satisfaction": "satisfaction_confirmed",
              "close": "closed"}  # fmt: skip
    previous = "received"
    for step in steps[: plan["stage"] - 1 if plan["stage"] == 9 else plan["stage"]] + (
        ["close"] if plan["stage"] == 9 else []
    ):
        when = times[step]
        if when > now:
            break
        actor = plan["manager"] if step in ("acknowledge", "assign") else plan["owner"]
        note = {"propose": plan["solution"], "assign": ""}.get(step, "")
        actions.append(
            ComplaintAction(
                complaint=complaint,
                kind=step,
                at=when,
                actor=actor,
                from_status=previous,
                to_status=status[step],
                note=note,
            )
        )
        previous = complaint.status = status[step]
        if step == "acknowledge":
            complaint.acknowledged_at = when
        elif step == "assign":
            complaint.assigned_at, complaint.owner = when, plan["owner"]
            complaint.department = DEPARTMENT_OF.get(complaint.category.code, "service")
            complaint.acknowledged_at = complaint.acknowledged_at or when
        elif step == "propose":
            complaint.solution_proposed_at, complaint.solution = when, plan["solution"]
        elif step == "resolve":
            complaint.resolved_at, complaint.result = when, "客户确认问题已解决"
        elif step == "confirm_satisfaction":
            complaint.satisfaction_confirmed_at = when
            complaint.satisfaction = plan["satisfaction"]
        elif step == "close":
            complaint.closed_at = when
    if complaint.severity == "major" and complaint.solution_proposed_at:
        reports.append(MajorIncidentReport(
            complaint=complaint, store_id=complaint.store_id, title=complaint.description[:30],
            summary=complaint.description, cause="质量问题叠加沟通不及时",
            handling=complaint.solution or "安抚客户并升级处理", result="客户接受处理方案",
            responsibility="服务部", compensation=rng_amount(complaint.pk),
            prevention="加强交车前检查与首问负责制", reported_by=plan["owner"],
        ))  # fmt: skip
    _breaches(complaint, plan, breaches, actions, now)


def rng_amount(pk):
    return 500 + (pk * 37) % 3000


def _breaches(complaint, plan, breaches, actions, now):
    level = 0
    for step, due, done in (("acknowledge", complaint.acknowledge_due_at,
                             complaint.acknowledged_at),
                            ("solution", complaint.solution_due_at,
                             complaint.solution_proposed_at)):  # fmt: skip
        end = done or now
        if due is None or end <= due:
            continue
        late_hours = (end - due).total_seconds() / 3600
        top = 1 + (late_hours > 8) + (late_hours > 30)
        level = max(level, min(3, top + (step == "solution" and level > 0)))
        for lvl in range(1, min(3, top) + 1):
            at = min(due + datetime.timedelta(minutes=10 + 60 * (lvl - 1)), now)
            breaches.append(
                ComplaintBreach(
                    complaint=complaint,
                    store_id=complaint.store_id,
                    step=step,
                    level=lvl,
                    due_at=due,
                    detected_at=at,
                )
            )
            actions.append(
                ComplaintAction(
                    complaint=complaint, kind="escalated", at=at, data={"step": step, "level": lvl}
                )
            )
        plan["breach_levels"].append(top)
    complaint.escalation_level = level
    complaint.breach_count = len(plan["breach_levels"])
