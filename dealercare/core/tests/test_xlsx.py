"""The streaming XLSX writer: types, formula safety, sheets past Excel's row limit, laziness."""

import datetime
import decimal
import io
import operator
import os
import zipfile
import zoneinfo

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from dealercare.core import xlsx
from dealercare.core.xlsx import Column, content_disposition, escape_formula, stream_xlsx


def by_index(count):
    return [Column(f"c{i}", operator.itemgetter(i)) for i in range(count)]


def build(rows, columns, **kwargs):
    return b"".join(stream_xlsx(rows, columns, **kwargs))


def sheets_of(data):
    workbook = load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}


def test_values_keep_their_type_and_get_excel_formats():
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    row = ["张三", 42, decimal.Decimal("1234.5"), datetime.date(2026, 11, 22),
           datetime.datetime(2026, 11, 22, 15, 30, tzinfo=shanghai), True, None, ""]  # fmt: skip
    data = build([row], by_index(len(row)))
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert [c.value for c in sheet[2]] == [
        "张三", 42, 1234.5, datetime.datetime(2026, 11, 22), datetime.datetime(2026, 11, 22, 15, 30),
        True, None, None,
    ]  # fmt: skip
    assert [sheet[f"{c}2"].number_format for c in "CDE"] == [
        "#,##0.00",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm",
    ]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"


def test_money_is_written_with_exactly_two_decimals():
    data = build([[decimal.Decimal("0.005")], [decimal.Decimal("19.999")]], by_index(1))
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>0.01</v>" in sheet and "<v>20.00</v>" in sheet


def test_another_reader_opens_the_file_too():
    data = build([["粤A12345", datetime.date(2026, 1, 2)]], by_index(2), title="车辆")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert workbook.sheet_names == ["车辆"]
    assert workbook.get_sheet_by_name("车辆").to_python() == [
        ["c0", "c1"],
        ["粤A12345", datetime.date(2026, 1, 2)],
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+8613812345678", "'+8613812345678"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=b", "a=b"),
        ("a\x00b\x1f", "ab"),
        (None, None),
        (12, 12),
    ],
)
def test_escape_formula_quotes_what_a_spreadsheet_would_run(value, written):
    assert escape_formula(value) == written


def test_headers_and_cells_are_never_formulas_in_the_file():
    data = build([["=cmd|' /C calc'!A0", "<b>&</b>"]], [Column("=H", lambda r: r[0]),
                 Column("text", lambda r: r[1])])  # fmt: skip
    assert sheets_of(data)["Sheet1"] == [["'=H", "text"], ["'=cmd|' /C calc'!A0", "<b>&</b>"]]
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def test_text_longer_than_excel_allows_is_cut_at_its_limit():
    data = build([["长" * 40_000]], by_index(1))
    assert len(sheets_of(data)["Sheet1"][1][0]) == xlsx.MAX_CELL_CHARS


def test_rows_past_a_sheets_limit_continue_on_numbered_sheets_with_the_header():
    data = build(([i] for i in range(5)), by_index(1), title="客户", max_sheet_rows=3)
    assert sheets_of(data) == {
        "客户": [["c0"], [0], [1]],
        "客户 (2)": [["c0"], [2], [3]],
        "客户 (3)": [["c0"], [4]],
    }


def test_a_sheet_nearing_the_zip_entry_limit_continues_on_a_new_sheet(monkeypatch):
    monkeypatch.setattr(xlsx, "BATCH_ROWS", 2)
    data = build(([i] for i in range(6)), by_index(1), max_sheet_bytes=1)
    assert [len(rows) for rows in sheets_of(data).values()] == [3, 3, 3]  # header + 2 each


def test_no_rows_gives_the_header_alone():
    assert sheets_of(build([], by_index(2), title="交车记录")) == {"交车记录": [["c0", "c1"]]}


def test_sheet_titles_lose_characters_excel_refuses():
    assert xlsx.sheet_title("a/b:c*?[x]") == "a b c   x"
    assert xlsx.sheet_title("长" * 40) == "长" * 31
    assert xlsx.sheet_title("") == "Sheet1"


def test_the_file_flows_out_while_rows_are_still_being_read(monkeypatch):
    monkeypatch.setattr(xlsx, "BATCH_ROWS", 100)
    total, pulled, pulled_at_chunk = 5000, [], []

    def rows():
        for i in range(total):
            pulled.append(i)
            yield [os.urandom(50).hex()]  # text that compresses badly, so the zip emits early

    for _chunk in stream_xlsx(rows(), by_index(1)):
        pulled_at_chunk.append(len(pulled))
    assert pulled_at_chunk[0] == 0  # the download starts before the first row is read
    assert len([n for n in pulled_at_chunk if 0 < n < total]) >= 2
    assert pulled_at_chunk[-1] == total


def test_a_cancelled_download_closes_the_row_source():
    closed = []

    def rows():
        try:
            for i in range(10_000):
                yield [i]
        finally:
            closed.append(True)

    stream = stream_xlsx(rows(), by_index(1))
    for _ in range(2):
        next(stream)
    stream.close()
    assert closed == [True]


def test_the_download_header_names_the_file_in_utf8_with_an_ascii_fallback():
    assert content_disposition("客户_GZ01_20261122.xlsx", "customers_GZ01_20261122.xlsx") == (
        'attachment; filename="customers_GZ01_20261122.xlsx"; '
        "filename*=UTF-8''%E5%AE%A2%E6%88%B7_GZ01_20261122.xlsx"
    )
    assert content_disposition("x", 'a"b\r\n.xlsx') == (
        "attachment; filename=\"a_b__.xlsx\"; filename*=UTF-8''x"
    )
