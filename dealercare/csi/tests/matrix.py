"""Who may use the CSI pages and API (see dealercare/testing/permissions.py).

The dashboard, plans and targets are VIEW_CSI's (another store's plan or target: 404); plans
are opened and edited with MANAGE_SURVEYS and moved along by their owner or a CS manager (the
world's plan is owned by a follow-up agent, so the table's gate is MANAGE_SURVEYS); targets are
set with SET_CSI_TARGETS; exports need EXPORT_LISTS; everyone sees their own results.
"""

from dealercare.csi.models import ActionPlan, ActionPlanUpdate, CsiSettings, CsiTarget
from dealercare.testing.permissions import ANY, C, Entry, Gate

PLAN, TARGET = ("csi_plan",), ("csi_target",)
VIEW, MANAGE, TARGETS = C.VIEW_CSI, C.MANAGE_SURVEYS, C.SET_CSI_TARGETS

TABLE = {
    "csi:dashboard": Entry(Gate(VIEW)),
    "csi:export": Entry(Gate(C.EXPORT_LISTS)),
    "csi:my-results": Entry(Gate(ANY)),
    "csi:plan-list": Entry(Gate(VIEW)),
    # An empty form is redisplayed with its errors.
    "csi:plan-create": Entry(Gate(MANAGE), post=Gate(MANAGE)),
    # An empty progress form: "Choose a new status or write a note." on the page.
    "csi:plan-detail": Entry(Gate(VIEW, refused=404), PLAN,
                             post=Gate(MANAGE, hidden=VIEW)),
    "csi:plan-edit": Entry(Gate(MANAGE, hidden=VIEW), PLAN, post=Gate(MANAGE, hidden=VIEW)),
    "csi:target-list": Entry(Gate(VIEW)),
    "csi:target-create": Entry(Gate(TARGETS), post=Gate(TARGETS)),
    "csi:target-edit": Entry(Gate(TARGETS, hidden=VIEW), TARGET,
                             post=Gate(TARGETS, hidden=VIEW)),
    "csi:settings": Entry(Gate(MANAGE), post=Gate(MANAGE)),
    # --- API: the permission class answers first (403), then the method (405) or the body -----
    "api-csi-dashboard": Entry(Gate(VIEW)),
    "api-csi-my-results": Entry(Gate(ANY)),
    "api-csi-plan-list": Entry(Gate(VIEW), post=Gate(MANAGE, 400), body="empty_object"),
    "api-csi-plan-detail": Entry(Gate(VIEW), PLAN, patch=Gate(MANAGE)),
    "api-csi-plan-progress": Entry(Gate(VIEW, 405), PLAN, post=Gate(MANAGE, 400),
                                   body="empty_object"),
    "api-csi-target-list": Entry(Gate(VIEW), post=Gate(TARGETS, 400), body="empty_object"),
    "api-csi-target-detail": Entry(Gate(VIEW), TARGET, patch=Gate(TARGETS)),
    "api-csi-target-attainment": Entry(Gate(VIEW)),
}  # fmt: skip


def build(world):
    from .factories import ActionPlanFactory, CsiTargetFactory, make_response

    store = world["store"]
    make_response(store, {"timeliness": 8, "service_skill": 9}, customer=world["customer"],
                  advisor=world["users"]["service_advisor"], region="矩阵区")  # fmt: skip
    plan = ActionPlanFactory(store=store, owner=world["user"])
    return {"csi_plan": plan, "csi_target": CsiTargetFactory(store=store)}


def counts():
    return {
        "csi_plans": ActionPlan.objects.count(),
        "csi_plan_updates": ActionPlanUpdate.objects.count(),
        "csi_targets": CsiTarget.objects.count(),
        "csi_settings": CsiSettings.objects.count(),
    }
