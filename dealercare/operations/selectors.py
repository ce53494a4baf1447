"""Reads of deliveries, service visits and inquiries, scoped to the user's stores."""

import datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


# --- the web UI's lists (filters of the operations pages) ------------------------------------


def _local_day_bounds(date_from, date_to):
    """[start, end) aware datetimes of a range of local dates (either end may be open)."""
    tz = timezone.get_current_timezone()
    start = end = None
    if date_from:
        start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min), tz)
    if date_to:
        next_day = date_to + datetime.timedelta(days=1)
        end = timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min), tz)
    return start, end


def _in_range(qs, field, date_from, date_to):
    start, end = _local_day_bounds(date_from, date_to)
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


def _plate_query(q):
    return "".join(q.split()).upper()


def delivery_list(user, *, store=None, date_from=None, date_to=None, consultant=None,
                  status=None, q=None):  # fmt: skip
    """Deliveries of the user's stores, newest first; `q` is an order no., plate or name."""
    qs = deliveries_for_user(user)
    if store:
        qs = qs.filter(store_id=store)
    qs = _in_range(qs, "delivered_at", date_from, date_to)
    if consultant:
        qs = qs.filter(
            Q(consultant_name__icontains=consultant)
            | Q(sales_consultant__display_name__icontains=consultant)
        )
    if status:
        qs = qs.filter(status=status)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(order_no__icontains=q)
            | Q(vehicle__plate__icontains=_plate_query(q))
            | Q(customer__name__icontains=q)
        )
    return qs.order_by("-delivered_at", "-id")


def service_visit_list(user, *, store=None, date_from=None, date_to=None, visit_type=None,
                       status=None, advisor=None, q=None):  # fmt: skip
    """Service visits of the user's stores, newest first; `q` is a repair order no. or plate."""
    qs = service_visits_for_user(user)
    if store:
        qs = qs.filter(store_id=store)
    qs = _in_range(qs, "date_in", date_from, date_to)
    if visit_type:
        qs = qs.filter(visit_type=visit_type)
    if status:
        qs = qs.filter(status=status)
    if advisor:
        qs = qs.filter(
            Q(advisor_name__icontains=advisor) | Q(advisor__display_name__icontains=advisor)
        )
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(repair_order_no__icontains=q) | Q(vehicle__plate__icontains=_plate_query(q))
        )
    return qs.order_by("-date_in", "-id")


def service_visit_get(user, pk):
    """One service visit of the user's stores, or 404."""
    try:
        return service_visits_for_user(user).get(pk=pk)
    except (ServiceVisit.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such service visit in your stores.")) from None


def inquiry_list(user, *, store=None, date_from=None, date_to=None, status=None, channel=None,
                 q=None):  # fmt: skip
    """Prospects' inquiries of the user's stores, newest first; `q` is a name or a model."""
    qs = inquiries_for_user(user)
    if store:
        qs = qs.filter(store_id=store)
    qs = _in_range(qs, "created_at", date_from, date_to)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if q:
        q = q.strip()
        qs = qs.filter(Q(customer__name__icontains=q) | Q(models_of_interest__icontains=q))
    return qs.order_by("-created_at", "-id")
