"""The customer archive (DOMAIN §2): customers, company contacts, vehicles and their owners,
consent records, tags, and the search keys that find them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealercare.core.fields import MobileField, PhoneField, PlateField, USCCField, VINField
from dealercare.core.models import StoreScoped, TimeStamped

from .choices import (
    ConsentChannel,
    ConsentMethod,
    CustomerKind,
    CustomerSource,
    CustomerType,
    FuelType,
    Gender,
    LifecycleState,
    OwnershipReason,
    SearchKind,
    ValueTier,
)


class Tag(StoreScoped):
    """A free label a store puts on customers (e.g. 车友会, 老客户推荐)."""

    name = models.CharField(_("name"), max_length=30)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="unique_tag_per_store")
        ]
        ordering = ["name"]
        verbose_name = _("tag")

    def __str__(self):
        return self.name


class Customer(StoreScoped):
    """A person or company the store sells to or services; numbered per store."""

    number = models.CharField(_("customer no."), max_length=20, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    mobile = MobileField(_("mobile"), blank=True, db_index=True)
    phone_other = PhoneField(_("other phone"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    province = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    occupation = models.CharField(_("occupation"), max_length=50, blank=True)
    purchase_purpose = models.CharField(_("purchase purpose"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=CustomerSource.choices, default=CustomerSource.WALK_IN
    )
    uscc = USCCField(_("unified social credit code"), blank=True)
    customer_type = models.CharField(
        _("customer type"),
        max_length=20,
        choices=CustomerType.choices,
        default=CustomerType.GENERAL,
    )
    value_tier = models.CharField(
        _("value tier"), max_length=1, choices=ValueTier.choices, default=ValueTier.C
    )
    lifecycle_state = models.CharField(
        _("lifecycle"),
        max_length=20,
        choices=LifecycleState.choices,
        default=LifecycleState.PROSPECT,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    allow_phone = models.BooleanField(_("accepts phone calls"), default=True)
    allow_sms = models.BooleanField(_("accepts SMS"), default=True)
    allow_marketing = models.BooleanField(_("accepts marketing"), default=False)
    quiet_hours_start = models.TimeField(_("do not call from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("do not call until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Derived from deliveries and service visits by services.refresh_classification().
    last_delivery_on = models.DateField(_("last delivery"), null=True, blank=True, editable=False)
    last_visit_on = models.DateField(_("last service visit"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        editable=False,
        verbose_name=_("merged into"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    EDITABLE_FIELDS = (
        "kind", "name", "gender", "birth_date", "mobile", "phone_other", "wechat", "email",
        "province", "city", "address", "occupation", "purchase_purpose", "source", "uscc",
        "customer_type", "allow_phone", "allow_sms", "allow_marketing",
        "quiet_hours_start", "quiet_hours_end", "notes",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="unique_customer_number"),
            models.UniqueConstraint(
                fields=["store", "mobile"],
                condition=~Q(mobile="") & Q(merged_into__isnull=True),
                name="unique_customer_mobile_per_store",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "lifecycle_state"]),
            models.Index(fields=["store", "-created_at"]),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer")

    def __str__(self):
        return f"{self.name} ({self.number})"

    @property
    def title(self):
        """先生 / 女士 for scripts; a company is addressed by name."""
        if self.kind == CustomerKind.COMPANY:
            return ""
        return {Gender.MALE: "先生", Gender.FEMALE: "女士"}.get(self.gender, "")

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind == CustomerKind.COMPANY and not self.uscc:
            errors["uscc"] = _("A company customer needs its unified social credit code.")
        if bool(self.quiet_hours_start) != bool(self.quiet_hours_end):
            errors["quiet_hours_end"] = _("Give both ends of the quiet hours, or neither.")
        if errors:
            raise ValidationError(errors)


class CompanyContact(TimeStamped):
    """A key person (关键人员) at a company customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=50, blank=True)
    mobile = MobileField(_("mobile"), blank=True)
    is_key = models.BooleanField(_("key person"), default=True)

    class Meta:
        ordering = ["-is_key", "name"]
        verbose_name = _("company contact")

    def __str__(self):
        return f"{self.name} ({self.position})" if self.position else self.name


class Vehicle(StoreScoped):
    """A vehicle the store sold or services; its current owner is `owner`."""

    vin = VINField(_("VIN"), blank=True)
    plate = PlateField(_("plate"), blank=True, db_index=True)
    brand = models.CharField(_("brand"), max_length=30, blank=True)
    model_name = models.CharField(_("model"), max_length=60, blank=True)
    colour = models.CharField(_("colour"), max_length=20, blank=True)
    fuel_type = models.CharField(
        _("fuel"), max_length=10, choices=FuelType.choices, default=FuelType.PETROL
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty ends"), null=True, blank=True)
    insurance_end = models.DateField(_("insurance ends"), null=True, blank=True)
    inspection_due = models.DateField(_("annual inspection due"), null=True, blank=True)
    owner = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vehicles",
        verbose_name=_("owner"),
    )

    EDITABLE_FIELDS = (
        "vin", "plate", "brand", "model_name", "colour", "fuel_type", "purchase_date",
        "delivery_date", "mileage_km", "warranty_end", "insurance_end", "inspection_due",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "vin"], condition=~Q(vin=""), name="unique_vin_per_store"
            ),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("vehicle")

    def __str__(self):
        return self.plate or self.vin or f"#{self.pk}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if not self.vin and not self.plate:
            raise ValidationError({"vin": _("Give the VIN or the plate number (or both).")})


class VehicleOwnership(models.Model):
    """Who owned a vehicle from when to when; the open row (ended_on null) is the current owner."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ownerships")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=OwnershipReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"], condition=Q(ended_on__isnull=True), name="one_current_owner"
            )
        ]
        verbose_name = _("ownership")

    def __str__(self):
        return f"{self.vehicle} → {self.customer} ({self.started_on})"


class ConsentRecord(models.Model):
    """A customer's yes or no to a contact channel, with when and how it was given (PIPL)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    method = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    recorded_at = models.DateTimeField(_("when"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent record")

    def __str__(self):
        return f"{self.customer_id} {self.channel}={'yes' if self.granted else 'no'}"


class SearchTerm(models.Model):
    """One key a customer can be found by (see search_terms.py); rebuilt by the services.

    Derived data, kept lean because an import writes ten or so per customer (ADR 0002): no
    foreign key constraints (the store is the customer's; deleting a customer still deletes its
    keys through the ORM's cascade), no uniqueness index (a customer's keys are a set by
    construction), only the search index and the customer index the rebuilds delete by.
    """

    store = models.ForeignKey(
        "accounts.Store",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="search_terms", db_constraint=False
    )
    kind = models.CharField(max_length=12, choices=SearchKind.choices)
    term = models.CharField(max_length=64)

    class Meta:
        indexes = [
            # Every search probe: term = q or LIKE 'q%', read in (term, customer) order so the
            # probe stops after `limit` rows, even for a prefix matching 50,000 terms (王, wang);
            # kind and store are key columns too, for index-only scans (SQLite has no INCLUDE).
            # Opclasses apply on PostgreSQL only (pattern ops: LIKE under any collation).
            models.Index(
                fields=["term", "customer", "kind", "store"],
                name="searchterm_term_customer",
                opclasses=["varchar_pattern_ops", "int8_ops", "varchar_ops", "int8_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.kind}:{self.term}"
