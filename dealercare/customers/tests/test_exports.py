"""Customer list export: permission, store scope, masking, formula escaping and audit."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dealercare.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.exports import safe_cell
from dealercare.customers.models import Tag
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

NUMBER, NAME, KIND, MOBILE, TYPE, TIER, LIFECYCLE, STORE, TAGS, PLATES = range(10)


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def zhang(store_a):
    customer = CustomerFactory(
        store=store_a, name="张三", mobile="13812345678", customer_type="vip"
    )
    VehicleFactory(owner=customer, plate="粤A12345")
    customer.tags.add(Tag.objects.create(store=store_a, name="车友会"))
    return customer


@pytest.fixture
def wang_b(store_b):
    return CustomerFactory(store=store_b, name="王五", mobile="13987654321")


def rows_of(response):
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def export(client, **params):
    return client.get(reverse("customers:export"), params)


def test_logged_out_visitors_are_sent_to_login(client, zhang):
    response = export(client)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "role", ["followup_agent", "cs_supervisor", "service_advisor", "sales_manager", "technician"]
)
def test_roles_without_the_export_permission_get_403_and_nothing_is_audited(
    logged_in, store_a, make_user, zhang, role
):
    response = export(logged_in(make_user(store_a, role)))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_manager_exports_only_their_stores_customers(logged_in, manager_a, zhang, wang_b):
    rows = rows_of(export(logged_in(manager_a)))
    header, *data = rows
    assert header[NUMBER] == "Customer no." and header[MOBILE] == "Mobile"
    assert [r[NAME] for r in data] == ["张三"]
    row = data[0]
    assert (row[NUMBER], row[TYPE], row[STORE], row[TAGS], row[PLATES]) == (
        zhang.number,
        "VIP",
        zhang.store.name,
        "车友会",
        "粤A12345",
    )


def test_the_mobile_is_full_only_where_the_user_may_reveal_numbers(
    logged_in, manager_a, zhang, monkeypatch
):
    client = logged_in(manager_a)
    assert rows_of(export(client))[1][MOBILE] == "13812345678"
    without_reveal = ROLE_CAPABILITIES[Role.CS_MANAGER] - {Capability.REVEAL_PHONE}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.CS_MANAGER, without_reveal)
    manager_a._dealercare_access = None
    client.force_login(manager_a)
    assert rows_of(export(client))[1][MOBILE] == "138****5678"
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("id")
    assert [e.changes["unmasked_mobiles"] for e in events] == [1, 0]


def test_the_export_follows_the_list_filters_and_search(logged_in, manager_a, zhang, store_a):
    CustomerFactory(store=store_a, name="李四", customer_type="general")
    client = logged_in(manager_a)
    assert [r[NAME] for r in rows_of(export(client, customer_type="vip"))[1:]] == ["张三"]
    assert [r[NAME] for r in rows_of(export(client, q="ls"))[1:]] == ["李四"]
    assert len(rows_of(export(client))) == 3


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("+86张三", "'+86张三"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("张=三", "张=三"),
    ],
)
def test_cells_that_would_run_as_formulas_are_written_as_text(
    logged_in, manager_a, store_a, name, written
):
    customer = CustomerFactory(store=store_a, name=name)
    customer.tags.add(Tag.objects.create(store=store_a, name="=cmd|' /C calc'!A0"))
    rows = rows_of(export(logged_in(manager_a)))
    assert rows[1][NAME] == written.replace("\r", "\n")  # XML reads a CR back as LF
    assert rows[1][TAGS] == "'=cmd|' /C calc'!A0"


def test_formula_escaping_leaves_other_values_alone():
    assert safe_cell(None) is None
    assert safe_cell(12) == 12
    assert safe_cell("") == ""
    assert safe_cell("a\x00b") == "ab"  # characters a workbook cannot hold are dropped


def test_each_export_is_audited_with_its_filters_rows_and_store(logged_in, manager_a, zhang):
    export(logged_in(manager_a), customer_type="vip", q="张三")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.store, event.target_type, event.target_id, event.target_repr) == (
        manager_a,
        zhang.store,
        "customers.customer",
        "",
        "customer list",
    )
    assert event.changes == {
        "filters": {"q": "张三", "customer_type": "vip"},
        "rows": 1,
        "unmasked_mobiles": 1,
    }


def test_an_export_over_several_stores_is_audited_without_a_store(
    logged_in, admin_user, zhang, wang_b
):
    rows = rows_of(export(logged_in(admin_user)))
    assert sorted(r[NAME] for r in rows[1:]) == ["张三", "王五"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.store is None
    assert event.changes["rows"] == 2


def test_an_admin_exporting_one_store_is_audited_with_that_store(
    logged_in, admin_user, zhang, wang_b
):
    rows = rows_of(export(logged_in(admin_user), store=wang_b.store_id))
    assert [r[NAME] for r in rows[1:]] == ["王五"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.store == wang_b.store
    assert event.changes["filters"] == {"store": "SZ01"}


def test_exporting_another_stores_customers_is_refused(logged_in, manager_a, zhang, wang_b):
    response = export(logged_in(manager_a), store=wang_b.store_id)
    assert response.status_code == 302
    assert response.url.startswith(reverse("customers:list"))
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_only_stores_where_the_user_may_export_are_exported(
    logged_in, manager_a, make_user, store_b, zhang, wang_b
):
    from dealercare.accounts.models import StoreMembership

    StoreMembership.objects.create(user=manager_a, store=store_b, role=Role.FOLLOWUP_AGENT)
    client = logged_in(manager_a)
    assert (
        len(client.get(reverse("customers:list")).content.decode().split("data-customer-id")) == 3
    )
    rows = rows_of(export(client))
    assert [r[NAME] for r in rows[1:]] == ["张三"]
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).store == zhang.store
