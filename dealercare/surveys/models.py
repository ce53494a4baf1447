"""Surveys (DOMAIN §4): dimensions, versioned questionnaires, scoring models, each store's survey
settings, responses from every channel with their answers, SMS invitations and external imports.

Answers point at the item of the version they answered; a published version never changes, so a
new version never changes what past answers meant. Answers carry denormalised store, date,
dimension, business and source so that the CSI rollups read one table.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import StoreScoped, TimeStamped

from .choices import (
    Business,
    ItemKind,
    ResponseChannel,
    ResponseSource,
    Scale,
    SurveyEventType,
    VersionStatus,
)

_user = {"on_delete": models.SET_NULL, "null": True, "blank": True, "related_name": "+"}


class Dimension(models.Model):
    """A dimension scores are grouped by (seed 001: service skill, attitude, timeliness ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    business = models.CharField(_("business"), max_length=10, choices=Business.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["business", "order", "code"]
        verbose_name = _("dimension")

    def __str__(self):
        return self.name


class Questionnaire(TimeStamped):
    """A questionnaire; without a store it is a shipped default every store may use, and a
    store that edits one gets its own copy (same code) which then wins for that store."""

    store = models.ForeignKey(
        "accounts.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    business = models.CharField(_("business"), max_length=10, choices=Business.choices)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["business", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(store__isnull=True), name="unique_default_qn"
            ),
            models.UniqueConstraint(
                fields=["store", "code"],
                condition=models.Q(store__isnull=False),
                name="unique_store_questionnaire_code",
            ),
        ]
        verbose_name = _("questionnaire")

    def __str__(self):
        return self.name


class QuestionnaireVersion(TimeStamped):
    """One version of a questionnaire; published versions are immutable (edit = new draft)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), **_user
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)

    class Meta:
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="unique_questionnaire_version"
            ),
            models.UniqueConstraint(
                fields=["questionnaire"],
                condition=models.Q(status="published"),
                name="one_published_version_per_questionnaire",
            ),
        ]
        verbose_name = _("questionnaire version")

    def __str__(self):
        return f"{self.questionnaire} v{self.number}"

    @property
    def is_editable(self):
        return self.status == VersionStatus.DRAFT


class Section(models.Model):
    """A section of a questionnaire version (seed 000: showroom, service process ...)."""

    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=100)

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("section")

    def __str__(self):
        return self.title


class Item(models.Model):
    """A question of one version; scored items belong to a dimension with a weight in it."""

    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="items"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("answer"), max_length=10, choices=ItemKind.choices)
    dimension = models.ForeignKey(
        Dimension,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("dimension"),
    )
    weight = models.DecimalField(
        _("weight in its dimension"),
        max_digits=7,
        decimal_places=4,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["version", "section__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_item_code_in_version")
        ]
        verbose_name = _("item")

    def __str__(self):
        return self.text

    def clean(self):
        errors = {}
        if self.kind == ItemKind.CHOICE:
            if not isinstance(self.choices, list) or len(self.choices) < 2:
                errors["choices"] = _("A single-choice item needs at least two choices.")
        elif self.choices:
            errors["choices"] = _("Only single-choice items have choices.")
        if self.kind != ItemKind.SCORE and self.dimension_id:
            errors["dimension"] = _("Only 1-10 score items count in a dimension.")
        if self.section_id and self.version_id and self.section.version_id != self.version_id:
            errors["section"] = _("The section belongs to another version.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_scored(self):
        return self.kind == ItemKind.SCORE and self.dimension_id is not None


class ScoringModel(TimeStamped):
    """Which dimensions count with which weight, on which scale; every figure names its code.

    ``dimension_weights`` maps dimension codes to exact weights as strings ("0.2", "1/5") that
    add up to exactly 1 (scoring.py refuses anything else).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    business = models.CharField(
        _("business"), max_length=10, choices=Business.choices, default=Business.SERVICE
    )
    scale = models.PositiveIntegerField(_("scale"), choices=Scale.choices, default=Scale.HUNDRED)
    dimension_weights = models.JSONField(_("dimension weights"), default=dict)
    # Shipped models have no group and are offered to every store; a group's own models only
    # to its stores. A model is never edited once created: the figures it made keep meaning
    # what they meant (a different weighting is a new model with its own code).
    group = models.ForeignKey(
        "accounts.DealerGroup", on_delete=models.CASCADE, null=True, blank=True,
        related_name="scoring_models", verbose_name=_("dealer group"),
    )  # fmt: skip

    class Meta:
        ordering = ["business", "scale", "code"]
        verbose_name = _("scoring model")

    def __str__(self):
        return f"{self.name} ({self.code})"


class SurveySettings(models.Model):
    """A store's survey settings: its scoring models, interval, low-answer threshold, links."""

    store = models.OneToOneField(
        "accounts.Store", on_delete=models.CASCADE, related_name="survey_settings"
    )
    scoring_model = models.ForeignKey(
        ScoringModel,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service scoring model"),
    )
    sales_scoring_model = models.ForeignKey(
        ScoringModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales scoring model"),
    )
    survey_interval_days = models.PositiveIntegerField(
        _("days between two surveys of a customer"),
        default=90,
        validators=[MaxValueValidator(730)],
        help_text=_("0 allows any number of surveys; 90 is one per quarter."),
    )
    low_answer_threshold = models.PositiveSmallIntegerField(
        _("recovery call for answers at or below"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("6 means every answer of 'average' (5-6) or worse calls for a recovery call."),
    )
    recover_on_no = models.BooleanField(_("recovery call on a 'no' check"), default=True)
    invitation_valid_days = models.PositiveSmallIntegerField(
        _("SMS survey link valid for (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    sms_template = models.CharField(
        _("SMS invitation text"),
        max_length=300,
        default="{store}邀请您对本次服务进行评价,点击链接填写问卷:{link} 退订回TD",
        help_text=_("Placeholders: {store}, {customer}, {link}."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("survey settings")

    def __str__(self):
        return f"{self.store} survey settings"

    def clean(self):
        if self.sms_template and "{link}" not in self.sms_template:
            raise ValidationError({"sms_template": _("The text must contain {link}.")})
        if self.scoring_model_id and self.scoring_model.business != Business.SERVICE:
            raise ValidationError({"scoring_model": _("Choose a service scoring model.")})
        if self.sales_scoring_model_id and self.sales_scoring_model.business != Business.SALES:
            raise ValidationError({"sales_scoring_model": _("Choose a sales scoring model.")})


class QuestionnaireAssignment(StoreScoped):
    """Which questionnaire a follow-up task kind asks in a store (the console's questionnaire)."""

    task_kind = models.CharField(_("follow-up kind"), max_length=40)
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("questionnaire"),
        help_text=_("Empty: no survey in this kind of call."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "task_kind"], name="unique_kind_questionnaire")
        ]
        verbose_name = _("questionnaire of a follow-up kind")

    def __str__(self):
        return f"{self.store_id} {self.task_kind}"


class ExternalImport(StoreScoped):
    """One batch of an external research firm's results, kept apart (source = external)."""

    study = models.CharField(_("study"), max_length=100)
    file_name = models.CharField(_("file"), max_length=200)
    dimension_weights = models.JSONField(_("the study's dimension weights"), default=dict)
    responses_count = models.PositiveIntegerField(_("responses"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), **_user
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("external survey import")

    def __str__(self):
        return f"{self.study} ({self.file_name})"


class SurveyResponse(StoreScoped):
    """One customer's answers to one questionnaire version, from one channel."""

    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("questionnaire"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ResponseChannel.choices)
    source = models.CharField(
        _("source"), max_length=10, choices=ResponseSource.choices, default=ResponseSource.INTERNAL
    )
    business = models.CharField(_("business"), max_length=10, choices=Business.choices)
    answered_at = models.DateTimeField(_("answered at"), db_index=True)
    event_type = models.CharField(
        _("about"), max_length=20, choices=SurveyEventType.choices, blank=True
    )
    event_id = models.PositiveBigIntegerField(_("event id"), null=True, blank=True)
    followup_task_id = models.PositiveBigIntegerField(_("follow-up task"), null=True, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("service advisor"), **_user
    )
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("technician"), **_user)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sales consultant"), **_user
    )
    vehicle_model = models.CharField(_("model"), max_length=60, blank=True)
    customer_type = models.CharField(_("customer type"), max_length=20, blank=True)
    region = models.CharField(_("region"), max_length=50, blank=True)
    needs_recovery = models.BooleanField(_("needs a recovery call"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), **_user
    )
    external_import = models.ForeignKey(
        ExternalImport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("external import"),
    )
    external_ref = models.CharField(_("study's response id"), max_length=60, blank=True)
    scoring_model_code = models.CharField(_("scoring model"), max_length=40, blank=True)
    overall_score = models.DecimalField(
        _("overall score"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup_task_id"],
                condition=models.Q(followup_task_id__isnull=False),
                name="one_survey_response_per_task",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "answered_at"]),
            models.Index(fields=["customer", "answered_at"]),
        ]
        verbose_name = _("survey response")

    def __str__(self):
        return f"#{self.pk} {self.get_channel_display()} {self.answered_at:%Y-%m-%d}"


class Answer(models.Model):
    """One answer; store, date, dimension, business and source are copied for the rollups."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    yes_no = models.BooleanField(_("yes/no"), null=True, blank=True)
    choice = models.CharField(_("choice"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    store = models.ForeignKey("accounts.Store", on_delete=models.PROTECT, related_name="+")
    answered_on = models.DateField(_("answered on"))
    dimension = models.ForeignKey(
        Dimension, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    business = models.CharField(_("business"), max_length=10, choices=Business.choices)
    source = models.CharField(_("source"), max_length=10, choices=ResponseSource.choices)

    class Meta:
        # No default ordering: the rollups read this large table in bulk (order explicitly).
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=10),
                name="answer_score_1_to_10",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "answered_on"]),
            models.Index(fields=["dimension", "answered_on"]),
            models.Index(fields=["item", "answered_on"]),
        ]
        verbose_name = _("answer")

    def __str__(self):
        return f"{self.item_id}: {self.value}"

    @property
    def value(self):
        """The answer, whatever its kind."""
        if self.score is not None:
            return self.score
        if self.yes_no is not None:
            return self.yes_no
        return self.choice or self.text


class SurveyInvitation(StoreScoped):
    """An SMS survey link: one use, expiring. ``token`` holds the SHA-256 digest of the link's
    secret; the secret itself is only in the SMS, so a database leak opens no survey."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    response = models.OneToOneField(
        SurveyResponse, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )
    task = models.ForeignKey(
        "followups.FollowUpTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_type = models.CharField(max_length=20, choices=SurveyEventType.choices, blank=True)
    event_id = models.PositiveBigIntegerField(null=True, blank=True)
    sms_message = models.ForeignKey(
        "followups.SmsMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), **_user)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")

    def __str__(self):
        return f"#{self.pk} → {self.customer_id}"
