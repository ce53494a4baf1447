"""Surveys and CSI (DOMAIN §4): questionnaires, answers, exact scoring and analysis."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "dealercare.surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from django.db.models import Q

        from dealercare.followups import events
        from dealercare.followups.choices import EventType
        from dealercare.followups.rules import Event

        from . import timeline  # noqa: F401  (registers the timeline provider)

        # Contract 3: a flagged response is the event of a recovery follow-up.
        events.register(
            events.EventSource(
                event=Event.SURVEY_LOW_SCORE,
                event_type=EventType.SURVEY_RESPONSE,
                model_label="surveys.SurveyResponse",
                at_field="answered_at",
                active=lambda: Q(needs_recovery=True),
                is_active=lambda response: response.needs_recovery,
            )
        )
