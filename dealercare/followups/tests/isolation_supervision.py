"""Store B's records behind the supervisor's pages, the statistics and the calendar: a store-A
user must never see them (core/tests/test_store_isolation.py walks every URL)."""

import datetime

from django.utils import timezone

from dealercare.core.models import WorkingDayOverride
from dealercare.followups.models import FollowUpAttempt, FollowUpRule, FollowUpTask
from dealercare.followups.services import rules_seed_defaults

B_IDS = {"fu_sup_task": 900201, "fu_sup_rule": 900202, "fu_sup_override": 900203,
         "fu_sup_closed_task": 900205}  # fmt: skip
B_MARKERS = ("乙店督导备注", "乙店调休标记", "乙店规则标记")


def build_store_b(b):
    store = b["store_b"]
    now = timezone.now()
    # Both stores' default rules now, while ids are low: pages seed them lazily, and a rule of
    # store A created during the walk must not land on an id the walk guesses as store B's.
    rules_seed_defaults(b["store_a"])
    rules_seed_defaults(store)
    rule = FollowUpRule.objects.create(
        id=B_IDS["fu_sup_rule"], store=store, code="b_supervision_rule", name="乙店规则标记",
        event="delivery", kind="delivery_first_followup", earliest_day=1, due_day=3,
    )  # fmt: skip
    common = {
        "store": store, "rule": rule, "customer": b["b_customer"], "vehicle": b["b_vehicle"],
        "event_type": "delivery", "kind": rule.kind, "channel": "phone",
    }  # fmt: skip
    FollowUpTask.objects.create(
        id=B_IDS["fu_sup_task"], event_id=b["b_delivery"].pk, event_at=now - datetime.timedelta(days=4),
        window_start=now - datetime.timedelta(days=3), due_at=now - datetime.timedelta(days=1),
        owner=b["b_user"], **common,
    )  # fmt: skip
    closed = FollowUpTask.objects.create(
        id=B_IDS["fu_sup_closed_task"], event_id=b["b_delivery"].pk + 1,
        event_at=now - datetime.timedelta(days=5), window_start=now - datetime.timedelta(days=4),
        due_at=now - datetime.timedelta(days=2), status="done", outcome="reached",
        satisfaction="satisfied", closed_at=now - datetime.timedelta(days=3),
        closed_by=b["b_user"], attempts_count=1, **common,
    )  # fmt: skip
    FollowUpAttempt.objects.create(
        task=closed, agent=b["b_user"], at=now - datetime.timedelta(days=3), outcome="reached",
        notes="乙店督导备注：客户说真的吗", forbidden_phrases=["真的吗"],
    )  # fmt: skip
    WorkingDayOverride.objects.create(
        id=B_IDS["fu_sup_override"], group=store.group, store=store,
        day=timezone.localdate(), is_working_day=False, note="乙店调休标记",
    )  # fmt: skip
