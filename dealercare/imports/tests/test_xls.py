"""An old Excel 97-2003 workbook (.xls, BIFF8) as older DMS still export it: read and imported.

files/customers.xls was written with xlwt 1.3.0 (not a dependency; regenerate with the snippet
below if it must change): a title line above the header, a mobile stored as a number, a date cell
with a date format, a date typed as text, a mileage with "km" and an invalid mobile.

    wb = xlwt.Workbook(encoding="utf-8"); ws = wb.add_sheet("客户资料")
    ws.write(0, 0, "DMS 客户导出 2024-06"); header on row 2; rows as in ROWS below
"""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from dealercare.customers.models import Customer, SearchTerm, Vehicle
from dealercare.imports import readers
from dealercare.imports.models import ImportJob, ImportRowError

XLS = Path(__file__).parent / "files" / "customers.xls"
VIN = "LSVAU218XN2183294"
ROWS = [
    (3, ["张三", 13812345678.0, "男", VIN, "粤B12345", datetime.date(2024, 3, 5), 12345]),
    (4, ["李四", "139 0000 1111", "女", "", "粤A D12345", datetime.date(2023, 11, 20), "8,200 km"]),
    (5, ["王五", 12345, "先生", "", "粤C88888", "2024/1/2", ""]),
]


def test_an_xls_workbook_is_found_by_its_content_and_read_below_its_title_line():
    assert XLS.read_bytes()[:8] == readers.OLE_MAGIC
    table = readers.inspect_file(XLS)
    assert (table.format, table.sheet_name, table.header_row) == ("xls", "客户资料", 2)
    assert table.headers == [
        "客户姓名",
        "手机号码",
        "性别",
        "车架号",
        "车牌号",
        "购车日期",
        "行驶里程",
    ]
    assert list(readers.iter_rows(XLS, table)) == ROWS


@pytest.mark.django_db
def test_an_xls_file_imports_like_a_csv(store_a):
    out = io.StringIO()
    call_command("import_file", str(XLS), "--store", "GZ01", "--kind", "customers",
                 "--valid-rows-only", "--no-progress", stdout=out, stderr=io.StringIO())  # fmt: skip
    assert "2 new, 0 updated, 0 unchanged, 1 rejected" in out.getvalue()
    zhang = Customer.objects.get(mobile="13812345678")
    assert (zhang.name, zhang.gender) == ("张三", "male")
    car = Vehicle.objects.get(owner=zhang)
    assert (car.vin, car.plate, car.purchase_date, car.mileage_km) == (
        VIN, "粤B12345", datetime.date(2024, 3, 5), 12345
    )  # fmt: skip
    li = Customer.objects.get(mobile="13900001111")
    assert Vehicle.objects.filter(owner=li).values_list("plate", "mileage_km").get() == (
        "粤AD12345", 8200
    )  # fmt: skip
    error = ImportRowError.objects.get(job=ImportJob.objects.get())
    assert (error.row_number, error.column) == (5, "手机号码")
    assert SearchTerm.objects.filter(customer=zhang, kind="vin_tail", term="183294").exists()
