"""Reads of deliveries, service visits and inquiries, scoped to the user's stores."""

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability

from .models import Delivery, Inquiry, ServiceVisit


def _scoped(model, user, capability=Capability.VIEW_CUSTOMERS):
    return model.objects.filter(store_id__in=access_for(user).store_ids(capability))


def deliveries_for_user(user):
    return _scoped(Delivery, user).select_related(
        "store", "customer", "vehicle", "sales_consultant"
    )


def service_visits_for_user(user):
    return _scoped(ServiceVisit, user).select_related(
        "store", "customer", "vehicle", "advisor", "technician"
    )


def inquiries_for_user(user):
    return _scoped(Inquiry, user).select_related("store", "customer", "consultant")
