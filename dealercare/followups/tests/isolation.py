"""Store B's follow-up task, call notes and hand-off, for the store isolation walk."""

B_IDS = {"followup_task": 900101, "followup_handoff": 900102, "followup_attempt": 900103}
B_MARKERS = ("乙店回访备注标记", "乙店交接描述标记", "乙店交接结果标记")


def build_store_b(b):
    from .factories import attempt, due_task, handoff

    task = due_task(b["store_b"], customer=b["b_customer"], id=B_IDS["followup_task"])
    attempt(task, b["b_user"], "busy", notes="乙店回访备注标记", id=B_IDS["followup_attempt"])
    handoff(task, b["b_user"], created_by=b["b_user"], id=B_IDS["followup_handoff"],
            description="乙店交接描述标记", resolution="乙店交接结果标记")  # fmt: skip
