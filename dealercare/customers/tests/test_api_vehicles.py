"""REST API of vehicles: scoping, roles, VIN and plate validation, duplicates, transfer."""

import datetime
import random

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dealercare.accounts.api.scoping import MSG_ROLE_CANNOT
from dealercare.core import validators as v
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.models import Vehicle, VehicleOwnership
from dealercare.demo import generators as gen
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

MSG_NOT_FOUND = "No such vehicle in your stores."
MSG_NO_SUCH_CUSTOMER = "No such customer in your stores."


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def a_vin(seed=1):
    return gen.vin(random.Random(seed))


@pytest.fixture
def owner_a(store_a):
    return CustomerFactory(store=store_a, name="张三")


@pytest.fixture
def car_a(owner_a):
    return VehicleFactory(owner=owner_a, plate="粤A12345", brand="一汽-大众")


@pytest.fixture
def car_b(store_b):
    return VehicleFactory(owner=CustomerFactory(store=store_b), plate="粤B54321", brand="广汽丰田")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/vehicles/"),
        ("post", "/api/vehicles/"),
        ("get", "/api/vehicles/1/"),
        ("patch", "/api/vehicles/1/"),
        ("post", "/api/vehicles/1/transfer/"),
    ],
)
def test_every_vehicle_endpoint_needs_credentials(api_client, method, url):
    assert getattr(api_client, method)(url, {}, format="json").status_code == 401


def test_the_list_excludes_another_stores_vehicles(agent_a, car_a, car_b):
    response = client_for(agent_a).get("/api/vehicles/")

    assert [row["id"] for row in response.json()["results"]] == [car_a.pk]
    assert response.json()["results"][0]["owner"] == {
        "id": car_a.owner_id, "number": car_a.owner.number, "name": "张三",
    }  # fmt: skip


def test_a_group_admin_lists_vehicles_of_every_store(admin_user, car_a, car_b):
    response = client_for(admin_user).get("/api/vehicles/")

    assert {row["id"] for row in response.json()["results"]} == {car_a.pk, car_b.pk}


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", {}),
        ("patch", "", {"colour": "黑色"}),
        ("post", "transfer/", {"new_owner_id": 1}),
    ],
)
def test_another_stores_vehicle_is_not_found(agent_a, car_b, method, suffix, body):
    client = client_for(agent_a)

    response = getattr(client, method)(f"/api/vehicles/{car_b.pk}/{suffix}", body, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": MSG_NOT_FOUND}
    car_b.refresh_from_db()
    assert car_b.colour == "白色"


def test_a_technician_cannot_list_vehicles(store_a, make_user, car_a):
    response = client_for(make_user(store_a, "technician")).get("/api/vehicles/")

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_ROLE_CANNOT)}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"brand": "一汽-大众"}, ["car_a"]),
        ({"q": "a12345"}, ["car_a"]),
        ({"q": "粤b 543"}, ["car_b"]),
        ({"store": "store_b"}, ["car_b"]),
        ({"owner": "owner_a"}, ["car_a"]),
    ],
)
def test_the_list_filters(admin_user, store_b, owner_a, car_a, car_b, params, expected):
    names = {car_a.pk: "car_a", car_b.pk: "car_b"}
    ids = {"store_b": store_b.pk, "owner_a": owner_a.pk}
    params = {key: ids.get(value, value) for key, value in params.items()}

    response = client_for(admin_user).get("/api/vehicles/", params)

    assert [names[row["id"]] for row in response.json()["results"]] == expected


def test_the_list_filters_by_vin_tail(agent_a, car_a):
    response = client_for(agent_a).get("/api/vehicles/", {"q": car_a.vin[-6:].lower()})

    assert [row["id"] for row in response.json()["results"]] == [car_a.pk]


