"""The engine upserts by natural keys: a second run changes nothing, a change is audited field by
field, a row either applies completely or is rejected with its reasons."""

import datetime

import pytest
from django.utils import timezone

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers import search_terms
from dealercare.customers.models import (
    ConsentRecord,
    Customer,
    SearchTerm,
    Vehicle,
    VehicleOwnership,
)
from dealercare.imports import upsert
from dealercare.imports.choices import RowOutcome
from dealercare.imports.tests.conftest import make_vin, run
from dealercare.operations.models import Delivery, ServiceVisit
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机", "性别", "城市", "车架号", "车牌号", "品牌", "车型", "购车日期", "里程"]
VIN1, VIN2, VIN3 = make_vin(1), make_vin(2), make_vin(3)
ZHANG = [
    "张三",
    "138 1234 5678",
    "男",
    "广州",
    VIN1,
    "粤B12345",
    "大众",
    "迈腾",
    "2024/3/5",
    "12,000",
]
LI = [
    "李四",
    "+86 139 0000 1111",
    "女",
    "广州",
    VIN2,
    "粤A88888",
    "本田",
    "雅阁",
    "2023年5月1日",
    "",
]


def counts(result):
    return {k: v for k, v in result.counts.items() if v}


def errors_of(job):
    return [(e.row_number, e.column, e.message) for e in job.row_errors.all()]


def test_a_customers_file_creates_customers_vehicles_ownerships_and_search_keys(
    store_a, manager_a, job_for
):
    job = job_for(store_a, "customers", [HEADER, ZHANG, LI])
    result = run(job, actor=manager_a)
    assert counts(result) == {RowOutcome.NEW: 2}
    assert result.kept
    zhang = Customer.objects.get(mobile="13812345678")
    assert (zhang.number, zhang.name, zhang.gender, zhang.city, zhang.source, zhang.kind,
            zhang.created_by) == ("GZ01-000001", "张三", "male", "广州", "dms", "person",
                                  manager_a)  # fmt: skip
    vehicle = Vehicle.objects.get(vin=VIN1)
    assert (vehicle.owner, vehicle.plate, vehicle.brand, vehicle.model_name, vehicle.purchase_date,
            vehicle.mileage_km, vehicle.store) == (zhang, "粤B12345", "大众", "迈腾",
                                                   datetime.date(2024, 3, 5), 12000, store_a)  # fmt: skip
    ownership = VehicleOwnership.objects.get(vehicle=vehicle)
    assert (ownership.customer, ownership.started_on, ownership.reason, ownership.ended_on) == (
        zhang, datetime.date(2024, 3, 5), "import", None)  # fmt: skip
    stored = set(SearchTerm.objects.filter(customer=zhang).values_list("kind", "term"))
    assert stored == search_terms.customer_terms(
        name="张三", number="GZ01-000001", mobiles=["13812345678"], plates=["粤B12345"],
        vins=[VIN1],
    )  # fmt: skip
    store_a.refresh_from_db()
    assert store_a.customer_seq == 2


