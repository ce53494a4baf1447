"""Abstract bases (timestamps, store scoping) and the audit trail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    """created_at / updated_at in UTC."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class StoreScoped(TimeStamped):
    """A record that belongs to exactly one store; selectors filter on `store_id`."""

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    MERGE = "merge", _("Merged")
    REVEAL_PHONE = "reveal_phone", _("Phone revealed")
    EXPORT = "export", _("Exported")
    CONSENT = "consent", _("Consent changed")
    TRANSFER = "transfer", _("Owner changed")
    ROLE_CHANGE = "role_change", _("Roles changed")
    SETTINGS = "settings", _("Settings changed")


class AuditEvent(models.Model):
    """Who did what to which record, when and why; never updated or deleted by the app."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    store = models.ForeignKey(
        "accounts.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    target_type = models.CharField(_("record type"), max_length=60)
    target_id = models.CharField(_("record id"), max_length=40, blank=True)
    target_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-created_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        verbose_name = _("audit event")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class WorkingDayOverride(TimeStamped):
    """A day that works differently from China's national calendar (DOMAIN §8), entered by the CS
    manager: for every store of a dealer group (store empty) or for one store, which wins."""

    group = models.ForeignKey(
        "accounts.DealerGroup", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    store = models.ForeignKey(
        "accounts.Store",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    day = models.DateField(_("day"))
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "day"],
                condition=models.Q(store__isnull=True),
                name="unique_group_working_day_override",
            ),
            models.UniqueConstraint(
                fields=["store", "day"],
                condition=models.Q(store__isnull=False),
                name="unique_store_working_day_override",
            ),
        ]
        ordering = ["day"]
        verbose_name = _("working day override")

    def __str__(self):
        return f"{self.day} {'working' if self.is_working_day else 'day off'}"
