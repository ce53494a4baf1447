"""Rows about the same record in different chunks behave as in one chunk (on PostgreSQL the
previous chunk's rows are still being written while the next is resolved)."""

import pytest

from dealercare.customers import search_terms
from dealercare.customers.models import Customer, SearchTerm, Vehicle
from dealercare.imports.choices import RowOutcome
from dealercare.imports.tests.conftest import make_vin, run
from dealercare.imports.tests.test_upsert import (
    DELIVERY_HEADER,
    HEADER,
    LI,
    VIN1,
    VIN2,
    VIN3,
    VISIT_HEADER,
    ZHANG,
    counts,
    errors_of,
    visit_row,
)
from dealercare.operations.models import Delivery, ServiceVisit
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=[1, 2])
def tiny_chunks(request, monkeypatch):
    monkeypatch.setattr("dealercare.imports.cleaner.CHUNK_ROWS", request.param)
    return request.param


@pytest.fixture(autouse=True, params=["first-load", "lookups"])
def first_load_shortcut(request, settings):
    """Every case both ways: with the lookups of a store's first load narrowed to the keys the
    run wrote (the store starts empty), and with every key looked up."""
    settings.IMPORT_EMPTY_STORE_SHORTCUT = request.param == "first-load"


def test_a_customer_with_vehicles_on_rows_of_different_chunks(store_a, manager_a, job_for):
    rows = [HEADER, ZHANG, LI, [ZHANG[0], ZHANG[1], "", "", VIN3, "粤C12345", "", "", "", ""],
            [ZHANG[0], ZHANG[1], "", "", make_vin(4), "粤C54321", "", "", "", ""]]  # fmt: skip
    job = job_for(store_a, "customers", rows)
    assert counts(run(job, actor=manager_a)) == {RowOutcome.NEW: 4}
    zhang = Customer.objects.get(mobile="13812345678")
    assert set(zhang.vehicles.values_list("vin", flat=True)) == {VIN1, VIN3, make_vin(4)}
    stored = set(SearchTerm.objects.filter(customer=zhang).values_list("kind", "term"))
    assert stored == search_terms.customer_terms(
        name="张三", number=zhang.number, mobiles=["13812345678"],
        plates=["粤B12345", "粤C12345", "粤C54321"], vins=[VIN1, VIN3, make_vin(4)],
    )  # fmt: skip
    assert counts(run(job, actor=manager_a)) == {RowOutcome.UNCHANGED: 4}


def test_a_conflict_with_a_row_of_an_earlier_chunk_is_rejected(store_a, manager_a, job_for):
    other_city = [ZHANG[0], ZHANG[1], "", "深圳", "", "", "", "", "", ""]
    job = job_for(store_a, "customers", [HEADER, ZHANG, LI, other_city])
    result = run(job, actor=manager_a, valid_rows_only=True)
    assert counts(result) == {RowOutcome.NEW: 2, RowOutcome.REJECTED: 1}
    assert errors_of(job)[0][0] == 4
    assert Customer.objects.get(mobile="13812345678").city == "广州"


def test_a_later_chunk_fills_a_blank_of_a_customer_created_earlier(store_a, manager_a, job_for):
    blank_city = [ZHANG[0], ZHANG[1], "", "", VIN1, "", "", "", "", ""]
    with_city = [ZHANG[0], ZHANG[1], "", "佛山", "", "", "", "", "", ""]
    job = job_for(store_a, "customers", [HEADER, blank_city, LI, with_city])
    assert counts(run(job, actor=manager_a)) == {RowOutcome.NEW: 2, RowOutcome.UPDATED: 1}
    assert Customer.objects.get(mobile="13812345678").city == "佛山"
    assert counts(run(job, actor=manager_a)) == {RowOutcome.UNCHANGED: 3}


def test_a_vehicle_created_earlier_cannot_be_claimed_by_another_customer_later(
    store_a, manager_a, job_for
):
    thief = ["王五", "13700001111", "", "", VIN1, "", "", "", "", ""]
    job = job_for(store_a, "customers", [HEADER, ZHANG, LI, thief])
    run(job, actor=manager_a, valid_rows_only=True)
    assert "The vehicle belongs to another customer" in errors_of(job)[0][2]
    assert Vehicle.objects.get(vin=VIN1).owner.name == "张三"


def test_an_existing_owner_met_through_a_new_vehicle_and_again_later(store_a, manager_a, job_for):
    owner = CustomerFactory(store=store_a, name="张三", mobile="13812345678")
    VehicleFactory(owner=owner, vin=VIN2, plate="粤A88888")
    rows = [HEADER, [*ZHANG[:4], VIN1, "粤B12345", "", "", "", ""], LI[:1] + ["", "", "", VIN2,
            "", "", "", "", ""], [*ZHANG[:4], VIN3, "粤C12345", "", "", "", ""]]  # fmt: skip
    job = job_for(store_a, "customers", rows)
    result = run(job, actor=manager_a, valid_rows_only=True)
    assert counts(result) == {RowOutcome.NEW: 2, RowOutcome.REJECTED: 1}  # 李四 ≠ VIN2's owner
    owner.refresh_from_db()
    assert set(owner.vehicles.values_list("vin", flat=True)) == {VIN1, VIN2, VIN3}
    plates = set(
        SearchTerm.objects.filter(customer=owner, kind="plate").values_list("term", flat=True)
    )
    assert plates == {"粤A88888", "粤B12345", "粤C12345"}


def test_deliveries_without_an_order_number_across_chunks_are_stored_once(
    store_a, advisor_a, job_for
):
    row = ["", "2024-03-05", "", "", "张三", "13812345678", VIN1, ""]
    other = ["", "2024-03-06", "", "", "李四", "13900001111", VIN2, ""]
    job = job_for(store_a, "deliveries", [DELIVERY_HEADER, row, other, row])
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.NEW: 2, RowOutcome.UNCHANGED: 1}
    assert Delivery.objects.count() == 2


def test_a_repair_order_finished_in_a_later_chunk(store_a, advisor_a, job_for):
    other = visit_row("RO-2", mobile="13900001111", vin=VIN2, name="李四")
    other[-1] = "粤A88888"
    rows = [VISIT_HEADER, visit_row(date_out=""), other, visit_row()]
    job = job_for(store_a, "service_visits", rows)
    result = run(job, actor=advisor_a)
    assert counts(result) == {RowOutcome.NEW: 2, RowOutcome.UPDATED: 1}
    assert ServiceVisit.objects.get(repair_order_no="RO-1").status == "finished"
    customer = Customer.objects.get(mobile="13812345678")
    assert customer.last_visit_on is not None
