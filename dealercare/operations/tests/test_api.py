"""REST API of deliveries, service visits and prospects: the DMS push, scoping, roles, duplicates."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dealercare.accounts.api.scoping import MSG_ROLE_CANNOT
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.operations.choices import EventSource
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit
from dealercare.testing.factories import (
    CustomerFactory,
    DeliveryFactory,
    InquiryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

MSG_NO_PERMISSION = "You do not have permission to do this in this store."
MSG_NO_SUCH_CUSTOMER = "No such customer in your stores."
MSG_NO_SUCH_VEHICLE = "No such vehicle in your stores."
ENDPOINTS = ("deliveries", "service-visits", "prospects")


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def dms_a(store_a, make_user):
    return make_user(store_a, "integration")


@pytest.fixture
def car_a(store_a):
    return VehicleFactory(owner=CustomerFactory(store=store_a, name="张三"))


@pytest.fixture
def car_b(store_b):
    return VehicleFactory(owner=CustomerFactory(store=store_b, name="李四"), plate="粤B54321")


@pytest.fixture
def rows(car_a, car_b):
    """One delivery, visit and inquiry in each store."""
    return {
        "deliveries": (DeliveryFactory(vehicle=car_a), DeliveryFactory(vehicle=car_b)),
        "service-visits": (ServiceVisitFactory(vehicle=car_a), ServiceVisitFactory(vehicle=car_b)),
        "prospects": (InquiryFactory(customer=car_a.owner), InquiryFactory(customer=car_b.owner)),
    }


def _delivery_body(vehicle, **extra):
    return {"customer": vehicle.owner_id, "vehicle": vehicle.pk,
            "delivered_at": "2026-05-01T10:30:00+08:00", "order_no": "SO-2026-0001",
            "consultant_name": "李销售", "price": "189900.00", **extra}  # fmt: skip


def _visit_body(vehicle, **extra):
    return {"customer": vehicle.owner_id, "vehicle": vehicle.pk, "repair_order_no": "RO-2026-0001",
            "visit_type": "maintenance", "date_in": "2026-05-02T09:00:00+08:00",
            "date_out": "2026-05-02T15:00:00+08:00", "status": "finished",
            "labour_amount": "300.00", "parts_amount": "520.50", "advisor_name": "王顾问",
            "mileage_km": 5020, **extra}  # fmt: skip


# --- authentication and roles -------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("post", ""), ("get", "1/"), ("patch", "1/")]
)
def test_every_endpoint_needs_credentials(api_client, endpoint, method, suffix):
    response = getattr(api_client, method)(f"/api/{endpoint}/{suffix}", {}, format="json")

    assert response.status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_technician_cannot_list_events(store_a, make_user, endpoint):
    response = client_for(make_user(store_a, "technician")).get(f"/api/{endpoint}/")

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_ROLE_CANNOT)}


def test_the_integration_role_pushes_a_delivery(dms_a, car_a):
    response = client_for(dms_a).post("/api/deliveries/", _delivery_body(car_a), format="json")

    assert response.status_code == 201
    delivery = Delivery.objects.get()
    assert (delivery.source, delivery.store_id, delivery.order_no) == (
        EventSource.API, car_a.store_id, "SO-2026-0001",
    )  # fmt: skip
    body = response.json()
    assert (body["source"], body["price"], body["customer"]["name"]) == ("api", "189900.00", "张三")
    assert body["delivered_at"] == "2026-05-01T10:30:00+08:00"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, actor=dms_a,
                                     target_type="operations.delivery").exists()  # fmt: skip


def test_the_integration_role_pushes_a_service_visit(dms_a, car_a):
    response = client_for(dms_a).post("/api/service-visits/", _visit_body(car_a), format="json")

    assert response.status_code == 201
    visit = ServiceVisit.objects.get()
    assert (visit.source, visit.repair_order_no, visit.status) == (
        EventSource.API, "RO-2026-0001", "finished",
    )  # fmt: skip
    assert response.json()["total_amount"] == "820.50"


def test_a_followup_agent_cannot_push_deliveries_or_visits(agent_a, car_a):
    client = client_for(agent_a)

    delivery = client.post("/api/deliveries/", _delivery_body(car_a), format="json")
    visit = client.post("/api/service-visits/", _visit_body(car_a), format="json")

    assert (delivery.status_code, visit.status_code) == (403, 403)
    assert delivery.json() == visit.json() == {"detail": MSG_NO_PERMISSION}
    assert not Delivery.objects.exists() and not ServiceVisit.objects.exists()


def test_a_followup_agent_cannot_edit_a_visit(agent_a, rows):
    visit = rows["service-visits"][0]

    response = client_for(agent_a).patch(
        f"/api/service-visits/{visit.pk}/", {"work_summary": "更换机油"}, format="json"
    )

    assert response.status_code == 403


# --- store isolation ----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_lists_exclude_another_stores_rows(advisor_a, rows, endpoint):
    response = client_for(advisor_a).get(f"/api/{endpoint}/")

    assert [r["id"] for r in response.json()["results"]] == [rows[endpoint][0].pk]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_group_admin_lists_rows_of_every_store(admin_user, rows, endpoint):
    response = client_for(admin_user).get(f"/api/{endpoint}/")

    assert {r["id"] for r in response.json()["results"]} == {r.pk for r in rows[endpoint]}


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("deliveries", "No such delivery in your stores."),
        ("service-visits", "No such service visit in your stores."),
        ("prospects", "No such inquiry in your stores."),
    ],
)
def test_another_stores_row_is_not_found(manager_a, rows, endpoint, message):
    row_b = rows[endpoint][1]
    client = client_for(manager_a)

    read = client.get(f"/api/{endpoint}/{row_b.pk}/")
    edit = client.patch(f"/api/{endpoint}/{row_b.pk}/", {"note": "x"}, format="json")

    assert read.status_code == 404
    assert read.json() == {"detail": message}
    assert edit.status_code == (405 if endpoint == "prospects" else 404)


def test_pushing_for_another_stores_customer_reads_as_not_found(dms_a, car_b):
    response = client_for(dms_a).post("/api/deliveries/", _delivery_body(car_b), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "customer": [MSG_NO_SUCH_CUSTOMER], "vehicle": [MSG_NO_SUCH_VEHICLE],
    }  # fmt: skip


def test_customer_and_vehicle_of_different_stores_are_refused(admin_user, car_a, car_b):
    response = client_for(admin_user).post(
        "/api/service-visits/", _visit_body(car_b, customer=car_a.owner_id), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The customer and the vehicle must belong to this store.",
        "code": "invalid",
    }


def test_a_vehicle_of_another_customer_is_refused(dms_a, store_a, car_a):
    other = CustomerFactory(store=store_a, name="王五")

    response = client_for(dms_a).post(
        "/api/deliveries/", _delivery_body(car_a, customer=other.pk), format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == f"The vehicle belongs to another customer ({car_a.owner})."


def test_a_staff_member_of_another_store_cannot_be_named(dms_a, store_b, make_user, car_a):
    advisor_b = make_user(store_b, "service_advisor")

    response = client_for(dms_a).post(
        "/api/service-visits/", _visit_body(car_a, advisor=advisor_b.pk), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"advisor": ["No such user in your stores."]}


# --- duplicates and validation ------------------------------------------------------------------


def test_a_duplicate_order_number_is_a_conflict_with_the_existing_id(dms_a, car_a):
    client = client_for(dms_a)
    first = client.post("/api/deliveries/", _delivery_body(car_a), format="json")

    again = client.post("/api/deliveries/", _delivery_body(car_a), format="json")

    assert again.status_code == 409
    assert again.json() == {
        "detail": "Sales order SO-2026-0001 already exists in this store.",
        "code": "duplicate", "field": "order_no", "existing_id": first.json()["id"],
    }  # fmt: skip
    assert Delivery.objects.count() == 1


def test_renumbering_a_delivery_to_a_taken_order_number_is_a_conflict(dms_a, car_a):
    taken = DeliveryFactory(vehicle=car_a, order_no="SO-1")
    delivery = DeliveryFactory(vehicle=car_a, order_no="SO-2")

    response = client_for(dms_a).patch(
        f"/api/deliveries/{delivery.pk}/", {"order_no": "SO-1"}, format="json"
    )

    assert response.status_code == 409
    assert (response.json()["field"], response.json()["existing_id"]) == ("order_no", taken.pk)
    delivery.refresh_from_db()
    assert delivery.order_no == "SO-2"


def test_a_duplicate_repair_order_number_is_a_conflict_with_the_existing_id(dms_a, car_a):
    client = client_for(dms_a)
    first = client.post("/api/service-visits/", _visit_body(car_a), format="json")

    again = client.post("/api/service-visits/", _visit_body(car_a), format="json")

    assert again.status_code == 409
    assert again.json() == {
        "detail": "Repair order RO-2026-0001 already exists in this store.",
        "code": "duplicate", "field": "repair_order_no", "existing_id": first.json()["id"],
    }  # fmt: skip


def test_the_same_repair_order_number_in_another_store_is_no_duplicate(admin_user, car_a, car_b):
    client = client_for(admin_user)

    first = client.post("/api/service-visits/", _visit_body(car_a), format="json")
    second = client.post("/api/service-visits/", _visit_body(car_b), format="json")

    assert (first.status_code, second.status_code) == (201, 201)


def test_a_visit_cannot_leave_before_it_came_in(dms_a, car_a):
    response = client_for(dms_a).post(
        "/api/service-visits/",
        _visit_body(car_a, date_out="2026-05-01T15:00:00+08:00"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"date_out": ["The vehicle cannot leave before it came in."]}


def test_finishing_a_visit_needs_the_time_the_vehicle_left(dms_a, car_a):
    visit = ServiceVisitFactory(vehicle=car_a, status="open", date_out=None)

    response = client_for(dms_a).patch(
        f"/api/service-visits/{visit.pk}/", {"status": "finished"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"date_out": ["A finished visit needs the time the vehicle left."]}


def test_finishing_a_visit_is_audited(dms_a, car_a):
    visit = ServiceVisitFactory(vehicle=car_a, status="open", date_out=None)
    left = visit.date_in + datetime.timedelta(hours=3)

    response = client_for(dms_a).patch(
        f"/api/service-visits/{visit.pk}/",
        {"status": "finished", "date_out": left.isoformat()},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "finished"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(visit.pk))
    assert event.changes["status"] == ["open", "finished"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("delivered_at", "yesterday", "Datetime has wrong format. Use one of these formats "
         "instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."),
        ("price", "-1", "Ensure this value is greater than or equal to 0."),
        ("status", "lost", '"lost" is not a valid choice.'),
    ],
)  # fmt: skip
def test_a_bad_delivery_field_gets_one_message(dms_a, car_a, field, value, message):
    response = client_for(dms_a).post(
        "/api/deliveries/", _delivery_body(car_a, **{field: value}), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_updating_a_delivery(dms_a, car_a):
    delivery = DeliveryFactory(vehicle=car_a)

    response = client_for(dms_a).patch(
        f"/api/deliveries/{delivery.pk}/", {"status": "cancelled", "note": "客户退车"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["note"]) == ("cancelled", "客户退车")


# --- prospects ----------------------------------------------------------------------------------


def test_an_advisor_records_a_prospects_inquiry(advisor_a, store_a):
    prospect = CustomerFactory(store=store_a, name="赵六")

    response = client_for(advisor_a).post(
        "/api/prospects/",
        {"customer": prospect.pk, "channel": "phone", "needs": "家用SUV",
         "models_of_interest": "探岳", "budget_min": "200000", "budget_max": "250000"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    inquiry = Inquiry.objects.get()
    assert (inquiry.store_id, inquiry.models_of_interest) == (store_a.pk, "探岳")
    assert response.json()["customer"]["name"] == "赵六"


def test_a_budget_upper_end_below_the_lower_is_refused(advisor_a, store_a):
    prospect = CustomerFactory(store=store_a)

    response = client_for(advisor_a).post(
        "/api/prospects/",
        {"customer": prospect.pk, "budget_min": "300000", "budget_max": "200000"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"budget_max": ["The budget's upper end is below its lower end."]}


def test_an_inquiry_for_another_stores_customer_reads_as_not_found(advisor_a, car_b):
    response = client_for(advisor_a).post(
        "/api/prospects/", {"customer": car_b.owner_id}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"customer": [MSG_NO_SUCH_CUSTOMER]}


# --- filters, pagination, query counts ----------------------------------------------------------


def test_deliveries_filter_by_date_range_and_status(advisor_a, car_a):
    now = timezone.now()
    old = DeliveryFactory(vehicle=car_a, delivered_at=now - datetime.timedelta(days=40))
    recent = DeliveryFactory(vehicle=car_a, delivered_at=now - datetime.timedelta(days=2))
    DeliveryFactory(vehicle=car_a, delivered_at=now - datetime.timedelta(days=1),
                    status="cancelled")  # fmt: skip
    since = timezone.localdate() - datetime.timedelta(days=10)

    response = client_for(advisor_a).get(
        "/api/deliveries/", {"date_from": since.isoformat(), "status": "delivered"}
    )
    until = client_for(advisor_a).get("/api/deliveries/", {"date_to": since.isoformat()})

    assert [r["id"] for r in response.json()["results"]] == [recent.pk]
    assert [r["id"] for r in until.json()["results"]] == [old.pk]


def test_service_visits_filter_by_type_store_and_order_number(admin_user, store_b, car_a, car_b):
    repair = ServiceVisitFactory(vehicle=car_a, visit_type="repair", repair_order_no="RO-9")
    ServiceVisitFactory(vehicle=car_a, visit_type="maintenance")
    in_b = ServiceVisitFactory(vehicle=car_b, visit_type="repair")
    client = client_for(admin_user)

    by_type = client.get("/api/service-visits/", {"visit_type": "repair"}).json()["results"]
    by_store = client.get("/api/service-visits/", {"store": store_b.pk}).json()["results"]
    by_no = client.get("/api/service-visits/", {"repair_order_no": "RO-9"}).json()["results"]

    assert {r["id"] for r in by_type} == {repair.pk, in_b.pk}
    assert [r["id"] for r in by_store] == [in_b.pk]
    assert [r["id"] for r in by_no] == [repair.pk]


def test_a_bad_filter_value_is_a_400(advisor_a):
    response = client_for(advisor_a).get("/api/service-visits/", {"date_from": "May"})

    assert response.status_code == 400
    assert response.json() == {"date_from": ["Enter a valid date."]}


def test_service_visits_are_paginated(advisor_a, car_a):
    ServiceVisitFactory.create_batch(3, vehicle=car_a)

    body = client_for(advisor_a).get("/api/service-visits/", {"page_size": 2}).json()

    assert (body["count"], len(body["results"]), body["previous"]) == (3, 2, None)
    assert body["next"].endswith("/api/service-visits/?page=2&page_size=2")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("count", [1, 8])
def test_lists_take_a_fixed_number_of_queries(
    advisor_a, store_a, django_assert_max_num_queries, endpoint, count
):
    make_row = {
        "deliveries": lambda vehicle: DeliveryFactory(vehicle=vehicle),
        "service-visits": lambda vehicle: ServiceVisitFactory(vehicle=vehicle),
        "prospects": lambda vehicle: InquiryFactory(customer=vehicle.owner),
    }[endpoint]
    for _ in range(count):
        make_row(VehicleFactory(owner=CustomerFactory(store=store_a)))
    client = client_for(advisor_a)

    with django_assert_max_num_queries(4):
        response = client.get(f"/api/{endpoint}/")

    assert len(response.json()["results"]) == count
