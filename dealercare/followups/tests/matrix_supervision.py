"""Who may use the supervisor's follow-up pages, the rule editor, the statistics and the
working-day calendar (see dealercare/testing/permissions.py)."""

import datetime

from dealercare.core.models import WorkingDayOverride
from dealercare.followups.choices import EventType
from dealercare.followups.models import FollowUpRule, FollowUpTask
from dealercare.followups.services import rules_seed_defaults
from dealercare.testing.permissions import ANY, C, Entry, Gate

SUPERVISE = Gate(C.SUPERVISE_FOLLOWUPS)

TABLE = {
    "followups:supervision": Entry(SUPERVISE),
    # POST only; an empty POST (nothing ticked) is a message and back to the queue.
    "followups:supervision-assign": Entry(Gate(ANY, 405), post=Gate(C.SUPERVISE_FOLLOWUPS, 302)),
    # Another store's task is a 404; an empty POST redisplays the form (no reason given).
    "followups:supervision-cancel": Entry(
        Gate(C.SUPERVISE_FOLLOWUPS, refused=404),
        ("fu_sup_task",),
        post=Gate(C.SUPERVISE_FOLLOWUPS, refused=404),
    ),  # fmt: skip
    "followups:supervision-phrases": Entry(SUPERVISE),
    "followups:rule-list": Entry(Gate(C.MANAGE_STORE)),
    # A rule of a store the user does not manage is a 404; an empty POST redisplays the form.
    "followups:rule-edit": Entry(
        Gate(C.MANAGE_STORE, refused=404),
        ("fu_sup_rule",),
        post=Gate(C.MANAGE_STORE, refused=404),
    ),  # fmt: skip
    "followups:reports": Entry(SUPERVISE),
    "followups:annex3": Entry(SUPERVISE),
    "followups:annex4": Entry(SUPERVISE),
    "followups:annex5": Entry(SUPERVISE),
    "followups:annex3-export": Entry(Gate(C.EXPORT_LISTS)),
    "followups:annex4-export": Entry(Gate(C.EXPORT_LISTS)),
    "followups:annex5-export": Entry(Gate(C.EXPORT_LISTS)),
    "calendar:list": Entry(Gate(C.MANAGE_STORE)),
    "calendar:add": Entry(Gate(C.MANAGE_STORE), post=Gate(C.MANAGE_STORE)),
    # POST only; without confirm=1 nothing is removed (a message, back to the list).
    "calendar:delete": Entry(
        Gate(ANY, 405), ("fu_sup_override",), post=Gate(C.MANAGE_STORE, 302, refused=404)
    ),
}


def build(world):
    store = world["store"]
    rules_seed_defaults(store)
    rule = FollowUpRule.objects.get(store=store, code="delivery_seven_day_care_call")
    delivery = world["delivery"]
    task = FollowUpTask.objects.create(
        store=store, rule=rule, customer=world["customer"], vehicle=world["vehicle"],
        event_type=EventType.DELIVERY, event_id=delivery.pk + 770_000,
        event_at=delivery.delivered_at, kind=rule.kind, channel="phone",
        window_start=delivery.delivered_at, due_at=delivery.delivered_at + datetime.timedelta(days=7),
    )  # fmt: skip
    override = WorkingDayOverride.objects.create(
        group=store.group, store=store, day=datetime.date(2031, 10, 8), is_working_day=False,
        note="矩阵调休",
    )  # fmt: skip
    return {"fu_sup_task": task, "fu_sup_rule": rule, "fu_sup_override": override}


def counts():
    return {
        "fu_sup_overrides": WorkingDayOverride.objects.count(),
        "fu_sup_open_tasks": FollowUpTask.objects.filter(status="pending").count(),
        "fu_sup_rules": list(
            FollowUpRule.objects.order_by("pk").values_list("updated_at", "is_active")
        ),
    }