def test_importing_the_same_file_twice_changes_nothing_the_second_time(store_a, manager_a, job_for):
    job = job_for(store_a, "customers", [HEADER, ZHANG, LI])
    run(job, actor=manager_a)
    before = list(Customer.objects.order_by("pk").values_list("pk", "updated_at"))
    audits = AuditEvent.objects.count()
    terms = SearchTerm.objects.count()
    result = run(job, actor=manager_a)
    assert counts(result) == {RowOutcome.UNCHANGED: 2}
    assert list(Customer.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert Vehicle.objects.count() == 2
    assert VehicleOwnership.objects.count() == 2
    assert SearchTerm.objects.count() == terms
    # Only the second run's summary event is new; no record changed.
    assert AuditEvent.objects.count() == audits + 1
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_a_changed_row_updates_only_the_changed_fields_audited_from_and_to(
    store_a, manager_a, job_for
):
    run(job_for(store_a, "customers", [HEADER, ZHANG, LI]), actor=manager_a)
    moved = [*ZHANG[:3], "深圳", VIN1, "粤B99999", *ZHANG[6:]]
    job = job_for(store_a, "customers", [HEADER, moved, LI], name="second.csv")
    result = run(job, actor=manager_a)
    assert counts(result) == {RowOutcome.UPDATED: 1, RowOutcome.UNCHANGED: 1}
    zhang = Customer.objects.get(mobile="13812345678")
    assert zhang.city == "深圳"
    events = AuditEvent.objects.filter(action=AuditAction.UPDATE).order_by("target_type")
    assert [(e.target_type, e.target_id, e.changes, e.actor) for e in events] == [
        ("customers.customer", str(zhang.pk), {"city": ["广州", "深圳"]}, manager_a),
        ("customers.vehicle", str(Vehicle.objects.get(vin=VIN1).pk),
         {"plate": ["粤B12345", "粤B99999"]}, manager_a),
    ]  # fmt: skip
    assert events[0].reason == f"Import #{job.pk}: second.csv"
    plates = set(
        SearchTerm.objects.filter(customer=zhang, kind="plate").values_list("term", flat=True)
    )
    assert plates == {"粤B99999"}


def test_a_blank_cell_never_erases_stored_data(store_a, manager_a, job_for):
    run(job_for(store_a, "customers", [HEADER, ZHANG]), actor=manager_a)
    blanked = [ZHANG[0], ZHANG[1], "", "", VIN1, "", "", "", "", ""]
    result = run(job_for(store_a, "customers", [HEADER, blanked], name="b.csv"), actor=manager_a)
    assert counts(result) == {RowOutcome.UNCHANGED: 1}
    vehicle = Vehicle.objects.get(vin=VIN1)
    assert (vehicle.plate, vehicle.owner.city) == ("粤B12345", "广州")


def test_a_customer_met_again_in_the_same_file_with_another_value_is_a_conflict(
    store_a, manager_a, job_for
):
    other_city = [ZHANG[0], ZHANG[1], "", "深圳", VIN3, "粤C12345", "", "", "", ""]
    job = job_for(store_a, "customers", [HEADER, ZHANG, other_city])
    result = run(job, actor=manager_a, valid_rows_only=True)
    assert counts(result) == {RowOutcome.NEW: 1, RowOutcome.REJECTED: 1}
    assert errors_of(job) == [
        (3, "城市", "An earlier row of this file gives this customer a different value (广州).")
    ]
    assert not Vehicle.objects.filter(vin=VIN3).exists()  # the rejected row wrote nothing
    # A second run agrees with the first: the conflict is reported again, nothing flips.
    result = run(job, actor=manager_a, valid_rows_only=True)
    assert counts(result) == {RowOutcome.UNCHANGED: 1, RowOutcome.REJECTED: 1}
    assert Customer.objects.get().city == "广州"


def test_one_customer_with_two_vehicles_on_two_rows_owns_both(store_a, manager_a, job_for):
    second_car = [ZHANG[0], ZHANG[1], "", "", VIN3, "粤C12345", "丰田", "凯美瑞", "", ""]
    result = run(job_for(store_a, "customers", [HEADER, ZHANG, second_car]), actor=manager_a)
    assert counts(result) == {RowOutcome.NEW: 2}
    zhang = Customer.objects.get()
    assert set(zhang.vehicles.values_list("vin", flat=True)) == {VIN1, VIN3}
    plates = set(
        SearchTerm.objects.filter(customer=zhang, kind="plate").values_list("term", flat=True)
    )
    assert plates == {"粤B12345", "粤C12345"}


def test_a_second_vehicle_in_a_later_chunk_rebuilds_the_customers_search_keys(
    store_a, manager_a, job_for, monkeypatch
):
    monkeypatch.setattr(upsert, "CHUNK_ROWS", 1)
    monkeypatch.setattr("dealercare.imports.cleaner.CHUNK_ROWS", 1)
    second_car = [ZHANG[0], ZHANG[1], "", "", VIN3, "粤C12345", "", "", "", ""]
    run(job_for(store_a, "customers", [HEADER, ZHANG, second_car]), actor=manager_a)
    zhang = Customer.objects.get()
    plates = set(
        SearchTerm.objects.filter(customer=zhang, kind="plate").values_list("term", flat=True)
    )
    assert plates == {"粤B12345", "粤C12345"}


def test_a_vehicle_owned_by_another_customer_is_rejected(store_a, manager_a, job_for):
    owner = CustomerFactory(store=store_a, name="王五", number="GZ01-000777")
    VehicleFactory(owner=owner, vin=VIN1)
    job = job_for(store_a, "customers", [HEADER, ZHANG])
    result = run(job, actor=manager_a)
    assert counts(result) == {RowOutcome.REJECTED: 1}
    assert not result.kept
    assert errors_of(job) == [
        (
            2,
            "车架号",
            "The vehicle belongs to another customer "
            "(GZ01-000777). Transfer it in Dealercare first, or correct the row.",
        )
    ]
    assert not Customer.objects.filter(name="张三").exists()


def test_a_row_without_a_mobile_is_recognised_as_its_vehicles_owner(store_a, manager_a, job_for):
    owner = CustomerFactory(store=store_a, name="张三")
    VehicleFactory(owner=owner, vin=VIN1, plate="粤B12345")
    by_vin = ["张三", "", "", "佛山", VIN1, "", "", "", "", ""]
    wrong_name = ["李四", "", "", "", VIN1, "", "", "", "", ""]
    job = job_for(store_a, "customers", [HEADER, by_vin, wrong_name])
    result = run(job, actor=manager_a, valid_rows_only=True)
    assert counts(result) == {RowOutcome.UPDATED: 1, RowOutcome.REJECTED: 1}
    owner.refresh_from_db()
    assert owner.city == "佛山"
    assert errors_of(job)[0][0] == 3
    assert "with another name" in errors_of(job)[0][2]


def test_a_row_nobody_could_recognise_later_is_rejected(store_a, manager_a, job_for):
    job = job_for(store_a, "customers", [HEADER, ["赵六", "", "", "", "", "", "", "", "", ""]])
    run(job, actor=manager_a)
    assert errors_of(job) == [(2, "手机", str(upsert.MSG_NEEDS_KEY))]


def test_a_new_customer_needs_a_name(store_a, manager_a, job_for):
    job = job_for(
        store_a, "customers", [HEADER, ["", "13812345678", "", "", "", "", "", "", "", ""]]
    )
    run(job, actor=manager_a)
    assert errors_of(job) == [(2, "姓名", "A new customer needs a name.")]


def test_a_company_is_recognised_by_its_credit_code(store_a, manager_a, job_for):
    from dealercare.demo import generators as gen

    uscc = gen.uscc(gen.seeded(5), "440100")
    header = ["客户名称", "统一社会信用代码", "客户性质", "地址"]
    job = job_for(store_a, "customers", [header, ["广州华信物流有限公司", uscc, "", "天河路1号"],
                                         ["广州恒通科技有限公司", "", "公司", ""]])  # fmt: skip
    result = run(job, actor=manager_a, valid_rows_only=True)
    assert counts(result) == {RowOutcome.NEW: 1, RowOutcome.REJECTED: 1}
    company = Customer.objects.get()
    assert (company.kind, company.uscc) == ("company", uscc)
    assert errors_of(job) == [
        (3, "Mobile", str(upsert.MSG_NEEDS_KEY)),
        (3, "统一社会信用代码", "A company customer needs its unified social credit code."),
    ]
    again = job_for(store_a, "customers", [header, ["广州华信物流有限公司", uscc, "", "天河路2号"]],
                    name="again.csv")  # fmt: skip
    assert counts(run(again, actor=manager_a)) == {RowOutcome.UPDATED: 1}
    company.refresh_from_db()
    assert company.address == "天河路2号"


def test_the_same_mobile_in_another_store_is_another_customer(
    store_a, store_b, manager_a, manager_b, job_for
):
    CustomerFactory(store=store_b, mobile="13812345678", name="乙店张三")
    result = run(job_for(store_a, "customers", [HEADER, ZHANG]), actor=manager_a)
    assert counts(result) == {RowOutcome.NEW: 1}
    assert Customer.objects.get(store=store_b).name == "乙店张三"
    assert Customer.objects.get(store=store_a).name == "张三"


def test_consent_columns_are_recorded_as_imported_consents(store_a, manager_a, job_for):
    header = ["姓名", "手机", "接受电话回访", "接受短信"]
    run(
        job_for(store_a, "customers", [header, ["张三", "13812345678", "是", "否"]]),
        actor=manager_a,
    )
    customer = Customer.objects.get()
    assert (customer.allow_phone, customer.allow_sms) == (True, False)
    assert sorted(ConsentRecord.objects.values_list("channel", "granted", "method")) == [
        ("phone", True, "import"), ("sms", False, "import")]  # fmt: skip
    job = job_for(store_a, "customers", [header, ["张三", "13812345678", "否", "否"]], name="b.csv")
    run(job, actor=manager_a)
    assert ConsentRecord.objects.filter(channel="phone").latest("id").granted is False


def test_all_or_nothing_keeps_nothing_when_a_row_is_rejected(store_a, manager_a, job_for):
    bad = ["王五", "12345", "", "", "", "", "", "", "", ""]
    job = job_for(store_a, "customers", [HEADER, ZHANG, bad, LI])
    result = run(job, actor=manager_a)
    assert counts(result) == {RowOutcome.NEW: 2, RowOutcome.REJECTED: 1}
    assert not result.kept
    assert Customer.objects.count() == 0
    assert errors_of(job) == [(3, "手机", "Enter a valid mainland China mobile number "
                               "(11 digits, e.g. 13812345678).")]  # fmt: skip
    result = run(job, actor=manager_a, valid_rows_only=True)
    assert result.kept
    assert set(Customer.objects.values_list("name", flat=True)) == {"张三", "李四"}


def test_a_dry_run_counts_everything_and_keeps_nothing(store_a, manager_a, job_for):
    job = job_for(store_a, "customers", [HEADER, ZHANG, LI, ZHANG])
    result = run(job, actor=manager_a, dry_run=True)
    assert counts(result) == {RowOutcome.NEW: 2, RowOutcome.UNCHANGED: 1}
    assert Customer.objects.count() == Vehicle.objects.count() == SearchTerm.objects.count() == 0
    store_a.refresh_from_db()
    assert store_a.customer_seq == 0  # no customer number was used up


def test_a_crash_midway_leaves_the_database_as_before_and_a_rerun_completes_it(
    store_a, manager_a, job_for, monkeypatch
):
    monkeypatch.setattr("dealercare.imports.cleaner.CHUNK_ROWS", 1)
    job = job_for(store_a, "customers", [HEADER, ZHANG, LI])
    real_run_chunk = upsert.Upserter.run_chunk
    calls = []

    def crash_on_second_chunk(self, rows):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_run_chunk(self, rows)

    monkeypatch.setattr(upsert.Upserter, "run_chunk", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        run(job, actor=manager_a)
    assert Customer.objects.count() == Vehicle.objects.count() == 0
    assert not AuditEvent.objects.exists()
    monkeypatch.setattr(upsert.Upserter, "run_chunk", real_run_chunk)
    result = run(job, actor=manager_a)
    assert counts(result) == {RowOutcome.NEW: 2}
    assert Customer.objects.count() == 2


def test_a_committed_import_leaves_one_summary_audit_event(store_a, manager_a, job_for):
    job = job_for(store_a, "customers", [HEADER, ZHANG, LI], name="dms.csv")
    run(job, actor=manager_a)
    event = AuditEvent.objects.get(target_type="imports.importjob")
    assert (event.action, event.actor, event.store, event.target_id) == (
        AuditAction.CREATE, manager_a, store_a, str(job.pk))  # fmt: skip
    assert event.changes == {"kind": "customers", "file": "dms.csv", "new": 2, "updated": 0,
                             "unchanged": 0, "rejected": 0, "mode": "all_or_nothing"}  # fmt: skip


def test_vehicles_with_a_plate_only_are_found_again_by_plate(store_a, manager_a, job_for):
    header = ["车牌号", "车型", "车主", "手机"]
    job = job_for(store_a, "vehicles", [header, ["粤B12345", "迈腾", "张三", "13812345678"]])
    assert counts(run(job, actor=manager_a)) == {RowOutcome.NEW: 1}
    again = job_for(store_a, "vehicles", [header, ["粤B12345", "迈腾GTS", "张三", "13812345678"]],
                    name="again.csv")  # fmt: skip
    assert counts(run(again, actor=manager_a)) == {RowOutcome.UPDATED: 1}
    assert Vehicle.objects.get().model_name == "迈腾GTS"


def test_a_plate_two_vehicles_share_needs_the_vin(store_a, manager_a, job_for):
    owner = CustomerFactory(store=store_a)
    VehicleFactory(owner=owner, plate="粤B12345", vin=VIN1)
    VehicleFactory(owner=owner, plate="粤B12345", vin=VIN2)
    job = job_for(store_a, "vehicles", [["车牌号", "车型"], ["粤B12345", "迈腾"]])
    run(job, actor=manager_a)
    assert errors_of(job) == [(2, "车牌号", str(upsert.MSG_PLATE_AMBIGUOUS))]


def test_a_vehicle_known_by_plate_gets_its_vin_filled(store_a, manager_a, job_for):
    owner = CustomerFactory(store=store_a, mobile="13812345678")
    VehicleFactory(owner=owner, plate="粤B12345", vin="")
    job = job_for(store_a, "vehicles", [["车牌号", "VIN"], ["粤B12345", VIN1]])
    assert counts(run(job, actor=manager_a)) == {RowOutcome.UPDATED: 1}
    assert Vehicle.objects.get().vin == VIN1
    assert SearchTerm.objects.filter(customer=owner, kind="vin", term=VIN1).exists()


# --- deliveries and repair orders ------------------------------------------------------------

DELIVERY_HEADER = [
    "销售订单号",
    "交车日期",
    "销售顾问",
    "成交价",
    "客户姓名",
    "手机",
    "VIN",
    "车牌号",
]


def test_a_delivery_creates_its_customer_and_vehicle_and_is_stored_once(
    store_a, advisor_a, job_for
):
    row = ["SO-001", "2024-03-05 14:30", "李销售", "189,000", "张三", "13812345678", VIN1, ""]
    job = job_for(store_a, "deliveries", [DELIVERY_HEADER, row])
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.NEW: 1}
    delivery = Delivery.objects.get()
    assert (delivery.order_no, delivery.consultant_name, str(delivery.price), delivery.source,
            delivery.customer.name, delivery.vehicle.vin) == (
        "SO-001", "李销售", "189000.00", "import", "张三", VIN1)  # fmt: skip
    assert (
        timezone.localtime(delivery.delivered_at).strftime("%Y-%m-%d %H:%M") == "2024-03-05 14:30"
    )
    assert delivery.vehicle.delivery_date == datetime.date(2024, 3, 5)
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.UNCHANGED: 1}
    assert Delivery.objects.count() == 1


