"""Complaints (DOMAIN §5): categories and reasons, the complaint with its log, time limits,
breaches, attachments, the major-incident report (annex 8) and in-app notifications."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealercare.core.fields import MobileField
from dealercare.core.models import StoreScoped, TimeStamped

from .choices import (
    ActionKind,
    AttachmentKind,
    ComplaintChannel,
    ComplaintStatus,
    CustomerSatisfaction,
    Department,
    Severity,
    SlaStep,
)
from .sla import LimitUnit


class ComplaintCategory(StoreScoped):
    """A dimension complaints are filed under (seed 001: 服务技能 ... plus 产品质量)."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="unique_complaint_category")
        ]
        ordering = ["order", "id"]
        verbose_name = _("complaint category")

    def __str__(self):
        return self.name


class ComplaintReason(TimeStamped):
    """A reason within a category (e.g. 多次维修未解决 under 服务技能)."""

    category = models.ForeignKey(
        ComplaintCategory, on_delete=models.CASCADE, related_name="reasons"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="unique_complaint_reason")
        ]
        ordering = ["order", "id"]
        verbose_name = _("complaint reason")

    def __str__(self):
        return self.name


class TimeLimit(StoreScoped):
    """A store's time limit for one step at one severity (defaults.DEFAULT_LIMITS otherwise)."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    step = models.CharField(_("step"), max_length=20, choices=SlaStep.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=[(u.value, u.value) for u in LimitUnit],
        default=LimitUnit.HOURS.value,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "severity", "step"], name="unique_complaint_time_limit"
            )
        ]
        verbose_name = _("complaint time limit")

    def __str__(self):
        return f"{self.severity} {self.step}: {self.amount} {self.unit}"


class Complaint(StoreScoped):
    """One complaint: who, about what, what they ask for, where it stands and by when."""

    number = models.CharField(_("reference no."), max_length=24, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_mobile = MobileField(_("contact mobile"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=ComplaintChannel.choices)
    received_at = models.DateTimeField(_("received at"))
    description = models.TextField(_("what happened"))
    customer_request = models.TextField(_("what the customer asks for"), blank=True)
    promised_reply_at = models.DateTimeField(_("reply promised by"))
    category = models.ForeignKey(
        ComplaintCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    reason = models.ForeignKey(
        ComplaintReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reason"),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=30, choices=ComplaintStatus.choices, default="received"
    )
    department = models.CharField(
        _("department"), max_length=20, choices=Department.choices, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    solution = models.TextField(_("solution"), blank=True)
    result = models.TextField(_("result"), blank=True)
    satisfaction = models.CharField(
        _("customer satisfaction"), max_length=20, choices=CustomerSatisfaction.choices, blank=True
    )
    prevention = models.TextField(_("prevention measures"), blank=True)
    # Milestones (aware UTC)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    solution_proposed_at = models.DateTimeField(_("solution proposed at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    satisfaction_confirmed_at = models.DateTimeField(
        _("satisfaction confirmed at"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Time limits: due times kept current by the services (null while the clock is paused).
    waiting_since = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    pauses = models.JSONField(default=list, blank=True, editable=False)  # [[from, to], ...] ISO
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    solution_due_at = models.DateTimeField(_("solution by"), null=True, blank=True)
    acknowledge_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    solution_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    breach_count = models.PositiveSmallIntegerField(_("breaches"), default=0)
    # Repeat complaints (same customer or vehicle within defaults.REPEAT_WINDOW_DAYS)
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    # Where it came from (contract 1): a follow-up task, a survey response...; no cross-app FK.
    origin_type = models.CharField(_("origin"), max_length=30, blank=True)
    origin_id = models.PositiveBigIntegerField(_("origin id"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    EDITABLE_FIELDS = (
        "contact_name", "contact_mobile", "channel", "received_at", "description",
        "customer_request", "promised_reply_at", "category", "reason", "severity",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="unique_complaint_number"),
        ]
        indexes = [
            # The default list: a store's complaints, newest first (keyset pagination on it).
            models.Index(fields=["store", "-received_at", "-id"], name="complaint_store_received"),
            # The list's default filter (open complaints) reads only open rows.
            models.Index(
                fields=["store", "-received_at", "-id"],
                condition=Q(closed_at__isnull=True),
                name="complaint_store_open",
            ),
            # ... and across stores (a manager of several stores, a group admin): without it the
            # open complaints of every store are sorted on each page (bench/complaints).
            models.Index(
                fields=["-received_at", "-id"],
                condition=Q(closed_at__isnull=True),
                name="complaint_open_received",
            ),
            models.Index(fields=["store", "status", "-received_at"], name="complaint_store_status"),
            models.Index(fields=["owner", "status"], name="complaint_owner_status"),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer"),
            models.Index(fields=["vehicle", "-received_at"], name="complaint_vehicle"),
            # The deadline check reads only open complaints with a due time.
            models.Index(
                fields=["acknowledge_due_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="complaint_ack_due_open",
            ),
            models.Index(
                fields=["solution_due_at"],
                condition=Q(solution_proposed_at__isnull=True),
                name="complaint_solution_due_open",
            ),
        ]
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")

    def __str__(self):
        return self.number

    @property
    def is_major(self):
        return self.severity == Severity.MAJOR

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.reason_id and self.category_id and self.reason.category_id != self.category_id:
            errors["reason"] = _("This reason belongs to another category.")
        if self.vehicle_id and self.vehicle.store_id != self.store_id:
            errors["vehicle"] = _("The vehicle belongs to another store.")
        if self.customer_id and self.customer.store_id != self.store_id:
            errors["customer"] = _("The customer belongs to another store.")
        if (
            self.received_at
            and self.promised_reply_at
            and self.promised_reply_at < self.received_at
        ):
            errors["promised_reply_at"] = _("The promised reply cannot be before the complaint.")
        if errors:
            raise ValidationError(errors)


class ComplaintAction(models.Model):
    """One line of a complaint's log: who did what when, and what was said."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=30, choices=ActionKind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    note = models.TextField(_("what was said"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"])]
        verbose_name = _("complaint action")

    def __str__(self):
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ComplaintBreach(models.Model):
    """A step that ran past its time limit, at one escalation level (unique: counted once)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="breaches")
    store = models.ForeignKey("accounts.Store", on_delete=models.CASCADE, related_name="+")
    step = models.CharField(_("step"), max_length=20, choices=SlaStep.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    due_at = models.DateTimeField(_("was due"))
    detected_at = models.DateTimeField(_("detected"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "step", "level"], name="unique_complaint_breach_level"
            )
        ]
        indexes = [models.Index(fields=["store", "detected_at"])]
        verbose_name = _("time limit breach")

    def __str__(self):
        return f"{self.complaint_id} {self.step} level {self.level}"


class PrivateStorage(FileSystemStorage):
    """Attachments live outside MEDIA and static: never served by a web server, only by a view
    that checks who asks. COMPLAINT_ATTACHMENT_ROOT (default <project>/private/complaints)."""

    @property
    def base_location(self):
        root = getattr(settings, "COMPLAINT_ATTACHMENT_ROOT", None)
        return str(root or settings.BASE_DIR / "private" / "complaints")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


_storage = PrivateStorage()


def attachment_storage():
    """The storage of complaint attachments (a callable, so migrations do not freeze a path)."""
    return _storage


def _attachment_path(instance, filename):
    # The stored name is ours (a random token), never the uploader's: no path tricks, no .php.
    return f"{instance.store_id}/{instance.complaint_id}/{filename}"


class ComplaintAttachment(StoreScoped):
    """A photo, recording or document about a complaint, checked by content on upload."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, storage=attachment_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")

    def __str__(self):
        return self.original_name


