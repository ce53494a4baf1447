from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class CustomerType(models.TextChoices):
    """Drives the script template (DOMAIN §2)."""

    VIP = "vip", _("VIP")
    ENTERPRISE = "enterprise", _("Enterprise")
    GENERAL = "general", _("General")


class ValueTier(models.TextChoices):
    A = "A", _("A (high value)")
    B = "B", _("B (medium value)")
    C = "C", _("C (low value)")


class LifecycleState(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    NEW_BUYER = "new_buyer", _("New buyer")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    LOST = "lost", _("Lost")


class CustomerSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone inquiry")
    ONLINE = "online", _("Online")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event / exhibition")
    MANUFACTURER = "manufacturer", _("Manufacturer lead")
    DMS = "dms", _("DMS import")
    OTHER = "other", _("Other")


class ConsentChannel(models.TextChoices):
    PHONE = "phone", _("Phone calls")
    SMS = "sms", _("SMS")
    MARKETING = "marketing", _("Marketing")


class ConsentMethod(models.TextChoices):
    VERBAL_CALL = "verbal_call", _("Said on a call")
    PAPER_FORM = "paper_form", _("Signed paper form")
    ONLINE_FORM = "online_form", _("Online form")
    SMS_REPLY = "sms_reply", _("SMS reply")
    IMPORT = "import", _("Imported from DMS")
    STAFF = "staff", _("Entered by staff")


class FuelType(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    HYBRID = "hybrid", _("Hybrid")
    PHEV = "phev", _("Plug-in hybrid")
    EV = "ev", _("Electric")


class OwnershipReason(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    TRANSFER = "transfer", _("Transfer to new owner")
    MERGE = "merge", _("Customer merge")
    IMPORT = "import", _("Import")


class SearchKind(models.TextChoices):
    NAME = "name", _("Name")
    PINYIN = "pinyin", _("Pinyin")
    INITIALS = "initials", _("Pinyin initials")
    MOBILE = "mobile", _("Mobile")
    MOBILE_TAIL = "mobile_tail", _("Mobile, last 4 digits")
    PLATE = "plate", _("Plate")
    PLATE_TAIL = "plate_tail", _("Plate without province")
    VIN = "vin", _("VIN")
    VIN_TAIL = "vin_tail", _("VIN, last 6")
    NUMBER = "number", _("Customer number")
