"""Template helpers of the customer pages: masked mobiles and Tabler badges for choices."""

from django import template

from dealercare.core.validators import mask_mobile

from ..choices import CustomerType, LifecycleState, ValueTier

register = template.Library()

_LIFECYCLE_COLOUR = {
    LifecycleState.PROSPECT: "azure",
    LifecycleState.NEW_BUYER: "green",
    LifecycleState.ACTIVE: "teal",
    LifecycleState.INACTIVE: "orange",
    LifecycleState.LOST: "red",
}
_TYPE_COLOUR = {CustomerType.VIP: "purple", CustomerType.ENTERPRISE: "indigo"}
_TIER_COLOUR = {ValueTier.A: "yellow", ValueTier.B: "lime"}


@register.filter
def masked(mobile):
    """138****5678; the only way a mobile number reaches a normal page."""
    return mask_mobile(mobile or "")


@register.filter
def lifecycle_colour(state):
    return _LIFECYCLE_COLOUR.get(state, "secondary")


@register.filter
def type_colour(customer_type):
    return _TYPE_COLOUR.get(customer_type, "secondary")


@register.filter
def tier_colour(tier):
    return _TIER_COLOUR.get(tier, "secondary")


@register.filter
def add_class(bound_field, css_class):
    """Render a bound field with extra CSS classes (e.g. is-invalid)."""
    existing = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {css_class}".strip()})


@register.inclusion_tag("customers/_field.html", takes_context=True)
def form_field(context, field, duplicate=None, hint_url=None, **kwargs):
    """One Tabler form row: label, input, per-field errors, help text, duplicate link."""
    return {
        "field": field,
        "duplicate": duplicate if duplicate and duplicate.get("field") == field.html_name else None,
        "hint_url": hint_url,
        **kwargs,
    }