def test_a_delivery_without_an_order_number_is_known_by_vehicle_and_day(
    store_a, advisor_a, job_for
):
    row = ["", "2024-03-05", "", "", "张三", "13812345678", VIN1, ""]
    job = job_for(store_a, "deliveries", [DELIVERY_HEADER, row, row])
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.NEW: 1, RowOutcome.UNCHANGED: 1}
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.UNCHANGED: 2}
    assert Delivery.objects.count() == 1


def test_a_delivery_refreshes_the_customers_lifecycle(store_a, advisor_a, job_for):
    today = timezone.localdate().isoformat()
    row = ["SO-9", today, "", "", "张三", "13812345678", VIN1, ""]
    run(job_for(store_a, "deliveries", [DELIVERY_HEADER, row]), actor=advisor_a)
    customer = Customer.objects.get()
    assert (customer.lifecycle_state, customer.last_delivery_on) == ("new_buyer",
                                                                     timezone.localdate())  # fmt: skip


VISIT_HEADER = ["工单号", "进厂日期", "出厂日期", "服务顾问", "维修类型", "里程", "工时费", "材料费",
                "车主", "手机", "VIN", "车牌号"]  # fmt: skip


def visit_row(number="RO-1", date_in="2024-03-05 09:00", date_out="2024-03-05 17:00",
              mileage="15,000", name="张三", mobile="13812345678", vin=VIN1):  # fmt: skip
    return [number, date_in, date_out, "王顾问", "保养", mileage, "300", "1,200.5", name, mobile, vin,
            "粤B12345"]  # fmt: skip


