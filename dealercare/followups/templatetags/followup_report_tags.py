"""Template filters of the follow-up statistics."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value):
    """A rate (0..1, or None when nothing was counted) as "97.5%" or "–"."""
    if value is None or value == "":
        return "–"
    return f"{number_format(round(value * 100, 1), 1)}%"
