"""The events a DMS reports (DOMAIN §2 service history): deliveries, service visits, inquiries.

A delivery and a finished service visit are what later drive follow-up tasks; each is stored once,
with its source and, where the DMS gives one, its external number.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import StoreScoped

from .choices import (
    DeliveryStatus,
    EventSource,
    InquiryChannel,
    InquiryStatus,
    VisitStatus,
    VisitType,
)

_staff = {
    "on_delete": models.SET_NULL,
    "null": True,
    "blank": True,
    "related_name": "+",
}


class Delivery(StoreScoped):
    """A vehicle handed over to its buyer (交车)."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("vehicle"),
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    order_no = models.CharField(_("sales order no."), max_length=40, blank=True)
    sales_consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sales consultant"), **_staff
    )
    consultant_name = models.CharField(_("sales consultant (as in DMS)"), max_length=50, blank=True)
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.DELIVERED,
    )
    source = models.CharField(
        _("source"), max_length=10, choices=EventSource.choices, default=EventSource.UI
    )
    note = models.TextField(_("note"), blank=True)

    EDITABLE_FIELDS = (
        "delivered_at", "order_no", "sales_consultant", "consultant_name", "price", "status",
        "note",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "order_no"],
                condition=~Q(order_no=""),
                name="unique_delivery_order_no",
            )
        ]
        indexes = [models.Index(fields=["store", "-delivered_at"])]
        ordering = ["-delivered_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"{self.order_no or self.pk} {self.vehicle}"


class ServiceVisit(StoreScoped):
    """A repair order (维修工单): the vehicle came in, was worked on and (when finished) left."""

    repair_order_no = models.CharField(_("repair order no."), max_length=40)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="service_visits",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.PROTECT,
        related_name="service_visits",
        verbose_name=_("vehicle"),
    )
    visit_type = models.CharField(
        _("type"), max_length=20, choices=VisitType.choices, default=VisitType.MAINTENANCE
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("service advisor"), **_staff
    )
    advisor_name = models.CharField(_("service advisor (as in DMS)"), max_length=50, blank=True)
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("technician"), **_staff)
    technician_name = models.CharField(_("technician (as in DMS)"), max_length=50, blank=True)
    fault_description = models.TextField(_("fault / customer request"), blank=True)
    work_summary = models.TextField(_("work done"), blank=True)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    date_in = models.DateTimeField(_("date in"))
    date_out = models.DateTimeField(_("date out"), null=True, blank=True)
    labour_amount = models.DecimalField(
        _("labour"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    parts_amount = models.DecimalField(
        _("parts"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.OPEN
    )
    source = models.CharField(
        _("source"), max_length=10, choices=EventSource.choices, default=EventSource.UI
    )

    EDITABLE_FIELDS = (
        "visit_type", "advisor", "advisor_name", "technician", "technician_name",
        "fault_description", "work_summary", "mileage_km", "date_in", "date_out",
        "labour_amount", "parts_amount", "status",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "repair_order_no"], name="unique_repair_order_no"
            ),
            models.CheckConstraint(
                condition=Q(date_out__isnull=True) | Q(date_out__gte=models.F("date_in")),
                name="visit_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["store", "-date_in"])]
        ordering = ["-date_in", "-id"]
        verbose_name = _("service visit")

    def __str__(self):
        return self.repair_order_no

    @property
    def total_amount(self):
        return self.labour_amount + self.parts_amount

    def clean(self):
        errors = {}
        if self.date_out and self.date_in and self.date_out < self.date_in:
            errors["date_out"] = _("The vehicle cannot leave before it came in.")
        if self.status == VisitStatus.FINISHED and not self.date_out:
            errors["date_out"] = _("A finished visit needs the time the vehicle left.")
        if errors:
            raise ValidationError(errors)


class Inquiry(StoreScoped):
    """A prospect's inquiry (售前): needs, budget, models of interest; handed over to sales."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="inquiries",
        verbose_name=_("customer"),
    )
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=InquiryChannel.choices,
        default=InquiryChannel.WALK_IN,
    )
    needs = models.TextField(_("needs"), blank=True)
    models_of_interest = models.CharField(_("models of interest"), max_length=200, blank=True)
    budget_min = models.DecimalField(
        _("budget from"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_max = models.DecimalField(
        _("budget to"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sales consultant"), **_staff
    )
    status = models.CharField(
        _("status"), max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    EDITABLE_FIELDS = (
        "channel", "needs", "models_of_interest", "budget_min", "budget_max", "consultant",
        "status",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")

    def __str__(self):
        return f"{self.customer} {self.models_of_interest}"

    def clean(self):
        if self.budget_min and self.budget_max and self.budget_min > self.budget_max:
            raise ValidationError(
                {"budget_max": _("The budget's upper end is below its lower end.")}
            )