def test_a_finished_repair_order_is_stored_with_its_charges(store_a, advisor_a, job_for):
    job = job_for(store_a, "service_visits", [VISIT_HEADER, visit_row()])
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.NEW: 1}
    visit = ServiceVisit.objects.get()
    assert (visit.repair_order_no, visit.status, visit.visit_type, visit.advisor_name,
            visit.mileage_km, str(visit.labour_amount), str(visit.parts_amount), visit.source) == (
        "RO-1", "finished", "maintenance", "王顾问", 15000, "300.00", "1200.50", "import")  # fmt: skip
    assert visit.vehicle.mileage_km == 15000
    customer = visit.customer
    assert customer.last_visit_on == datetime.date(2024, 3, 5)


def test_an_open_repair_order_is_finished_by_a_later_file_and_audited(store_a, advisor_a, job_for):
    run(job_for(store_a, "service_visits", [VISIT_HEADER, visit_row(date_out="")]), actor=advisor_a)
    assert ServiceVisit.objects.get().status == "open"
    job = job_for(store_a, "service_visits", [VISIT_HEADER, visit_row()], name="later.csv")
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.UPDATED: 1}
    visit = ServiceVisit.objects.get()
    assert visit.status == "finished"
    event = AuditEvent.objects.get(target_type="operations.servicevisit", action="update")
    assert set(event.changes) == {"date_out", "status"}
    assert event.changes["status"] == ["open", "finished"]


