"""Choice sets of complaints: channels, severities, statuses, departments, action kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .flow import Status, Transition


class ComplaintChannel(models.TextChoices):
    """How the complaint reached the store (contract 1: the `channel` prefill values)."""

    HOTLINE = "hotline", _("Hotline")
    FOLLOWUP = "followup", _("Follow-up call")
    SURVEY = "survey", _("Survey answer")
    WALK_IN = "walk_in", pgettext_lazy("complaint channel", "Walk-in")
    ONLINE = "online", _("Online form")
    MANUFACTURER = "manufacturer", _("Manufacturer")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SERIOUS = "serious", _("Serious")
    MAJOR = "major", _("Major")


class ComplaintStatus(models.TextChoices):
    """The values of flow.Status with their labels."""

    RECEIVED = Status.RECEIVED.value, _("Received")
    ACKNOWLEDGED = Status.ACKNOWLEDGED.value, _("Acknowledged")
    ASSIGNED = Status.ASSIGNED.value, _("Assigned")
    INVESTIGATING = Status.INVESTIGATING.value, _("Investigating")
    SOLUTION_PROPOSED = Status.SOLUTION_PROPOSED.value, _("Solution proposed")
    NEGOTIATING = Status.NEGOTIATING.value, _("Customer negotiating")
    ACCEPTED = Status.ACCEPTED.value, _("Solution accepted")
    RESOLVED = Status.RESOLVED.value, _("Resolved")
    SATISFACTION_CONFIRMED = Status.SATISFACTION_CONFIRMED.value, _("Satisfaction confirmed")
    CLOSED = Status.CLOSED.value, pgettext_lazy("complaint status", "Closed")


class Department(models.TextChoices):
    """The department a complaint is assigned to."""

    SALES = "sales", _("Sales")
    SERVICE = "service", _("After-sales service")
    PARTS = "parts", _("Parts")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    FINANCE = "finance", _("Finance and insurance")
    ADMINISTRATION = "administration", _("Administration")


class ActionKind(models.TextChoices):
    """What one line of a complaint's log records."""

    RECEIVED = "received", _("Complaint recorded")
    ACKNOWLEDGE = Transition.ACKNOWLEDGE.value, _("Acknowledged")
    ASSIGN = Transition.ASSIGN.value, _("Assigned")
    INVESTIGATE = Transition.INVESTIGATE.value, _("Investigation started")
    PROPOSE = Transition.PROPOSE.value, _("Solution proposed")
    CUSTOMER_ACCEPTS = Transition.CUSTOMER_ACCEPTS.value, _("Customer accepted the solution")
    CUSTOMER_NEGOTIATES = Transition.CUSTOMER_NEGOTIATES.value, _("Customer negotiates")
    RESOLVE = Transition.RESOLVE.value, _("Resolved")
    CONFIRM_SATISFACTION = Transition.CONFIRM_SATISFACTION.value, _("Satisfaction confirmed")
    CLOSE = Transition.CLOSE.value, _("Closed")
    REOPEN = Transition.REOPEN.value, _("Reopened")
    NOTE = "note", _("Note")
    CUSTOMER_CONTACTED = "customer_contacted", _("Customer contacted")
    WAIT_FOR_CUSTOMER = "wait_for_customer", _("Waiting for the customer")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    CHANGE_HANDLER = "change_handler", _("Three changes: handler changed")
    CHANGE_PLACE = "change_place", _("Three changes: place changed")
    CHANGE_TIME = "change_time", _("Three changes: time changed")
    CLASSIFIED = "classified", _("Category or severity changed")
    ATTACHMENT = "attachment", _("Attachment added")
    WARNED = "warned", _("Time limit nearly reached")
    ESCALATED = "escalated", _("Escalated")
    REPORT = "report", _("Major-incident report saved")


# Actions a person records by hand (the rest are written by transitions and the system).
MANUAL_ACTIONS = (
    ActionKind.NOTE,
    ActionKind.CUSTOMER_CONTACTED,
    ActionKind.WAIT_FOR_CUSTOMER,
    ActionKind.CUSTOMER_REPLIED,
    ActionKind.CHANGE_HANDLER,
    ActionKind.CHANGE_PLACE,
    ActionKind.CHANGE_TIME,
)
THREE_CHANGES = (ActionKind.CHANGE_HANDLER, ActionKind.CHANGE_PLACE, ActionKind.CHANGE_TIME)


class SlaStep(models.TextChoices):
    """The steps that have a time limit, both counted from receipt."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    SOLUTION = "solution", _("Propose a solution")


class CustomerSatisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Photo")
    AUDIO = "audio", _("Recording")
    DOCUMENT = "document", _("Document")
