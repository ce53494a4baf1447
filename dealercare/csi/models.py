"""CSI analysis models: answer rollups, each store's analysis settings, targets, action plans.

Rollups are derived data (csi.services.rollup_add keeps them in step; ``manage.py csi_rebuild``
recomputes them from the answers). They hold whole-number counts only, so any score computed
from them is exactly the score computed from the raw answers (ADR 0007).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.roles import Role
from dealercare.core.models import StoreScoped
from dealercare.surveys.choices import Business, ResponseSource
from dealercare.surveys.scoring import StandingThresholds

from .choices import Breakdown, FindingKind, Grain, PlanStatus, TargetMetric, TargetScope

_user = {"on_delete": models.SET_NULL, "null": True, "blank": True, "related_name": "+"}
SCORE_COLUMNS = tuple(f"s{score}" for score in range(1, 11))
PAIR_COLUMNS = ("pair_n", "pair_x", "pair_xx", "pair_y", "pair_yy", "pair_xy")
COUNT_COLUMNS = (*SCORE_COLUMNS, "yes_count", "no_count", *PAIR_COLUMNS)
KEY_COLUMNS = ("grain", "breakdown", "period_start", "store_id", "item_id", "source", "value")


class AnswerRollup(models.Model):
    """Counts of the answers of one store, period, item, source and breakdown value.

    s1..s10 count the 1-10 answers, yes/no the checks. pair_* are the sums behind the key-driver
    correlation (x = the item's answer, y = the response's overall score in tenths), on the
    total rows only. ``item_id``/``dimension_id`` are plain numbers, not foreign keys: a rollup
    is rebuilt from the answers, and an upsert should not check four other tables.
    """

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period_start = models.DateField()
    breakdown = models.CharField(max_length=16, choices=Breakdown.choices, blank=True)
    value = models.CharField(max_length=60, blank=True)
    item_id = models.IntegerField()
    dimension_id = models.IntegerField(null=True, blank=True)
    business = models.CharField(max_length=10, choices=Business.choices)
    source = models.CharField(max_length=10, choices=ResponseSource.choices)
    s1 = models.IntegerField(default=0)
    s2 = models.IntegerField(default=0)
    s3 = models.IntegerField(default=0)
    s4 = models.IntegerField(default=0)
    s5 = models.IntegerField(default=0)
    s6 = models.IntegerField(default=0)
    s7 = models.IntegerField(default=0)
    s8 = models.IntegerField(default=0)
    s9 = models.IntegerField(default=0)
    s10 = models.IntegerField(default=0)
    yes_count = models.IntegerField(default=0)
    no_count = models.IntegerField(default=0)
    pair_n = models.IntegerField(default=0)
    pair_x = models.BigIntegerField(default=0)
    pair_xx = models.BigIntegerField(default=0)
    pair_y = models.BigIntegerField(default=0)
    pair_yy = models.BigIntegerField(default=0)
    pair_xy = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=list(KEY_COLUMNS), name="csi_rollup_key"),
        ]

    def __str__(self):
        return f"{self.store_id} {self.grain} {self.period_start} item {self.item_id}"

    @property
    def counts(self):
        """{score: count} of the 1-10 answers."""
        return {score: getattr(self, f"s{score}") for score in range(1, 11)}


def _percent(default):
    return {
        "max_digits": 5,
        "decimal_places": 1,
        "default": Decimal(default),
        "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    }


class CsiSettings(models.Model):
    """A store's strength/weakness thresholds (DOMAIN §4 defaults), in percent."""

    store = models.OneToOneField(
        "accounts.Store", on_delete=models.CASCADE, related_name="csi_settings"
    )
    min_answers = models.PositiveIntegerField(
        _("fewest answers to classify an item"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
    )
    strength_min_very_satisfied = models.DecimalField(
        _("strength: very satisfied at least (%)"), **_percent("50")
    )
    strength_max_negative = models.DecimalField(
        _("strength: dissatisfied + very dissatisfied at most (%)"), **_percent("0")
    )
    weakness_max_very_satisfied = models.DecimalField(
        _("weakness: very satisfied at most (%)"), **_percent("20")
    )
    weakness_min_negative = models.DecimalField(
        _("weakness: dissatisfied + very dissatisfied at least (%)"), **_percent("10")
    )
    weakness_min_drop = models.DecimalField(
        _("weakness: very satisfied fell by at least (points)"), **_percent("10")
    )
    updated_at = models.DateTimeField(auto_now=True)

    EDITABLE_FIELDS = (
        "min_answers", "strength_min_very_satisfied", "strength_max_negative",
        "weakness_max_very_satisfied", "weakness_min_negative", "weakness_min_drop",
    )  # fmt: skip

    class Meta:
        verbose_name = _("CSI settings")

    def __str__(self):
        return f"{self.store} CSI settings"

    def thresholds(self):
        """The settings as the pure module's StandingThresholds (exact shares of 1)."""
        return StandingThresholds(
            min_answers=self.min_answers,
            strength_min_very_satisfied_share=self.strength_min_very_satisfied / 100,
            strength_max_negative_share=self.strength_max_negative / 100,
            weakness_max_very_satisfied_share=self.weakness_max_very_satisfied / 100,
            weakness_min_negative_share=self.weakness_min_negative / 100,
            weakness_min_very_satisfied_drop=self.weakness_min_drop / 100,
        )


class CsiTarget(StoreScoped):
    """A satisfaction target for a store, for everyone in a role, or for one person."""

    scope = models.CharField(_("for"), max_length=10, choices=TargetScope.choices)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    business = models.CharField(_("business"), max_length=10, choices=Business.choices)
    metric = models.CharField(_("measure"), max_length=20, choices=TargetMetric.choices)
    dimension_code = models.CharField(_("dimension"), max_length=40, blank=True)
    item_code = models.CharField(_("item"), max_length=40, blank=True)
    value = models.DecimalField(
        _("target"),
        max_digits=7,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
        help_text=_("A share in percent (90 = 90%) or a score on the scoring model's scale."),
    )
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("set by"), **_user)

    EDITABLE_FIELDS = (
        "scope", "role", "person", "business", "metric", "dimension_code", "item_code", "value",
        "valid_from", "valid_until",
    )  # fmt: skip

    class Meta:
        ordering = ["store", "scope", "role", "-valid_from", "id"]
        indexes = [models.Index(fields=["store", "valid_from"])]
        verbose_name = _("CSI target")

    def __str__(self):
        return f"{self.get_metric_display()} ≥ {self.value}"

    def clean(self):
        errors = {}
        if self.scope == TargetScope.ROLE and not self.role:
            errors["role"] = _("Choose the role this target is for.")
        if self.scope == TargetScope.PERSON and not self.person_id:
            errors["person"] = _("Choose the person this target is for.")
        if self.scope != TargetScope.ROLE and self.role:
            errors["role"] = _("Only a role target names a role.")
        if self.scope != TargetScope.PERSON and self.person_id:
            errors["person"] = _("Only a person target names a person.")
        if self.metric == TargetMetric.DIMENSION_SCORE and not self.dimension_code:
            errors["dimension_code"] = _("Choose the dimension this target is for.")
        if self.metric == TargetMetric.ITEM_SCORE and not self.item_code:
            errors["item_code"] = _("Choose the item this target is for.")
        if (
            self.metric == TargetMetric.SATISFIED_RATE
            and self.value is not None
            and self.value > 100
        ):
            errors["value"] = _("A share cannot be more than 100%.")
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end must not be before the start.")
        if errors:
            raise ValidationError(errors)