def test_repair_order_dates_must_be_in_order(store_a, advisor_a, job_for):
    job = job_for(store_a, "service_visits",
                  [VISIT_HEADER, visit_row(date_out="2024-03-04 10:00")])  # fmt: skip
    run(job, actor=advisor_a)
    assert errors_of(job) == [(2, "出厂日期", "The vehicle cannot leave before it came in.")]


def test_a_repair_order_row_identifies_the_customer_without_renaming_it(
    store_a, advisor_a, job_for
):
    customer = CustomerFactory(store=store_a, name="张三丰", mobile="13812345678", city="")
    row = visit_row(name="张先生")
    row[-1] = "粤B12345"
    job = job_for(store_a, "service_visits", [[*VISIT_HEADER, "城市"], [*row, "广州"]])
    assert counts(run(job, actor=advisor_a)) == {RowOutcome.NEW: 1}
    customer.refresh_from_db()
    assert (customer.name, customer.city) == ("张三丰", "广州")  # blanks filled, name kept


def test_a_lower_mileage_on_a_later_visit_never_lowers_the_vehicles_mileage(
    store_a, advisor_a, job_for
):
    rows = [VISIT_HEADER, visit_row(), visit_row("RO-2", "2024-01-05 09:00", "", mileage="9,000")]
    run(job_for(store_a, "service_visits", rows), actor=advisor_a)
    assert Vehicle.objects.get().mileage_km == 15000


