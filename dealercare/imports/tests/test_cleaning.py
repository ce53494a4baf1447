"""Cells as clerks and DMS exports write them become typed values, or a reason; no database."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealercare.core.validators import (
    MSG_MOBILE_INVALID,
    MSG_PLATE_INVALID,
    MSG_VIN_CHECK,
    normalize_mobile,
)
from dealercare.imports import cleaning as c
from dealercare.imports.columns import FUEL, GENDER, VISIT_STATUS, VISIT_TYPE
from dealercare.imports.tests.conftest import make_vin

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "raw",
    ["2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "20240305", " 2024-3-5 ", 45356,
     45356.0, "45356", 20240305, datetime.date(2024, 3, 5), datetime.datetime(2024, 3, 5, 9, 0)],
)  # fmt: skip
def test_every_usual_way_of_writing_a_date_reads_as_the_same_day(raw):
    assert c.to_date(raw, SHANGHAI) == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["2024-13-05", "05/03/2024", "yesterday", "2024-02-30", True])
def test_a_cell_that_is_not_a_date_is_refused_with_the_formats_to_use(raw):
    with pytest.raises(c.CellError) as error:
        c.to_date(raw, SHANGHAI)
    assert error.value.message == c.MSG_DATE


def test_a_date_outside_1900_to_2100_is_refused_as_implausible():
    with pytest.raises(c.CellError) as error:
        c.to_date("1850-01-01", SHANGHAI)
    assert error.value.message == c.MSG_DATE_RANGE % {"date": "1850-01-01"}


@pytest.mark.parametrize(
    ("raw", "local"),
    [("2024-03-05 14:30", (2024, 3, 5, 14, 30)), ("2024/3/5 9:05:30", (2024, 3, 5, 9, 5, 30)),
     ("2024年3月5日 14时30分", (2024, 3, 5, 14, 30)), ("2024-03-05", (2024, 3, 5)),
     (45356.75, (2024, 3, 5, 18, 0)), ("20240305 1430", (2024, 3, 5, 14, 30))],
)  # fmt: skip
def test_a_time_without_an_offset_is_the_stores_local_time(raw, local):
    value = c.to_datetime(raw, SHANGHAI)
    assert value == datetime.datetime(*local, tzinfo=SHANGHAI)
    assert value.tzinfo == datetime.UTC


def test_an_iso_time_with_an_offset_keeps_its_offset():
    value = c.to_datetime("2024-03-05T06:30:00Z", SHANGHAI)
    assert value == datetime.datetime(2024, 3, 5, 14, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12,345", 12345), ("12345 km", 12345), ("12,345公里", 12345), (12345.0, 12345),
     ("1.2万", 12000), (" 800 ", 800)],
)  # fmt: skip
def test_mileage_reads_with_separators_units_and_wan(raw, expected):
    assert c.to_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("12.5", c.MSG_WHOLE_NUMBER), ("-3", c.MSG_NEGATIVE), ("abc", c.MSG_NUMBER),
     ("99999999999", c.MSG_NUMBER_TOO_BIG), ("NaN", c.MSG_NUMBER), (True, c.MSG_NUMBER)],
)  # fmt: skip
def test_a_bad_whole_number_says_what_is_wrong(raw, message):
    with pytest.raises(c.CellError) as error:
        c.to_int(raw)
    assert error.value.message == message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("¥12,345.6", Decimal("12345.60")), ("12345元", Decimal("12345.00")), (800, Decimal("800.00")),
     (0.1, Decimal("0.10")), ("18.9万", Decimal("189000.00"))],
)  # fmt: skip
def test_money_reads_with_currency_signs_and_two_decimals(raw, expected):
    assert c.to_money(raw) == expected


def test_money_that_does_not_fit_twelve_digits_is_refused():
    with pytest.raises(c.CellError) as error:
        c.to_money("99999999999")
    assert error.value.message == c.MSG_MONEY_TOO_BIG


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613812345678",
     "008613812345678", "8613812345678", 13812345678, 13812345678.0, "(138)12345678"],
)  # fmt: skip
def test_a_mobile_written_with_spaces_dashes_or_86_is_stored_as_eleven_digits(raw):
    assert c.to_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12345", "1381234567", "02088886666", "10000000000", "abc"])
def test_a_bad_mobile_gets_the_validators_message(raw):
    with pytest.raises(c.CellError) as error:
        c.to_mobile(raw)
    assert error.value.message == MSG_MOBILE_INVALID


@settings(max_examples=3000, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_the_fast_mobile_check_agrees_with_phonenumbers_on_eleven_digits(number):
    assert c.fast_mobile(number) == normalize_mobile(number)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789 +-()86", max_size=18))
def test_the_fast_mobile_check_agrees_with_phonenumbers_on_anything(text):
    assert c.fast_mobile(text) == normalize_mobile(text)


def test_vin_plate_and_credit_code_get_the_validators_messages():
    with pytest.raises(c.CellError) as error:
        c.to_vin("LFV2A21K8M4000001")
    assert error.value.message == MSG_VIN_CHECK
    with pytest.raises(c.CellError) as error:
        c.to_plate("粤O12345")
    assert error.value.message == MSG_PLATE_INVALID
    assert c.to_plate(" 粤 b·12345 ") == "粤B12345"
    vin = make_vin(1)
    assert c.to_vin(f" {vin.lower()} ") == vin


def test_text_is_stripped_of_control_characters_and_refused_when_too_long():
    assert c.to_text("  张\x00三\x07 ") == "张三"
    assert c.to_text(12345.0) == "12345"
    with pytest.raises(c.CellError) as error:
        c.to_text("x" * 101, 100)
    assert error.value.message == c.MSG_TOO_LONG % {"length": "101", "max": "100"}
    with pytest.raises(c.CellError):
        c.to_text("x" * 1_048_576)


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), ("Y", True),
                                               ("no", False), (1, True), ("拒绝", False)])  # fmt: skip
def test_yes_and_no_read_in_chinese_and_english(raw, expected):
    assert c.to_bool(raw) is expected


def test_an_unknown_yes_no_value_is_refused():
    with pytest.raises(c.CellError) as error:
        c.to_bool("maybe")
    assert error.value.message == c.MSG_YES_NO


@pytest.mark.parametrize(
    ("convert", "raw", "expected"),
    [(GENDER, "男", "male"), (GENDER, "女士", "female"), (GENDER, "Female", "female"),
     (VISIT_TYPE, "首保", "first_maintenance"), (VISIT_TYPE, "钣喷", "accident"),
     (VISIT_TYPE, "repair", "repair"), (VISIT_STATUS, "已结算", "finished"),
     (FUEL, "纯电动", "ev"), (FUEL, "插混", "phev")],
)  # fmt: skip
def test_choices_read_from_values_labels_and_chinese_words(convert, raw, expected):
    assert convert(raw) == expected


def test_an_unknown_choice_lists_what_is_accepted():
    with pytest.raises(c.CellError) as error:
        GENDER("robot")
    assert "男" in error.value.message and "male" in error.value.message


def test_a_blank_cell_is_none_for_every_converter():
    for convert in (c.to_mobile, c.to_vin, c.to_plate, c.to_int, c.to_money, c.to_bool,
                    c.to_email, c.to_uscc, c.to_code, GENDER):  # fmt: skip
        assert convert("  ") is None
    assert c.to_date(None, SHANGHAI) is None
    assert c.to_datetime("", SHANGHAI) is None


def test_order_numbers_lose_inner_spaces_and_become_upper_case():
    assert c.to_code(" ro 2024 001 ") == "RO2024001"
    assert c.to_code(2024030500012.0) == "2024030500012"
