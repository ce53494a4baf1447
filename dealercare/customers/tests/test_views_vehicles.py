"""Vehicle pages: list, detail, add, edit and transfer, with store isolation and permissions."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.models import Vehicle, VehicleOwnership
from dealercare.demo import generators as gen
from dealercare.testing.factories import (
    CustomerFactory,
    DeliveryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

rng = random.Random(777)
HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response):
    return response.content.decode()


def vehicle_ids(response):
    return [int(i) for i in re.findall(r'data-vehicle-id="(\d+)"', html(response))]


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def technician_a(store_a, make_user):
    return make_user(store_a, "technician")


@pytest.fixture
def owner_a(store_a):
    return CustomerFactory(store=store_a, name="张三", mobile="13812345678")


@pytest.fixture
def car_a(owner_a):
    return VehicleFactory(
        owner=owner_a,
        plate="粤A12345",
        vin="LFV2A21K2H4000001",
        brand="一汽-大众",
        model_name="迈腾",
    )


@pytest.fixture
def car_b(store_b):
    owner = CustomerFactory(store=store_b, name="王五", mobile="13987654321")
    return VehicleFactory(owner=owner, plate="粤B54321", brand="比亚迪", model_name="汉")


def edit_post(vehicle, **overrides):
    data = {
        "vin": vehicle.vin,
        "plate": vehicle.plate,
        "brand": vehicle.brand,
        "model_name": vehicle.model_name,
        "colour": vehicle.colour,
        "fuel_type": vehicle.fuel_type,
        "delivery_date": vehicle.delivery_date.isoformat() if vehicle.delivery_date else "",
    }
    data.update(overrides)
    return data


# --- login and roles --------------------------------------------------------------------------

VEHICLE_URLS = ["customers:vehicle-detail", "customers:vehicle-edit", "customers:vehicle-transfer"]


@pytest.mark.parametrize("name", ["customers:vehicle-list", *VEHICLE_URLS])
def test_logged_out_visitors_are_sent_to_the_login_page(client, car_a, name):
    url = reverse(name) if name == "customers:vehicle-list" else reverse(name, args=[car_a.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_a_technician_cannot_list_vehicles(logged_in, technician_a):
    assert logged_in(technician_a).get(reverse("customers:vehicle-list")).status_code == 403


@pytest.mark.parametrize("name", VEHICLE_URLS)
def test_a_technician_cannot_open_a_vehicle(logged_in, technician_a, car_a, name):
    assert logged_in(technician_a).get(reverse(name, args=[car_a.pk])).status_code == 404


@pytest.mark.parametrize("name", VEHICLE_URLS)
def test_another_stores_vehicle_is_not_found(logged_in, agent_a, car_b, name):
    response = logged_in(agent_a).get(reverse(name, args=[car_b.pk]))
    assert response.status_code == 404
    assert "粤B54321" not in html(response)


# --- list -------------------------------------------------------------------------------------


def test_the_list_shows_only_my_stores_vehicles(logged_in, agent_a, car_a, car_b):
    response = logged_in(agent_a).get(reverse("customers:vehicle-list"))
    assert response.status_code == 200
    assert vehicle_ids(response) == [car_a.pk]
    assert "粤B54321" not in html(response) and "王五" not in html(response)
    assert reverse("customers:detail", args=[car_a.owner_id]) in html(response)


def test_filtering_by_another_stores_id_shows_no_rows(logged_in, agent_a, car_a, car_b):
    response = logged_in(agent_a).get(reverse("customers:vehicle-list"), {"store": car_b.store_id})
    assert vehicle_ids(response) == []


def test_a_group_admin_filters_by_store_and_brand(logged_in, admin_user, car_a, car_b):
    client = logged_in(admin_user)
    url = reverse("customers:vehicle-list")
    assert sorted(vehicle_ids(client.get(url))) == sorted([car_a.pk, car_b.pk])
    assert vehicle_ids(client.get(url, {"store": car_b.store_id})) == [car_b.pk]
    assert vehicle_ids(client.get(url, {"brand": "一汽-大众"})) == [car_a.pk]


def test_another_stores_brand_is_not_offered(logged_in, agent_a, car_a, car_b):
    page = html(logged_in(agent_a).get(reverse("customers:vehicle-list")))
    assert "一汽-大众" in page
    assert "比亚迪" not in page


@pytest.mark.parametrize("query", ["粤A12345", "a12345", "4000001", "lfv2a21k2h", "张三", "zs"])
def test_vehicles_are_found_by_plate_vin_or_owner(logged_in, agent_a, car_a, car_b, owner_a, query):
    # A fixed VIN: a random one may contain "ZS", and the list also matches VIN fragments.
    VehicleFactory(owner=CustomerFactory(store=owner_a.store, name="李四"), plate="粤A77777",
                   vin=gen.vin(random.Random(7), "LSV", 2020))  # fmt: skip
    response = logged_in(agent_a).get(reverse("customers:vehicle-list"), {"q": query})
    assert vehicle_ids(response) == [car_a.pk]


def test_an_htmx_request_gets_only_the_results(logged_in, agent_a, car_a):
    response = logged_in(agent_a).get(reverse("customers:vehicle-list"), {"q": "A12345"}, **HTMX)
    assert "<html" not in html(response)
    assert vehicle_ids(response) == [car_a.pk]


def test_the_vehicle_list_query_count_does_not_grow_with_rows(logged_in, agent_a, store_a):
    client = logged_in(agent_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("customers:vehicle-list"))
        return len(ctx.captured_queries), len(vehicle_ids(response))

    VehicleFactory.create_batch(2, owner=CustomerFactory(store=store_a))
    few = count()
    for _ in range(20):
        VehicleFactory(owner=CustomerFactory(store=store_a))
    many = count()
    assert (few[1], many[1]) == (2, 22)
    assert many[0] == few[0]


# --- detail -----------------------------------------------------------------------------------


def test_the_vehicle_page_shows_data_owner_history_deliveries_and_visits(
    logged_in, agent_a, car_a, owner_a
):
    DeliveryFactory(vehicle=car_a, order_no="SO-0001")
    ServiceVisitFactory(vehicle=car_a, repair_order_no="RO-0001", mileage_km=5000)
    ServiceVisitFactory(vehicle=VehicleFactory(owner=owner_a), repair_order_no="RO-OTHER-CAR")
    response = logged_in(agent_a).get(reverse("customers:vehicle-detail", args=[car_a.pk]))
    page = html(response)
    assert response.status_code == 200
    assert "LFV2A21K2H4000001" in page and "迈腾" in page
    assert reverse("customers:detail", args=[owner_a.pk]) in page
    assert "138****5678" in page and "13812345678" not in page
    assert "SO-0001" in page and "RO-0001" in page
    assert "RO-OTHER-CAR" not in page
    assert reverse("operations:visit-detail", args=[car_a.service_visits.get().pk]) in page


def test_editors_see_the_edit_and_transfer_buttons(logged_in, agent_a, car_a):
    page = html(logged_in(agent_a).get(reverse("customers:vehicle-detail", args=[car_a.pk])))
    assert reverse("customers:vehicle-edit", args=[car_a.pk]) in page
    assert reverse("customers:vehicle-transfer", args=[car_a.pk]) in page


# --- create / edit ----------------------------------------------------------------------------


def test_adding_a_vehicle_to_a_customer_records_its_ownership_and_audits(
    logged_in, agent_a, owner_a
):
    vin = gen.vin(rng)
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-create", args=[owner_a.pk]),
        {"vin": vin, "plate": "粤AD12345", "brand": "比亚迪", "model_name": "秦",
         "fuel_type": "ev", "delivery_date": "2026-03-01"},
    )  # fmt: skip
    vehicle = Vehicle.objects.get(vin=vin)
    assert response.status_code == 302
    assert response.url == reverse("customers:vehicle-detail", args=[vehicle.pk])
    assert (vehicle.owner, vehicle.store, vehicle.plate) == (owner_a, owner_a.store, "粤AD12345")
    assert VehicleOwnership.objects.get(vehicle=vehicle).customer == owner_a
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_id=str(vehicle.pk)).exists()


def test_a_vehicle_needs_a_vin_or_a_plate(logged_in, agent_a, owner_a):
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-create", args=[owner_a.pk]),
        {"brand": "比亚迪", "fuel_type": "ev"},
    )
    assert "Give the VIN or the plate number (or both)." in html(response)
    assert not Vehicle.objects.exists()


def test_a_vehicle_cannot_be_added_to_another_stores_customer(logged_in, agent_a, car_b):
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-create", args=[car_b.owner_id]),
        {"plate": "粤A11111", "fuel_type": "petrol"},
    )
    assert response.status_code == 404
    assert not Vehicle.objects.filter(plate="粤A11111").exists()


def test_editing_a_vehicle_audits_each_changed_field(logged_in, agent_a, car_a):
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-edit", args=[car_a.pk]),
        edit_post(car_a, plate="粤a 54321", mileage_km="12000"),
    )
    assert response.status_code == 302
    car_a.refresh_from_db()
    assert (car_a.plate, car_a.mileage_km) == ("粤A54321", 12000)
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(car_a.pk))
    assert event.changes == {"plate": ["粤A12345", "粤A54321"], "mileage_km": [None, 12000]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("plate", "ABC123", "Enter a valid plate number"),
        ("vin", "LFV2A21K2H400000", "A VIN has exactly 17 characters."),
        ("vin", "LFV2A21K2H400000I", "A VIN uses digits and letters except I, O and Q."),
    ],
)
def test_bad_vehicle_data_gives_a_message_on_its_field(
    logged_in, agent_a, car_a, field, value, message
):
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-edit", args=[car_a.pk]), edit_post(car_a, **{field: value})
    )
    assert re.search(rf'data-field-error="{field}">[^<]*{re.escape(message)}', html(response))
    car_a.refresh_from_db()
    assert car_a.plate == "粤A12345"


def test_a_vin_already_in_the_store_links_to_its_owner(logged_in, agent_a, car_a, store_a):
    other = VehicleFactory(owner=CustomerFactory(store=store_a, name="李四"))
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-edit", args=[other.pk]), edit_post(other, vin=car_a.vin)
    )
    page = html(response)
    assert "A vehicle with this VIN already exists in this store" in page
    assert re.search(
        rf'data-testid="duplicate-link"><a href="{reverse("customers:detail", args=[car_a.owner_id])}"',
        page,
    )
    other.refresh_from_db()
    assert other.vin != car_a.vin


def test_another_stores_vehicle_cannot_be_edited(logged_in, agent_a, car_b):
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-edit", args=[car_b.pk]), edit_post(car_b, colour="红色")
    )
    assert response.status_code == 404
    car_b.refresh_from_db()
    assert car_b.colour == "白色"


def test_the_vehicle_form_checks_the_vin_as_you_type(logged_in, agent_a, car_a):
    page = html(logged_in(agent_a).get(reverse("customers:vehicle-edit", args=[car_a.pk])))
    assert f'hx-get="{reverse("customers:search")}?check=vin"' in page
    assert f"&quot;exclude&quot;: {car_a.pk}" in page


# --- transfer ---------------------------------------------------------------------------------


def test_the_owner_picker_searches_only_the_vehicles_store(
    logged_in, admin_user, car_a, owner_a, store_a, store_b
):
    buyer = CustomerFactory(store=store_a, name="张三丰")
    CustomerFactory(store=store_b, name="张三丰")
    response = logged_in(admin_user).get(
        reverse("customers:search"), {"q": "张三", "pick": "transfer", "vehicle": car_a.pk}, **HTMX
    )
    ids = [int(i) for i in re.findall(r'data-customer-id="(\d+)"', html(response))]
    assert ids == [buyer.pk]  # not the current owner, not store B's namesake
    assert f"{reverse('customers:vehicle-transfer', args=[car_a.pk])}?new_owner={buyer.pk}" in html(
        response
    )


def test_choosing_a_new_owner_shows_them_masked(logged_in, agent_a, car_a, store_a):
    buyer = CustomerFactory(store=store_a, name="李四", mobile="13911112222")
    response = logged_in(agent_a).get(
        reverse("customers:vehicle-transfer", args=[car_a.pk]), {"new_owner": buyer.pk}
    )
    page = html(response)
    assert "李四" in page and "139****2222" in page
    assert "13911112222" not in page


def test_transferring_keeps_the_ownership_history_and_audits(logged_in, agent_a, car_a, owner_a):
    buyer = CustomerFactory(store=owner_a.store, name="李四")
    today = timezone.localdate()
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-transfer", args=[car_a.pk]),
        {"new_owner": buyer.pk, "on_date": today.isoformat()},
    )
    assert response.status_code == 302
    assert response.url == reverse("customers:vehicle-detail", args=[car_a.pk])
    car_a.refresh_from_db()
    assert car_a.owner == buyer
    history = list(
        VehicleOwnership.objects.filter(vehicle=car_a)
        .order_by("id")
        .values_list("customer_id", "ended_on")
    )
    assert history == [(owner_a.pk, today), (buyer.pk, None)]
    event = AuditEvent.objects.get(action=AuditAction.TRANSFER)
    assert event.changes == {"owner": [str(owner_a), str(buyer)]}


def test_a_vehicle_cannot_go_to_another_stores_customer(logged_in, admin_user, car_a, car_b):
    response = logged_in(admin_user).post(
        reverse("customers:vehicle-transfer", args=[car_a.pk]),
        {"new_owner": car_b.owner_id, "on_date": "2026-05-01"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in html(response)
    car_a.refresh_from_db()
    assert car_a.owner_id != car_b.owner_id
    assert not AuditEvent.objects.filter(action=AuditAction.TRANSFER).exists()


def test_a_transfer_needs_a_new_owner(logged_in, agent_a, car_a):
    response = logged_in(agent_a).post(
        reverse("customers:vehicle-transfer", args=[car_a.pk]), {"on_date": "2026-05-01"}
    )
    assert "Choose the new owner first." in html(response)
    assert VehicleOwnership.objects.filter(vehicle=car_a).count() == 1