def test_a_repair_order_number_of_another_vehicle_is_rejected(store_a, advisor_a, job_for):
    run(job_for(store_a, "service_visits", [VISIT_HEADER, visit_row()]), actor=advisor_a)
    other = visit_row(mobile="13900001111", vin=VIN2, name="李四")
    other[-1] = "粤A88888"
    job = job_for(store_a, "service_visits", [VISIT_HEADER, other], name="b.csv")
    run(job, actor=advisor_a)
    assert errors_of(job) == [(2, "工单号", "RO-1 already exists in this store for another "
                               "customer or vehicle.")]  # fmt: skip


def test_the_cached_search_keys_are_exactly_the_foundations():
    for name in ("张三", "单于", "Tom Lee", "", "乐乐"):
        assert upsert.customer_search_keys(
            name=name, number="GZ01-000001", mobiles=["13812345678"], plates=["粤B12345"],
            vins=[VIN1],
        ) == search_terms.customer_terms(
            name=name, number="GZ01-000001", mobiles=["13812345678"], plates=["粤B12345"],
            vins=[VIN1],
        )  # fmt: skip


def test_an_id_set_remembers_ids_in_a_bitmap():
    ids = upsert.IdSet()
    for pk in (1, 8, 9, 100_000):
        ids.add(pk)
    assert [pk in ids for pk in (1, 2, 8, 9, 100_000, 10**9)] == [True, False, True, True, True,
                                                                  False]  # fmt: skip


