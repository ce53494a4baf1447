"""Every read of the customer archive, scoped to the stores the user may see."""

from django.db import connections
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability

from .models import Customer, SearchTerm, Vehicle, VehicleOwnership
from .search_terms import KIND_RANK, query_probes

SEARCH_LIMIT = 20
MSG_NOT_FOUND = _("No such customer in your stores.")


def customers_for_user(user, capability=Capability.VIEW_CUSTOMERS):
    """The live (not merged) customers of every store where `user` holds `capability`."""
    return Customer.objects.filter(
        store_id__in=access_for(user).store_ids(capability), merged_into__isnull=True
    )


def vehicles_for_user(user, capability=Capability.VIEW_CUSTOMERS):
    return Vehicle.objects.filter(store_id__in=access_for(user).store_ids(capability))


def customer_get(user, pk, capability=Capability.VIEW_CUSTOMERS):
    """One customer the user may see (merged ones included, so old links resolve), or 404."""
    try:
        return Customer.objects.select_related("store", "merged_into").get(
            pk=pk, store_id__in=access_for(user).store_ids(capability)
        )
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404(MSG_NOT_FOUND) from None


def customer_detail(user, pk):
    """A customer with what the 360 page shows, in a fixed number of queries."""
    customer = customer_get(user, pk)
    vehicles = Vehicle.objects.filter(owner=customer).order_by("-delivery_date", "-id")
    return {
        "customer": customer,
        "vehicles": list(vehicles),
        "contacts": list(customer.contacts.all()),
        "tags": list(customer.tags.all()),
        "consents": list(customer.consents.select_related("recorded_by")[:20]),
        "merged_from": list(customer.merged_from.all()),
    }


def vehicle_get(user, pk, capability=Capability.VIEW_CUSTOMERS):
    try:
        return Vehicle.objects.select_related("store", "owner").get(
            pk=pk, store_id__in=access_for(user).store_ids(capability)
        )
    except (Vehicle.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such vehicle in your stores.")) from None


def vehicle_ownerships(vehicle):
    return list(VehicleOwnership.objects.filter(vehicle=vehicle).select_related("customer"))


def customer_list(user, *, store=None, customer_type=None, value_tier=None, lifecycle_state=None,
                  tag=None, kind=None, q=None):  # fmt: skip
    """The customer list with its filters; `q` narrows to search matches (ranked)."""
    qs = customers_for_user(user).select_related("store").prefetch_related("tags")
    if store:
        qs = qs.filter(store_id=store)
    if customer_type:
        qs = qs.filter(customer_type=customer_type)
    if value_tier:
        qs = qs.filter(value_tier=value_tier)
    if lifecycle_state:
        qs = qs.filter(lifecycle_state=lifecycle_state)
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__name=tag)
    if q:
        ids = [c.pk for c in customer_search(user, q, limit=200)]
        qs = qs.filter(pk__in=ids)
    return qs.order_by("-created_at", "-id")


def customer_search(user, query, *, limit=SEARCH_LIMIT, store_ids=None):
    """Customers matching a typed query (name, pinyin, initials, mobile, plate, VIN), best first.

    Each probe of the query is one index lookup on SearchTerm (equality or prefix, at most
    `limit * 2` rows); exact matches come before prefix matches, stronger kinds before weaker.
    """
    allowed = access_for(user).store_ids(Capability.VIEW_CUSTOMERS)
    if store_ids is not None:
        allowed = [s for s in allowed if s in set(store_ids)]
    if not allowed:
        return []
    ranked = {}
    for order, probe in enumerate(query_probes(query)):
        for customer_id, kind, term in _probe_rows(probe, allowed, limit * 2):
            key = (order, KIND_RANK[kind], len(term))
            if customer_id not in ranked or key < ranked[customer_id]:
                ranked[customer_id] = key
        if len(ranked) >= limit:
            break
    best = sorted(ranked, key=lambda cid: (ranked[cid], cid))[:limit]
    customers = Customer.objects.select_related("store").prefetch_related(
        Prefetch("vehicles", queryset=Vehicle.objects.only("id", "plate", "vin", "owner_id",
                                                           "model_name"))
    ).in_bulk(best)  # fmt: skip
    return [customers[cid] for cid in best if cid in customers]


def _probe_rows(probe, store_ids, count):
    """The first `count` (customer_id, kind, term) keys of one probe, by term then customer.

    Read in the order of the searchterm_term_customer index, so the database stops after
    `count` rows instead of sorting every match (a surname or `wang` matches ~50,000 keys).
    """
    terms = SearchTerm.objects.filter(store_id__in=store_ids, kind__in=probe.kinds)
    if probe.exact:
        terms = terms.filter(term=probe.term).order_by("customer_id")
        return list(terms.values_list("customer_id", "kind", "term")[:count])
    terms = terms.filter(term__startswith=probe.term).exclude(term=probe.term)
    terms = terms.values_list("customer_id", "kind", "term")
    connection = connections[terms.db]
    if connection.vendor != "postgresql":
        # SQLite compares text byte by byte (BINARY), the order PostgreSQL gives with ~<~.
        return list(terms.order_by("term", "customer_id")[:count])
    # ORDER BY term would sort by the database collation, which the varchar_pattern_ops index
    # does not follow; byte order (USING ~<~) is its order. The ORM cannot say USING.
    table = connection.ops.quote_name(SearchTerm._meta.db_table)
    sql, params = terms.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f'{sql} ORDER BY {table}."term" USING ~<~, {table}."customer_id" LIMIT %s',
            (*params, count),
        )
        return cursor.fetchall()
