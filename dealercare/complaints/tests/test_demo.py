"""The demo history: a year of complaints per store, deterministic and fast."""

import datetime

import pytest
from django.utils import timezone

from dealercare.complaints import demo
from dealercare.complaints.models import Complaint, ComplaintBreach, MajorIncidentReport
from dealercare.testing.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(group, store_a, store_b, make_user):
    for store in (store_a, store_b):
        make_user(store, "cs_manager")
        make_user(store, "followup_agent")
        for _ in range(40):
            VehicleFactory(store=store, owner=CustomerFactory(store=store))
    return [store_a, store_b]


# The history is built back from `now`: whatever the day and hour, every state is there.
@pytest.mark.parametrize("now", [
    None,
    datetime.datetime(2026, 10, 1, 1, 30, tzinfo=datetime.UTC),   # National Day, 09:30 local
    datetime.datetime(2026, 2, 16, 23, 55, tzinfo=datetime.UTC),  # Spring Festival eve, night
    datetime.datetime(2027, 1, 4, 3, 0, tzinfo=datetime.UTC),     # a Monday morning
])  # fmt: skip
def test_a_year_of_complaints_in_every_state(stores, group, now):
    summary = demo.build_history(group=group, seed=7, now=now)
    assert summary["Complaints"] == Complaint.objects.count() > 150
    assert summary["Major complaints"] >= 4
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"closed", "received"} <= statuses and len(statuses) >= 5
    assert ComplaintBreach.objects.exists() and summary["Complaints past a time limit"] > 0
    assert MajorIncidentReport.objects.exists()
    assert Complaint.objects.filter(repeat_of__isnull=False).exists()
    for complaint in Complaint.objects.filter(status="closed")[:20]:
        assert complaint.received_at <= complaint.acknowledged_at <= complaint.closed_at
    assert not Complaint.objects.filter(received_at__gt=now or timezone.now()).exists()


def test_the_same_seed_gives_the_same_history(stores, group):
    now = timezone.now()
    fields = ("number", "severity", "status", "category__code", "received_at", "owner")
    demo.build_history(group=group, seed=3, now=now)
    first = list(Complaint.objects.order_by("number").values_list(*fields))
    Complaint.objects.all().delete()
    demo.build_history(group=group, seed=3, now=now)
    assert list(Complaint.objects.order_by("number").values_list(*fields)) == first
