"""The audit log page: scoped to the stores where I may view it, filtered, readable, masked."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealercare.accounts import services as account_services
from dealercare.core import audit
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers import services as customer_services
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customer_a(store_a):
    return CustomerFactory(store=store_a, name="张三", mobile="13812345678")


@pytest.fixture
def customer_b(store_b):
    return CustomerFactory(store=store_b, name="乙店客户", mobile="13900001111")


def rows(response):
    return [row["event"] for row in response.context["rows"]]


@pytest.mark.parametrize("role", ["followup_agent", "service_advisor", "technician",
                                  "sales_manager"])  # fmt: skip
def test_roles_without_view_audit_get_403(client, store_a, make_user, role):
    client.force_login(make_user(store_a, role))
    assert client.get(reverse("audit:list")).status_code == 403


def test_a_store_a_manager_never_sees_store_b_events(client, manager_a, manager_b, customer_a,
                                                     customer_b):  # fmt: skip
    customer_services.mobile_reveal(actor=manager_a, customer=customer_a, reason="回访核实")
    customer_services.mobile_reveal(actor=manager_b, customer=customer_b, reason="乙店核实")
    client.force_login(manager_a)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert [e.target_repr for e in rows(response)] == [str(customer_a)]
    body = response.content.decode()
    assert "乙店客户" not in body and "乙店核实" not in body
    # Filtering by store B's id is refused as an invalid choice, not answered.
    response = client.get(reverse("audit:list"), {"store": customer_b.store_id})
    assert rows(response) == rows(client.get(reverse("audit:list")))
    assert "乙店" not in response.content.decode()


def test_group_level_events_are_shown_only_to_group_admins(client, admin_user, manager_a,
                                                           agent_a, store_a):  # fmt: skip
    account_services.user_set_group_admin(actor=admin_user, user=agent_a, is_group_admin=True)
    client.force_login(manager_a)
    assert rows(client.get(reverse("audit:list"))) == []
    client.force_login(admin_user)
    events = rows(client.get(reverse("audit:list")))
    assert [(e.action, e.store_id) for e in events] == [(AuditAction.ROLE_CHANGE, None)]


def test_a_row_shows_who_when_what_changes_reason_and_ip(client, manager_a, customer_a):
    customer_services.customer_update(actor=manager_a, customer=customer_a,
                                      fields={"city": "佛山", "customer_type": "vip"})  # fmt: skip
    customer_services.mobile_reveal(actor=manager_a, customer=customer_a, reason="客户来电核实",
                                    ip_address="192.0.2.44")  # fmt: skip
    client.force_login(manager_a)
    response = client.get(reverse("audit:list"))
    body = response.content.decode()
    update, reveal = response.context["rows"][1], response.context["rows"][0]
    assert [(c.label, c.old, c.new) for c in update["changes"]] == [
        ("city", "广州", "佛山"), ("customer type", "General", "VIP"),
    ]  # fmt: skip
    assert reveal["url"] == reverse("customers:detail", args=[customer_a.pk])
    assert "客户来电核实" in body and "192.0.2.44" in body and "Phone revealed" in body
    assert manager_a.username in body


def test_mobile_numbers_in_stored_changes_are_masked(client, manager_a, store_a):
    customer_services.customer_create(actor=manager_a, store=store_a,
                                      fields={"name": "李四", "mobile": "13711112222"})  # fmt: skip
    client.force_login(manager_a)
    body = client.get(reverse("audit:list")).content.decode()
    assert "137****2222" in body
    assert "13711112222" not in body


def test_vehicle_records_link_to_the_vehicle_page(client, manager_a, store_a, customer_a):
    vehicle = VehicleFactory(store=store_a, owner=customer_a)
    customer_services.vehicle_update(actor=manager_a, vehicle=vehicle, fields={"colour": "黑色"})
    client.force_login(manager_a)
    row = client.get(reverse("audit:list")).context["rows"][0]
    assert row["url"] == reverse("customers:vehicle-detail", args=[vehicle.pk])
    assert [(c.label, c.old, c.new) for c in row["changes"]] == [("colour", "白色", "黑色")]


def test_role_changes_read_as_role_names(client, admin_user, agent_a, store_a):
    account_services.membership_set(actor=admin_user, user=agent_a, store=store_a,
                                    role="cs_supervisor")  # fmt: skip
    client.force_login(admin_user)
    row = client.get(reverse("audit:list")).context["rows"][0]
    assert [(c.label, c.old, c.new) for c in row["changes"]] == [
        ("role", "Follow-up agent", "CS supervisor")
    ]
    assert row["url"] == reverse("user-edit", args=[agent_a.pk])


def test_filters_narrow_the_log(client, manager_a, agent_a, customer_a, store_a):
    customer_services.mobile_reveal(actor=agent_a, customer=customer_a, reason="外呼前核实")
    customer_services.customer_update(actor=manager_a, customer=customer_a, fields={"city": "佛山"})
    old = audit.record(actor=manager_a, action=AuditAction.EXPORT,
                       target=("customers.customer", "", "客户清单"), store=store_a)  # fmt: skip
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    client.force_login(manager_a)
    url = reverse("audit:list")
    assert [e.action for e in rows(client.get(url, {"action": "reveal_phone"}))] == ["reveal_phone"]
    assert [e.actor for e in rows(client.get(url, {"actor": agent_a.pk}))] == [agent_a]
    assert [e.reason for e in rows(client.get(url, {"q": "外呼"}))] == ["外呼前核实"]
    assert [e.target_repr for e in rows(client.get(url, {"q": "客户清单"}))] == ["客户清单"]
    recent = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert len(rows(client.get(url, {"date_from": recent}))) == 2
    assert [e.pk for e in rows(client.get(url, {"date_to": recent}))] == [old.pk]
    assert len(rows(client.get(url, {"record_type": "customers.customer",
                                      "store": store_a.pk}))) == 3  # fmt: skip


def test_a_reversed_date_range_is_a_clear_error(client, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("audit:list"), {"date_from": "2026-03-02",
                                                  "date_to": "2026-03-01"})  # fmt: skip
    assert response.context["filters"].errors == {
        "date_to": ["The end date is before the start date."]
    }


def test_the_log_shows_50_per_page_with_a_constant_query_count(client, manager_a, customer_a):
    client.force_login(manager_a)
    customer_services.mobile_reveal(actor=manager_a, customer=customer_a, reason="核实一")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:list"))
    for i in range(60):
        customer_services.mobile_reveal(actor=manager_a, customer=customer_a, reason=f"核实{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("audit:list"))
    assert len(response.context["rows"]) == 50
    assert response.context["page_obj"].paginator.count == 61
    assert len(many) == len(few)
    assert len(client.get(reverse("audit:list"), {"page": 2}).context["rows"]) == 11


def test_settings_changes_read_as_hours_and_link_to_the_store(client, manager_a, store_a):
    account_services.store_update_settings(
        actor=manager_a, store=store_a, fields={"calling_hours_end": datetime.time(19, 30)}
    )
    client.force_login(manager_a)
    row = client.get(reverse("audit:list")).context["rows"][0]
    assert [(c.label, c.old, c.new) for c in row["changes"]] == [
        ("calling hours to", "20:00", "19:30")
    ]
    assert row["url"] == reverse("store-settings", args=[store_a.pk])


def test_a_new_records_blank_fields_are_left_out(client, manager_a, store_a):
    customer_services.customer_create(actor=manager_a, store=store_a, fields={"name": "李四"})
    client.force_login(manager_a)
    row = client.get(reverse("audit:list")).context["rows"][0]
    labels = [c.label for c in row["changes"]]
    assert "name" in labels
    assert "WeChat" not in labels and "mobile" not in labels
