"""Delivery and service-visit list exports: permission, store scope, masking, formula escaping,
filters, audit, real dates and money, streaming."""

import datetime
import decimal
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dealercare.accounts.models import StoreMembership
from dealercare.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.operations.choices import VisitStatus, VisitType
from dealercare.testing.factories import (
    CustomerFactory,
    DeliveryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

DELIVERIES, VISITS = "operations:delivery-export", "operations:visit-export"
EXPORTS = [DELIVERIES, VISITS]
SLUGS = {DELIVERIES: "deliveries", VISITS: "service-visits"}
LISTS = {DELIVERIES: "operations:delivery-list", VISITS: "operations:visit-list"}
NUMBER_OF = {DELIVERIES: "Sales order no.", VISITS: "Repair order no."}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def vehicle_a(store_a):
    owner = CustomerFactory(store=store_a, name="王五", mobile="13822223333")
    return VehicleFactory(store=store_a, owner=owner, plate="粤A12345", brand="一汽-大众",
                          model_name="迈腾")  # fmt: skip


@pytest.fixture
def vehicle_b(store_b):
    owner = CustomerFactory(store=store_b, name="乙店车主", mobile="13933334444")
    return VehicleFactory(store=store_b, owner=owner, plate="粤B54321")


@pytest.fixture
def both_stores(vehicle_a, vehicle_b):
    """A delivery and a visit in each store, numbered by their store."""
    for vehicle, code in ((vehicle_a, "A"), (vehicle_b, "B")):
        DeliveryFactory(vehicle=vehicle, order_no=f"SO-{code}-1")
        ServiceVisitFactory(vehicle=vehicle, repair_order_no=f"RO-{code}-1")


def records(response, name):
    """The exported rows as {header: value}, after checking the download is a streamed XLSX."""
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith(f'attachment; filename="{SLUGS[name]}_')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, *rows = workbook.active.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def numbers(response, name):
    return sorted(r[NUMBER_OF[name]] for r in records(response, name))


def exports(client, name, **params):
    return client.get(reverse(name), params)


def login(client, user):
    client.force_login(user)
    return client


# --- who may export ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["followup_agent", "cs_supervisor", "service_advisor",
                                  "service_manager", "sales_manager", "technician"])  # fmt: skip
@pytest.mark.parametrize("name", EXPORTS)
def test_roles_without_the_export_permission_get_403_and_nothing_is_audited(
    client, store_a, make_user, both_stores, role, name
):
    response = exports(login(client, make_user(store_a, role)), name)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("name", EXPORTS)
def test_logged_out_visitors_are_sent_to_login(client, name):
    response = exports(client, name)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", EXPORTS)
def test_the_lists_offer_the_export_only_to_users_who_may_export(client, manager_a, agent_a, name):
    page = login(client, manager_a).get(reverse(LISTS[name]), {"status": ""})
    assert f'href="{reverse(name)}?status="' in page.content.decode()
    page = login(client, agent_a).get(reverse(LISTS[name]))
    assert reverse(name) not in page.content.decode()


# --- store isolation --------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPORTS)
def test_a_manager_exports_only_their_stores_rows(client, manager_a, both_stores, name):
    client = login(client, manager_a)
    rows = records(exports(client, name), name)
    assert [r[NUMBER_OF[name]] for r in rows] == ["SO-A-1" if name == DELIVERIES else "RO-A-1"]
    for params in ({"q": "粤B54321"}, {"q": "乙店车主"}, {"q": "B-1"}):
        assert numbers(exports(client, name, **params), name) == []


@pytest.mark.parametrize("name", EXPORTS)
def test_asking_for_another_stores_rows_is_refused(client, manager_a, store_b, both_stores, name):
    response = exports(login(client, manager_a), name, store=store_b.pk)
    assert response.status_code == 302
    assert response.url == f"{reverse(LISTS[name])}?store={store_b.pk}"
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("name", EXPORTS)
def test_a_store_the_user_only_views_is_neither_exported_nor_exportable(
    client, manager_a, store_b, both_stores, name
):
    StoreMembership.objects.create(user=manager_a, store=store_b, role=Role.FOLLOWUP_AGENT)
    client = login(client, manager_a)
    assert len(client.get(reverse(LISTS[name])).context["page_obj"]) == 2  # B is in the list
    assert [r["Store"] for r in records(exports(client, name), name)] == [
        manager_a.memberships.get(role=Role.CS_MANAGER).store.name
    ]
    assert exports(client, name, store=store_b.pk).status_code == 302


@pytest.mark.parametrize("name", EXPORTS)
def test_a_group_admin_exports_every_store_or_the_one_chosen(
    client, admin_user, store_b, both_stores, name
):
    client = login(client, admin_user)
    assert len(records(exports(client, name), name)) == 2
    rows = records(exports(client, name, store=store_b.pk), name)
    assert [r["Customer"] for r in rows] == ["乙店车主"]
    first, second = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("id")
    assert (first.store, first.changes["rows"]) == (None, 2)
    assert (second.store, second.changes["rows"]) == (store_b, 1)


