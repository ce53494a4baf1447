"""Files as DMS exports and clerks save them are read as rows; broken ones end with a message."""

import datetime
import io
import os
import tempfile
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from dealercare.imports import readers
from dealercare.imports.readers import ImportFileError
from dealercare.imports.tests.conftest import csv_bytes

HEADER = ["姓名", "手机", "车牌号", "VIN", "购车日期"]
ROW = ["张三", "13812345678", "粤B12345", "", "2024/3/5"]


def read(path):
    table = readers.inspect_file(path)
    return table, list(readers.iter_rows(path, table))


def file_error(path):
    with pytest.raises(ImportFileError) as error:
        read(path)
    return str(error.value.message)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_every_usual_encoding_reads_the_same(write_file, encoding):
    path = write_file(csv_bytes([HEADER, ROW], encoding))
    table, rows = read(path)
    assert table.headers == HEADER
    assert rows == [(2, ROW)]


def test_a_gbk_file_is_recognised_as_gb18030(write_file):
    table, _rows = read(write_file([HEADER, ROW], encoding="gbk"))
    assert table.encoding == "gb18030"


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_tab_semicolon_and_pipe_separated_files_are_read(write_file, delimiter):
    table, rows = read(write_file(csv_bytes([HEADER, ROW], delimiter=delimiter)))
    assert table.delimiter == delimiter
    assert rows[0][1] == ROW


def test_title_rows_and_blank_lines_before_the_header_are_skipped(write_file):
    content = [["2024年客户档案导出"], ["导出时间", "2024-03-05"], [], HEADER, [], ROW, ["", ""],
               ROW]  # fmt: skip
    table, rows = read(write_file(content))
    assert table.header_row == 4
    assert [number for number, _cells in rows] == [6, 8]


def test_a_repeated_header_row_is_skipped(write_file):
    _table, rows = read(write_file([HEADER, ROW, HEADER, ROW]))
    assert [number for number, _cells in rows] == [2, 4]


def test_a_two_row_header_reads_the_lower_row_and_the_upper_where_it_is_merged_down(write_file):
    content = [["客户信息", "", "车辆信息", "", "购车"], ["姓名", "手机", "VIN", "车牌号", "日期"],
               ROW]  # fmt: skip
    table, rows = read(write_file(content))
    assert table.header_keys == ["姓名", "手机", "VIN", "车牌号", "购车日期"]
    assert table.header_row == 2
    assert rows == [(3, ROW)]


def test_samples_mask_mobile_numbers(write_file):
    table, _rows = read(write_file([HEADER, ROW]))
    assert table.samples == [["张三", "138****5678", "粤B12345", "", "2024/3/5"]]


def test_the_row_estimate_counts_lines_after_the_header(write_file):
    table, _rows = read(write_file([HEADER, *[ROW] * 10]))
    assert table.rows_estimate == 10


