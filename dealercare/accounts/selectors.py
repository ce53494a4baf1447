"""Reads for the home dashboard, the store list and user management, scoped by capability."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import access_for
from .models import Store, StoreMembership, User
from .roles import Capability

RECENT_DAYS = 30


@dataclass
class StoreFigures:
    """One store's row on the dashboard."""

    store: Store
    by_lifecycle: dict = field(default_factory=dict)
    customers: int = 0
    deliveries_30d: int = 0
    visits_30d: int = 0
    created_this_month: int = 0


def _month_start(now, tz):
    local = timezone.localtime(now, tz)
    start = datetime.datetime(local.year, local.month, 1)
    return timezone.make_aware(start, tz)


def dashboard(user, *, now=None):
    """Per-store figures of the user's stores, in five queries whatever the data size.

    Returns (rows, totals): customers by lifecycle state, deliveries and service visits of the
    last 30 days, and customers created this month (in each store's time zone).
    """
    from dealercare.customers.choices import LifecycleState
    from dealercare.customers.models import Customer
    from dealercare.operations.choices import DeliveryStatus, VisitStatus
    from dealercare.operations.models import Delivery, ServiceVisit

    now = now or timezone.now()
    stores = list(access_for(user).stores(Capability.VIEW_CUSTOMERS))
    rows = {s.pk: StoreFigures(store=s, by_lifecycle=dict.fromkeys(LifecycleState.values, 0))
            for s in stores}  # fmt: skip
    if not rows:
        return [], None
    ids = list(rows)
    live = Customer.objects.filter(store_id__in=ids, merged_into__isnull=True)
    for r in live.values("store_id", "lifecycle_state").annotate(n=Count("id")).order_by():
        rows[r["store_id"]].by_lifecycle[r["lifecycle_state"]] = r["n"]
        rows[r["store_id"]].customers += r["n"]
    since = now - datetime.timedelta(days=RECENT_DAYS)
    deliveries = (
        Delivery.objects.filter(
            store_id__in=ids, delivered_at__gte=since, status=DeliveryStatus.DELIVERED
        )
        .values("store_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in deliveries:
        rows[r["store_id"]].deliveries_30d = r["n"]
    visits = (
        ServiceVisit.objects.filter(store_id__in=ids, date_in__gte=since)
        .exclude(status=VisitStatus.CANCELLED)
        .values("store_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in visits:
        rows[r["store_id"]].visits_30d = r["n"]
    this_month = Q()
    for s in stores:
        this_month |= Q(store_id=s.pk, created_at__gte=_month_start(now, s.tzinfo))
    for r in live.filter(this_month).values("store_id").annotate(n=Count("id")).order_by():
        rows[r["store_id"]].created_this_month = r["n"]

    result = list(rows.values())
    totals = StoreFigures(
        store=None,
        by_lifecycle={k: sum(r.by_lifecycle[k] for r in result) for k in LifecycleState.values},
        customers=sum(r.customers for r in result),
        deliveries_30d=sum(r.deliveries_30d for r in result),
        visits_30d=sum(r.visits_30d for r in result),
        created_this_month=sum(r.created_this_month for r in result),
    )
    return result, totals


def stores_for_settings(user):
    """The stores whose settings the user may change, with how many people hold roles there."""
    return (
        access_for(user).stores(Capability.MANAGE_STORE).annotate(member_count=Count("memberships"))
    )


def store_for_settings(user, pk):
    """A store the user may manage, or 404 (never 403: do not confirm it exists)."""
    try:
        return Store.objects.get(pk=pk, id__in=access_for(user).store_ids(Capability.MANAGE_STORE))
    except (Store.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such store among those you manage.")) from None


def _managed_users(user):
    acc = access_for(user)
    managed = acc.store_ids(Capability.MANAGE_USERS)
    scope = Q(memberships__store_id__in=managed)
    if user.is_group_admin and user.dealer_group_id:
        scope |= Q(dealer_group_id=user.dealer_group_id)
    ids = User.objects.filter(scope).values("pk")
    memberships = StoreMembership.objects.select_related("store").order_by("store__code")
    if not user.is_group_admin:
        memberships = memberships.filter(store_id__in=managed)
    return User.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("memberships", queryset=memberships, to_attr="visible_memberships")
    )


def users_for_manager(user, *, q=None, store=None, role=None, active=None):
    """People holding roles in the stores where `user` has MANAGE_USERS (a group admin: the
    whole group), with their roles in those stores; two queries."""
    users = _managed_users(user)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    held = {}
    if store:
        held["memberships__store_id"] = store
    if role:
        held["memberships__role"] = role
    if held:
        users = users.filter(**held)  # one filter call: the same membership matches both
    if active in (True, False):
        users = users.filter(is_active=active)
    return users.distinct().order_by("username")


def user_for_manager(user, pk):
    """One user `user` may manage, or 404."""
    try:
        return _managed_users(user).select_related("dealer_group").get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such user in your stores.")) from None


def roles_label(user):
    """The user's roles as one short line, e.g. "CS manager @ GZ01"."""
    memberships = StoreMembership.objects.filter(user=user).select_related("store")
    parts = [
        f"{m.get_role_display()} @ {m.store.code}" for m in memberships.order_by("store__code")
    ]
    if len(parts) > 2:
        return ", ".join(parts[:2]) + f" +{len(parts) - 2}"
    return ", ".join(parts)


def staff_of_store(store, roles):
    """Active users holding one of `roles` in `store`, for consultant/advisor pickers."""
    return (
        User.objects.filter(
            is_active=True, memberships__store=store, memberships__role__in=list(roles)
        )
        .distinct()
        .order_by("display_name", "username")
    )
