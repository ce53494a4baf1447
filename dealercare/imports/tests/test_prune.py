"""Old uploads and their rejected rows are deleted after the retention period."""

import datetime
import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from dealercare.imports import services
from dealercare.imports.choices import JobStatus
from dealercare.imports.models import ImportJob, ImportRowError

pytestmark = pytest.mark.django_db


def job_with_file(store, status, *, days_old, heartbeat=None):
    job = ImportJob(store=store, kind="customers", original_name="客户.csv", storage_key="k",
                    extension=".csv", status=status, heartbeat_at=heartbeat)  # fmt: skip
    job.file.save("客户.csv", ContentFile("姓名,手机\n张三,13812345678\n".encode()), save=False)
    job.save()
    ImportRowError.objects.create(job=job, row_number=2, column="手机", value="138****5678",
                                  message="x")  # fmt: skip
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=days_old)
    )
    job.refresh_from_db()
    return job


def test_old_uploads_lose_their_file_and_rejected_rows_recent_and_running_ones_keep_them(store_a):
    old_preview = job_with_file(store_a, JobStatus.PREVIEWED, days_old=31)
    old_failed = job_with_file(store_a, JobStatus.FAILED, days_old=40)
    recent = job_with_file(store_a, JobStatus.PREVIEWED, days_old=29)
    running = job_with_file(store_a, JobStatus.RUNNING, days_old=31, heartbeat=timezone.now())
    old_path = old_preview.file.path

    files, rows = services.prune_uploads()

    assert (files, rows) == (2, 2)
    old_preview.refresh_from_db()
    assert not old_preview.file and (old_preview.status, old_preview.message) == (
        JobStatus.FAILED, str(services.MSG_NO_FILE)
    )  # fmt: skip
    assert not os.path.exists(old_path)
    old_failed.refresh_from_db()
    assert not old_failed.file and old_failed.status == JobStatus.FAILED
    for job in (recent, running):
        job.refresh_from_db()
        assert job.file and os.path.exists(job.file.path)
    assert set(ImportRowError.objects.values_list("job_id", flat=True)) == {recent.pk, running.pk}


def test_the_command_takes_the_retention_in_days(store_a):
    job = job_with_file(store_a, JobStatus.DRAFT, days_old=8)
    out = io.StringIO()
    call_command("prune_imports", "--days", "10", stdout=out)
    assert "Deleted 0 stored import files and 0 rejected rows." in out.getvalue()
    call_command("prune_imports", "--days", "7", stdout=out)
    assert "Deleted 1 stored import files and 1 rejected rows." in out.getvalue()
    job.refresh_from_db()
    assert not job.file
