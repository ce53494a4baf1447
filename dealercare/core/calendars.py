"""A store's working calendar: the national one (core.workdays) plus the overrides entered for its
group and for the store itself (WorkingDayOverride); the store's own entries win."""

from dealercare.core.models import WorkingDayOverride
from dealercare.core.workdays import WorkingCalendar


def working_calendar_for(store) -> WorkingCalendar:
    """The WorkingCalendar of `store`, in one query."""
    rows = (
        WorkingDayOverride.objects.filter(group_id=store.group_id, store__isnull=True)
        | WorkingDayOverride.objects.filter(store_id=store.pk)
    ).values_list("store_id", "day", "is_working_day")
    overrides = {}
    # Group-wide days first, so that a store's own entry for the same day replaces them.
    for _store_id, day, working in sorted(rows, key=lambda row: row[0] is not None):
        overrides[day] = working
    return WorkingCalendar(overrides)
