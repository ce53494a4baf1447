"""Follow-up rules, the tasks they create from events, call attempts, and the SMS log (DOMAIN §3).

A task exists at most once per rule and event: the unique constraint on (rule, event_type,
event_id) is what makes task creation "exactly once" (docs/adr/0005).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import StoreScoped
from dealercare.customers.choices import CustomerType

from . import rules
from .choices import (
    AttemptOutcome,
    CallSatisfaction,
    Channel,
    Department,
    EventType,
    HandOffStatus,
    RuleEvent,
    SmsDirection,
    SmsStatus,
    TaskKind,
    TaskOutcome,
    TaskStatus,
)

_user = {"on_delete": models.SET_NULL, "null": True, "blank": True, "related_name": "+"}


class FollowUpRule(StoreScoped):
    """A store's rule: which event creates which task, when it opens and is due, how to call."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100, blank=True)
    event = models.CharField(_("event"), max_length=30, choices=RuleEvent.choices)
    kind = models.CharField(
        _("task kind"), max_length=40, choices=TaskKind.choices, default=TaskKind.OTHER
    )
    earliest_hours = models.PositiveIntegerField(
        _("opens hours after the event"), null=True, blank=True
    )
    earliest_day = models.PositiveIntegerField(_("opens on day"), null=True, blank=True)
    earliest_working_days = models.BooleanField(_("opening day counts working days"), default=False)
    due_day = models.PositiveIntegerField(_("due by the end of day"), null=True, blank=True)
    due_working_days = models.BooleanField(_("due day counts working days"), default=False)
    customer_types = models.JSONField(
        _("customer types"),
        default=list,
        blank=True,
        help_text=_("Empty: every customer type."),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    script_template = models.TextField(_("script"), blank=True)
    script_template_vip = models.TextField(_("script for VIP customers"), blank=True)
    script_template_enterprise = models.TextField(_("script for enterprise customers"), blank=True)
    sms_template = models.TextField(_("SMS text"), blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before unreachable"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    EDITABLE_FIELDS = (
        "name", "kind", "earliest_hours", "earliest_day", "earliest_working_days", "due_day",
        "due_working_days", "customer_types", "channel", "script_template",
        "script_template_vip", "script_template_enterprise", "sms_template", "max_attempts",
        "is_active",
    )  # fmt: skip
    WINDOW_FIELDS = (
        "earliest_hours", "earliest_day", "earliest_working_days", "due_day", "due_working_days",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="unique_followup_rule_code"),
            models.CheckConstraint(
                condition=Q(earliest_hours__isnull=True, earliest_day__isnull=False)
                | Q(earliest_hours__isnull=False, earliest_day__isnull=True),
                name="followup_rule_opens_one_way",
            ),
        ]
        ordering = ["store", "event", "id"]
        verbose_name = _("follow-up rule")

    def __str__(self):
        return self.name or self.get_kind_display()

    def window_rule(self) -> rules.WindowRule:
        """This rule's timing as the pure module's WindowRule."""
        return rules.WindowRule(
            code=self.code,
            event=rules.Event(self.event),
            earliest_hours=self.earliest_hours,
            earliest_day=self.earliest_day,
            earliest_working_days=self.earliest_working_days,
            due_day=self.due_day,
            due_working_days=self.due_working_days,
        )

    def applies_to(self, customer_type) -> bool:
        """True when the rule creates tasks for customers of `customer_type`."""
        return not self.customer_types or customer_type in self.customer_types

    def script_for(self, customer_type) -> str:
        """The script template for a customer type, falling back to the general one."""
        specific = {
            CustomerType.VIP: self.script_template_vip,
            CustomerType.ENTERPRISE: self.script_template_enterprise,
        }.get(customer_type)
        return specific or self.script_template

    def clean(self):
        errors = {}
        if (self.earliest_hours is None) == (self.earliest_day is None):
            errors["earliest_day"] = _(
                "Give either the hours after the event or the day it opens, not both."
            )
        if (
            self.due_day is not None
            and self.earliest_day is not None
            and self.due_day < self.earliest_day
            and self.due_working_days == self.earliest_working_days
        ):
            errors["due_day"] = _("A task cannot be due before the day it opens.")
        unknown = sorted(set(self.customer_types or ()) - set(CustomerType.values))
        if not isinstance(self.customer_types, list) or unknown:
            errors["customer_types"] = _("Unknown customer types: %(types)s") % {
                "types": ", ".join(map(str, unknown)) or self.customer_types
            }
        if errors:
            raise ValidationError(errors)


