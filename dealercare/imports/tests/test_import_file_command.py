"""manage.py import_file: a progress bar, a summary, all-or-nothing, saved mappings."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from dealercare.customers.models import Customer
from dealercare.imports.choices import JobStatus
from dealercare.imports.models import ColumnMapping, ImportJob
from dealercare.imports.tests.conftest import make_vin

pytestmark = pytest.mark.django_db

HEADER = ["客户", "电话号码", "VIN"]
ROWS = [["张三", "13812345678", make_vin(1)], ["李四", "13900001111", make_vin(2)]]


def command(path, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_file", str(path), *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_a_file_is_imported_with_a_progress_bar_and_a_summary(store_a, write_file):
    path = write_file([HEADER, *ROWS])
    out, err = command(path, "--store", "GZ01", "--kind", "customers", "--map", "电话号码=mobile")
    assert "Imported (job #" in out and "2 new, 0 updated, 0 unchanged, 0 rejected" in out
    assert "[##############################] 100% 2/2 rows" in err
    assert "电话号码 -> mobile" in err
    assert Customer.objects.count() == 2
    job = ImportJob.objects.get()
    assert (job.status, job.new_rows, job.phase) == (JobStatus.DONE, 2, "commit")
    out, _err = command(path, "--store", "GZ01", "--kind", "customers", "--map", "电话号码=mobile")
    assert "0 new, 0 updated, 2 unchanged" in out


def test_a_dry_run_writes_nothing(store_a, write_file):
    path = write_file([HEADER, *ROWS])
    out, _err = command(path, "--store", "GZ01", "--kind", "customers", "--dry-run",
                        "--no-progress")  # fmt: skip
    assert out.startswith("Would import")
    assert Customer.objects.count() == 0


def test_rejected_rows_stop_the_import_unless_valid_rows_only(store_a, write_file):
    path = write_file([HEADER, *ROWS, ["王五", "12345", ""]])
    with pytest.raises(CommandError, match="1 rows were rejected, so nothing was imported"):
        command(path, "--store", "GZ01", "--kind", "customers", "--no-progress")
    assert Customer.objects.count() == 0
    out, _err = command(path, "--store", "GZ01", "--kind", "customers", "--valid-rows-only",
                        "--no-progress")  # fmt: skip
    assert "2 new, 0 updated, 0 unchanged, 1 rejected" in out
    assert "row 4 电话号码 '*****': Enter a valid mainland China mobile number" in out
    assert Customer.objects.count() == 2


def test_the_mapping_of_a_source_is_reused(store_a, write_file):
    ColumnMapping.objects.create(store=store_a, source_name="星瑞", kind="customers",
                                 columns={"客户": "name", "电话号码": "mobile", "vin": ""})  # fmt: skip
    path = write_file([HEADER, *ROWS])
    command(path, "--store", "GZ01", "--kind", "customers", "--mapping-from-source", "星瑞",
            "--no-progress")  # fmt: skip
    assert Customer.objects.count() == 2
    assert not Customer.objects.filter(vehicles__isnull=False).exists()  # VIN left unmapped


def test_missing_required_columns_list_the_headers(store_a, write_file):
    path = write_file([["客户", "城市"], ["张三", "广州"]])
    with pytest.raises(CommandError) as error:
        command(path, "--store", "GZ01", "--kind", "customers")
    assert "Map a column to: Mobile / VIN / Credit code." in str(error.value)
    assert "城市 -> city" in str(error.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--store", "XX99", "--kind", "customers"], "No store with code 'XX99'."),
     (["--store", "GZ01", "--kind", "customers", "--mapping-from-source", "nope"],
      "No saved mapping for source 'nope' (customers)."),
     (["--store", "GZ01", "--kind", "customers", "--map", "没有=name"], "No column '没有'")],
)  # fmt: skip
def test_bad_options_are_explained(store_a, write_file, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        command(write_file([HEADER, *ROWS]), *args)


def test_an_unreadable_file_is_explained(store_a, write_file):
    with pytest.raises(CommandError, match="This is not a CSV or Excel file"):
        command(write_file(bytes(range(256)) * 10), "--store", "GZ01", "--kind", "customers")
