"""Lifecycle state and value tier follow the store's thresholds (DOMAIN §2)."""

import datetime
from decimal import Decimal

import pytest

from dealercare.customers.choices import LifecycleState as S
from dealercare.customers.choices import ValueTier as T
from dealercare.customers.classification import Thresholds, lifecycle_state, value_tier

TODAY = datetime.date(2026, 11, 22)
DEFAULTS = Thresholds()


def days_ago(n):
    return TODAY - datetime.timedelta(days=n) if n is not None else None


@pytest.mark.parametrize(
    ("delivery_days_ago", "visit_days_ago", "expected"),
    [
        (None, None, S.PROSPECT),
        (0, None, S.NEW_BUYER),
        (89, None, S.NEW_BUYER),
        (90, None, S.ACTIVE),  # new-buyer period is over
        (179, None, S.ACTIVE),
        (180, None, S.INACTIVE),  # no visit for 6 months
        (364, None, S.INACTIVE),
        (365, None, S.LOST),  # no visit for 12 months
        (800, 10, S.ACTIVE),
        (800, 200, S.INACTIVE),
        (800, 400, S.LOST),
        (None, 30, S.ACTIVE),  # serviced here, bought elsewhere
        (30, 400, S.NEW_BUYER),  # a lost customer who just bought again
    ],
)
def test_lifecycle_state_by_days_since_last_delivery_or_visit(
    delivery_days_ago, visit_days_ago, expected
):
    state = lifecycle_state(
        today=TODAY,
        last_delivery_on=days_ago(delivery_days_ago),
        last_visit_on=days_ago(visit_days_ago),
        thresholds=DEFAULTS,
    )
    assert state == expected


def test_lifecycle_thresholds_are_the_stores_settings():
    strict = Thresholds(new_buyer_days=30, inactive_after_days=60, lost_after_days=120)
    assert (
        lifecycle_state(
            today=TODAY, last_delivery_on=None, last_visit_on=days_ago(61), thresholds=strict
        )
        == S.INACTIVE
    )
    assert (
        lifecycle_state(
            today=TODAY, last_delivery_on=None, last_visit_on=days_ago(121), thresholds=strict
        )
        == S.LOST
    )


@pytest.mark.parametrize(
    ("spend", "visits", "expected"),
    [
        ("0", 0, T.C),
        ("2999.99", 1, T.C),
        ("3000", 0, T.B),
        ("0", 2, T.B),
        ("9999.99", 3, T.B),
        ("10000", 0, T.A),
        ("0", 4, T.A),
    ],
)
def test_value_tier_by_spend_or_visits_in_twelve_months(spend, visits, expected):
    assert value_tier(spend_12m=Decimal(spend), visits_12m=visits, thresholds=DEFAULTS) == expected


def test_thresholds_are_read_from_a_store_like_object():
    class StoreLike:
        new_buyer_days = 10
        inactive_after_days = 20
        lost_after_days = 30
        tier_a_min_spend = Decimal(1)
        tier_a_min_visits = 1
        tier_b_min_spend = Decimal(0)
        tier_b_min_visits = 0

    assert Thresholds.of_store(StoreLike()) == Thresholds(10, 20, 30, Decimal(1), 1, Decimal(0), 0)
