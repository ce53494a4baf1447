"""manage.py import_file <path> --store GZ01 --kind customers: import a file from the terminal."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dealercare.accounts.models import Store
from dealercare.core.errors import ApplicationError
from dealercare.imports import readers, services
from dealercare.imports.choices import ImportKind, JobPhase, JobStatus, RowOutcome
from dealercare.imports.columns import ALL_COLUMNS, columns_for, normalize_header
from dealercare.imports.models import ImportJob

BAR_WIDTH = 30
SHOWN_ERRORS = 20


class TerminalBar:
    """[#########.........]  45% 45,000/100,000 rows · 21,300 rows/s, redrawn in place."""

    def __init__(self, stream, total):
        self.stream = stream
        self.total = max(total, 1)
        self.started = time.monotonic()

    def draw(self, done, speed):
        total = max(self.total, done)
        filled = int(BAR_WIDTH * done / total)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done * 100 // total:3d}% "
            f"{done:,}/{total:,} rows · {speed:,} rows/s   ",
            ending="",
        )
        self.stream.flush()

    def close(self, done):
        elapsed = time.monotonic() - self.started
        self.draw(done, int(done / elapsed) if elapsed else 0)
        self.stream.write("")


class Command(BaseCommand):
    help = (
        "Import customers, vehicles, deliveries or service visits from a CSV or Excel file into "
        "one store: all rows or none (unless --valid-rows-only), upserted by natural keys, so "
        "running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--store", required=True, help="Store code, e.g. GZ01.")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--source", default="", help="Source name to record on the job.")
        parser.add_argument(
            "--mapping-from-source",
            default="",
            help="Reuse the column mapping saved for this source.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="Map a column by its header (repeatable); FIELD may be empty.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="Import the valid rows even when others are rejected.",
        )
        parser.add_argument("--user", default="", help="Username recorded as the importer.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        store = Store.objects.filter(code=options["store"]).first()
        if store is None:
            raise CommandError(f"No store with code {options['store']!r}.")
        kind = ImportKind(options["kind"])
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            table = readers.inspect_file(path)
        except readers.ImportFileError as error:
            raise CommandError(str(error.message)) from None
        source = options["mapping_from_source"] or options["source"]
        job = ImportJob(store=store, kind=kind, source_name=source[:60],
                        original_name=path.name[:255], storage_key="",
                        file_size=path.stat().st_size, created_by=actor,
                        committed_by=actor)  # fmt: skip
        services._apply_table(job, table)
        if options["mapping_from_source"]:
            saved = services.saved_mapping(store, options["mapping_from_source"], kind)
            if not saved:
                raise CommandError(
                    f"No saved mapping for source {options['mapping_from_source']!r} ({kind})."
                )
        mapping = {int(i): k for i, k in job.mapping.items()}
        mapping = self._overrides(kind, table, mapping, options["map"])
        try:
            services._check_mapping(kind, mapping, len(table.headers))
        except ApplicationError as error:
            raise CommandError(f"{error.message}\n{self._describe(table, mapping)}") from None
        job.mapping = {str(i): k for i, k in sorted(mapping.items())}
        dry_run = options["dry_run"]
        job.phase = JobPhase.PREVIEW if dry_run else JobPhase.COMMIT
        job.status = JobStatus.RUNNING
        job.valid_rows_only = options["valid_rows_only"]
        job.save()
        self.stderr.write(self._describe(table, mapping))
        bar = None if options["no_progress"] else TerminalBar(self.stderr, table.rows_estimate)
        job.started_at = job.heartbeat_at = timezone.now()
        try:
            result = services.execute(
                job, path=path, dry_run=dry_run, valid_rows_only=options["valid_rows_only"],
                actor=actor, on_update=bar.draw if bar else None,
            )  # fmt: skip
        except readers.ImportFileError as error:
            services.finish_job(job, JobStatus.FAILED, str(error.message), None)
            raise CommandError(str(error.message)) from None
        if bar:
            bar.close(result.rows_done)
        status, message = services._outcome(job, result, dry_run)
        services.finish_job(job, status, message, result)
        self._report(job, result, dry_run)
        if result.counts[RowOutcome.REJECTED] and not options["valid_rows_only"]:
            raise CommandError(message or f"{job.rejected_rows:,} rows rejected.")

    def _overrides(self, kind, table, mapping, pairs):
        by_header = {normalize_header(h): i for i, h in enumerate(table.header_keys)}
        allowed = {c.key for c in columns_for(kind)}
        for pair in pairs:
            header, _sep, key = pair.partition("=")
            index = by_header.get(normalize_header(header))
            if index is None:
                raise CommandError(f"No column {header!r} in the file.")
            if key and key not in allowed:
                raise CommandError(f"Unknown field {key!r}; one of: {', '.join(sorted(allowed))}")
            mapping = {i: k for i, k in mapping.items() if k != key or not key}
            if key:
                mapping[index] = key
            else:
                mapping.pop(index, None)
        return mapping

    def _describe(self, table, mapping):
        lines = [f"Header on row {table.header_row}; columns:"]
        for i, header in enumerate(table.headers):
            key = mapping.get(i)
            target = f"{key} ({ALL_COLUMNS[key].label})" if key else "-"
            lines.append(f"  {header} -> {target}")
        return "\n".join(lines)

    def _report(self, job, result, dry_run):
        counts = result.counts
        verb = "Would import" if dry_run else ("Imported" if result.kept else "Not imported")
        self.stdout.write(
            f"{verb} (job #{job.pk}): {counts[RowOutcome.NEW]:,} new, "
            f"{counts[RowOutcome.UPDATED]:,} updated, {counts[RowOutcome.UNCHANGED]:,} unchanged, "
            f"{counts[RowOutcome.REJECTED]:,} rejected; {job.rows_per_second:,} rows/s."
        )
        for error in job.row_errors.all()[:SHOWN_ERRORS]:
            self.stdout.write(f"  row {error.row_number} {error.column} {error.value!r}: "
                              f"{error.message}")  # fmt: skip
        if job.rejected_rows > SHOWN_ERRORS:
            self.stdout.write(f"  … {job.rejected_rows - SHOWN_ERRORS:,} more (see the job page)")
