"""Which saved records are follow-up events, and how to read one (DOMAIN §3).

Each `EventSource` says which model holds an event, which of its rows count (a delivery not
cancelled, a service visit finished) and which field holds the time the rules count from. The
complaints module registers its "complaint closed" source with `register()` when it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Q

from .choices import EventType
from .rules import Event


@dataclass(frozen=True)
class EventSource:
    """Where the events of one kind live and which of them call for follow-ups."""

    event: Event
    event_type: EventType
    model_label: str  # "app_label.ModelName"
    at_field: str  # the event's time, e.g. delivered_at
    active: Callable[[], Q]  # rows that are events now (not cancelled, finished)
    is_active: Callable[[object], bool]  # the same test on one instance

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def event_at(self, instance) -> datetime | None:
        return getattr(instance, self.at_field)

    def qualifies(self, instance) -> bool:
        """True when `instance` is an event that its rules should follow up."""
        return self.is_active(instance) and self.event_at(instance) is not None


_SOURCES: dict[Event, EventSource] = {}


def register(source: EventSource) -> None:
    """Make `source` known to on_event_saved() and the sweep (replacing one for the same event)."""
    _SOURCES[source.event] = source


def sources() -> tuple[EventSource, ...]:
    """Every registered event source."""
    return tuple(_SOURCES.values())


def source_for_event(event: Event | str) -> EventSource | None:
    return _SOURCES.get(Event(event))


def source_for_instance(instance) -> EventSource | None:
    label = instance._meta.label
    return next((s for s in _SOURCES.values() if s.model_label == label), None)


def source_for_type(event_type: str) -> EventSource | None:
    return next((s for s in _SOURCES.values() if s.event_type == event_type), None)


register(
    EventSource(
        event=Event.DELIVERY,
        event_type=EventType.DELIVERY,
        model_label="operations.Delivery",
        at_field="delivered_at",
        active=lambda: Q(status="delivered"),
        is_active=lambda delivery: delivery.status == "delivered",
    )
)
register(
    EventSource(
        event=Event.SERVICE_VISIT_FINISHED,
        event_type=EventType.SERVICE_VISIT,
        model_label="operations.ServiceVisit",
        at_field="date_out",
        active=lambda: Q(status="finished", date_out__isnull=False),
        is_active=lambda visit: visit.status == "finished",
    )
)