class MajorIncidentReport(StoreScoped):
    """重大投诉事件处理报告 (annex 8): required before a major complaint is closed."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="major_report"
    )
    title = models.CharField(_("incident"), max_length=100)
    summary = models.TextField(_("what happened"))
    cause = models.TextField(_("cause analysis"))
    handling = models.TextField(_("how it was handled"))
    result = models.TextField(_("result and customer's response"))
    responsibility = models.TextField(_("responsibility"), blank=True)
    compensation = models.DecimalField(
        _("compensation (CNY)"), max_digits=12, decimal_places=2, default=0
    )
    prevention = models.TextField(_("corrective and preventive measures"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    FIELDS = (
        "title", "summary", "cause", "handling", "result", "responsibility", "compensation",
        "prevention",
    )  # fmt: skip

    class Meta:
        verbose_name = _("major-incident report")

    def __str__(self):
        return self.title


class Notification(models.Model):
    """An in-app message to one user (major complaint, nearing limit, escalation); `key` makes
    each one unique per recipient so a check that runs twice notifies once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_notifications"
    )
    store = models.ForeignKey("accounts.Store", on_delete=models.CASCADE, related_name="+")
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, null=True, related_name="notifications"
    )
    key = models.CharField(max_length=80)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("time"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key")
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")

    def __str__(self):
        return self.title
