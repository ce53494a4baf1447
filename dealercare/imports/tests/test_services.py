"""A run records its outcome on the job whatever happens; progress is visible while it runs."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils import timezone
from openpyxl import Workbook

from dealercare.customers.models import Customer
from dealercare.imports import cleaner, progress, readers, selectors, services, upsert
from dealercare.imports.choices import JobPhase, JobStatus
from dealercare.imports.models import ImportJob
from dealercare.imports.tasks import run_import_job
from dealercare.imports.tests.conftest import csv_bytes, make_vin

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机", "VIN"]
ROWS = [["张三", "13812345678", make_vin(1)], ["李四", "13900001111", make_vin(2)]]


@pytest.fixture
def stored_job(store_a, manager_a):
    """A job with its file stored, as an upload leaves it."""

    def make(data, name="客户.csv", kind="customers"):
        upload = ContentFile(data, name=name)
        upload.size = len(data)
        return services.import_job_create(actor=manager_a, store=store_a, kind=kind,
                                          source_name="", uploaded_file=upload)  # fmt: skip

    return make


def test_a_queued_preview_runs_as_a_task_and_records_its_counts(stored_job):
    job = stored_job(csv_bytes([HEADER, *ROWS]))
    run_import_job.enqueue(job.pk, JobPhase.PREVIEW)
    job.refresh_from_db()
    assert (job.status, job.new_rows, job.rows_done, job.message) == (JobStatus.PREVIEWED, 2, 2, "")
    assert job.finished_at is not None
    assert Customer.objects.count() == 0


def test_a_file_that_breaks_midway_fails_the_job_with_the_readers_message(stored_job, monkeypatch):
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 200)
    data = csv_bytes([HEADER, *ROWS * 20]) + csv_bytes([["王五", "13700001111", ""]], "gbk")
    job = stored_job(data)
    job = services.import_run(job_id=job.pk, phase=JobPhase.COMMIT)
    assert job.status == JobStatus.FAILED
    assert job.message == readers.MSG_MIXED_ENCODING % {"row": 42, "encoding": "UTF-8"}
    assert Customer.objects.count() == 0


def test_a_concurrent_write_fails_the_job_with_a_rerun_hint(stored_job, monkeypatch):
    job = stored_job(csv_bytes([HEADER, *ROWS]))

    def clash(self, rows):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(upsert.Upserter, "run_chunk", clash)
    job = services.import_run(job_id=job.pk, phase=JobPhase.COMMIT)
    assert (job.status, job.message) == (JobStatus.FAILED, str(services.MSG_CONCURRENT))


def test_an_unexpected_error_fails_the_job_instead_of_leaving_it_running(stored_job, monkeypatch):
    job = stored_job(csv_bytes([HEADER, *ROWS]))
    monkeypatch.setattr(upsert.Upserter, "run_chunk", lambda self, rows: 1 / 0)
    job = services.import_run(job_id=job.pk, phase=JobPhase.PREVIEW)
    assert (job.status, job.message) == (JobStatus.FAILED, str(services.MSG_CRASHED))


def test_a_job_without_its_file_fails_with_a_clear_message(stored_job):
    job = stored_job(csv_bytes([HEADER, *ROWS]))
    job.file.delete(save=True)
    job = services.import_run(job_id=job.pk, phase=JobPhase.PREVIEW)
    assert (job.status, job.message) == (JobStatus.FAILED, str(services.MSG_NO_FILE))


def test_an_xlsx_upload_is_read_like_a_csv(stored_job):
    workbook = Workbook()
    workbook.active.append(["2024年3月客户"])
    workbook.active.append(HEADER)
    for row in ROWS:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = stored_job(buffer.getvalue(), name="客户.xlsx")
    assert (job.file_format, job.header_row, job.rows_total) == ("xlsx", 2, 2)
    job = services.import_run(job_id=job.pk, phase=JobPhase.PREVIEW)
    assert (job.status, job.new_rows) == (JobStatus.PREVIEWED, 2)


def test_an_empty_upload_is_refused(stored_job):
    with pytest.raises(services.ApplicationError) as error:
        stored_job(b"")
    assert error.value.message == readers.MSG_EMPTY


def test_progress_written_to_a_file_is_what_the_job_page_shows(stored_job):
    job = stored_job(csv_bytes([HEADER, *ROWS]))
    job.status, job.rows_total = JobStatus.RUNNING, 1000
    job.save()
    tracker = progress.Progress(job, mode="file")
    tracker.update(250, force=True)
    live = selectors.job_progress(job)
    assert (live["rows_done"], live["rows_total"], live["percent"]) == (250, 1000, 25)
    assert not services.job_is_stale(job)
    tracker.finish()
    assert progress.read_progress_file(job.pk) is None


def test_a_job_whose_heartbeat_stopped_is_stale(stored_job):
    job = stored_job(csv_bytes([HEADER, *ROWS]))
    job.status = JobStatus.RUNNING
    job.heartbeat_at = timezone.now() - datetime.timedelta(minutes=5)
    assert services.job_is_stale(job)
    job.heartbeat_at = timezone.now()
    assert not services.job_is_stale(job)
    job.status = JobStatus.DONE
    assert not services.job_is_stale(job)


def test_inline_progress_updates_the_job_row(stored_job):
    job = stored_job(csv_bytes([HEADER, *ROWS]))
    seen = []
    tracker = progress.Progress(job, mode="inline", on_update=lambda done, speed: seen.append(done))
    tracker.update(7, force=True)
    tracker.update(8)  # within half a second: not reported again
    assert ImportJob.objects.get(pk=job.pk).rows_done == 7
    assert seen == [7]


def test_the_side_connection_runs_work_in_its_own_thread():
    side = progress.SideConnection()
    try:
        import threading

        assert side.call(lambda: threading.current_thread().name).startswith("import-side")
    finally:
        side.close()


def test_progress_mode_follows_the_database_and_the_callers_transaction():
    assert progress.progress_mode() == "inline"  # a test runs inside a transaction


def test_the_prefetching_reader_hands_over_the_producers_error():
    def chunks():
        yield [1]
        raise readers.ImportFileError("broken")

    got = []
    with pytest.raises(readers.ImportFileError):
        for chunk in cleaner.prefetched(chunks()):
            got.append(chunk)
    assert got == [[1]]


@pytest.mark.parametrize(
    ("language", "reason"),
    [("zh-hans", "手机号码"), ("en", "mobile")],
)
def test_rejected_rows_are_explained_in_the_uploaders_language(stored_job, language, reason):
    from django.utils import translation

    with translation.override(language):  # the uploader's request
        job = stored_job(csv_bytes([HEADER, ["王五", "12345", make_vin(3)]]))
    assert job.language == language

    with translation.override("en" if language == "zh-hans" else "zh-hans"):  # the worker's
        job = services.import_run(job_id=job.pk, phase=JobPhase.PREVIEW)

    message = job.row_errors.get().message
    assert reason in message.lower(), message
