"""Survey responses on the customer's timeline (contract 5)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.customers.timeline import TimelineEntry, register

from .models import SurveyResponse


@register
def survey_responses(customer, user):
    """One entry per survey response of the customer, linked for those who read CSI."""
    may_open = access_for(user).has(Capability.VIEW_CSI, customer.store_id)
    responses = SurveyResponse.objects.filter(customer=customer).select_related(
        "questionnaire_version__questionnaire"
    )
    for response in responses[:50]:
        score = ""
        if response.overall_score is not None:
            score = _("score %(score)s (%(model)s)") % {
                "score": response.overall_score,
                "model": response.scoring_model_code,
            }
        detail = " · ".join(
            part
            for part in (
                response.get_channel_display(),
                score,
                _("needs a recovery call") if response.needs_recovery else "",
            )
            if part
        )
        yield TimelineEntry(
            at=response.answered_at,
            kind="survey_response",
            label=_("Survey"),
            title=str(response.questionnaire_version.questionnaire),
            detail=detail,
            url=reverse("surveys:response-detail", args=[response.pk]) if may_open else "",
            extra={"needs_recovery": response.needs_recovery},
        )