# --- masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPORTS)
def test_the_mobile_is_full_only_where_the_user_may_reveal_numbers(
    client, manager_a, both_stores, monkeypatch, name
):
    client = login(client, manager_a)
    assert records(exports(client, name), name)[0]["Mobile"] == "13822223333"
    without_reveal = ROLE_CAPABILITIES[Role.CS_MANAGER] - {Capability.REVEAL_PHONE}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.CS_MANAGER, without_reveal)
    assert records(exports(client, name), name)[0]["Mobile"] == "138****3333"
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("id")
    assert [e.changes["unmasked_mobiles"] for e in events] == [1, 0]


# --- what is written --------------------------------------------------------------------------


def test_a_delivery_row_has_real_dates_in_the_stores_zone_and_money_as_a_number(
    client, manager_a, vehicle_a
):
    vehicle_a.store.timezone = "Asia/Urumqi"  # UTC+6
    vehicle_a.store.save()
    DeliveryFactory(vehicle=vehicle_a, order_no="SO-1", price=decimal.Decimal("189900.50"),
                    delivered_at=datetime.datetime(2026, 3, 1, 2, 30, tzinfo=datetime.UTC),
                    consultant_name="李销售", note="老客户转介绍")  # fmt: skip
    response = exports(login(client, manager_a), DELIVERIES)
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["Delivered at"].value == datetime.datetime(2026, 3, 1, 8, 30)
    assert row["Delivered at"].number_format == "yyyy-mm-dd hh:mm"
    assert (row["Price"].value, row["Price"].number_format) == (189900.5, "#,##0.00")
    assert {h: row[h].value for h in ("Sales order no.", "Customer", "Plate", "Brand / model",
                                      "Sales consultant", "Status", "Note")} == {
        "Sales order no.": "SO-1", "Customer": "王五", "Plate": "粤A12345",
        "Brand / model": "一汽-大众 迈腾", "Sales consultant": "李销售", "Status": "Delivered",
        "Note": "老客户转介绍",
    }  # fmt: skip


def test_a_visit_row_has_its_times_amounts_and_people(client, manager_a, vehicle_a, advisor_a):
    ServiceVisitFactory(vehicle=vehicle_a, repair_order_no="RO-1", advisor=advisor_a,
                        date_in=datetime.datetime(2026, 3, 1, 1, 0, tzinfo=datetime.UTC),
                        date_out=datetime.datetime(2026, 3, 1, 9, 15, tzinfo=datetime.UTC),
                        labour_amount=decimal.Decimal("300"), parts_amount=decimal.Decimal("512.3"),
                        mileage_km=15000, technician_name="赵师傅",
                        fault_description="保养", work_summary="更换机油")  # fmt: skip
    [row] = records(exports(login(client, manager_a), VISITS), VISITS)
    assert row == {
        "Repair order no.": "RO-1", "Store": vehicle_a.store.name, "Type": "Maintenance",
        "Status": "Finished (vehicle left)",
        "Date in": datetime.datetime(2026, 3, 1, 9, 0),
        "Date out": datetime.datetime(2026, 3, 1, 17, 15),
        "Customer no.": vehicle_a.owner.number, "Customer": "王五", "Mobile": "13822223333",
        "Plate": "粤A12345", "VIN": vehicle_a.vin, "Brand / model": "一汽-大众 迈腾",
        "Mileage (km)": 15000, "Service advisor": str(advisor_a), "Technician": "赵师傅",
        "Fault / customer request": "保养", "Work done": "更换机油",
        "Labour": 300, "Parts": 512.3, "Amount": 812.3, "Source": "Entered in Dealercare",
    }  # fmt: skip


@pytest.mark.parametrize("name", EXPORTS)
def test_cells_that_would_run_as_formulas_are_written_as_text(client, manager_a, store_a, name):
    owner = CustomerFactory(store=store_a, name='=HYPERLINK("http://x","点我")')
    vehicle = VehicleFactory(owner=owner, model_name="+cmd")
    if name == DELIVERIES:
        DeliveryFactory(vehicle=vehicle, order_no="-1+2", note="@SUM(A1)")
    else:
        ServiceVisitFactory(vehicle=vehicle, repair_order_no="-1+2", fault_description="@SUM(A1)",
                            work_summary="\t=1+1")  # fmt: skip
    [row] = records(exports(login(client, manager_a), name), name)
    assert row["Customer"] == '\'=HYPERLINK("http://x","点我")'
    assert row[NUMBER_OF[name]] == "'-1+2"
    assert row["Brand / model"] == "一汽-大众 +cmd"  # not at the start: harmless
    if name == DELIVERIES:
        assert row["Note"] == "'@SUM(A1)"
    else:
        assert (row["Fault / customer request"], row["Work done"]) == ("'@SUM(A1)", "'\t=1+1")


