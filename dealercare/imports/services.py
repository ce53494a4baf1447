"""Every write of the import pipeline: upload, mapping, preview, commit, and the run itself.

A run reads the stored file, converts each row (rows.py), upserts chunk by chunk (upsert.py) in
ONE transaction, and records the counts and every rejected row on the job. A preview is the same
run rolled back; a commit keeps it, unless rows were rejected and the clerk did not choose to
import the valid rows. A crash or kill midway rolls everything back; running again completes
the import because every write is an upsert by natural key.

Audit: one summary event per committed import (kind, file, counts, mode) plus one event per
updated record with its field changes (from → to); records the import created are covered by
the summary (and carry `created_by`), not audited one by one.
"""

import datetime
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.customers.services import reserve_customer_numbers

from . import cleaner, readers
from .choices import ImportKind, JobPhase, JobStatus, RowOutcome
from .columns import ALL_COLUMNS, columns_for, guess_mapping, missing_required, normalize_header
from .models import ColumnMapping, ImportJob, ImportRowError
from .progress import Progress, SideConnection, progress_mode
from .rows import RowBuilder
from .upsert import Upserter

logger = logging.getLogger(__name__)

MSG_TOO_BIG = _(
    "The file is %(size)s MB; the largest file Dealercare imports is %(max)s MB. "
    "Split it into smaller files."
)
MSG_EMPTY_UPLOAD = _("Choose a file to upload.")
MSG_BAD_EXTENSION = _("Upload a .csv, .txt, .xlsx or .xls file.")
MSG_MISSING_FIELDS = _("Map a column to: %(fields)s.")
MSG_FIELD_TWICE = _("%(field)s is mapped to two columns.")
MSG_UNKNOWN_FIELD = _("Unknown field: %(field)s.")
MSG_JOB_BUSY = _("This import is running; wait for it to finish.")
MSG_JOB_DONE = _("This import is finished.")
MSG_NO_FILE = _("The file of this import is no longer stored; upload it again.")
MSG_PREVIEW_FIRST = _("Preview the import first.")
MSG_REJECTED_ROWS = _(
    "%(count)s rows were rejected, so nothing was imported. Fix them and upload the file again, "
    "or choose to import the valid rows."
)
MSG_CONCURRENT = _(
    "Someone added the same customers or vehicles while this import ran; nothing was written. "
    "Run it again."
)
MSG_CRASHED = _("The import stopped because of an unexpected error; nothing was written. Run it "
                "again, and tell your administrator if it happens again.")  # fmt: skip
MSG_ROWS_DONE_ALL = _("Imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged.")
MSG_ROWS_DONE_VALID = _(
    "Imported the valid rows: %(new)s new, %(updated)s updated, %(unchanged)s unchanged; "
    "%(rejected)s rejected rows were left out."
)
ALLOWED_EXTENSIONS = {".csv", ".txt", ".xlsx", ".xls", ".xlsm"}
MAX_STORED_ERRORS = 100_000
STALE_AFTER_SECONDS = 120
ADVISORY_LOCK_NAMESPACE = 7_310_001


def max_upload_bytes():
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_MB", 200)) * 1024 * 1024


def capabilities_for(kind):
    """What a user must hold in the store to import this kind (events create customers too)."""
    if ImportKind(kind) in (ImportKind.DELIVERIES, ImportKind.SERVICE_VISITS):
        return (Capability.EDIT_CUSTOMERS, Capability.WRITE_OPERATIONS)
    return (Capability.EDIT_CUSTOMERS,)


def _require(actor, kind, store):
    access = access_for(actor)
    for capability in capabilities_for(kind):
        access.require(capability, store)


# --- upload and mapping -----------------------------------------------------------------------


def saved_mapping(store, source_name, kind):
    if not source_name:
        return {}
    found = ColumnMapping.objects.filter(store=store, source_name=source_name, kind=kind).first()
    return found.columns if found else {}


