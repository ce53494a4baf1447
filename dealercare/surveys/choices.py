"""Choice sets of questionnaires, scoring models, responses and invitations (DOMAIN §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Business(models.TextChoices):
    """Which side of the dealer a survey judges."""

    SALES = "sales", pgettext_lazy("business", "Sales")
    SERVICE = "service", pgettext_lazy("business", "Service")


class ItemKind(models.TextChoices):
    """How an item is answered: a 1-10 score, a yes/no check (执行率), one choice or free text."""

    SCORE = "score", _("Score 1-10")
    YES_NO = "yes_no", _("Yes/no check")
    CHOICE = "choice", _("Single choice")
    TEXT = "text", _("Free text")


class VersionStatus(models.TextChoices):
    """A draft is edited; a published version is asked and never changes; a retired one was."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ResponseChannel(models.TextChoices):
    """How the answers were collected."""

    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS link")
    TABLET = "tablet", _("Face to face (tablet)")
    EXTERNAL = "external", _("External research firm")


class ResponseSource(models.TextChoices):
    """Internal surveys by the CS department, or an external study's imported results."""

    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External")


class Scale(models.IntegerChoices):
    """The scale scores are shown on: 100 points, or 1,000 as external CSI studies use."""

    HUNDRED = 100, _("100 points")
    THOUSAND = 1000, _("1,000 points")


class SurveyEventType(models.TextChoices):
    """What the survey is about (the operations event), when known."""

    DELIVERY = "delivery", _("Delivery")
    SERVICE_VISIT = "service_visit", _("Service visit")
