"""A store's first load looks up only the keys the run itself wrote; the result is the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealercare.customers.models import Customer
from dealercare.imports import services
from dealercare.imports.choices import JobStatus, RowOutcome
from dealercare.imports.tests.conftest import CUSTOMER_HEADER, commit_upload, make_vin, run
from dealercare.imports.upsert import Upserter
from dealercare.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def rows(count, start=0):
    return [[f"客户{i}", f"139{i:08d}", "男", "广州", make_vin(i), f"粤A{i:05d}", "大众", "朗逸",
             "2024-03-05", "1000"] for i in range(start, start + count)]  # fmt: skip


def lookups(queries, column):
    return [
        q["sql"] for q in queries if f'"{column}" = ANY' in q["sql"] or f'"{column}" IN' in q["sql"]
    ]


def test_only_an_empty_store_starts_a_first_load(store_a, store_b):
    CustomerFactory(store=store_b)
    assert Upserter(store=store_a, kind="customers").start_from_empty_store()
    assert not Upserter(store=store_b, kind="customers").start_from_empty_store()


@pytest.mark.parametrize("shortcut", [True, False])
def test_a_first_load_asks_the_database_only_for_keys_it_wrote(
    settings, monkeypatch, store_a, job_for, shortcut
):
    settings.IMPORT_EMPTY_STORE_SHORTCUT = shortcut
    monkeypatch.setattr("dealercare.imports.cleaner.CHUNK_ROWS", 10)
    again = rows(1, start=3)[0]  # customer 3 again, 27 rows later, with a second car
    again[4], again[5] = make_vin(999), "粤A99999"
    job = job_for(store_a, "customers", [CUSTOMER_HEADER, *rows(30), again])

    with CaptureQueriesContext(connection) as captured:
        result = run(job)

    assert result.counts[RowOutcome.NEW] == 31
    customer = Customer.objects.get(store=store_a, mobile="13900000003")
    assert customer.vehicles.count() == 2
    assert Customer.objects.filter(store=store_a).count() == 30
    asked = lookups(captured.captured_queries, "mobile")
    if shortcut:
        assert len(asked) == 1  # the last chunk: the one mobile it had written before
    else:
        assert len(asked) == 4  # every chunk


def test_a_second_import_looks_everything_up(settings, store_a, job_for):
    settings.IMPORT_EMPTY_STORE_SHORTCUT = True
    job = job_for(store_a, "customers", [CUSTOMER_HEADER, *rows(5)])
    run(job)

    with CaptureQueriesContext(connection) as captured:
        result = run(job)

    assert result.counts[RowOutcome.UNCHANGED] == 5
    assert len(lookups(captured.captured_queries, "mobile")) == 1


def test_a_customer_added_by_hand_during_a_first_load_fails_it_cleanly(
    settings, monkeypatch, store_a, manager_a
):
    settings.IMPORT_EMPTY_STORE_SHORTCUT = True
    start = Upserter.start_from_empty_store

    def then_someone_adds_one(self):
        started = start(self)
        CustomerFactory(store=self.store, mobile="13900000002")  # an agent, meanwhile
        return started

    monkeypatch.setattr(Upserter, "start_from_empty_store", then_someone_adds_one)
    job = commit_upload(manager_a, store_a, [CUSTOMER_HEADER, *rows(5)])

    assert job.status == JobStatus.FAILED
    assert job.message == str(services.MSG_CONCURRENT)
    # Nothing of the import is kept (here the agent's customer shared its transaction).
    assert Customer.objects.filter(store=store_a).count() == 0
