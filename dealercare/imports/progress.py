"""Reporting an import's progress while its transaction is still open.

The import writes everything in one transaction (all-or-nothing), so progress written through
the same connection would stay invisible until the end. On PostgreSQL a side connection (its own
thread, autocommit) updates the job row as rows go by and reserves customer numbers without
holding the store row locked for the whole import. SQLite allows one writer at a time, so there
progress goes to a small JSON file next to the uploads that the job page reads. When the caller
already holds a transaction (tests, a shell), everything stays inline in it.
"""

import contextlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

REPORT_EVERY_SECONDS = 0.5


class SideConnection:
    """One worker thread with its own database connection, for writes that must commit now."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-side")

    @staticmethod
    def _run(fn, args):
        try:
            return fn(*args)
        finally:
            connection.close_if_unusable_or_obsolete()

    def call(self, fn, *args):
        return self.pool.submit(self._run, fn, args).result()

    def post(self, fn, *args):
        self.pool.submit(self._run, fn, args)

    def close(self):
        self.pool.submit(connections.close_all).result()
        self.pool.shutdown(wait=True)


def progress_file(job_id):
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{job_id}.json"


def read_progress_file(job_id):
    try:
        return json.loads(progress_file(job_id).read_text())
    except (OSError, ValueError):
        return None


def remove_progress_file(job_id):
    with contextlib.suppress(OSError):
        progress_file(job_id).unlink()


class Progress:
    """Rows done and rows per second of a running job, reported at most twice a second.

    `mode` is "side" (PostgreSQL, own connection), "file" (SQLite) or "inline" (the caller's
    transaction: visible at its end only). `on_update(rows_done, rows_per_second)` is called too
    (the terminal progress bar of `manage.py import_file`).
    """

    def __init__(self, job, *, mode, side=None, on_update=None):
        self.job = job
        self.mode = mode
        self.side = side
        self.on_update = on_update
        self.started = time.monotonic()
        self.last = 0.0
        self.rows_done = 0

    @property
    def rows_per_second(self):
        elapsed = time.monotonic() - self.started
        return int(self.rows_done / elapsed) if elapsed > 0 else 0

    def update(self, rows_done, *, force=False):
        self.rows_done = rows_done
        now = time.monotonic()
        if not force and now - self.last < REPORT_EVERY_SECONDS:
            return
        self.last = now
        speed = self.rows_per_second
        if self.on_update:
            self.on_update(rows_done, speed)
        values = {"rows_done": rows_done, "rows_per_second": speed,
                  "heartbeat_at": timezone.now()}  # fmt: skip
        if self.mode == "side":
            self.side.post(_save_job_progress, self.job.pk, values)
        elif self.mode == "file":
            _write_file(self.job.pk, values)
        else:
            _save_job_progress(self.job.pk, values)

    def finish(self):
        if self.mode == "file":
            remove_progress_file(self.job.pk)


def _save_job_progress(job_id, values):
    from .models import ImportJob

    ImportJob.objects.filter(pk=job_id).update(**values)


def _write_file(job_id, values):
    path = progress_file(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    payload = {**values, "heartbeat_at": values["heartbeat_at"].isoformat()}
    tmp.write_text(json.dumps(payload))
    os.replace(tmp, path)


def progress_mode():
    """Where progress can go right now (see the module docstring)."""
    if connection.in_atomic_block:
        return "inline"
    if connection.vendor == "postgresql":
        return "side"
    return "file"
