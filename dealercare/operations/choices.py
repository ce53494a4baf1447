from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventSource(models.TextChoices):
    """Where a delivery or repair order came from; stored once with the event."""

    UI = "ui", _("Entered in Dealercare")
    API = "api", _("DMS push API")
    IMPORT = "import", _("File import")
    DEMO = "demo", _("Demo data")


class DeliveryStatus(models.TextChoices):
    DELIVERED = "delivered", pgettext_lazy("delivery status", "Delivered")
    CANCELLED = "cancelled", _("Cancelled (vehicle returned)")


class VisitType(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    FIRST_MAINTENANCE = "first_maintenance", _("First maintenance")
    REPAIR = "repair", _("Repair")
    WARRANTY = "warranty", _("Warranty")
    ACCIDENT = "accident", _("Accident repair")
    OTHER = "other", _("Other")


class VisitStatus(models.TextChoices):
    OPEN = "open", _("In the workshop")
    FINISHED = "finished", _("Finished (vehicle left)")
    CANCELLED = "cancelled", _("Cancelled")


class InquiryChannel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")
    EVENT = "event", _("Event")
    REFERRAL = "referral", _("Referral")


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDED_OVER = "handed_over", _("Handed over to sales")
    WON = "won", _("Bought")
    LOST = "lost", pgettext_lazy("inquiry status", "Lost")
