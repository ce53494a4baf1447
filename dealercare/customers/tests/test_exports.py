"""Customer and vehicle list exports: permission, store scope, masking, formula escaping, audit,
streaming, real dates and the file's name."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dealercare.accounts.models import StoreMembership
from dealercare.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.core.xlsx import escape_formula
from dealercare.customers.models import Customer, Tag
from dealercare.testing.factories import CustomerFactory, StoreFactory, VehicleFactory

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


def rows_of(response, slug="customers"):
    """The rows of an exported file, after checking it is a streamed XLSX download."""
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith(f'attachment; filename="{slug}_')
    assert response["Cache-Control"] == "no-store"
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
    assert escape_formula(None) is None
    assert escape_formula(12) == 12
    assert escape_formula("") == ""
    assert escape_formula("a\x00b") == "ab"  # characters a workbook cannot hold are dropped


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
    StoreMembership.objects.create(user=manager_a, store=store_b, role=Role.FOLLOWUP_AGENT)
    client = logged_in(manager_a)
    assert (
        len(client.get(reverse("customers:list")).content.decode().split("data-customer-id")) == 3
    )
    rows = rows_of(export(client))
    assert [r[NAME] for r in rows[1:]] == ["张三"]
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).store == zhang.store


def test_the_file_is_named_for_the_list_the_store_and_the_time(
    logged_in, manager_a, zhang, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    before = timezone.localtime().strftime("%Y%m%d")
    response = export(logged_in(manager_a))
    disposition = response["Content-Disposition"]
    ascii_name, utf8_name = disposition.split("; ")[1:]
    stamp = ascii_name.removeprefix('filename="customers_GZ01_').removesuffix('.xlsx"')
    assert stamp[:8] in {before, timezone.localtime().strftime("%Y%m%d")}
    assert len(stamp) == len("20261122_1530") and stamp.replace("_", "").isdigit()
    assert utf8_name == f"filename*=UTF-8''{quote('客户_GZ01_')}{stamp}.xlsx"
    assert rows_of(response)[0][:2] == ["客户编号", "名称"]


def test_a_file_over_several_stores_names_them_all(logged_in, admin_user, zhang, wang_b):
    response = export(logged_in(admin_user))
    assert response["Content-Disposition"].startswith('attachment; filename="customers_GZ01-SZ01_')


def test_the_archive_date_is_the_day_in_the_stores_own_time_zone(logged_in, manager_a, zhang):
    zhang.store.timezone = "Asia/Urumqi"  # UTC+6: 17:30 UTC is still 1 January there
    zhang.store.save()
    created = datetime.datetime(2026, 1, 1, 17, 30, tzinfo=datetime.UTC)
    Customer.objects.filter(pk=zhang.pk).update(created_at=created)
    row = rows_of(export(logged_in(manager_a)))[1]
    assert row[-1] == datetime.datetime(2026, 1, 1)  # a real date cell, not text
    assert row[NAME] == "张三"


def test_the_export_reads_the_database_in_a_fixed_number_of_queries(
    logged_in, manager_a, store_a, django_assert_max_num_queries
):
    client = logged_in(manager_a)
    tag = Tag.objects.create(store=store_a, name="车友会")
    for _ in range(100):
        VehicleFactory(owner=CustomerFactory(store=store_a)).owner.tags.add(tag)
    # session, user, access, tags, stores, count, audit (3), rows, tags and vehicles per chunk
    with django_assert_max_num_queries(12):
        rows = rows_of(export(client))
    assert len(rows) == 101
    assert {r[TAGS] for r in rows[1:]} == {"车友会"}


# --- vehicles ---------------------------------------------------------------------------------

V_PLATE, V_VIN, V_BRAND, V_MODEL = range(4)
V_DELIVERY, V_OWNER_NO, V_OWNER, V_MOBILE, V_STORE = 7, 12, 13, 14, 15


def export_vehicles(client, **params):
    return client.get(reverse("customers:vehicle-export"), params)


def vehicle_rows(response):
    return rows_of(response, slug="vehicles")


@pytest.fixture
def car_b(wang_b):
    return VehicleFactory(owner=wang_b, plate="粤B99999", brand="比亚迪", model_name="汉EV")


@pytest.mark.parametrize(
    "role", ["followup_agent", "cs_supervisor", "service_advisor", "sales_manager", "technician"]
)
def test_roles_without_the_export_permission_cannot_export_vehicles(
    logged_in, store_a, make_user, zhang, role
):
    response = export_vehicles(logged_in(make_user(store_a, role)))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_manager_exports_their_stores_vehicles_with_owner_and_mobile(
    logged_in, manager_a, zhang, car_b
):
    header, *data = vehicle_rows(export_vehicles(logged_in(manager_a)))
    assert (header[V_PLATE], header[V_OWNER], header[V_MOBILE]) == ("Plate", "Owner", "Mobile")
    assert len(data) == 1
    car = zhang.vehicles.get()
    row = data[0]
    assert (row[V_PLATE], row[V_VIN], row[V_BRAND], row[V_MODEL]) == (
        "粤A12345",
        car.vin,
        "一汽-大众",
        "迈腾",
    )
    assert (row[V_OWNER_NO], row[V_OWNER], row[V_MOBILE], row[V_STORE]) == (
        zhang.number,
        "张三",
        "13812345678",
        zhang.store.name,
    )
    assert row[V_DELIVERY] == datetime.datetime.combine(car.delivery_date, datetime.time())


def test_the_owners_mobile_is_masked_where_the_user_may_not_reveal_numbers(
    logged_in, manager_a, zhang, monkeypatch
):
    without_reveal = ROLE_CAPABILITIES[Role.CS_MANAGER] - {Capability.REVEAL_PHONE}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.CS_MANAGER, without_reveal)
    row = vehicle_rows(export_vehicles(logged_in(manager_a)))[1]
    assert row[V_MOBILE] == "138****5678"
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).changes["unmasked_mobiles"] == 0


def test_a_vehicle_without_owner_is_exported_with_empty_owner_cells(logged_in, manager_a, store_a):
    VehicleFactory(store=store_a, owner=None, plate="粤A00001")
    row = vehicle_rows(export_vehicles(logged_in(manager_a)))[1]
    assert (row[V_PLATE], row[V_OWNER_NO], row[V_OWNER], row[V_MOBILE]) == (
        "粤A00001",
        None,
        None,
        None,
    )


def test_the_vehicle_export_follows_the_list_filters(logged_in, manager_a, zhang, store_a):
    other = CustomerFactory(store=store_a, name="李四")
    VehicleFactory(owner=other, plate="粤A77777", brand="比亚迪")
    client = logged_in(manager_a)
    assert [r[V_PLATE] for r in vehicle_rows(export_vehicles(client, brand="比亚迪"))[1:]] == [
        "粤A77777"
    ]
    assert [r[V_PLATE] for r in vehicle_rows(export_vehicles(client, q="A12345"))[1:]] == [
        "粤A12345"
    ]
    assert [r[V_OWNER] for r in vehicle_rows(export_vehicles(client, q="李四"))[1:]] == ["李四"]


def test_store_b_vehicles_never_reach_a_store_a_manager(logged_in, manager_a, zhang, car_b):
    client = logged_in(manager_a)
    for params in ({}, {"q": "粤B99999"}, {"brand": "比亚迪"}, {"q": "王五"}):
        response = export_vehicles(client, **params)
        plates = (
            [r[V_PLATE] for r in vehicle_rows(response)[1:]] if response.status_code == 200 else []
        )
        assert "粤B99999" not in plates, params
    response = export_vehicles(client, store=car_b.store_id)
    assert response.status_code == 302
    assert response.url.startswith(reverse("customers:vehicle-list"))
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert not events.filter(changes__filters__store="SZ01").exists()


def test_a_store_the_user_sees_but_may_not_export_is_refused_and_left_out(
    logged_in, manager_a, store_b, zhang, car_b
):
    StoreMembership.objects.create(user=manager_a, store=store_b, role=Role.FOLLOWUP_AGENT)
    client = logged_in(manager_a)
    response = export_vehicles(client, store=store_b.pk)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    assert [r[V_PLATE] for r in vehicle_rows(export_vehicles(client))[1:]] == ["粤A12345"]


def test_vehicle_cells_that_would_run_as_formulas_are_written_as_text(
    logged_in, manager_a, store_a
):
    VehicleFactory(owner=CustomerFactory(store=store_a, name="@张三"), model_name="=1+1")
    row = vehicle_rows(export_vehicles(logged_in(manager_a)))[1]
    assert (row[V_MODEL], row[V_OWNER]) == ("'=1+1", "'@张三")


def test_each_vehicle_export_is_audited(logged_in, admin_user, zhang, car_b):
    rows = vehicle_rows(
        export_vehicles(logged_in(admin_user), store=car_b.store_id, brand="比亚迪")
    )
    assert [r[V_PLATE] for r in rows[1:]] == ["粤B99999"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.store, event.target_type, event.target_repr) == (
        admin_user,
        car_b.store,
        "customers.vehicle",
        "vehicle list",
    )
    assert event.changes == {
        "filters": {"store": "SZ01", "brand": "比亚迪"},
        "rows": 1,
        "unmasked_mobiles": 1,
    }


def test_the_vehicle_export_reads_the_database_in_a_fixed_number_of_queries(
    logged_in, manager_a, store_a, django_assert_max_num_queries
):
    client = logged_in(manager_a)
    for _ in range(100):
        VehicleFactory(owner=CustomerFactory(store=store_a))
    with django_assert_max_num_queries(10):  # no query per row: owners come in the same query
        assert len(vehicle_rows(export_vehicles(client))) == 101


def test_the_vehicle_list_offers_the_export_only_to_users_who_may_export(
    logged_in, manager_a, agent_a, zhang
):
    page = logged_in(manager_a).get(reverse("customers:vehicle-list"), {"brand": "一汽-大众"})
    assert f'href="{reverse("customers:vehicle-export")}?brand=' in page.content.decode()
    page = logged_in(agent_a).get(reverse("customers:vehicle-list"))
    assert reverse("customers:vehicle-export") not in page.content.decode()


def test_an_empty_export_still_opens_with_its_header(logged_in, manager_a, store_a):
    other = StoreFactory(group=store_a.group, code="FS01")
    StoreMembership.objects.create(user=manager_a, store=other, role=Role.CS_MANAGER)
    rows = vehicle_rows(export_vehicles(logged_in(manager_a), store=other.pk))
    assert len(rows) == 1 and rows[0][V_PLATE] == "Plate"
