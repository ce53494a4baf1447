"""Fixtures of the import tests: files written on the fly and jobs pointing at them."""

import csv
import io

import pytest

from dealercare.imports import readers, services
from dealercare.imports.choices import ImportKind
from dealercare.imports.models import ImportJob

CUSTOMER_HEADER = [
    "姓名",
    "手机",
    "性别",
    "城市",
    "车架号",
    "车牌号",
    "品牌",
    "车型",
    "购车日期",
    "里程",
]


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def write_file(tmp_path):
    """write_file(rows or bytes, name="data.csv", encoding="utf-8") -> path."""

    def write(content, name="data.csv", encoding="utf-8"):
        path = tmp_path / name
        data = content if isinstance(content, bytes) else csv_bytes(content, encoding)
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def job_for(write_file):
    """job_for(store, kind, rows, mapping=None) -> an ImportJob reading a CSV of `rows` in place
    (no upload), its mapping guessed unless given; `job.path` is the file."""

    def make(store, kind, rows, *, mapping=None, source_name="", user=None, name="data.csv"):
        path = write_file(rows, name=name)
        job = ImportJob(
            store=store,
            kind=ImportKind(kind),
            original_name=name,
            storage_key="t",
            source_name=source_name,
            created_by=user,
            file_size=path.stat().st_size,
        )
        services._apply_table(job, readers.inspect_file(path))
        if mapping is not None:
            job.mapping = {str(i): k for i, k in mapping.items()}
        job.save()
        job.path = path
        return job

    return make


def commit_upload(actor, store, rows):
    """Upload `rows` as a customers CSV, as the web page does, and run its commit as the task
    does; the job afterwards."""
    from django.core.files.base import ContentFile

    from dealercare.imports.choices import JobPhase

    data = csv_bytes(rows)
    upload = ContentFile(data, name="客户.csv")
    upload.size = len(data)
    job = services.import_job_create(actor=actor, store=store, kind="customers", source_name="",
                                     uploaded_file=upload)  # fmt: skip
    return services.import_run(job_id=job.pk, phase=JobPhase.COMMIT)


def run(job, *, dry_run=False, valid_rows_only=False, actor=None):
    return services.execute(
        job, path=job.path, dry_run=dry_run, valid_rows_only=valid_rows_only, actor=actor
    )


def make_vin(serial, wmi="LFV"):
    """A valid VIN (right check digit) ending in `serial` (6 digits)."""
    from dealercare.core.validators import vin_check_digit

    draft = f"{wmi}2A21K0R4{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a temporary folder, never to the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
