"""The customer 360 timeline: each app registers a provider of dated entries for a customer.

Operations registers deliveries, service visits and inquiries; follow-ups, surveys and complaints
add theirs the same way, so the customer page never imports them.
"""

from dataclasses import dataclass, field

_PROVIDERS = []


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event on a customer's timeline."""

    at: object  # aware datetime
    kind: str  # machine name, e.g. "delivery"
    label: str  # shown badge, e.g. "交车"
    title: str
    detail: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict)


def register(provider):
    """`provider(customer, user) -> iterable[TimelineEntry]`; used as a decorator."""
    _PROVIDERS.append(provider)
    return provider


def customer_timeline(customer, user, limit=200):
    """All registered entries for a customer, newest first."""
    entries = [entry for provider in _PROVIDERS for entry in provider(customer, user)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