def _xlsx(path, rows, merges=(), sheet_title="客户"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def test_xlsx_with_merged_title_and_header_cells_dates_and_serials(tmp_path):
    rows = [["客户档案"], ["客户信息", None, "车辆信息", None, None],
            ["姓名", "手机", "车牌号", "VIN", "购车日期"],
            ["张三", 13812345678, "粤B12345", None, datetime.date(2024, 3, 5)],
            [None], ["李四", "139 0000 1111", None, None, 45356]]  # fmt: skip
    path = _xlsx(tmp_path / "a.xlsx", rows, merges=["A1:E1", "A2:B2", "C2:E2"])
    table, data = read(path)
    assert table.format == "xlsx"
    assert table.sheet_name == "客户"
    assert table.header_row == 3
    assert table.headers == ["姓名", "手机", "车牌号", "VIN", "购车日期"]
    assert [n for n, _ in data] == [4, 6]
    assert data[0][1][4] == datetime.date(2024, 3, 5)
    assert data[1][1][4] == 45356


def test_the_sheet_with_the_best_header_is_chosen(tmp_path):
    workbook = Workbook()
    workbook.active.append(["说明", "本文件由DMS导出"])
    data = workbook.create_sheet("明细")
    data.append(HEADER)
    data.append(ROW)
    path = tmp_path / "b.xlsx"
    workbook.save(path)
    table, rows = read(path)
    assert table.sheet_name == "明细"
    assert rows == [(2, ROW)]


def test_an_empty_file_says_so(write_file):
    assert file_error(write_file(b"")) == readers.MSG_EMPTY


def test_binary_garbage_is_not_a_table(write_file):
    garbage = bytes(range(256)) * 40
    assert file_error(write_file(garbage)) == readers.MSG_NOT_A_TABLE


def test_a_truncated_xlsx_is_reported_as_damaged(tmp_path, write_file):
    good = _xlsx(tmp_path / "good.xlsx", [HEADER, ROW]).read_bytes()
    assert (
        file_error(write_file(good[: len(good) // 2], name="cut.xlsx")) == readers.MSG_EXCEL_BROKEN
    )


def test_a_zip_that_is_no_workbook_is_reported_as_damaged(write_file):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert file_error(write_file(buffer.getvalue(), name="x.xlsx")) == readers.MSG_EXCEL_BROKEN


def test_an_ole_file_that_is_no_workbook_is_reported_as_damaged(write_file):
    data = readers.OLE_MAGIC + b"\x00" * 600
    assert file_error(write_file(data, name="old.xls")) == readers.MSG_EXCEL_BROKEN


def test_a_workbook_that_unpacks_to_gigabytes_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 1000)
    path = _xlsx(tmp_path / "big.xlsx", [HEADER, *[ROW] * 50])
    assert file_error(path) == readers.MSG_EXCEL_TOO_BIG % {"max": 0}


def test_ten_thousand_columns_are_refused_with_the_limit(write_file):
    header = [f"姓名{i}" if i else "姓名" for i in range(10_000)]
    message = file_error(write_file([header, ROW]))
    assert message == readers.MSG_TOO_MANY_COLUMNS % {"count": "10,000", "max": "1,000"}


def test_a_line_longer_than_the_limit_is_refused(write_file, monkeypatch):
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 1000)
    path = write_file([HEADER, ROW, ["张三", "x" * 5000]])
    assert file_error(path) == readers.MSG_LINE_TOO_LONG % {"row": 3, "max": "1,000"}


def test_a_one_megabyte_cell_is_read_and_left_to_the_field_checks(write_file):
    _table, rows = read(write_file([HEADER, ["张三", "13812345678", "x" * 1_048_576]]))
    assert len(rows[0][1][2]) == 1_048_576


def test_mixed_encodings_stop_at_the_row_that_breaks(write_file, monkeypatch):
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 64)
    data = csv_bytes([HEADER, ROW, ROW]) + csv_bytes([["王五", "13900001111"]], "gbk")
    message = file_error(write_file(data))
    assert message == readers.MSG_MIXED_ENCODING % {"row": 4, "encoding": "UTF-8"}


def test_mixed_encodings_far_into_the_file_stop_at_the_row_that_breaks(write_file):
    rows = [HEADER, *[ROW] * 40]
    data = csv_bytes(rows) + csv_bytes([["王五", "13900001111"]], "gbk")
    message = file_error(write_file(data))
    assert message == readers.MSG_MIXED_ENCODING % {"row": 42, "encoding": "UTF-8"}


def test_mixed_encodings_after_the_sample_stop_at_the_row_that_breaks(write_file, monkeypatch):
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 2000)
    rows = [HEADER, *[ROW] * 60]
    data = csv_bytes(rows) + csv_bytes([["王五", "13900001111"]], "gbk")
    path = write_file(data)
    table = readers.inspect_file(path)
    assert table.encoding == "utf-8"
    with pytest.raises(ImportFileError) as error:
        list(readers.iter_rows(path, table))
    assert error.value.message == readers.MSG_MIXED_ENCODING % {"row": 62, "encoding": "UTF-8"}


def test_old_mac_line_endings_are_read(write_file):
    data = "\r".join(",".join(r) for r in [HEADER, ROW]).encode()
    _table, rows = read(write_file(data))
    assert rows[0][1] == ROW


def test_a_file_without_a_known_header_says_which_columns_it_looks_for(write_file):
    message = file_error(write_file([["a", "b"], ["1", "2"]]))
    assert message == readers.MSG_NO_HEADER % {"rows": 30}


def _read_anything(data, name):
    fd, path = tempfile.mkstemp(suffix=name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            table = readers.inspect_file(path)
            rows = list(readers.iter_rows(path, table))
        except ImportFileError as error:
            assert str(error.message)
            return None
        assert all(isinstance(number, int) and isinstance(cells, list) for number, cells in rows)
        return rows
    finally:
        os.unlink(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000), st.sampled_from([".csv", ".xlsx", ".xls"]))
def test_fuzz_any_bytes_give_rows_or_a_clean_file_error(data, name):
    _read_anything(data, name)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.text(max_size=12), max_size=8), max_size=12),
    st.sampled_from(["utf-8", "gb18030", "utf-16"]),
)
def test_fuzz_csv_like_text_with_a_header_gives_rows_or_a_clean_file_error(rows, encoding):
    data = csv_bytes([HEADER, *rows], encoding)
    _read_anything(data, ".csv")


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=2000), st.integers(min_value=0, max_value=4000))
def test_fuzz_a_damaged_xlsx_gives_a_clean_file_error(noise, cut):
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    damaged = data[:cut] + noise + data[cut + len(noise) :]
    _read_anything(damaged, ".xlsx")
