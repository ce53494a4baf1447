"""Who may use the agent's follow-up pages and API (see dealercare/testing/permissions.py).

Hand-offs are seen by who holds HANDLE_COMPLAINTS in the store (the CS department and the
department managers) and by each one's owner; the world's hand-off is owned by the service
manager, so the table's gate is HANDLE_COMPLAINTS.
"""

import datetime as dt

from django.utils import timezone

from dealercare.accounts.access import access_for
from dealercare.followups.models import FollowUpAttempt, HandOff, HandOffUpdate
from dealercare.testing.permissions import ANY, C, Entry, Gate

TASK, HANDOFF = ("followup_task",), ("followup_handoff",)
WORK, HANDLE = C.WORK_FOLLOWUPS, C.HANDLE_COMPLAINTS

TABLE = {
    # --- pages: another store's (or, without WORK_FOLLOWUPS, any) task is not found ---------
    "followups:my-queue": Entry(Gate(WORK)),
    # POST only; with nothing due "next" goes back to the queue with a message.
    "followups:next": Entry(Gate(ANY, 405), post=Gate(WORK, 302)),
    "followups:phrase-check": Entry(Gate(ANY, 405), post=Gate(WORK)),
    "followups:console": Entry(Gate(WORK, refused=404), TASK),
    # An empty attempt redisplays the console with the errors.
    "followups:attempt": Entry(Gate(ANY, 405), TASK, post=Gate(WORK, refused=404)),
    # Releasing a task one does not hold: a message and back to the console.
    "followups:release": Entry(Gate(ANY, 405), TASK, post=Gate(WORK, 302, refused=404)),
    "followups:handoff-create": Entry(Gate(WORK, refused=404), TASK,
                                      post=Gate(WORK, refused=404)),
    "followups:handoff-list": Entry(Gate(HANDLE)),
    # An empty status change: a message and back to the hand-off.
    "followups:handoff-detail": Entry(Gate(HANDLE, refused=404), HANDOFF,
                                      post=Gate(HANDLE, 302, refused=404)),
    # --- API: the permission class answers first (403), then the method (405) or the body -----
    "api-followup-task-list": Entry(Gate(WORK)),
    "api-followup-task-detail": Entry(Gate(WORK), TASK),
    "api-followup-task-attempts": Entry(Gate(WORK, 405), TASK, post=Gate(WORK, 400)),
    # The task is not claimed by the caller: 400 with the reason.
    "api-followup-task-release": Entry(Gate(WORK, 405), TASK, post=Gate(WORK, 400)),
    # {"task": null} when nothing is due (or the claimed task).
    "api-followup-next": Entry(Gate(WORK, 405), post=Gate(WORK)),
    "api-followup-handoff-list": Entry(Gate(HANDLE), post=Gate(HANDLE, 400)),
    "api-followup-handoff-detail": Entry(Gate(HANDLE), HANDOFF),
    "api-followup-handoff-status": Entry(Gate(HANDLE, 405), HANDOFF, post=Gate(HANDLE, 400)),
}  # fmt: skip


def build(world):
    from .factories import due_task, handoff

    users = world["users"]
    store = world["store"]
    task = due_task(store, customer=world["customer"])
    made = handoff(task, users["service_manager"], created_by=users["followup_agent"])
    # "Next" claims for real (no body needed). Each principal who works follow-ups already holds
    # a claim, and "one call at a time" hands that back (renewed) instead of claiming another,
    # so the gate checks change no task's status whatever the hour.
    now = timezone.now()
    for user in users.values():
        if access_for(user).has(C.WORK_FOLLOWUPS, store):
            due_task(
                store, customer=world["customer"], status="claimed", claimed_by=user,
                claimed_at=now, claim_expires_at=now + dt.timedelta(days=30),
            )  # fmt: skip
    return {"followup_task": task, "followup_handoff": made}


def counts():
    return {
        "followup_attempts": FollowUpAttempt.objects.count(),
        "handoffs": HandOff.objects.count(),
        "handoff_updates": HandOffUpdate.objects.count(),
    }
