"""Background work of follow-ups (django-tasks: `manage.py db_worker` runs it; schedule
`followups_sweep_task` or `manage.py followups_sweep` every few minutes)."""

from django_tasks import task

from dealercare.accounts.models import Store

from .messaging import send_due_sms
from .queue import release_expired_claims
from .services import sweep


@task()
def followups_sweep_task(store_id=None):
    """Create missing tasks, return abandoned claims to the pool, send due SMS."""
    store = Store.objects.get(pk=store_id) if store_id is not None else None
    released = release_expired_claims(store_ids=[store_id] if store_id is not None else None)
    result = sweep(store=store)
    sms = send_due_sms(store=store)
    return {
        "created": result.total,
        "cancelled": result.cancelled,
        "rescheduled": result.rescheduled,
        "released": released,
        "sms_sent": sms.sent,
        "sms_failed": sms.failed,
    }
