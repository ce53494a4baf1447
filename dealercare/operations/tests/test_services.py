"""Deliveries, repair orders and inquiries: stored once, in the right store, audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealercare.core.errors import ApplicationError, DuplicateError
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.choices import LifecycleState
from dealercare.operations import services
from dealercare.operations.choices import EventSource
from dealercare.operations.models import ServiceVisit
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def vehicle(store_a):
    return VehicleFactory(store=store_a, owner=CustomerFactory(store=store_a))


def test_delivery_is_stored_with_its_source_and_makes_a_new_buyer(manager_a, store_a, vehicle):
    delivery = services.delivery_create(
        actor=manager_a, store=store_a, customer=vehicle.owner, vehicle=vehicle,
        fields={"delivered_at": timezone.now(), "order_no": "SO-1"}, source=EventSource.API,
    )  # fmt: skip
    assert delivery.source == "api"
    vehicle.owner.refresh_from_db()
    assert vehicle.owner.lifecycle_state == LifecycleState.NEW_BUYER
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="operations.delivery")


def test_a_repair_order_number_is_stored_once_per_store(manager_a, store_a, vehicle):
    kwargs = {
        "actor": manager_a, "store": store_a, "customer": vehicle.owner, "vehicle": vehicle,
        "repair_order_no": "RO-1", "fields": {"date_in": timezone.now()},
    }  # fmt: skip
    first = services.service_visit_create(**kwargs)
    with pytest.raises(DuplicateError) as err:
        services.service_visit_create(**kwargs)
    assert err.value.extra == {"field": "repair_order_no", "existing_id": first.pk}
    assert ServiceVisit.objects.count() == 1


def test_a_finished_visit_needs_the_time_the_vehicle_left(manager_a, store_a, vehicle):
    now = timezone.now()
    with pytest.raises(ValidationError) as err:
        services.service_visit_create(
            actor=manager_a, store=store_a, customer=vehicle.owner, vehicle=vehicle,
            repair_order_no="RO-2", fields={"date_in": now, "status": "finished"},
        )  # fmt: skip
    assert err.value.message_dict == {
        "date_out": ["A finished visit needs the time the vehicle left."]
    }
    with pytest.raises(ValidationError) as err:
        services.service_visit_create(
            actor=manager_a, store=store_a, customer=vehicle.owner, vehicle=vehicle,
            repair_order_no="RO-2",
            fields={"date_in": now, "date_out": now - datetime.timedelta(hours=1)},
        )  # fmt: skip
    assert err.value.message_dict == {"date_out": ["The vehicle cannot leave before it came in."]}


def test_events_cannot_mix_stores_or_owners(manager_a, store_a, store_b, vehicle):
    stranger = CustomerFactory(store=store_a)
    with pytest.raises(ApplicationError) as err:
        services.delivery_create(
            actor=manager_a, store=store_a, customer=stranger, vehicle=vehicle,
            fields={"delivered_at": timezone.now()},
        )  # fmt: skip
    assert "belongs to another customer" in str(err.value.message)
    with pytest.raises(PermissionDenied):
        services.delivery_create(
            actor=manager_a, store=store_b, customer=vehicle.owner, vehicle=vehicle,
            fields={"delivered_at": timezone.now()},
        )  # fmt: skip


def test_agents_cannot_write_dms_events(agent_a, store_a, vehicle):
    with pytest.raises(PermissionDenied):
        services.delivery_create(
            actor=agent_a, store=store_a, customer=vehicle.owner, vehicle=vehicle,
            fields={"delivered_at": timezone.now()},
        )  # fmt: skip


def test_updating_a_visit_audits_the_change(manager_a, store_a, vehicle):
    visit = services.service_visit_create(
        actor=manager_a, store=store_a, customer=vehicle.owner, vehicle=vehicle,
        repair_order_no="RO-3", fields={"date_in": timezone.now()},
    )  # fmt: skip
    out = visit.date_in + datetime.timedelta(hours=3)
    services.service_visit_update(
        actor=manager_a, visit=visit, fields={"status": "finished", "date_out": out}
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert event.changes["status"] == ["open", "finished"]


def test_inquiry_for_a_prospect(manager_a, store_a):
    prospect = CustomerFactory(store=store_a)
    inquiry = services.inquiry_create(
        actor=manager_a, store=store_a, customer=prospect,
        fields={"models_of_interest": "ID.4", "budget_min": 150000, "budget_max": 200000},
    )  # fmt: skip
    assert inquiry.pk
    with pytest.raises(ValidationError):
        services.inquiry_create(
            actor=manager_a, store=store_a, customer=prospect,
            fields={"budget_min": 300000, "budget_max": 200000},
        )  # fmt: skip
