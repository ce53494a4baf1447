"""customers.selectors.customer_search: ranking, store scope, and one bounded query per probe."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealercare.accounts.access import access_for
from dealercare.customers.selectors import customer_search
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

WANG = ("王芳", "王娜", "王秀英", "王敏", "王静", "王桂英", "王丽", "王艳", "王娟", "王霞", "王慧")


def names(customers):
    return [c.name for c in customers]


def test_an_exact_name_ranks_before_longer_names_that_start_with_it(agent_a, store_a):
    CustomerFactory(store=store_a, name="王丽娟")
    CustomerFactory(store=store_a, name="王丽")
    CustomerFactory(store=store_a, name="王丽华")
    # Prefix matches of equal length: the older customer first.
    assert names(customer_search(agent_a, "王丽")) == ["王丽", "王丽娟", "王丽华"]


def test_full_pinyin_ranks_before_initials_in_the_same_probe(agent_a, store_a):
    CustomerFactory(store=store_a, name="艾娜")  # initials "an"
    CustomerFactory(store=store_a, name="安")  # pinyin "an"
    assert names(customer_search(agent_a, "an")) == ["安", "艾娜"]


def test_a_broad_prefix_returns_the_first_terms_in_byte_order_then_shortest(agent_a, store_a):
    customers = [CustomerFactory(store=store_a, name=name) for name in WANG]
    # The probe reads the first limit * 2 keys by (term, customer); those rank by length.
    first_keys = sorted(customers, key=lambda c: (c.name.encode(), c.pk))[:6]
    expected = sorted(first_keys, key=lambda c: (len(c.name), c.pk))[:3]
    assert customer_search(agent_a, "王", limit=3) == expected


def test_a_plate_without_province_and_a_vin_tail_find_the_owner(agent_a, store_a):
    owner = CustomerFactory(store=store_a, name="李强")
    VehicleFactory(owner=owner, plate="粤A12345", vin="LFV3A23C9P3012345")
    CustomerFactory(store=store_a, name="李四")
    assert customer_search(agent_a, "A12345") == [owner]
    assert customer_search(agent_a, "012345") == [owner]
    assert customer_search(agent_a, "粤a12345") == [owner]


def test_search_finds_only_customers_of_the_users_stores(agent_a, admin_user, store_a, store_b):
    mine = CustomerFactory(store=store_a, name="赵敏")
    theirs = CustomerFactory(store=store_b, name="赵敏")
    assert customer_search(agent_a, "赵敏") == [mine]
    assert customer_search(agent_a, "zm") == [mine]
    assert customer_search(admin_user, "赵敏") == [mine, theirs]
    assert customer_search(admin_user, "赵敏", store_ids=[store_b.pk]) == [theirs]
    assert customer_search(agent_a, "赵敏", store_ids=[store_b.pk]) == []


def test_each_probe_is_one_query_and_results_load_in_two(
    agent_a, store_a, django_assert_num_queries
):
    for name in WANG:
        CustomerFactory(store=store_a, name=name)
    access_for(agent_a)  # the user's stores, read once per request
    # "王": the exact name probe, the prefix probe, then customers and their vehicles.
    with django_assert_num_queries(4):
        found = customer_search(agent_a, "王", limit=5)
    assert len(found) == 5


def test_a_query_of_nothing_searchable_finds_nobody_without_a_query(
    agent_a, store_a, django_assert_num_queries
):
    CustomerFactory(store=store_a, name="王芳")
    access_for(agent_a)
    with django_assert_num_queries(0):
        assert customer_search(agent_a, " - ") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
@pytest.mark.parametrize("query", ["王", "wang", "王芳"])
def test_on_postgresql_probes_read_the_index_in_order_without_sorting(agent_a, store_a, query):
    for name in WANG:
        CustomerFactory(store=store_a, name=name)
    access_for(agent_a)
    with CaptureQueriesContext(connection) as captured:
        customer_search(agent_a, query, limit=5)
    probes = [q["sql"] for q in captured.captured_queries if "customers_searchterm" in q["sql"]]
    assert probes
    with connection.cursor() as cursor:
        # A tiny table would be read whole; forbid that to see which order the index gives.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for sql in probes:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "searchterm_term_customer" in plan, plan
            assert "Sort" not in plan, plan
