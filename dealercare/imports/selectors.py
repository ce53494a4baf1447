"""Reads of import jobs, always scoped to the stores where the user may import that kind."""

import datetime

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability

from .choices import ImportKind, JobStatus
from .models import ColumnMapping, ImportJob
from .progress import read_progress_file

MSG_NOT_FOUND = _("No such import in your stores.")
EVENT_KINDS = (ImportKind.DELIVERIES, ImportKind.SERVICE_VISITS)


def importable_store_ids(user, kind=None):
    """Stores where the user may import `kind` (any kind when None)."""
    access = access_for(user)
    customers = set(access.store_ids(Capability.EDIT_CUSTOMERS))
    if kind is not None and ImportKind(kind) not in EVENT_KINDS:
        return sorted(customers)
    events = customers & set(access.store_ids(Capability.WRITE_OPERATIONS))
    return sorted(events if kind is not None else customers)


def import_jobs_for_user(user):
    """Jobs of the stores where the user may import the job's kind."""
    access = access_for(user)
    customers = access.store_ids(Capability.EDIT_CUSTOMERS)
    events = sorted(set(customers) & set(access.store_ids(Capability.WRITE_OPERATIONS)))
    return ImportJob.objects.filter(
        Q(store_id__in=customers) & ~Q(kind__in=EVENT_KINDS)
        | Q(store_id__in=events, kind__in=EVENT_KINDS)
    )


def import_job_list(user):
    return (
        import_jobs_for_user(user)
        .select_related("store", "created_by")
        .order_by("-created_at", "-id")
    )


def import_job_get(user, pk):
    """A job the user may see, or 404 (never 403: ids of other stores say nothing)."""
    try:
        return import_jobs_for_user(user).select_related("store").get(pk=int(pk))
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404(MSG_NOT_FOUND) from None


def job_progress(job):
    """Rows done, rows per second, percent and the last heartbeat of a job, live when running."""
    rows_done, speed, heartbeat = job.rows_done, job.rows_per_second, job.heartbeat_at
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        live = read_progress_file(job.pk)
        if live:
            rows_done, speed = live["rows_done"], live["rows_per_second"]
            heartbeat = datetime.datetime.fromisoformat(live["heartbeat_at"])
    total = max(job.rows_total, rows_done)
    percent = 100 if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING) else (
        min(99, int(rows_done * 100 / total)) if total else 0)  # fmt: skip
    return {"rows_done": rows_done, "rows_total": total, "rows_per_second": speed,
            "percent": percent, "heartbeat_at": heartbeat}  # fmt: skip


def job_errors(job, limit=200):
    return list(job.row_errors.all()[:limit])


def saved_sources(store_ids):
    """Source names with a saved mapping in these stores (suggestions for the upload form)."""
    return list(
        ColumnMapping.objects.filter(store_id__in=store_ids)
        .order_by("source_name")
        .values_list("source_name", flat=True)
        .distinct()
    )
