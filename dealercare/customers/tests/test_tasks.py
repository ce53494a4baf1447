"""Nightly reclassification: time alone moves a customer from active to inactive."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from dealercare.customers.choices import LifecycleState
from dealercare.customers.tasks import refresh_store_classification
from dealercare.testing.factories import ServiceVisitFactory

pytestmark = pytest.mark.django_db


def test_a_customer_without_visits_for_six_months_becomes_inactive(store_a):
    visit = ServiceVisitFactory(
        vehicle__store=store_a, vehicle__owner__store=store_a,
        date_in=timezone.now() - datetime.timedelta(days=200),
    )  # fmt: skip
    customer = visit.customer
    customer.lifecycle_state = LifecycleState.ACTIVE
    customer.save()
    result = refresh_store_classification.enqueue(store_a.pk)
    assert result.return_value == 1
    customer.refresh_from_db()
    assert customer.lifecycle_state == LifecycleState.INACTIVE


def test_command_reports_per_store(store_a, capsys):
    call_command("refresh_classification", "--store", "GZ01")
    assert "GZ01: 0 customers reclassified" in capsys.readouterr().out


def test_rebuild_search_terms_command_restores_missing_keys(store_a, capsys):
    from dealercare.customers.models import SearchTerm
    from dealercare.testing.factories import CustomerFactory

    customer = CustomerFactory(store=store_a, name="曾伟")
    SearchTerm.objects.all().delete()
    call_command("rebuild_search_terms", "--store", "GZ01")
    assert "rebuilt for 1 customers" in capsys.readouterr().out
    assert set(customer.search_terms.filter(kind="pinyin").values_list("term", flat=True)) == {
        "zengwei",
        "cengwei",
    }
