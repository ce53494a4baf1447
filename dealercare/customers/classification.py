"""Lifecycle state and value tier of a customer (DOMAIN §2); pure functions of dates and sums."""

from dataclasses import dataclass
from decimal import Decimal

from .choices import LifecycleState, ValueTier


@dataclass(frozen=True)
class Thresholds:
    """The store settings that classification reads."""

    new_buyer_days: int = 90
    inactive_after_days: int = 180
    lost_after_days: int = 365
    tier_a_min_spend: Decimal = Decimal(10000)
    tier_a_min_visits: int = 4
    tier_b_min_spend: Decimal = Decimal(3000)
    tier_b_min_visits: int = 2

    @classmethod
    def of_store(cls, store):
        return cls(**{f: getattr(store, f) for f in cls.__dataclass_fields__})


def lifecycle_state(*, today, last_delivery_on, last_visit_on, thresholds):
    """Prospect until a delivery or visit; new buyer soon after a delivery; then by days idle."""
    activity = [d for d in (last_delivery_on, last_visit_on) if d is not None]
    if not activity:
        return LifecycleState.PROSPECT
    if last_delivery_on is not None and (today - last_delivery_on).days < thresholds.new_buyer_days:
        return LifecycleState.NEW_BUYER
    idle_days = (today - max(activity)).days
    if idle_days >= thresholds.lost_after_days:
        return LifecycleState.LOST
    if idle_days >= thresholds.inactive_after_days:
        return LifecycleState.INACTIVE
    return LifecycleState.ACTIVE


def value_tier(*, spend_12m, visits_12m, thresholds):
    """A/B/C by money spent and service visits over the last 12 months (either suffices)."""
    if spend_12m >= thresholds.tier_a_min_spend or visits_12m >= thresholds.tier_a_min_visits:
        return ValueTier.A
    if spend_12m >= thresholds.tier_b_min_spend or visits_12m >= thresholds.tier_b_min_visits:
        return ValueTier.B
    return ValueTier.C