class ActionPlan(StoreScoped):
    """What a store does about a strength or weakness item: cause, measures, owner, due date."""

    kind = models.CharField(_("finding"), max_length=10, choices=FindingKind.choices)
    business = models.CharField(_("business"), max_length=10, choices=Business.choices)
    item_code = models.CharField(_("item"), max_length=40)
    item_text = models.CharField(_("question"), max_length=300, blank=True)
    period_label = models.CharField(_("found in"), max_length=20, blank=True)
    finding_note = models.CharField(_("figures when found"), max_length=200, blank=True)
    cause_analysis = models.TextField(_("cause analysis"), blank=True)
    measures = models.TextField(_("measures"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), **_user
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), **_user)

    EDITABLE_FIELDS = ("cause_analysis", "measures", "owner", "due_date")

    class Meta:
        ordering = ["status", "due_date", "id"]
        indexes = [models.Index(fields=["store", "status", "due_date"])]
        verbose_name = _("action plan")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.item_text or self.item_code}"


class ActionPlanUpdate(models.Model):
    """One step of an action plan's history: a status change or a progress note."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="updates")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), **_user)
    status_from = models.CharField(max_length=12, choices=PlanStatus.choices, blank=True)
    status_to = models.CharField(max_length=12, choices=PlanStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("action plan update")

    def __str__(self):
        return f"{self.plan_id}: {self.status_from} → {self.status_to}"


class RolledUpResponse(models.Model):
    """Marks a response whose answers are in the rollups, so that adding it twice adds once."""

    response_id = models.BigIntegerField(primary_key=True)
    store = models.ForeignKey("accounts.Store", on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return str(self.response_id)