class FollowUpTask(StoreScoped):
    """One follow-up to do for one event by one rule: a call (or an SMS), its window and outcome."""

    rule = models.ForeignKey(
        FollowUpRule, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("rule")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="followup_tasks",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_tasks",
        verbose_name=_("vehicle"),
    )
    event_type = models.CharField(_("event type"), max_length=20, choices=EventType.choices)
    event_id = models.BigIntegerField(_("event id"))
    event_at = models.DateTimeField(_("event time"))
    kind = models.CharField(_("kind"), max_length=40, choices=TaskKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # 0 for VIP customers, 1 otherwise: "VIP first among equals" in the queue's index order.
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    window_start = models.DateTimeField(_("from"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), **_user)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("claimed by"), **_user)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    attempts_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=TaskOutcome.choices, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), **_user)
    satisfaction = models.CharField(
        _("customer satisfaction"), max_length=20, choices=CallSatisfaction.choices, blank=True
    )

    class Meta:
        constraints = [
            # Exactly once: every path that creates tasks relies on this (bulk_create
            # ignore_conflicts, INSERT ... ON CONFLICT DO NOTHING).
            models.UniqueConstraint(
                fields=["rule", "event_type", "event_id"], name="unique_followup_task_per_event"
            ),
        ]
        indexes = [
            # The queue: pending phone tasks in claim order; claimed and closed rows leave it.
            models.Index(
                fields=["due_at", "priority", "id"],
                condition=Q(status="pending", channel="phone"),
                name="followuptask_queue",
            ),
            models.Index(
                fields=["claim_expires_at"],
                condition=Q(status="claimed"),
                name="followuptask_claims",
            ),
            models.Index(
                fields=["window_start"],
                condition=Q(status="pending", channel="sms"),
                name="followuptask_sms_due",
            ),
            models.Index(fields=["event_type", "event_id"], name="followuptask_event"),
            models.Index(fields=["store", "status", "due_at"], name="followuptask_store_status"),
        ]
        ordering = ["due_at", "priority", "id"]
        verbose_name = _("follow-up task")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self):
        return self.status in (TaskStatus.PENDING, TaskStatus.CLAIMED)


class FollowUpAttempt(models.Model):
    """One call of a task: when, by whom, what happened, and the agent's notes."""

    task = models.ForeignKey(
        FollowUpTask, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("task")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="followup_attempts",
        verbose_name=_("agent"),
    )
    at = models.DateTimeField(_("time"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=AttemptOutcome.choices)
    call_back_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The forbidden phrases (scripts.FORBIDDEN_PHRASES) found in the notes, for the supervisor.
    forbidden_phrases = models.JSONField(_("forbidden phrases"), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agent", "-at"], name="followupattempt_agent_at")]
        verbose_name = _("follow-up attempt")

    def __str__(self):
        return f"{self.task_id} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class SmsMessage(StoreScoped):
    """An SMS sent to or received from a customer, as the messaging backend handled it."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_messages",
        verbose_name=_("customer"),
    )
    task = models.ForeignKey(
        FollowUpTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_messages",
        verbose_name=_("task"),
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=SmsDirection.choices, default=SmsDirection.OUTBOUND
    )
    mobile = models.CharField(_("mobile"), max_length=20, db_index=True)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    backend = models.CharField(_("backend"), max_length=100, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("SMS message")

    def __str__(self):
        return f"{self.direction} {self.status} #{self.pk}"


class HandOff(StoreScoped):
    """A problem found on a follow-up call, handed to the service or sales department: an owner
    there works it, and it stays open until the customer has been told the result."""

    task = models.ForeignKey(
        FollowUpTask,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handoffs",
        verbose_name=_("follow-up"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="followup_handoffs",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_handoffs",
        verbose_name=_("vehicle"),
    )
    department = models.CharField(_("department"), max_length=10, choices=Department.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="followup_handoffs",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due date"))
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=20, choices=HandOffStatus.choices, default=HandOffStatus.OPEN
    )
    resolution = models.TextField(_("result"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), **_user)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    informed_at = models.DateTimeField(_("customer informed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["store", "status", "due_on"], name="handoff_store_status"),
            models.Index(fields=["owner", "status"], name="handoff_owner_status"),
        ]
        verbose_name = _("hand-off")

    def __str__(self):
        return f"{self.get_department_display()} #{self.pk}"

    @property
    def is_open(self):
        return self.status != HandOffStatus.CUSTOMER_INFORMED

    def clean(self):
        if self.description is not None and len(self.description.strip()) < 2:
            raise ValidationError({"description": _("Describe the problem.")})


class HandOffUpdate(models.Model):
    """One step of a hand-off: a status change or an owner change, with who, when and a note."""

    handoff = models.ForeignKey(
        HandOff, on_delete=models.CASCADE, related_name="updates", verbose_name=_("hand-off")
    )
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), **_user)
    status_from = models.CharField(
        _("from"), max_length=20, choices=HandOffStatus.choices, blank=True
    )
    status_to = models.CharField(_("to"), max_length=20, choices=HandOffStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("hand-off update")

    def __str__(self):
        return f"{self.handoff_id} {self.status_from}->{self.status_to}"
