"""Choice sets of follow-up rules, tasks, attempts and SMS messages."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .rules import Event


class RuleEvent(models.TextChoices):
    """The event a rule fires on; values are those of rules.Event."""

    DELIVERY = Event.DELIVERY.value, _("Vehicle delivered")
    SERVICE_VISIT_FINISHED = Event.SERVICE_VISIT_FINISHED.value, _("Service visit finished")
    COMPLAINT_CLOSED = Event.COMPLAINT_CLOSED.value, _("Complaint closed")
    SURVEY_LOW_SCORE = Event.SURVEY_LOW_SCORE.value, _("Low survey answer")


class EventType(models.TextChoices):
    """What a task's (event_type, event_id) pair points at."""

    DELIVERY = "delivery", _("Delivery")
    SERVICE_VISIT = "service_visit", _("Service visit")
    COMPLAINT = "complaint", _("Complaint")
    SURVEY_RESPONSE = "survey_response", _("Survey response")


class TaskKind(models.TextChoices):
    """The kind of call; the default rules' codes are these values."""

    DELIVERY_CARE_CALL = "delivery_care_call", _("Care call after delivery")
    DELIVERY_FIRST_FOLLOWUP = "delivery_first_followup", _("First after-sales follow-up")
    DELIVERY_SEVEN_DAY_CARE_CALL = "delivery_seven_day_care_call", _("7-day care call")
    DELIVERY_RUN_IN_REMINDER = "delivery_run_in_reminder", _("Run-in maintenance reminder")
    SERVICE_FOLLOWUP = "service_followup", _("Service follow-up")
    COMPLAINT_SATISFACTION_CHECK = "complaint_satisfaction_check", _("Complaint satisfaction check")
    SURVEY_RECOVERY = "survey_recovery", _("Recovery call after a low survey answer")
    OTHER = "other", pgettext_lazy("follow-up kind", "Other")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    CLAIMED = "claimed", _("In progress")
    DONE = "done", pgettext_lazy("follow-up status", "Done")
    UNREACHABLE = "unreachable", _("Unreachable")
    CANCELLED = "cancelled", pgettext_lazy("follow-up status", "Cancelled")
    SMS_SENT = "sms_sent", _("SMS sent")


OPEN_STATUSES = (TaskStatus.PENDING, TaskStatus.CLAIMED)


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REFUSED = "refused", _("Refused the call")
    CALL_BACK = "call_back", _("Call back later")


# Attempts that count towards "unreached after N attempts".
FAILED_OUTCOMES = (AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY)


class TaskOutcome(models.TextChoices):
    """Why a task was closed."""

    REACHED = "reached", _("Reached")
    REFUSED = "refused", _("Refused the call")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    MAX_ATTEMPTS = "max_attempts", _("Not reached after the allowed attempts")
    SMS_SENT = "sms_sent", _("SMS sent")
    SMS_FAILED = "sms_failed", _("SMS could not be sent")
    EVENT_CANCELLED = "event_cancelled", _("The event was cancelled")
    NO_CONSENT = "no_consent", _("Customer accepts neither calls nor SMS")
    OPTED_OUT = "opted_out", _("Customer opted out of SMS")
    CANCELLED = "cancelled", _("Cancelled by a supervisor")


class SmsDirection(models.TextChoices):
    OUTBOUND = "out", _("Sent")
    INBOUND = "in", _("Received")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", pgettext_lazy("sms status", "Sent")
    FAILED = "failed", _("Failed")
    RECEIVED = "received", pgettext_lazy("sms status", "Received")


class CallSatisfaction(models.TextChoices):
    """What the customer said on a reached call, on DOMAIN §4's five levels (for the
    follow-up statistics' satisfied rate; the survey module records item scores)."""

    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    AVERAGE = "average", _("Average")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")


SATISFIED_LEVELS = (CallSatisfaction.VERY_SATISFIED, CallSatisfaction.SATISFIED)


class Department(models.TextChoices):
    """The department a hand-off goes to (DOMAIN §3: a problem found on a call)."""

    SERVICE = "service", _("Service department")
    SALES = "sales", _("Sales department")


class HandOffStatus(models.TextChoices):
    """A hand-off's way from the call to the customer being told the result."""

    OPEN = "open", pgettext_lazy("hand-off status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("hand-off status", "In progress")
    RESOLVED = "resolved", _("Resolved")
    CUSTOMER_INFORMED = "customer_informed", _("Customer informed")


OPEN_HANDOFF_STATUSES = (HandOffStatus.OPEN, HandOffStatus.IN_PROGRESS, HandOffStatus.RESOLVED)
