"""Recording deliveries, service visits and prospects' inquiries from the web UI."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.models import Customer
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit
from dealercare.testing.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def owner_a(store_a):
    return CustomerFactory(store=store_a, name="孙八", mobile="13855556666")


@pytest.fixture
def vehicle_a(owner_a):
    return VehicleFactory(store=owner_a.store, owner=owner_a, plate="粤A55555")


@pytest.fixture
def vehicle_b(store_b):
    owner = CustomerFactory(store=store_b, name="乙店孙八", mobile="13966667777")
    return VehicleFactory(store=store_b, owner=owner, plate="粤B55555")


def delivery_form(customer, vehicle, **changes):
    data = {"customer": customer.pk, "vehicle": vehicle.pk, "delivered_at": "2026-03-01T10:30",
            "order_no": "SO-9001", "consultant_name": "李销售", "price": "189900",
            "status": "delivered", "note": ""}  # fmt: skip
    data.update(changes)
    return data


def visit_form(customer, vehicle, **changes):
    data = {"customer": customer.pk, "vehicle": vehicle.pk, "repair_order_no": "RO-9001",
            "visit_type": "maintenance", "status": "finished", "date_in": "2026-03-01T09:00",
            "date_out": "2026-03-01T15:00", "mileage_km": "5200", "advisor_name": "周顾问",
            "technician_name": "", "fault_description": "首保", "work_summary": "",
            "labour_amount": "300", "parts_amount": "450.50"}  # fmt: skip
    data.update(changes)
    return data


# --- permissions and isolation ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["followup_agent", "cs_supervisor", "technician"])
@pytest.mark.parametrize("name", ["operations:delivery-create", "operations:visit-create"])
def test_roles_without_write_operations_get_403(client, store_a, make_user, role, name):
    client.force_login(make_user(store_a, role))
    assert client.get(reverse(name)).status_code == 403


def test_a_technician_cannot_record_an_inquiry(client, store_a, make_user):
    client.force_login(make_user(store_a, "technician"))
    assert client.get(reverse("operations:inquiry-create")).status_code == 403


def test_the_customer_search_finds_only_my_stores_customers(client, advisor_a, owner_a,
                                                             vehicle_a, vehicle_b):  # fmt: skip
    client.force_login(advisor_a)
    response = client.get(reverse("operations:delivery-create"), {"q": "孙八"})
    assert [r["customer"] for r in response.context["results"]] == [owner_a]
    body = response.content.decode()
    assert "138****6666" in body
    assert "13855556666" not in body and "乙店" not in body


def test_the_customer_search_answers_htmx_with_the_results_only(client, advisor_a, vehicle_a):
    client.force_login(advisor_a)
    response = client.get(reverse("operations:visit-create"), {"q": "粤A55555"},
                          HTTP_HX_REQUEST="true")  # fmt: skip
    body = response.content.decode()
    assert 'data-testid="pick-results"' in body and "<html" not in body


def test_another_stores_customer_is_a_404(client, advisor_a, vehicle_b):
    client.force_login(advisor_a)
    url = reverse("operations:delivery-create")
    assert client.get(url, {"customer": vehicle_b.owner_id}).status_code == 404
    response = client.post(url, delivery_form(vehicle_b.owner, vehicle_b))
    assert response.status_code == 404
    assert not Delivery.objects.exists()


def test_another_customers_vehicle_cannot_be_chosen(client, advisor_a, owner_a, store_a):
    stranger = VehicleFactory(store=store_a, owner=CustomerFactory(store=store_a))
    client.force_login(advisor_a)
    response = client.post(reverse("operations:delivery-create"),
                           delivery_form(owner_a, stranger))  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == {"vehicle": [
        "Select a valid choice. That choice is not one of the available choices."]}  # fmt: skip
    assert not Delivery.objects.exists()


# --- deliveries -------------------------------------------------------------------------------


def test_recording_a_delivery_in_the_stores_time_zone(client, advisor_a, owner_a, vehicle_a,
                                                      store_a):  # fmt: skip
    store_a.timezone = "Asia/Urumqi"  # UTC+6
    store_a.save()
    client.force_login(advisor_a)
    page = client.get(reverse("operations:delivery-create"), {"customer": owner_a.pk})
    assert page.status_code == 200
    assert "138****6666" in page.content.decode()
    response = client.post(reverse("operations:delivery-create"),
                           delivery_form(owner_a, vehicle_a))  # fmt: skip
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[owner_a.pk])
    delivery = Delivery.objects.get()
    assert delivery.delivered_at == datetime.datetime(2026, 3, 1, 4, 30, tzinfo=datetime.UTC)
    assert (delivery.store, delivery.customer, delivery.vehicle) == (store_a, owner_a, vehicle_a)
    assert (delivery.order_no, delivery.source) == ("SO-9001", "ui")
    event = AuditEvent.objects.get(target_type="operations.delivery")
    assert (event.action, event.actor, event.store) == (AuditAction.CREATE, advisor_a, store_a)
    assert event.changes["order_no"] == [None, "SO-9001"]


def test_a_duplicate_order_number_is_an_error_on_that_field(client, advisor_a, owner_a,
                                                            vehicle_a):  # fmt: skip
    client.force_login(advisor_a)
    url = reverse("operations:delivery-create")
    client.post(url, delivery_form(owner_a, vehicle_a))
    response = client.post(url, delivery_form(owner_a, vehicle_a))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "order_no": ["Sales order SO-9001 already exists in this store."]
    }
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize("changes,errors", [
    ({"delivered_at": ""}, {"delivered_at": ["This field is required."]}),
    ({"delivered_at": "next tuesday"}, {"delivered_at": ["Enter a valid date/time."]}),
    ({"price": "-5"}, {"price": ["Ensure this value is greater than or equal to 0."]}),
])  # fmt: skip
def test_bad_delivery_input_gives_field_errors(client, advisor_a, owner_a, vehicle_a, changes,
                                               errors):  # fmt: skip
    client.force_login(advisor_a)
    response = client.post(reverse("operations:delivery-create"),
                           delivery_form(owner_a, vehicle_a, **changes))  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not Delivery.objects.exists()


def test_a_customer_without_vehicles_is_asked_to_add_one(client, advisor_a, owner_a):
    client.force_login(advisor_a)
    response = client.get(reverse("operations:delivery-create"), {"customer": owner_a.pk})
    body = response.content.decode()
    assert 'data-testid="no-vehicles"' in body
    assert reverse("customers:vehicle-create", args=[owner_a.pk]) in body


# --- service visits ---------------------------------------------------------------------------


def test_recording_a_service_visit(client, advisor_a, owner_a, vehicle_a, store_a):
    client.force_login(advisor_a)
    response = client.post(reverse("operations:visit-create"), visit_form(owner_a, vehicle_a))
    visit = ServiceVisit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("operations:visit-detail", args=[visit.pk])
    assert visit.date_in == datetime.datetime(2026, 3, 1, 1, 0, tzinfo=datetime.UTC)
    assert (visit.repair_order_no, visit.total_amount) == ("RO-9001", Decimal("750.50"))
    assert AuditEvent.objects.filter(target_type="operations.servicevisit",
                                     action=AuditAction.CREATE, store=store_a).exists()  # fmt: skip


@pytest.mark.parametrize("changes,errors", [
    ({"date_out": "2026-03-01T08:00"},
     {"date_out": ["The vehicle cannot leave before it came in."]}),
    ({"date_out": ""}, {"date_out": ["A finished visit needs the time the vehicle left."]}),
    ({"repair_order_no": ""}, {"repair_order_no": ["This field is required."]}),
    ({"labour_amount": "abc"}, {"labour_amount": ["Enter a number."]}),
    ({"mileage_km": "-1"}, {"mileage_km": ["Ensure this value is greater than or equal to 0."]}),
])  # fmt: skip
def test_bad_visit_input_gives_field_errors(client, advisor_a, owner_a, vehicle_a, changes,
                                            errors):  # fmt: skip
    client.force_login(advisor_a)
    response = client.post(reverse("operations:visit-create"),
                           visit_form(owner_a, vehicle_a, **changes))  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not ServiceVisit.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_duplicate_repair_order_is_an_error_on_that_field(client, advisor_a, owner_a,
                                                            vehicle_a):  # fmt: skip
    ServiceVisitFactory(vehicle=vehicle_a, repair_order_no="RO-9001")
    client.force_login(advisor_a)
    response = client.post(reverse("operations:visit-create"), visit_form(owner_a, vehicle_a))
    assert response.context["form"].errors == {
        "repair_order_no": ["Repair order RO-9001 already exists in this store."]
    }


def test_the_advisor_picker_offers_only_advisors_of_the_customers_store(
    client, advisor_a, owner_a, vehicle_a, store_b, make_user
):
    other_store_advisor = make_user(store_b, "service_advisor")
    client.force_login(advisor_a)
    response = client.get(reverse("operations:visit-create"), {"customer": owner_a.pk})
    assert list(response.context["form"].fields["advisor"].queryset) == [advisor_a]
    assert other_store_advisor.username not in response.content.decode()


# --- prospects ----------------------------------------------------------------------------------


def inquiry_fields(**changes):
    data = {"channel": "phone", "models_of_interest": "迈腾", "budget_min": "150000",
            "budget_max": "200000", "needs": "家用", "status": "open"}  # fmt: skip
    data.update(changes)
    return data


def test_an_inquiry_for_an_existing_customer(client, agent_a, owner_a):
    client.force_login(agent_a)
    response = client.post(reverse("operations:inquiry-create"),
                           {"customer": owner_a.pk, **inquiry_fields()})  # fmt: skip
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.customer, inquiry.models_of_interest) == (owner_a, "迈腾")
    assert AuditEvent.objects.filter(target_type="operations.inquiry").exists()


def test_a_new_prospect_and_their_inquiry_are_recorded_together(client, agent_a, store_a):
    client.force_login(agent_a)
    response = client.post(reverse("operations:inquiry-create"), {
        "store": store_a.pk, "prospect-name": "周九", "prospect-gender": "male",
        "prospect-mobile": "139 1234 5678", **inquiry_fields(),
    })  # fmt: skip
    customer = Customer.objects.get(name="周九")
    assert response.status_code == 302
    assert (customer.mobile, customer.lifecycle_state, customer.source) == (
        "13912345678", "prospect", "phone")  # fmt: skip
    assert Inquiry.objects.get().customer == customer


def test_a_bad_budget_rolls_back_the_new_prospect(client, agent_a, store_a):
    client.force_login(agent_a)
    response = client.post(reverse("operations:inquiry-create"), {
        "store": store_a.pk, "prospect-name": "周九", "prospect-gender": "male",
        "prospect-mobile": "", **inquiry_fields(budget_min="300000", budget_max="200000"),
    })  # fmt: skip
    assert response.status_code == 200
    assert response.context["inquiry"].errors == {
        "budget_max": ["The budget's upper end is below its lower end."]
    }
    assert not Customer.objects.filter(name="周九").exists()


def test_a_prospect_with_a_known_mobile_links_to_the_existing_customer(client, agent_a, store_a,
                                                                       owner_a):  # fmt: skip
    client.force_login(agent_a)
    response = client.post(reverse("operations:inquiry-create"), {
        "store": store_a.pk, "prospect-name": "孙八八", "prospect-gender": "male",
        "prospect-mobile": "13855556666", **inquiry_fields(),
    })  # fmt: skip
    assert response.status_code == 200
    assert response.context["prospect"].errors == {"mobile": [
        f"A customer with this mobile number already exists in this store: {owner_a.number} 孙八."
    ]}  # fmt: skip
    assert f"?customer={owner_a.pk}" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_a_bad_mobile_for_a_prospect_is_a_field_error(client, agent_a, store_a):
    client.force_login(agent_a)
    response = client.post(reverse("operations:inquiry-create"), {
        "store": store_a.pk, "prospect-name": "周九", "prospect-gender": "male",
        "prospect-mobile": "12345", **inquiry_fields(),
    })  # fmt: skip
    assert response.context["prospect"].errors == {"mobile": [
        "Enter a valid mainland China mobile number (11 digits, e.g. 13812345678)."]}  # fmt: skip
    assert not Customer.objects.filter(name="周九").exists()


def test_a_prospect_cannot_be_put_in_another_store(client, agent_a, store_a, store_b):
    client.force_login(agent_a)
    client.post(reverse("operations:inquiry-create"), {
        "store": store_b.pk, "prospect-name": "周九", "prospect-gender": "male",
        "prospect-mobile": "", **inquiry_fields(),
    })  # fmt: skip
    assert Customer.objects.get(name="周九").store == store_a  # unknown store ids fall back
