"""Customer archive services: numbering, duplicates, audit, merge, reveal, consent, vehicles."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealercare.core.errors import ApplicationError, DuplicateError
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers import services
from dealercare.customers.choices import ConsentChannel, ConsentMethod, LifecycleState
from dealercare.customers.models import ConsentRecord, Customer, SearchTerm, Vehicle
from dealercare.customers.selectors import customer_search
from dealercare.testing.factories import (
    CustomerFactory,
    DeliveryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

PERSON = {"name": "张三", "gender": "male", "mobile": "+86 138 1234 5678"}


def test_create_numbers_customers_per_store_and_normalises_the_mobile(manager_a, store_a):
    first = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    second = services.customer_create(
        actor=manager_a, store=store_a, fields={"name": "李四", "mobile": "13912345678"}
    )
    assert (first.number, second.number) == ("GZ01-000001", "GZ01-000002")
    assert first.mobile == "13812345678"
    assert first.created_by == manager_a


def test_create_records_initial_consent_and_audits_the_fields(manager_a, store_a):
    customer = services.customer_create(
        actor=manager_a, store=store_a, fields={**PERSON, "allow_marketing": True}
    )
    consents = {c.channel: c.granted for c in ConsentRecord.objects.filter(customer=customer)}
    assert consents == {"phone": True, "sms": True, "marketing": True}
    event = AuditEvent.objects.get(action=AuditAction.CREATE, target_id=str(customer.pk))
    assert event.actor == manager_a
    assert event.store == store_a
    assert event.changes["name"] == [None, "张三"]


def test_duplicate_mobile_in_the_same_store_is_refused_with_the_existing_customer(
    manager_a, store_a
):
    existing = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    with pytest.raises(DuplicateError) as err:
        services.customer_create(
            actor=manager_a, store=store_a, fields={"name": "张3", "mobile": "138 1234 5678"}
        )
    assert err.value.existing == existing
    assert err.value.extra == {
        "field": "mobile",
        "existing_id": existing.pk,
        "existing_number": "GZ01-000001",
    }
    assert str(err.value.message) == (
        "A customer with this mobile number already exists in this store: GZ01-000001 张三."
    )
    assert Customer.objects.count() == 1


def test_the_same_mobile_in_another_store_is_a_different_customer(manager_a, store_a, store_b,
                                                                  make_user):  # fmt: skip
    services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    manager_b = make_user(store_b, "cs_manager")
    other = services.customer_create(actor=manager_b, store=store_b, fields=PERSON)
    assert other.number == "SZ01-000001"


def test_invalid_fields_give_one_message_each_and_write_nothing(manager_a, store_a):
    with pytest.raises(ValidationError) as err:
        services.customer_create(
            actor=manager_a, store=store_a,
            fields={"name": "某公司", "kind": "company", "mobile": "123", "uscc": "X"},
        )  # fmt: skip
    assert err.value.message_dict == {
        "mobile": ["Enter a valid mainland China mobile number (11 digits, e.g. 13812345678)."],
        "uscc": ["Enter a valid 18-character unified social credit code."],
    }
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.exists()


def test_company_needs_its_credit_code(manager_a, store_a):
    with pytest.raises(ValidationError) as err:
        services.customer_create(
            actor=manager_a, store=store_a, fields={"name": "某公司", "kind": "company"}
        )
    assert err.value.message_dict == {
        "uscc": ["A company customer needs its unified social credit code."]
    }


def test_a_user_cannot_create_in_a_store_without_the_capability(manager_a, store_b, make_user,
                                                                store_a):  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=manager_a, store=store_b, fields=PERSON)
    technician = make_user(store_a, "technician")
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=technician, store=store_a, fields=PERSON)


def test_update_audits_each_changed_field_from_and_to(manager_a, store_a):
    customer = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    services.customer_update(
        actor=manager_a, customer=customer,
        fields={"name": "张三丰", "city": "广州", "mobile": "13812345678"}, tags=["车友会"],
    )  # fmt: skip
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
    assert event.changes == {
        "name": ["张三", "张三丰"],
        "city": ["", "广州"],
        "tags": ["", "车友会"],
    }
    assert SearchTerm.objects.filter(customer=customer, term="zhangsanfeng").exists()
    assert not SearchTerm.objects.filter(customer=customer, term="zhangsan").exists()


def test_update_without_changes_writes_no_audit(manager_a, store_a):
    customer = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    services.customer_update(actor=manager_a, customer=customer, fields={"name": "张三"})
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_unknown_fields_are_refused(manager_a, store_a):
    with pytest.raises(ApplicationError):
        services.customer_create(
            actor=manager_a, store=store_a, fields={"name": "x", "store_id": 9}
        )


def test_consent_change_is_recorded_with_how_and_applied(manager_a, store_a):
    customer = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    services.consent_set(
        actor=manager_a, customer=customer, channel=ConsentChannel.PHONE, granted=False,
        method=ConsentMethod.VERBAL_CALL, note="只接受短信",
    )  # fmt: skip
    customer.refresh_from_db()
    assert customer.allow_phone is False
    latest = customer.consents.filter(channel="phone").first()
    assert (latest.granted, latest.method, latest.recorded_by) == (False, "verbal_call", manager_a)
    assert AuditEvent.objects.filter(action=AuditAction.CONSENT).get().changes == {
        "allow_phone": [True, False]
    }


def test_reveal_needs_a_reason_and_is_audited(manager_a, store_a):
    customer = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    with pytest.raises(ApplicationError):
        services.mobile_reveal(actor=manager_a, customer=customer, reason=" ")
    number = services.mobile_reveal(
        actor=manager_a, customer=customer, reason="客户来电核实", ip_address="10.0.0.8"
    )
    assert number == "13812345678"
    event = AuditEvent.objects.get(action=AuditAction.REVEAL_PHONE)
    assert (event.actor, event.target_id, event.reason, event.ip_address) == (
        manager_a,
        str(customer.pk),
        "客户来电核实",
        "10.0.0.8",
    )


def test_roles_without_the_reveal_permission_cannot_reveal(store_a, make_user):
    advisor = make_user(store_a, "service_advisor")
    customer = CustomerFactory(store=store_a)
    with pytest.raises(PermissionDenied):
        services.mobile_reveal(actor=advisor, customer=customer, reason="想看看")
    assert not AuditEvent.objects.exists()


def test_merge_moves_the_whole_history_and_keeps_the_source(manager_a, store_a):
    target = services.customer_create(actor=manager_a, store=store_a, fields={"name": "王伟"})
    source = services.customer_create(
        actor=manager_a, store=store_a,
        fields={"name": "王伟", "mobile": "13812345678", "city": "广州"}, tags=["车友会"],
    )  # fmt: skip
    vehicle = VehicleFactory(owner=source, store=store_a)
    DeliveryFactory(vehicle=vehicle)
    ServiceVisitFactory(vehicle=vehicle)
    merged = services.customer_merge(actor=manager_a, source=source, target=target, reason="同一人")
    source.refresh_from_db()
    assert source.merged_into == merged == target
    assert merged.mobile == "13812345678"  # filled from the source
    assert merged.city == "广州"
    assert list(merged.vehicles.all()) == [vehicle]
    assert merged.deliveries.count() == 1
    assert merged.service_visits.count() == 1
    assert merged.ownerships.count() == 1
    assert merged.consents.count() == 6  # both customers' consent history
    assert list(merged.tags.values_list("name", flat=True)) == ["车友会"]
    assert merged.lifecycle_state == LifecycleState.NEW_BUYER
    event = AuditEvent.objects.get(action=AuditAction.MERGE, target_id=str(target.pk))
    assert event.reason == "同一人"
    assert event.changes["source"]["mobile"] == "13812345678"
    assert event.changes["moved"]["operations.delivery"] == 1
    # Only the surviving customer is found by search.
    assert customer_search(manager_a, "13812345678") == [merged]


@pytest.mark.parametrize("problem", ["same", "other_store", "no_reason", "already_merged"])
def test_merge_refuses_what_would_lose_or_mix_data(problem, manager_a, store_a, store_b):
    a = CustomerFactory(store=store_a)
    b = CustomerFactory(store=store_b if problem == "other_store" else store_a)
    if problem == "already_merged":
        services.customer_merge(actor=manager_a, source=b, target=a, reason="重复")
    kwargs = {"source": b, "target": a if problem != "same" else b, "reason": "重复"}
    if problem == "no_reason":
        kwargs["reason"] = ""
    expected = PermissionDenied if problem == "other_store" else ApplicationError
    with pytest.raises(expected):
        services.customer_merge(actor=manager_a, **kwargs)


def test_agents_may_not_merge(agent_a, store_a):
    a, b = CustomerFactory(store=store_a), CustomerFactory(store=store_a)
    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=agent_a, source=a, target=b, reason="重复")


def test_vehicle_with_a_known_vin_is_refused_and_names_its_owner(manager_a, store_a):
    owner = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    fields = {"vin": "1M8GDM9AXKP042788", "plate": "粤B12345", "model_name": "迈腾"}
    services.vehicle_create(actor=manager_a, store=store_a, owner=owner, fields=fields)
    with pytest.raises(DuplicateError) as err:
        services.vehicle_create(
            actor=manager_a, store=store_a, owner=owner,
            fields={**fields, "vin": "1m8gdm9axkp042788", "plate": ""},
        )  # fmt: skip
    assert err.value.extra["existing_id"] == owner.pk
    assert "张三" in str(err.value.message)


def test_vehicle_needs_vin_or_plate_and_valid_ones(manager_a, store_a):
    owner = CustomerFactory(store=store_a)
    with pytest.raises(ValidationError) as err:
        services.vehicle_create(actor=manager_a, store=store_a, owner=owner, fields={})
    assert err.value.message_dict == {"vin": ["Give the VIN or the plate number (or both)."]}
    with pytest.raises(ValidationError) as err:
        services.vehicle_create(
            actor=manager_a, store=store_a, owner=owner,
            fields={"vin": "1M8GDM9A0KP042788", "plate": "粤12345"},
        )  # fmt: skip
    assert set(err.value.message_dict) == {"vin", "plate"}
    assert not Vehicle.objects.exists()


def test_transfer_keeps_the_ownership_history(manager_a, store_a):
    old, new = CustomerFactory(store=store_a), CustomerFactory(store=store_a)
    vehicle = VehicleFactory(owner=old, store=store_a, plate="粤A88888")
    services.vehicle_transfer(
        actor=manager_a, vehicle=vehicle, new_owner=new, on_date=datetime.date(2026, 11, 1)
    )
    history = list(vehicle.ownerships.order_by("started_on").values_list(
        "customer_id", "ended_on"))  # fmt: skip
    assert history == [(old.pk, datetime.date(2026, 11, 1)), (new.pk, None)]
    assert customer_search(manager_a, "粤A88888") == [new]
    with pytest.raises(ApplicationError):
        services.vehicle_transfer(actor=manager_a, vehicle=vehicle, new_owner=new)


def test_refresh_classification_derives_state_and_tier_from_history(store_a):
    vehicle = VehicleFactory(store=store_a)
    customer = vehicle.owner
    now = timezone.now()
    DeliveryFactory(vehicle=vehicle, delivered_at=now - datetime.timedelta(days=500))
    for days in (200, 250):
        ServiceVisitFactory(vehicle=vehicle, date_in=now - datetime.timedelta(days=days),
                            labour_amount=1000, parts_amount=1000)  # fmt: skip
    assert services.refresh_classification([customer.pk]) == 1
    customer.refresh_from_db()
    assert customer.lifecycle_state == LifecycleState.INACTIVE
    assert customer.value_tier == "B"  # 2 visits, 4,000 spent
    assert services.refresh_classification([customer.pk]) == 0  # idempotent


def test_reserved_numbers_continue_the_sequence(manager_a, store_a):
    assert services.reserve_customer_numbers(store_a, 3) == [
        "GZ01-000001",
        "GZ01-000002",
        "GZ01-000003",
    ]
    customer = services.customer_create(actor=manager_a, store=store_a, fields=PERSON)
    assert customer.number == "GZ01-000004"
