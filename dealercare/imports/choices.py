from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """What one row of a file describes."""

    CUSTOMERS = "customers", _("Customers (with their vehicles)")
    VEHICLES = "vehicles", _("Vehicles")
    DELIVERIES = "deliveries", _("Deliveries")
    SERVICE_VISITS = "service_visits", _("Service visits (repair orders)")


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("Check the columns")
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    PREVIEWED = "previewed", _("Preview ready")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


class JobPhase(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    COMMIT = "commit", _("Import")


class RowOutcome(models.TextChoices):
    NEW = "new", _("New")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    REJECTED = "rejected", _("Rejected")
