"""Factories of complaint records (through the services where the flow matters)."""

import datetime

import factory
from django.utils import timezone

from dealercare.testing.factories import CustomerFactory, StoreFactory

from ..models import Complaint, ComplaintCategory, ComplaintReason

# A Monday in a normal working week (2026-11-23, Asia/Shanghai): 10:00 local = 02:00 UTC.
MONDAY_10 = datetime.datetime(2026, 11, 23, 2, 0, tzinfo=datetime.UTC)


class ComplaintCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplaintCategory

    store = factory.SubFactory(StoreFactory)
    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"类别{n}")


class ComplaintReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplaintReason

    category = factory.SubFactory(ComplaintCategoryFactory)
    code = factory.Sequence(lambda n: f"reason{n}")
    name = factory.Sequence(lambda n: f"原因{n}")


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A received complaint written directly (due times set like the service does)."""

    class Meta:
        model = Complaint

    store = factory.SubFactory(StoreFactory)
    customer = factory.LazyAttribute(lambda o: CustomerFactory(store=o.store))
    number = factory.Sequence(lambda n: f"TST-T{n:06d}")
    channel = "hotline"
    received_at = factory.LazyFunction(timezone.now)
    description = "维修后异响仍未解决，客户很不满意"
    customer_request = "免费重新检修"
    promised_reply_at = factory.LazyAttribute(lambda o: o.received_at + datetime.timedelta(hours=2))
    acknowledge_due_at = factory.LazyAttribute(
        lambda o: o.received_at + datetime.timedelta(hours=2)
    )
    solution_due_at = factory.LazyAttribute(lambda o: o.received_at + datetime.timedelta(days=3))
