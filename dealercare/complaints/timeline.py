"""Complaints on the customer 360 timeline (contract 5)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.customers.timeline import TimelineEntry, register

from .models import Complaint


@register
def complaints(customer, user):
    """The customer's complaints, for users who may see complaints in the customer's store."""
    if not access_for(user).has(Capability.VIEW_COMPLAINTS, customer.store_id):
        return
    rows = Complaint.objects.filter(customer=customer).select_related("category")
    for c in rows.order_by("-received_at")[:50]:
        yield TimelineEntry(
            at=c.received_at, kind="complaint", label=_("Complaint"),
            title=f"{c.number} {c.category.name if c.category else ''}".strip(),
            detail=" · ".join(filter(None, [c.get_severity_display(), c.get_status_display(),
                                            c.description[:80]])),
            url=reverse("complaints:detail", args=[c.pk]),
        )  # fmt: skip
