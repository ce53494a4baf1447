"""Import jobs (a file on its way in), their rejected rows, saved column mappings per source,
and the stored answers of DMS pushes by idempotency key."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import StoreScoped

from .choices import ImportKind, JobPhase, JobStatus


def _upload_path(job, filename):
    return f"imports/{job.store_id}/{job.storage_key}{job.extension}"


class ImportJob(StoreScoped):
    """One file imported into one store: its mapping, its progress and its outcome."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    # The uploader's language: the background run writes its messages in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    source_name = models.CharField(
        _("source"),
        max_length=60,
        blank=True,
        help_text=_("Where the file comes from (e.g. the DMS name); its column mapping is reused."),
    )
    file = models.FileField(_("file"), upload_to=_upload_path, blank=True, max_length=200)
    storage_key = models.CharField(max_length=32, editable=False)
    extension = models.CharField(max_length=10, blank=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    file_format = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    delimiter = models.CharField(max_length=1, blank=True, default=",")
    sheet_name = models.CharField(max_length=100, blank=True)
    header_row = models.PositiveIntegerField(default=1)
    headers = models.JSONField(default=list, blank=True)
    header_keys = models.JSONField(default=list, blank=True)
    samples = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    valid_rows_only = models.BooleanField(_("import the valid rows only"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.DRAFT
    )
    phase = models.CharField(
        _("step"), max_length=10, choices=JobPhase.choices, default=JobPhase.PREVIEW
    )
    rows_total = models.PositiveIntegerField(_("rows (estimate)"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_per_second = models.PositiveIntegerField(_("rows per second"), default=0)
    new_rows = models.PositiveIntegerField(_("new"), default=0)
    updated_rows = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rejected"), default=0)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"])]
        verbose_name = _("import")

    def __str__(self):
        return f"#{self.pk} {self.original_name}"

    @property
    def rows_counted(self):
        return self.new_rows + self.updated_rows + self.unchanged_rows + self.rejected_rows

    @property
    def valid_rows(self):
        return self.new_rows + self.updated_rows + self.unchanged_rows


class ImportRowError(models.Model):
    """Why one cell (or row) of an import was rejected."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    message = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"])]
        verbose_name = _("rejected row")

    def __str__(self):
        return f"{self.row_number} {self.column}: {self.message}"


class ColumnMapping(StoreScoped):
    """How a source's files map to fields, by header: reused for its next file of that kind."""

    source_name = models.CharField(_("source"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    columns = models.JSONField(default=dict)  # {normalized header: field key or ""}
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "source_name", "kind"], name="unique_mapping_per_source"
            )
        ]
        ordering = ["source_name", "kind"]
        verbose_name = _("column mapping")

    def __str__(self):
        return f"{self.source_name} ({self.kind})"


class IdempotencyRecord(models.Model):
    """The answer given to a DMS push with an Idempotency-Key, replayed when the push is retried."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "endpoint", "key"], name="unique_idempotency_key"
            )
        ]

    def __str__(self):
        return f"{self.endpoint} {self.key}"
