"""Background work of complaints (django-tasks; `manage.py db_worker` runs it). Schedule
`complaints_check_deadlines_task` or `manage.py complaints_check_deadlines` every 5-10 minutes."""

from django_tasks import task

from dealercare.accounts.models import Store

from .deadlines import check_deadlines


@task()
def complaints_check_deadlines_task(store_id=None):
    """Warn owners of steps nearing their time limit and escalate breaches."""
    store = Store.objects.get(pk=store_id) if store_id is not None else None
    result = check_deadlines(store=store)
    return {"warned": result.warned, "breaches": result.breach_total,
            "escalated": result.escalated, "notified": result.notified}  # fmt: skip
