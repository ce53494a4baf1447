"""Headers in Chinese and English are mapped to fields; a source's saved mapping wins; no database."""

import pytest

from dealercare.imports.choices import ImportKind
from dealercare.imports.columns import (
    ALL_COLUMNS,
    KIND_COLUMNS,
    guess_field,
    guess_mapping,
    header_score,
    missing_required,
    normalize_header,
)

K = ImportKind


@pytest.mark.parametrize(
    ("header", "field"),
    [("姓名", "name"), ("客户名称", "name"), ("手机", "mobile"), ("联系电话", "mobile"),
     ("手机号码（必填）", "mobile"), ("*手机号码", "mobile"), ("Mobile Phone", "mobile"),
     ("车牌号", "plate"), ("VIN", "vin"), ("车架号", "vin"), ("VIN码", "vin"),
     ("购车日期", "purchase_date"), ("交车日期", "delivery_date"), ("里程(km)", "mileage_km"),
     ("客户手机号码", "mobile"), ("性别", "gender"), ("统一社会信用代码", "uscc")],
)  # fmt: skip
def test_customer_file_headers_are_recognised(header, field):
    assert guess_field(K.CUSTOMERS, header) == field


@pytest.mark.parametrize(
    ("header", "field"),
    [("工单号", "repair_order_no"), ("进厂日期", "date_in"), ("出厂日期", "date_out"),
     ("服务顾问", "advisor_name"), ("里程", "visit_mileage_km"), ("工时费", "labour_amount"),
     ("维修类型", "visit_type"), ("车主姓名", "name"), ("VIN", "vin")],
)  # fmt: skip
def test_repair_order_headers_are_recognised(header, field):
    assert guess_field(K.SERVICE_VISITS, header) == field


def test_a_header_two_kinds_know_goes_to_the_kinds_own_field():
    assert guess_field(K.DELIVERIES, "交车日期") == "delivered_at"
    assert guess_field(K.CUSTOMERS, "交车日期") == "delivery_date"
    assert guess_field(K.DELIVERIES, "备注") == "delivery_note"
    assert guess_field(K.SERVICE_VISITS, "备注") is None


def test_an_unknown_header_is_not_guessed():
    assert guess_field(K.CUSTOMERS, "内部编码") is None
    assert guess_field(K.CUSTOMERS, "") is None


def test_normalising_drops_spaces_marks_and_bracketed_notes():
    assert normalize_header(" 手机号码（必填）* ") == "手机号码"
    assert normalize_header("Mobile Phone") == "mobilephone"
    assert normalize_header("E-mail") == "email"


def test_each_field_is_guessed_for_one_column_only():
    mapping = guess_mapping(K.CUSTOMERS, ["姓名", "手机", "联系电话", "VIN"])
    assert mapping == {0: "name", 1: "mobile", 3: "vin"}


def test_a_saved_mapping_of_the_source_wins_over_guesses_and_keeps_columns_unmapped():
    saved = {"客户": "name", "电话": "", "号码": "mobile"}
    mapping = guess_mapping(K.CUSTOMERS, ["客户", "电话", "号码", "车牌号"], saved=saved)
    assert mapping == {0: "name", 2: "mobile", 3: "plate"}


def test_a_saved_field_the_kind_does_not_have_is_ignored():
    mapping = guess_mapping(K.VEHICLES, ["X"], saved={"x": "notes"})
    assert mapping == {}


def test_missing_required_fields_are_named_with_their_alternatives():
    assert missing_required(K.CUSTOMERS, ["name", "vin"]) == []
    assert [str(m) for m in missing_required(K.CUSTOMERS, ["city"])] == [
        "Customer name", "Mobile / VIN / Credit code"]  # fmt: skip
    assert [str(m) for m in missing_required(K.SERVICE_VISITS, ["name", "plate"])] == [
        "Repair order no.", "Date in"]  # fmt: skip


def test_header_score_counts_known_headers_only():
    assert header_score(["姓名", "手机", "", None, "随便"]) == 2


def test_every_field_key_is_unique_and_every_kind_offers_only_known_fields():
    for kind, columns in KIND_COLUMNS.items():
        keys = [c.key for c in columns]
        assert len(keys) == len(set(keys)), kind
        assert set(keys) <= set(ALL_COLUMNS)