def _apply_table(job, table):
    job.file_format = table.format
    job.encoding = table.encoding
    job.delimiter = table.delimiter
    job.sheet_name = table.sheet_name
    job.header_row = table.header_row
    job.headers = table.headers
    job.header_keys = table.header_keys
    job.samples = table.samples
    job.rows_total = table.rows_estimate
    guessed = guess_mapping(job.kind, table.header_keys,
                            saved_mapping(job.store, job.source_name, job.kind))  # fmt: skip
    job.mapping = {str(index): key for index, key in guessed.items()}


def table_of(job):
    return readers.Table(
        format=job.file_format, encoding=job.encoding, delimiter=job.delimiter or ",",
        sheet_name=job.sheet_name, header_row=job.header_row, headers=job.headers,
        header_keys=job.header_keys,
    )  # fmt: skip


def import_job_create(*, actor, store, kind, source_name, uploaded_file):
    """Store an uploaded file, find its header and guess (or reuse) the column mapping.

    A file that cannot be read as a table is refused with the reader's message; no job is kept.
    """
    _require(actor, kind, store)
    if uploaded_file is None:
        raise ApplicationError(MSG_EMPTY_UPLOAD)
    if uploaded_file.size > max_upload_bytes():
        raise ApplicationError(MSG_TOO_BIG % {"size": f"{uploaded_file.size / 1024**2:,.0f}",
                                              "max": max_upload_bytes() // 1024**2})  # fmt: skip
    if uploaded_file.size == 0:
        raise ApplicationError(readers.MSG_EMPTY)
    extension = Path(uploaded_file.name or "").suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ApplicationError(MSG_BAD_EXTENSION)
    job = ImportJob(
        store=store, kind=ImportKind(kind), source_name=(source_name or "").strip()[:60],
        original_name=Path(uploaded_file.name).name[:255], file_size=uploaded_file.size,
        storage_key=uuid.uuid4().hex, extension=extension, created_by=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )  # fmt: skip
    job.file.save(job.original_name, uploaded_file, save=False)
    try:
        table = readers.inspect_file(job.file.path)
    except readers.ImportFileError as error:
        job.file.delete(save=False)
        raise ApplicationError(error.message) from None
    except Exception:
        job.file.delete(save=False)
        logger.exception("Reading upload %s failed", job.original_name)
        raise ApplicationError(readers.MSG_NOT_A_TABLE) from None
    _apply_table(job, table)
    job.save()
    return job


def _check_mapping(kind, mapping, width):
    allowed = {col.key for col in columns_for(kind)}
    used = {}
    for index, key in mapping.items():
        if not 0 <= index < width:
            raise ApplicationError(MSG_UNKNOWN_FIELD % {"field": index})
        if key not in allowed:
            raise ApplicationError(MSG_UNKNOWN_FIELD % {"field": key})
        if key in used:
            raise ApplicationError(MSG_FIELD_TWICE % {"field": ALL_COLUMNS[key].label})
        used[key] = index
    missing = missing_required(kind, used)
    if missing:
        raise ApplicationError(MSG_MISSING_FIELDS % {"fields": "; ".join(missing)})


def _editable(job):
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not job_is_stale(job):
        raise ApplicationError(MSG_JOB_BUSY)
    if job.status == JobStatus.DONE:
        raise ApplicationError(MSG_JOB_DONE)


@transaction.atomic
def import_mapping_set(*, actor, job, mapping):
    """Confirm the column mapping ({column index: field key}) and remember it for the source."""
    _require(actor, job.kind, job.store_id)
    _editable(job)
    mapping = {int(index): key for index, key in mapping.items() if key}
    _check_mapping(job.kind, mapping, len(job.headers))
    job.mapping = {str(index): key for index, key in sorted(mapping.items())}
    job.status = JobStatus.DRAFT
    job.save(update_fields=["mapping", "status", "updated_at"])
    if job.source_name:
        columns = {normalize_header(text): mapping.get(i, "")
                   for i, text in enumerate(job.header_keys) if normalize_header(text)}  # fmt: skip
        ColumnMapping.objects.update_or_create(
            store_id=job.store_id, source_name=job.source_name, kind=job.kind,
            defaults={"columns": columns, "updated_by": actor},
        )  # fmt: skip
    return job


def _enqueue(job, phase):
    from .tasks import run_import_job

    job_id = job.pk
    transaction.on_commit(lambda: run_import_job.enqueue(job_id, phase))


def _queue(job, phase, actor):
    job.status = JobStatus.QUEUED
    job.phase = phase
    job.rows_done = job.rows_per_second = 0
    job.message = ""
    job.started_at = job.finished_at = None
    job.heartbeat_at = timezone.now()
    if phase == JobPhase.COMMIT:
        job.committed_by = actor
    job.save()
    _enqueue(job, phase)
    return job


def import_preview_start(*, actor, job):
    """Queue a dry run: counts and rejected rows, nothing kept."""
    _require(actor, job.kind, job.store_id)
    _editable(job)
    if not job.file:
        raise ApplicationError(MSG_NO_FILE)
    _check_mapping(job.kind, {int(i): k for i, k in job.mapping.items()}, len(job.headers))
    return _queue(job, JobPhase.PREVIEW, actor)


def import_commit_start(*, actor, job, valid_rows_only=False):
    """Queue the real import: all-or-nothing, or the valid rows only when the clerk says so."""
    _require(actor, job.kind, job.store_id)
    _editable(job)
    if not job.file:
        raise ApplicationError(MSG_NO_FILE)
    if job.status == JobStatus.DRAFT:
        raise ApplicationError(MSG_PREVIEW_FIRST)
    if job.status == JobStatus.PREVIEWED and job.rejected_rows and not valid_rows_only:
        raise ApplicationError(MSG_REJECTED_ROWS % {"count": f"{job.rejected_rows:,}"})
    job.valid_rows_only = bool(valid_rows_only)
    return _queue(job, JobPhase.COMMIT, actor)


def job_is_stale(job):
    """A queued or running job whose worker stopped reporting (killed, crashed)."""
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    from .selectors import job_progress

    heartbeat = job_progress(job)["heartbeat_at"]
    return heartbeat is None or (timezone.now() - heartbeat).total_seconds() > STALE_AFTER_SECONDS


# --- the run ----------------------------------------------------------------------------------


class ErrorCollector:
    """Rejected rows with the column name the clerk knows, capped at MAX_STORED_ERRORS."""

    def __init__(self, job):
        self.job = job
        self.columns = {key: job.headers[int(i)] for i, key in job.mapping.items()
                        if int(i) < len(job.headers)}  # fmt: skip
        self.items = []
        self.count = 0

    def column(self, field_key):
        if field_key in self.columns:
            return self.columns[field_key]
        col = ALL_COLUMNS.get(field_key)
        return str(col.label) if col else ""

    def add(self, errors):
        for error in errors:
            self.count += 1
            if len(self.items) < MAX_STORED_ERRORS:
                self.items.append(
                    ImportRowError(
                        job_id=self.job.pk, row_number=error.number,
                        column=self.column(error.field)[:100], value=error.value[:200],
                        message=error.message[:500],
                    )
                )  # fmt: skip

    def save(self):
        ImportRowError.objects.filter(job_id=self.job.pk).delete()
        ImportRowError.objects.bulk_create(self.items, batch_size=2000)


class RunResult:
    def __init__(self):
        self.counts = dict.fromkeys(RowOutcome.values, 0)
        self.rows_done = 0
        self.kept = False


def _lock_store(store_id):
    """One file import per store at a time (PostgreSQL advisory lock, released at commit).

    Foreign keys stay deferred (checked at commit): checked per statement they would hold the
    store row KEY SHARE-locked for the whole import, and customer numbering locks that row
    FOR UPDATE, so every new customer of the store would wait for the import to end.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [ADVISORY_LOCK_NAMESPACE, store_id])  # fmt: skip
            _check_own_rows_per_statement(cursor)


def _check_own_rows_per_statement(cursor):
    """Check the foreign keys between the rows an import creates (search key → customer,
    vehicle → owner, ownership → vehicle) as each chunk is written, not all at commit: the work
    overlaps the next chunk's, and the server does not queue millions of checks in memory.
    Keys to the store stay deferred (see _lock_store)."""
    from dealercare.accounts.models import Store
    from dealercare.customers.models import SearchTerm, Vehicle, VehicleOwnership

    tables = [m._meta.db_table for m in (SearchTerm, Vehicle, VehicleOwnership)]
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable"
        " AND conrelid = ANY(%s::regclass[]) AND confrelid <> %s::regclass",
        [tables, Store._meta.db_table],
    )
    names = [row[0] for row in cursor.fetchall()]
    if names:
        quoted = ", ".join(connection.ops.quote_name(name) for name in names)
        cursor.execute(f"SET CONSTRAINTS {quoted} IMMEDIATE")  # noqa: S608 (names from the catalog)


def follow_up_events(store_id):
    """After commit, let follow-ups create the tasks of the deliveries and repair orders just
    stored (their sweep is set-based and catches every event without its tasks)."""
    from dealercare.followups.tasks import followups_sweep_task

    transaction.on_commit(lambda: followups_sweep_task.enqueue(store_id))


def import_reason(job):
    return gettext("Import #%(id)s: %(file)s") % {"id": job.pk, "file": job.original_name}


def execute(job, *, path, dry_run, valid_rows_only, actor, on_update=None):
    """Run an import of `job`'s file at `path` in one transaction; return a RunResult.

    Raises ImportFileError when the file cannot be read to the end (nothing kept).
    """
    mode = progress_mode()
    side = SideConnection() if mode == "side" else None
    progress = Progress(job, mode=mode, side=side, on_update=on_update)
    errors = ErrorCollector(job)
    result = RunResult()
    store = job.store
    reserve = None
    if not dry_run:
        if side is not None:

            def reserve(count):
                return side.call(reserve_customer_numbers, store, count)
        else:

            def reserve(count):
                return reserve_customer_numbers(store, count)

    plan = [(int(i), key) for i, key in job.mapping.items()]
    builder = RowBuilder(plan, store.tzinfo)
    try:
        with transaction.atomic():
            _lock_store(store.pk)
            upserter = Upserter(
                store=store, kind=job.kind, actor=actor, reason=import_reason(job),
                reserve_numbers=reserve, dry_run=dry_run,
            )  # fmt: skip
            if settings.IMPORT_EMPTY_STORE_SHORTCUT:
                upserter.start_from_empty_store()
            try:
                chunks = cleaner.cleaned(
                    path, table_of(job), builder, rows_estimate=job.rows_total or 0
                )
                for clean in chunks:
                    for row_result in upserter.run_chunk(clean):
                        result.counts[row_result.outcome] += 1
                        if row_result.errors:
                            errors.add(row_result.errors)
                    result.rows_done += len(clean)
                    progress.update(result.rows_done)
                upserter.finish()
            finally:
                upserter.close()
            rejected = result.counts[RowOutcome.REJECTED]
            keep = not dry_run and (valid_rows_only or not rejected)
            if keep:
                audit.record(
                    actor=actor, action=AuditAction.CREATE, store=store,
                    target=("imports.importjob", str(job.pk), str(job)[:200]),
                    changes={"kind": job.kind, "file": job.original_name,
                             "new": result.counts[RowOutcome.NEW],
                             "updated": result.counts[RowOutcome.UPDATED],
                             "unchanged": result.counts[RowOutcome.UNCHANGED],
                             "rejected": rejected,
                             "mode": "valid_rows_only" if valid_rows_only else "all_or_nothing"},
                    reason=import_reason(job),
                )  # fmt: skip
                if job.kind in (ImportKind.DELIVERIES, ImportKind.SERVICE_VISITS):
                    follow_up_events(store.pk)
            else:
                transaction.set_rollback(True)
            result.kept = keep
    finally:
        progress.update(result.rows_done, force=True)
        progress.finish()
        if side is not None:
            side.close()
    errors.save()
    return result


def import_run(*, job_id, phase):
    """The background task's body: run a queued job and record its outcome on the job.

    It runs in the language of the person who uploaded the file, so the reasons stored for
    rejected rows and the job's message read in their language, not the worker's."""
    job = ImportJob.objects.select_related("store").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _import_run(job, phase)


def _import_run(job, phase):
    dry_run = phase == JobPhase.PREVIEW
    actor = job.created_by if dry_run else job.committed_by
    job.status, job.phase = JobStatus.RUNNING, phase
    job.started_at = job.heartbeat_at = timezone.now()
    job.finished_at = None
    job.rows_done = 0
    job.save(update_fields=["status", "phase", "started_at", "heartbeat_at", "finished_at",
                            "rows_done", "updated_at"])  # fmt: skip
    outcome, message, result = JobStatus.FAILED, "", None
    try:
        if not job.file:
            raise readers.ImportFileError(MSG_NO_FILE)
        result = execute(job, path=job.file.path, dry_run=dry_run,
                         valid_rows_only=job.valid_rows_only, actor=actor)  # fmt: skip
    except readers.ImportFileError as error:
        message = str(error.message)
    except IntegrityError:
        logger.warning("Import #%s hit a concurrent write", job.pk, exc_info=True)
        message = str(MSG_CONCURRENT)
    except Exception:  # the task's last resort: the job must say it failed, never hang
        logger.exception("Import #%s crashed", job.pk)
        message = str(MSG_CRASHED)
    if result is not None:
        outcome, message = _outcome(job, result, dry_run)
    return finish_job(job, outcome, message, result)


def _outcome(job, result, dry_run):
    counts = {k: f"{v:,}" for k, v in result.counts.items()}
    rejected = result.counts[RowOutcome.REJECTED]
    if dry_run:
        return JobStatus.PREVIEWED, ""
    if not result.kept:
        return JobStatus.FAILED, str(MSG_REJECTED_ROWS % {"count": counts[RowOutcome.REJECTED]})
    if rejected:
        return JobStatus.DONE, str(MSG_ROWS_DONE_VALID % counts)
    return JobStatus.DONE, str(MSG_ROWS_DONE_ALL % counts)


def finish_job(job, status, message, result):
    """Record a run's end on the job; a finished import no longer keeps the uploaded file."""
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    if result is not None:
        job.new_rows = result.counts[RowOutcome.NEW]
        job.updated_rows = result.counts[RowOutcome.UPDATED]
        job.unchanged_rows = result.counts[RowOutcome.UNCHANGED]
        job.rejected_rows = result.counts[RowOutcome.REJECTED]
        job.rows_done = result.rows_done
        job.rows_total = max(job.rows_total, result.rows_done)
        if job.started_at:
            elapsed = (job.finished_at - job.started_at).total_seconds()
            job.rows_per_second = int(result.rows_done / elapsed) if elapsed > 0 else 0
    if status == JobStatus.DONE and job.file:
        # Personal data is kept once, in the archive: the upload is not needed any more.
        job.file.delete(save=False)
    job.save()
    return job


# --- retention ----------------------------------------------------------------------------------


def upload_retention_days():
    return int(getattr(settings, "IMPORT_UPLOAD_RETENTION_DAYS", 30))


def prune_uploads(*, days=None, now=None):
    """Delete the stored files of imports untouched for `days` (default 30, setting
    IMPORT_UPLOAD_RETENTION_DAYS) and the rejected rows kept with them: an abandoned preview or
    a failed import must not keep customers' personal data for ever. A running job is left
    alone unless its worker stopped reporting. Returns (files deleted, error rows deleted)."""
    days = upload_retention_days() if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    files = rows = 0
    pruned = []
    for job in ImportJob.objects.filter(updated_at__lt=cutoff).iterator(chunk_size=500):
        if job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not job_is_stale(job):
            continue
        pruned.append(job.pk)
        if not job.file:
            continue
        job.file.delete(save=False)
        if job.status not in (JobStatus.DONE, JobStatus.FAILED):  # it cannot go on without it
            job.status = JobStatus.FAILED
            job.message = str(MSG_NO_FILE)
        job.save(update_fields=["file", "status", "message"])
        files += 1
    for start in range(0, len(pruned), 1000):
        deleted, _by_model = ImportRowError.objects.filter(
            job_id__in=pruned[start : start + 1000]
        ).delete()
        rows += deleted
    return files, rows
