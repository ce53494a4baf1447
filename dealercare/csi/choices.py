"""Choice sets of the CSI rollups, targets and action plans."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Grain(models.TextChoices):
    """The period a rollup row sums: an ISO week (Monday) or a calendar month."""

    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Breakdown(models.TextChoices):
    """What a rollup row is broken down by besides store, period, item and source."""

    TOTAL = "", _("Total")
    REGION = "region", _("Region")
    VEHICLE_MODEL = "vehicle_model", _("Model")
    CUSTOMER_TYPE = "customer_type", _("Customer type")
    ADVISOR = "advisor", _("Service advisor")
    TECHNICIAN = "technician", _("Technician")
    CONSULTANT = "consultant", _("Sales consultant")


PERSON_BREAKDOWNS = (Breakdown.ADVISOR, Breakdown.TECHNICIAN, Breakdown.CONSULTANT)


class TargetScope(models.TextChoices):
    """Who a target is for: the whole store, everyone holding a role, or one person."""

    STORE = "store", _("Store")
    ROLE = "role", _("Role")
    PERSON = "person", _("Person")


class TargetMetric(models.TextChoices):
    """What a target is set on (analysis.Metric)."""

    SATISFIED_RATE = "satisfied_rate", _("Satisfied + very satisfied share (%)")
    OVERALL_SCORE = "overall_score", _("Overall score")
    DIMENSION_SCORE = "dimension_score", _("Dimension score")
    ITEM_SCORE = "item_score", _("Item score")


class FindingKind(models.TextChoices):
    """Whether an action plan answers a strength (keep it) or a weakness (fix it)."""

    STRENGTH = "strength", pgettext_lazy("csi", "Strength")
    WEAKNESS = "weakness", pgettext_lazy("csi", "Weakness")


class PlanStatus(models.TextChoices):
    """An action plan's progress, tracked to closure."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    VERIFIED = "verified", _("Verified")


# Which moves an action plan may make (verified is final).
PLAN_TRANSITIONS = {
    PlanStatus.OPEN: (PlanStatus.IN_PROGRESS, PlanStatus.DONE),
    PlanStatus.IN_PROGRESS: (PlanStatus.DONE, PlanStatus.OPEN),
    PlanStatus.DONE: (PlanStatus.VERIFIED, PlanStatus.IN_PROGRESS),
    PlanStatus.VERIFIED: (),
}