def test_a_one_megabyte_cell_rejects_its_row_with_the_length(store_a, manager_a, job_for):
    huge = ["张" * 1_048_576, "13812345678", "", "", "", "", "", "", "", ""]
    job = job_for(store_a, "customers", [HEADER, huge, LI])
    result = run(job, actor=manager_a)
    assert counts(result) == {RowOutcome.NEW: 1, RowOutcome.REJECTED: 1}
    assert not result.kept and Customer.objects.count() == 0
    error = job.row_errors.get()
    assert (error.row_number, error.column, error.message) == (
        2, "姓名", "Too long: 1,048,576 characters, at most 100.")  # fmt: skip
    assert len(error.value) == 100


def test_imported_events_get_their_follow_up_tasks_after_commit(
    store_a, advisor_a, job_for, django_capture_on_commit_callbacks
):
    from dealercare.followups.models import FollowUpTask

    yesterday = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    row = visit_row(date_in=yesterday, date_out=yesterday)
    with django_capture_on_commit_callbacks(execute=True):
        run(job_for(store_a, "service_visits", [VISIT_HEADER, row]), actor=advisor_a)
    visit = ServiceVisit.objects.get()
    assert FollowUpTask.objects.filter(event_id=visit.pk).exists()


def test_an_older_state_of_a_repair_order_never_reopens_it(store_a, advisor_a, job_for):
    header = [*VISIT_HEADER, "工单状态"]
    run(job_for(store_a, "service_visits", [header, [*visit_row(), "已结算"]]), actor=advisor_a)
    older = job_for(store_a, "service_visits", [header, [*visit_row(date_out=""), "在厂"]],
                    name="older.csv")  # fmt: skip
    assert counts(run(older, actor=advisor_a)) == {RowOutcome.UNCHANGED: 1}
    assert ServiceVisit.objects.get().status == "finished"
