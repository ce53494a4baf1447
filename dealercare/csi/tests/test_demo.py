"""The CSI demo history: rollups rebuilt from bulk-loaded answers, targets, action plans."""

import datetime

import pytest

from dealercare.csi import demo
from dealercare.csi.models import ActionPlan, AnswerRollup, CsiTarget
from dealercare.testing.factories import user_with_role

from .factories import make_response

pytestmark = pytest.mark.django_db


def test_build_history_rolls_up_and_plans_the_clearest_weakness(group, store_a):
    # Given answers loaded in bulk (not rolled up) and the store's staff
    user_with_role(store_a, "cs_manager")
    user_with_role(store_a, "service_manager")
    user_with_role(store_a, "service_advisor")
    for i in range(12):
        make_response(store_a, {"timeliness": 2 if i < 4 else 7, "service_skill": 10},
                      day=datetime.date(2026, 10, 5 + i), rollup=False)  # fmt: skip
    assert not AnswerRollup.objects.exists()
    # When the demo history is built in November
    summary = demo.build_history(group=group, seed=7, today=datetime.date(2026, 11, 20))
    # Then the rollups exist, five targets are set and October's weakness has a plan
    assert summary["CSI rollup rows"] == AnswerRollup.objects.count() > 0
    assert summary["CSI targets"] == CsiTarget.objects.filter(store=store_a).count() == 5
    plan = ActionPlan.objects.get()
    assert (plan.kind, plan.item_code, plan.period_label) == ("weakness", "timeliness", "2026-10")
    again = demo.build_history(group=group, seed=7, today=datetime.date(2026, 11, 20))
    assert again["CSI rollup rows"] == summary["CSI rollup rows"]
