"""Test data of the survey module: published versions, customers and responses."""

import datetime

from django.utils import timezone

from dealercare.customers.models import Customer
from dealercare.surveys import services
from dealercare.surveys.choices import ResponseChannel
from dealercare.surveys.models import SurveyResponse

SERVICE_5D = "service-5d"
FIVE_D_ANSWERS = {
    "service_skill": 8, "service_attitude": 9, "timeliness": 8, "parts_supply": 7,
    "overall_service": 8,
}  # fmt: skip


def published(store, code=SERVICE_5D):
    """The published version of the store's questionnaire ``code`` (shipped defaults)."""
    services.ensure_defaults()
    return services.published_version(services.questionnaire_by_code(store, code))


def make_customer(store, n=None, **fields):
    """A customer saved directly (no search terms: fast)."""
    n = n if n is not None else Customer.objects.count() + 1
    fields.setdefault("name", f"客户{n}")
    fields.setdefault("gender", "male")
    fields.setdefault("mobile", f"139{n:08d}")
    fields.setdefault("number", f"S-{n:06d}")
    return Customer.objects.create(store=store, **fields)


def record(actor, store, customer, answers=None, *, code=SERVICE_5D, channel=ResponseChannel.PHONE,
           answered_at=None, **kwargs) -> SurveyResponse:  # fmt: skip
    """Record a response through the service."""
    return services.response_record(
        actor=actor, store=store, version=published(store, code), customer=customer,
        channel=channel, answers=answers or dict(FIVE_D_ANSWERS), answered_at=answered_at,
        **kwargs,
    )  # fmt: skip


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)