# --- filters ----------------------------------------------------------------------------------


def test_the_delivery_export_follows_the_list_filters(client, manager_a, vehicle_a, store_a):
    now = timezone.now()
    DeliveryFactory(vehicle=vehicle_a, order_no="SO-2026-001", consultant_name="李销售",
                    delivered_at=now - datetime.timedelta(days=1))  # fmt: skip
    DeliveryFactory(vehicle=vehicle_a, order_no="SO-2025-777", consultant_name="赵销售",
                    delivered_at=now - datetime.timedelta(days=90), status="cancelled")  # fmt: skip
    DeliveryFactory(vehicle=VehicleFactory(store=store_a, plate="粤A99999",
                    owner=CustomerFactory(store=store_a, name="钱七")), order_no="SO-Q")  # fmt: skip
    client = login(client, manager_a)

    def found(**params):
        return numbers(exports(client, DELIVERIES, **params), DELIVERIES)

    assert found() == ["SO-2025-777", "SO-2026-001", "SO-Q"]
    assert found(q="SO-2025") == ["SO-2025-777"]
    assert found(q="钱七") == ["SO-Q"]
    assert found(consultant="赵") == ["SO-2025-777"]
    assert found(status="cancelled") == ["SO-2025-777"]
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert found(date_from=week_ago) == ["SO-2026-001"]
    assert found(date_to=week_ago) == ["SO-2025-777", "SO-Q"]


def test_the_visit_export_follows_the_list_filters(client, manager_a, vehicle_a):
    ServiceVisitFactory(vehicle=vehicle_a, repair_order_no="RO-REP-1",
                        visit_type=VisitType.REPAIR, advisor_name="周顾问")  # fmt: skip
    ServiceVisitFactory(vehicle=vehicle_a, repair_order_no="RO-OPEN-1",
                        status=VisitStatus.OPEN, date_out=None)  # fmt: skip
    client = login(client, manager_a)

    def found(**params):
        return numbers(exports(client, VISITS, **params), VISITS)

    assert found(visit_type="repair") == ["RO-REP-1"]
    assert found(status="open") == ["RO-OPEN-1"]
    assert found(advisor="周") == ["RO-REP-1"]
    assert found(q="ro-rep") == ["RO-REP-1"]
    assert found(q="粤A12345") == ["RO-OPEN-1", "RO-REP-1"]


@pytest.mark.parametrize("name", EXPORTS)
def test_filters_that_do_not_hold_are_sent_back_to_the_list(client, manager_a, both_stores, name):
    params = {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    response = exports(login(client, manager_a), name, **params)
    assert response.status_code == 302
    assert response.url.startswith(reverse(LISTS[name]))
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


# --- audit, name, queries ---------------------------------------------------------------------


def test_each_export_is_audited_with_its_filters_rows_and_store(
    client, manager_a, store_a, both_stores
):
    params = {"store": store_a.pk, "date_from": "2020-01-01", "status": "delivered", "q": "SO"}
    exports(login(client, manager_a), DELIVERIES, **params)
    exports(client, VISITS, visit_type="maintenance")
    deliveries, visits = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("id")
    assert (deliveries.actor, deliveries.store, deliveries.target_type,
            deliveries.target_id, deliveries.target_repr) == (
        manager_a, store_a, "operations.delivery", "", "delivery list"
    )  # fmt: skip
    assert deliveries.changes == {
        "filters": {"q": "SO", "store": "GZ01", "date_from": "2020-01-01", "status": "delivered"},
        "rows": 1,
        "unmasked_mobiles": 1,
    }
    assert (visits.store, visits.target_type, visits.target_repr) == (
        store_a,
        "operations.servicevisit",
        "service visit list",
    )
    assert visits.changes == {
        "filters": {"visit_type": "maintenance"}, "rows": 1, "unmasked_mobiles": 1,
    }  # fmt: skip


@pytest.mark.parametrize("name", EXPORTS)
def test_the_file_is_named_for_the_list_the_store_and_the_day(client, manager_a, name):
    response = exports(login(client, manager_a), name)
    day = timezone.localtime().strftime("%Y%m%d")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{SLUGS[name]}_GZ01_{day}_'
    )
    assert records(response, name) == []


@pytest.mark.parametrize("name", EXPORTS)
def test_the_export_reads_the_database_in_a_fixed_number_of_queries(
    client, manager_a, store_a, advisor_a, django_assert_max_num_queries, name
):
    for _ in range(100):
        vehicle = VehicleFactory(owner=CustomerFactory(store=store_a))
        if name == DELIVERIES:
            DeliveryFactory(vehicle=vehicle, sales_consultant=advisor_a)
        else:
            ServiceVisitFactory(vehicle=vehicle, advisor=advisor_a)
    client = login(client, manager_a)
    with django_assert_max_num_queries(10):  # no query per row
        assert len(records(exports(client, name), name)) == 100
