"""End to end in Chromium: a data clerk uploads a GBK CSV exported by a DMS with some bad rows,
fixes the column the importer could not guess, previews, downloads the rejected rows, imports
the valid rows and finds the new customers in the archive.

Locators use data-testid, form field names and data values only (the UI language follows the
browser).
"""

import io
import os

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from dealercare.customers.models import Customer
from dealercare.imports.choices import JobStatus
from dealercare.imports.models import ImportJob
from dealercare.imports.samples import customer_rows
from dealercare.imports.tests.conftest import csv_bytes
from dealercare.testing.factories import DealerGroupFactory, StoreFactory, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT_DIR = os.environ.get("E2E_SCREENSHOT_DIR")  # set it to keep pictures of the pages
PASSWORD = "pass-1234"  # noqa: S105 (the factories' password)
# 联络号 is no header the importer knows: the clerk maps it to the mobile by hand.
HEADER = [
    "客户信息",
    "联络号",
    "性别",
    "城市",
    "车架号",
    "车牌号",
    "品牌",
    "车型",
    "购车日期",
    "行驶里程",
]
TITLE = ["星瑞DMS 客户档案导出 2024-03-05"]


@pytest.fixture
def clerk():
    group = DealerGroupFactory(code="e2e-import", name="华南汽车集团")
    store = StoreFactory(group=group, code="GZ01", name="广州天河4S店")
    return user_with_role(store, "cs_manager", username="clerk", display_name="李文员")


def dms_export():
    """A GBK CSV as a DMS writes it: a title line, a blank line, 3 good rows and 2 bad ones."""
    good = [list(row) for row in customer_rows(3, seed=42)]
    bad_mobile = [*good[0][:1], "1381234", *good[0][2:4], "", "", "", "", "", ""]
    bad_mobile[0] = "错号码"
    bad_vin = [
        "坏车架",
        "13900001111",
        "男",
        "广州",
        "LFV2A21K8M4000001",
        "粤B12345",
        "",
        "",
        "",
        "",
    ]
    rows = [TITLE, [], HEADER, *good, bad_mobile, bad_vin]
    return csv_bytes(rows, "gbk"), [row[0] for row in good]


def shoot(page, name):
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, f"{name}.png"), full_page=True)


def test_a_clerk_imports_a_gbk_file_with_bad_rows(page, clerk):
    data, good_names = dms_export()
    page.goto(reverse("login"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill("clerk")
    form.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()

    page.goto(reverse("imports:job-create"))
    upload = page.get_by_test_id("upload-form")
    upload.locator("select[name=kind]").select_option("customers")
    upload.locator("input[name=source_name]").fill("星瑞DMS")
    upload.locator("input[name=file]").set_input_files(
        files=[{"name": "客户档案.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_test_id("upload-submit").click()

    # The header was found under the title; the unknown column is not imported until mapped.
    mapping = page.get_by_test_id("mapping-form")
    expect(mapping).to_be_visible()
    mobile_column = mapping.locator("select[data-column='联络号']")
    expect(mobile_column).to_have_value("")
    expect(mapping.locator("select[data-column='客户信息']")).to_have_value("name")
    mobile_column.select_option("mobile")
    shoot(page, "import-mapping")
    page.get_by_test_id("preview-submit").click()

    expect(page.get_by_test_id("count-new")).to_have_text("3")
    expect(page.get_by_test_id("count-rejected")).to_have_text("2")
    expect(page.get_by_test_id("error-row")).to_have_count(2)
    assert Customer.objects.count() == 0  # the preview wrote nothing
    shoot(page, "import-preview")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-errors").click()
    with open(download_info.value.path(), "rb") as f:
        workbook = load_workbook(io.BytesIO(f.read()))
    rows = list(workbook.active.values)
    assert [(r[0], r[1]) for r in rows[1:]] == [(7, "联络号"), (8, "车架号")]

    page.get_by_test_id("commit-valid").click()
    expect(page.get_by_test_id("job-message")).to_be_visible()
    expect(page.get_by_test_id("see-customers")).to_be_visible()
    assert ImportJob.objects.get().status == JobStatus.DONE
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(good_names)

    page.get_by_test_id("see-customers").click()
    for name in good_names:
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
    expect(page.get_by_text("错号码")).to_have_count(0)
