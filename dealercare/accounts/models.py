"""Dealer groups, their stores, users and the role each user holds in each store."""

import datetime
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.fields import PhoneField

from .roles import Role


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class DealerGroup(models.Model):
    """A dealer group (经销商集团) owning one or more stores."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("dealer group")

    def __str__(self):
        return self.name


class Store(models.Model):
    """A dealer (4S store); every customer record belongs to one. Holds the store's settings."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="stores")
    code = models.CharField(
        _("store code"),
        max_length=10,
        unique=True,
        help_text=_("Prefix of customer numbers, e.g. GZ01."),
    )
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50)
    region = models.CharField(_("region"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    hotline = PhoneField(_("service hotline"), blank=True)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=50, default="Asia/Shanghai", validators=[validate_timezone]
    )
    working_hours_start = models.TimeField(_("working hours from"), default=datetime.time(8, 30))
    working_hours_end = models.TimeField(_("working hours to"), default=datetime.time(17, 30))
    calling_hours_start = models.TimeField(_("calling hours from"), default=datetime.time(9, 0))
    calling_hours_end = models.TimeField(_("calling hours to"), default=datetime.time(20, 0))
    new_buyer_days = models.PositiveIntegerField(
        _("new buyer for (days after delivery)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    inactive_after_days = models.PositiveIntegerField(
        _("inactive after (days without a visit)"),
        default=180,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
    )
    lost_after_days = models.PositiveIntegerField(
        _("lost after (days without a visit)"),
        default=365,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
    )
    tier_a_min_spend = models.DecimalField(
        _("tier A: spend in 12 months from"), max_digits=12, decimal_places=2, default=10000
    )
    tier_a_min_visits = models.PositiveIntegerField(
        _("tier A: visits in 12 months from"), default=4
    )
    tier_b_min_spend = models.DecimalField(
        _("tier B: spend in 12 months from"), max_digits=12, decimal_places=2, default=3000
    )
    tier_b_min_visits = models.PositiveIntegerField(
        _("tier B: visits in 12 months from"), default=2
    )
    surveys_per_quarter = models.PositiveIntegerField(
        _("satisfaction surveys per customer per quarter"), default=1
    )
    customer_seq = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    SETTINGS_FIELDS = (
        "name", "city", "region", "address", "hotline", "brand", "timezone",
        "working_hours_start", "working_hours_end", "calling_hours_start", "calling_hours_end",
        "new_buyer_days", "inactive_after_days", "lost_after_days",
        "tier_a_min_spend", "tier_a_min_visits", "tier_b_min_spend", "tier_b_min_visits",
        "surveys_per_quarter",
    )  # fmt: skip

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.working_hours_start >= self.working_hours_end:
            errors["working_hours_end"] = _("Working hours must end after they start.")
        if self.calling_hours_start >= self.calling_hours_end:
            errors["calling_hours_end"] = _("Calling hours must end after they start.")
        if self.lost_after_days <= self.inactive_after_days:
            errors["lost_after_days"] = _(
                "A customer must be inactive before being lost: use more days than for inactive."
            )
        if self.tier_a_min_spend < self.tier_b_min_spend:
            errors["tier_a_min_spend"] = _("Tier A must need at least the spend of tier B.")
        if errors:
            raise ValidationError(errors)

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)


class User(AbstractUser):
    """A staff member; roles are per store (StoreMembership); group admins see the whole group."""

    display_name = models.CharField(_("name"), max_length=50, blank=True)
    dealer_group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    is_group_admin = models.BooleanField(
        _("group admin"),
        default=False,
        help_text=_("Manages stores, users and settings across the dealer group."),
    )

    class Meta:
        verbose_name = _("user")

    def __str__(self):
        return self.display_name or self.username


class StoreMembership(models.Model):
    """The role a user holds in one store."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "store"], name="one_role_per_user_and_store")
        ]
        verbose_name = _("store role")

    def __str__(self):
        return f"{self.user} @ {self.store.code}: {self.get_role_display()}"
