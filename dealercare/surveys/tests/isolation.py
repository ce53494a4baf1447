"""Store B's survey records, with fixed ids (9003xx) and markers no store-A page may show."""

from dealercare.followups.choices import EventType, TaskKind
from dealercare.followups.models import FollowUpRule, FollowUpTask
from dealercare.followups.services import rules_seed_defaults
from dealercare.surveys import services
from dealercare.surveys.models import (
    Answer,
    ExternalImport,
    Questionnaire,
    QuestionnaireVersion,
    SurveyInvitation,
    SurveyResponse,
)

B_IDS = {"survey_questionnaire": 900301, "survey_version": 900302, "survey_response": 900303,
         "survey_invitation": 900304, "survey_import": 900305, "survey_task": 900306}  # fmt: skip
B_MARKERS = ("乙店问卷隔离", "乙店调查隔离意见", "乙店外部调查隔离")


def build_store_b(b):
    store, customer = b["store_b"], b["b_customer"]
    services.ensure_defaults()
    shipped = Questionnaire.objects.get(store__isnull=True, code="service-5d")
    own = Questionnaire.objects.create(
        id=B_IDS["survey_questionnaire"], store=store, code="service-5d", name="乙店问卷隔离",
        business="service", based_on=shipped,
    )  # fmt: skip
    QuestionnaireVersion.objects.create(id=B_IDS["survey_version"], questionnaire=own, number=1)
    version = services.published_version(shipped)
    response = SurveyResponse.objects.create(
        id=B_IDS["survey_response"], store=store, questionnaire_version=version, customer=customer,
        channel="tablet", business="service", answered_at=b["b_visit"].date_in,
        needs_recovery=True, comment="乙店调查隔离意见", overall_score=70,
        scoring_model_code="service-5d-v1",
    )  # fmt: skip
    day = response.answered_at.date()
    Answer.objects.bulk_create(
        Answer(
            response=response,
            item=item,
            score=3 if item.kind == "score" else None,
            text="" if item.kind == "score" else "乙店调查隔离意见",
            store=store,
            answered_on=day,
            dimension_id=item.dimension_id,
            business="service",
            source="internal",
        )  # fmt: skip
        for item in version.items.all()
    )
    batch = ExternalImport.objects.create(
        id=B_IDS["survey_import"], store=store, study="乙店外部调查隔离", file_name="b.xlsx"
    )
    SurveyInvitation.objects.create(
        id=B_IDS["survey_invitation"], store=store, customer=customer,
        questionnaire_version=version, token=services.token_digest("b-secret"),
        expires_at=batch.created_at,
    )  # fmt: skip
    rules_seed_defaults(store)
    visit = b["b_visit"]
    FollowUpTask.objects.create(
        id=B_IDS["survey_task"], store=store,
        rule=FollowUpRule.objects.get(store=store, code=TaskKind.SERVICE_FOLLOWUP),
        customer=customer, event_type=EventType.SERVICE_VISIT, event_id=visit.pk,
        event_at=visit.date_in, kind=TaskKind.SERVICE_FOLLOWUP, channel="phone",
        window_start=visit.date_in, due_at=visit.date_in,
    )  # fmt: skip