def test_creating_a_vehicle_normalises_the_vin_and_records_the_owner(agent_a, owner_a):
    vin = a_vin()

    response = client_for(agent_a).post(
        "/api/vehicles/",
        {"owner": owner_a.pk, "vin": vin.lower(), "plate": "粤a·d12345", "brand": "比亚迪",
         "model_name": "汉", "fuel_type": "ev", "delivery_date": "2026-03-01"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert (body["vin"], body["plate"], body["store"]) == (vin, "粤AD12345", owner_a.store_id)
    assert body["ownerships"] == [
        {"id": body["ownerships"][0]["id"], "started_on": "2026-03-01", "ended_on": None,
         "reason": "purchase", "customer": {"id": owner_a.pk, "number": owner_a.number,
                                            "name": "张三"}}
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="customers.vehicle")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vin", "LSVAU2180N218329", v.MSG_VIN_LENGTH),
        ("vin", "LSVAU2180N21832I4", v.MSG_VIN_CHARS),
        ("plate", "粤12345", v.MSG_PLATE_INVALID),
        ("plate", "AB12345", v.MSG_PLATE_INVALID),
    ],
)
def test_a_bad_vin_or_plate_gets_one_message(agent_a, owner_a, field, value, message):
    response = client_for(agent_a).post(
        "/api/vehicles/", {"owner": owner_a.pk, field: value}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {field: [str(message)]}
    assert not Vehicle.objects.exists()


def test_a_wrong_vin_check_digit_is_named(agent_a, owner_a):
    vin = a_vin()
    wrong = vin[:8] + ("X" if vin[8] != "X" else "0") + vin[9:]

    response = client_for(agent_a).post(
        "/api/vehicles/", {"owner": owner_a.pk, "vin": wrong}, format="json"
    )

    assert response.json() == {
        "vin": ["The VIN check digit (9th character) does not match; check for a typo."]
    }


def test_a_vehicle_needs_a_vin_or_a_plate(agent_a, owner_a):
    response = client_for(agent_a).post(
        "/api/vehicles/", {"owner": owner_a.pk, "brand": "比亚迪"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"vin": ["Give the VIN or the plate number (or both)."]}


def test_a_duplicate_vin_is_a_conflict_naming_the_owner(agent_a, owner_a, car_a):
    other = CustomerFactory(store=owner_a.store, name="李四")

    response = client_for(agent_a).post(
        "/api/vehicles/", {"owner": other.pk, "vin": car_a.vin.lower()}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "A vehicle with this VIN already exists in this store "
        f"(owner: 张三, {owner_a.number}).",
        "code": "duplicate",
        "field": "vin",
        "existing_vehicle_id": car_a.pk,
        "existing_id": owner_a.pk,
    }


def test_a_vehicle_for_another_stores_customer_reads_as_not_found(agent_a, car_b):
    response = client_for(agent_a).post(
        "/api/vehicles/", {"owner": car_b.owner_id, "vin": a_vin()}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"owner": [MSG_NO_SUCH_CUSTOMER]}


def test_updating_a_vehicle_audits_the_change(agent_a, car_a):
    response = client_for(agent_a).patch(
        f"/api/vehicles/{car_a.pk}/", {"mileage_km": 12000, "plate": "粤A 54321"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["mileage_km"], response.json()["plate"]) == (12000, "粤A54321")
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(car_a.pk))
    assert event.changes == {"plate": ["粤A12345", "粤A54321"], "mileage_km": [None, 12000]}


def test_transfer_closes_the_old_ownership_and_keeps_the_history(agent_a, owner_a, car_a):
    buyer = CustomerFactory(store=owner_a.store, name="王五")
    sold_on = str(car_a.delivery_date + datetime.timedelta(days=10))

    response = client_for(agent_a).post(
        f"/api/vehicles/{car_a.pk}/transfer/",
        {"new_owner_id": buyer.pk, "on_date": sold_on},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["owner"]["id"] == buyer.pk
    assert [(o["customer"]["id"], o["started_on"], o["ended_on"]) for o in body["ownerships"]] == [
        (buyer.pk, sold_on, None),
        (owner_a.pk, str(car_a.delivery_date), sold_on),
    ]
    assert AuditEvent.objects.filter(action=AuditAction.TRANSFER).count() == 1


def test_transfer_to_another_stores_customer_reads_as_not_found(agent_a, car_a, car_b):
    response = client_for(agent_a).post(
        f"/api/vehicles/{car_a.pk}/transfer/", {"new_owner_id": car_b.owner_id}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"new_owner_id": [MSG_NO_SUCH_CUSTOMER]}
    assert VehicleOwnership.objects.filter(
        vehicle=car_a, ended_on__isnull=True
    ).get().customer_id == (car_a.owner_id)


def test_transfer_to_the_current_owner_is_refused(agent_a, car_a):
    response = client_for(agent_a).post(
        f"/api/vehicles/{car_a.pk}/transfer/", {"new_owner_id": car_a.owner_id}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This customer already owns the vehicle.",
        "code": "invalid",
    }


def test_the_vehicle_list_is_paginated(store_a, agent_a):
    VehicleFactory.create_batch(3, owner=CustomerFactory(store=store_a))

    body = client_for(agent_a).get("/api/vehicles/", {"page_size": 2}).json()

    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"].endswith("/api/vehicles/?page=2&page_size=2")


@pytest.mark.parametrize("count", [2, 12])
def test_the_vehicle_list_takes_a_fixed_number_of_queries(
    store_a, agent_a, django_assert_max_num_queries, count
):
    for _ in range(count):
        VehicleFactory(owner=CustomerFactory(store=store_a))
    client = client_for(agent_a)

    with django_assert_max_num_queries(4):
        response = client.get("/api/vehicles/")

    assert len(response.json()["results"]) == count


def test_the_vehicle_detail_shows_an_unowned_vehicle(agent_a, store_a):
    vehicle = VehicleFactory(owner=None, store=store_a, delivery_date=datetime.date(2026, 1, 5))

    body = client_for(agent_a).get(f"/api/vehicles/{vehicle.pk}/").json()

    assert (body["owner"], body["ownerships"]) == (None, [])
