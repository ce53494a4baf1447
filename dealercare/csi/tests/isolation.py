"""Store B's CSI records for the isolation walk: a plan, a target, answers with markers."""

B_IDS = {"csi_plan": 900401, "csi_target": 900402}
B_MARKERS = ("乙店行动计划标记", "乙店区域标记", "乙店车型标记")


def build_store_b(b):
    from .factories import ActionPlanFactory, CsiTargetFactory, make_response

    store = b["store_b"]
    make_response(store, {"timeliness": 2, "service_skill": 3}, customer=b["b_customer"],
                  region="乙店区域标记", vehicle_model="乙店车型标记",
                  advisor=b["b_user"])  # fmt: skip
    ActionPlanFactory(store=store, owner=b["b_user"], item_text="乙店行动计划标记",
                      id=B_IDS["csi_plan"])  # fmt: skip
    CsiTargetFactory(store=store, scope="person", person=b["b_user"], id=B_IDS["csi_target"])
