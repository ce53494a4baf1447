"""Background work of the customer archive (django-tasks)."""

from django_tasks import task

from dealercare.accounts.models import Store

from .services import refresh_classification


@task()
def refresh_store_classification(store_id):
    """Re-derive every customer's lifecycle state and tier in one store (nightly, or after its
    thresholds change)."""
    store = Store.objects.get(pk=store_id)
    return refresh_classification(store=store)
