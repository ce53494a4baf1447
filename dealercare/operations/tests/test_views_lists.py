"""Deliveries, service visits and inquiries lists, and the visit page: scoped, filtered, paged."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealercare.operations.choices import VisitStatus, VisitType
from dealercare.testing.factories import (
    CustomerFactory,
    DeliveryFactory,
    InquiryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def vehicle_a(store_a):
    return VehicleFactory(store=store_a, owner=CustomerFactory(store=store_a, name="王五",
                                                               mobile="13822223333"),
                          plate="粤A12345")  # fmt: skip


@pytest.fixture
def vehicle_b(store_b):
    return VehicleFactory(store=store_b, owner=CustomerFactory(store=store_b, name="乙店车主",
                                                               mobile="13933334444"),
                          plate="粤B54321")  # fmt: skip


def listed(response):
    return list(response.context["page_obj"])


LISTS = ["operations:delivery-list", "operations:visit-list", "operations:inquiry-list"]


@pytest.mark.parametrize("name", LISTS)
def test_a_technician_gets_403_on_the_lists(client, store_a, make_user, name):
    client.force_login(make_user(store_a, "technician"))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("role", ["followup_agent", "service_advisor", "cs_manager"])
@pytest.mark.parametrize("name", LISTS)
def test_store_roles_open_the_lists(client, store_a, make_user, role, name):
    client.force_login(make_user(store_a, role))
    assert client.get(reverse(name)).status_code == 200


def test_lists_never_contain_another_stores_rows(client, manager_a, vehicle_a, vehicle_b):
    for vehicle in (vehicle_a, vehicle_b):
        DeliveryFactory(vehicle=vehicle)
        ServiceVisitFactory(vehicle=vehicle)
        InquiryFactory(customer=vehicle.owner)
    client.force_login(manager_a)
    for name in LISTS:
        response = client.get(reverse(name))
        assert {row.store_id for row in listed(response)} == {vehicle_a.store_id}
        body = response.content.decode()
        assert "乙店车主" not in body and "粤B54321" not in body
        # Asking for store B's rows by filter gives nothing of B.
        response = client.get(reverse(name), {"store": vehicle_b.store_id})
        assert "乙店车主" not in response.content.decode()


def test_lists_show_no_phone_numbers(client, manager_a, vehicle_a):
    DeliveryFactory(vehicle=vehicle_a)
    ServiceVisitFactory(vehicle=vehicle_a)
    InquiryFactory(customer=vehicle_a.owner)
    client.force_login(manager_a)
    for name in LISTS:
        body = client.get(reverse(name)).content.decode()
        assert "王五" in body
        assert "13822223333" not in body and "3333" not in body.replace("粤A12345", "")


def test_delivery_list_filters(client, manager_a, vehicle_a, store_a):
    now = timezone.now()
    recent = DeliveryFactory(vehicle=vehicle_a, order_no="SO-2026-001", consultant_name="李销售",
                             delivered_at=now - datetime.timedelta(days=1))  # fmt: skip
    old = DeliveryFactory(vehicle=vehicle_a, order_no="SO-2025-777", consultant_name="赵销售",
                          delivered_at=now - datetime.timedelta(days=90), status="cancelled")  # fmt: skip
    other = DeliveryFactory(vehicle=VehicleFactory(store=store_a, plate="粤A99999",
                                                   owner=CustomerFactory(store=store_a,
                                                                         name="钱七")))  # fmt: skip
    client.force_login(manager_a)
    url = reverse("operations:delivery-list")

    def pks(**params):
        return [d.pk for d in listed(client.get(url, params))]

    assert pks(q="SO-2025") == [old.pk]
    assert pks(q="a99999") == [other.pk]
    assert pks(q="钱七") == [other.pk]
    assert pks(consultant="赵") == [old.pk]
    assert pks(status="cancelled") == [old.pk]
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert pks(date_from=week_ago, q="SO-2026") == [recent.pk]
    assert pks(date_to=week_ago) == [other.pk, old.pk]  # 30 and 90 days ago


def test_visit_list_filters(client, manager_a, vehicle_a):
    repair = ServiceVisitFactory(vehicle=vehicle_a, repair_order_no="RO-REP-1",
                                 visit_type=VisitType.REPAIR, advisor_name="周顾问")  # fmt: skip
    open_visit = ServiceVisitFactory(vehicle=vehicle_a, repair_order_no="RO-OPEN-1",
                                     status=VisitStatus.OPEN, date_out=None)  # fmt: skip
    client.force_login(manager_a)
    url = reverse("operations:visit-list")

    def pks(**params):
        return [v.pk for v in listed(client.get(url, params))]

    assert pks(visit_type="repair") == [repair.pk]
    assert pks(status="open") == [open_visit.pk]
    assert pks(advisor="周") == [repair.pk]
    assert pks(q="ro-rep") == [repair.pk]
    assert sorted(pks(q="粤A12345")) == sorted([repair.pk, open_visit.pk])


def test_inquiry_list_filters(client, manager_a, store_a):
    phone = InquiryFactory(customer=CustomerFactory(store=store_a), channel="phone",
                           models_of_interest="探岳")  # fmt: skip
    walk_in = InquiryFactory(customer=CustomerFactory(store=store_a), status="won")
    client.force_login(manager_a)
    url = reverse("operations:inquiry-list")
    assert [i.pk for i in listed(client.get(url, {"channel": "phone"}))] == [phone.pk]
    assert [i.pk for i in listed(client.get(url, {"status": "won"}))] == [walk_in.pk]
    assert [i.pk for i in listed(client.get(url, {"q": "探岳"}))] == [phone.pk]


def test_a_reversed_date_range_is_a_clear_error(client, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("operations:delivery-list"),
                          {"date_from": "2026-03-02", "date_to": "2026-03-01"})  # fmt: skip
    assert response.context["filters"].errors == {
        "date_to": ["The end date is before the start date."]
    }
    assert 'data-testid="error-date_to">The end date is before the start date.' in (
        response.content.decode()
    )


def test_delivery_times_are_shown_in_the_stores_time_zone(client, manager_a, vehicle_a, store_a):
    store_a.timezone = "Asia/Urumqi"  # UTC+6
    store_a.save()
    DeliveryFactory(
        vehicle=vehicle_a, delivered_at=datetime.datetime(2026, 3, 1, 2, 0, tzinfo=datetime.UTC)
    )
    client.force_login(manager_a)
    assert "2026-03-01 08:00" in client.get(reverse("operations:delivery-list")).content.decode()


@pytest.mark.parametrize("name,make", [
    ("operations:delivery-list", lambda v: DeliveryFactory(vehicle=v)),
    ("operations:visit-list", lambda v: ServiceVisitFactory(vehicle=v)),
    ("operations:inquiry-list", lambda v: InquiryFactory(customer=v.owner)),
])  # fmt: skip
def test_lists_page_by_50_with_a_constant_query_count(client, manager_a, store_a, name, make):
    client.force_login(manager_a)
    make(VehicleFactory(store=store_a, owner=CustomerFactory(store=store_a)))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name))
    for _ in range(55):
        make(VehicleFactory(store=store_a, owner=CustomerFactory(store=store_a)))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(name))
    assert len(listed(response)) == 50
    assert len(many) == len(few)
    assert len(listed(client.get(reverse(name), {"page": 2}))) == 6


def test_an_htmx_request_gets_only_the_table(client, manager_a, vehicle_a):
    DeliveryFactory(vehicle=vehicle_a)
    client.force_login(manager_a)
    response = client.get(reverse("operations:delivery-list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-testid="delivery-table"' in body
    assert "<html" not in body


def test_the_visit_page_shows_the_repair_order(client, advisor_a, vehicle_a):
    visit = ServiceVisitFactory(vehicle=vehicle_a, repair_order_no="RO-777", labour_amount=300,
                                parts_amount=500, fault_description="刹车异响")  # fmt: skip
    client.force_login(advisor_a)
    response = client.get(reverse("operations:visit-detail", args=[visit.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "RO-777" in body and "刹车异响" in body and "¥800.00" in body
    assert "13822223333" not in body


def test_another_stores_visit_is_a_404(client, manager_a, vehicle_b):
    visit = ServiceVisitFactory(vehicle=vehicle_b)
    client.force_login(manager_a)
    assert client.get(reverse("operations:visit-detail", args=[visit.pk])).status_code == 404


def test_a_technician_cannot_open_a_visit(client, store_a, make_user, vehicle_a):
    visit = ServiceVisitFactory(vehicle=vehicle_a)
    client.force_login(make_user(store_a, "technician"))
    assert client.get(reverse("operations:visit-detail", args=[visit.pk])).status_code == 403
