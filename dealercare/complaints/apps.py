from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "dealercare.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from django.db.models import Q

        from dealercare.followups import events
        from dealercare.followups.choices import EventType
        from dealercare.followups.rules import Event

        from . import timeline  # noqa: F401  (registers the customer timeline provider)

        # Contract 2: a closed complaint is the event of the satisfaction-check follow-up.
        events.register(
            events.EventSource(
                event=Event.COMPLAINT_CLOSED,
                event_type=EventType.COMPLAINT,
                model_label="complaints.Complaint",
                at_field="closed_at",
                active=lambda: Q(status="closed", closed_at__isnull=False),
                is_active=lambda complaint: complaint.status == "closed",
            )
        )
