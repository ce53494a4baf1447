"""Who may use the survey URLs (collected by core/tests/test_permission_matrix.py).

Empty POSTs stop right after the gate: an answer form redisplayed with its errors, a draft or
a publish that asks for its store or confirmation, a JSON body refused with 400.
"""

from types import SimpleNamespace

from dealercare.followups.choices import EventType, TaskKind
from dealercare.followups.models import FollowUpRule, FollowUpTask
from dealercare.followups.services import rules_seed_defaults
from dealercare.surveys import services
from dealercare.surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    SurveyInvitation,
    SurveyResponse,
)
from dealercare.testing.permissions import ANY, PUBLIC, C, Entry, Gate

TABLE = {
    "surveys:questionnaire-list": Entry(Gate(C.MANAGE_SURVEYS)),
    "surveys:draft-create": Entry(
        Gate(ANY, 405), ("survey_questionnaire",), post=Gate(C.MANAGE_SURVEYS, 302)
    ),
    "surveys:version-detail": Entry(Gate(C.MANAGE_SURVEYS), ("survey_version",)),
    "surveys:version-edit": Entry(
        Gate(C.MANAGE_SURVEYS), ("survey_version",), post=Gate(C.MANAGE_SURVEYS)
    ),
    "surveys:version-publish": Entry(
        Gate(ANY, 405), ("survey_version",), post=Gate(C.MANAGE_SURVEYS, 302)
    ),
    "surveys:settings": Entry(Gate(C.MANAGE_SURVEYS), post=Gate(C.MANAGE_SURVEYS)),
    "surveys:scoring-models": Entry(Gate(C.MANAGE_SURVEYS), post=Gate(C.MANAGE_SURVEYS)),
    "surveys:response-list": Entry(Gate(C.VIEW_CSI)),
    "surveys:response-detail": Entry(Gate(C.VIEW_CSI), ("survey_response",)),
    "surveys:tablet": Entry(Gate(C.TAKE_SURVEYS), post=Gate(C.TAKE_SURVEYS)),
    "surveys:invite": Entry(Gate(C.TAKE_SURVEYS), post=Gate(C.TAKE_SURVEYS)),
    "surveys:import": Entry(Gate(C.MANAGE_SURVEYS), post=Gate(C.MANAGE_SURVEYS)),
    # The call console's questionnaire; an empty answer sheet is refused with 400.
    "surveys:console": Entry(
        Gate(C.TAKE_SURVEYS), ("survey_task",), post=Gate(C.TAKE_SURVEYS, 400)
    ),
    # The customer's link: no login; an empty answer sheet is shown again with its errors.
    "survey-public:answer": Entry(Gate(PUBLIC), ("survey_link",), post=Gate(PUBLIC)),
    # --- API: reading CSI needs VIEW_CSI; recording and links TAKE_SURVEYS -------------------
    "api-survey-questionnaire-list": Entry(Gate(C.TAKE_SURVEYS)),
    "api-survey-questionnaire-detail": Entry(Gate(C.TAKE_SURVEYS), ("survey_questionnaire",)),
    "api-survey-response-list": Entry(Gate(C.VIEW_CSI), post=Gate(C.TAKE_SURVEYS, 400)),
    "api-survey-response-detail": Entry(Gate(C.VIEW_CSI), ("survey_response",)),
    "api-survey-score": Entry(Gate(C.VIEW_CSI)),
    "api-survey-invitation-list": Entry(Gate(C.TAKE_SURVEYS), post=Gate(C.TAKE_SURVEYS, 400)),
    "api-survey-import-list": Entry(Gate(C.MANAGE_SURVEYS), post=Gate(C.MANAGE_SURVEYS, 400)),
    "api-survey-scoring-model-list": Entry(
        Gate(C.MANAGE_SURVEYS), post=Gate(C.MANAGE_SURVEYS, 400)
    ),
}


def build(world):
    store, manager = world["store"], world["users"]["cs_manager"]
    services.ensure_defaults()
    shipped = Questionnaire.objects.get(store__isnull=True, code="sales")
    draft = services.draft_create(actor=manager, store=store, questionnaire=shipped)
    response = services.response_record(
        actor=manager, store=store,
        version=services.published_version(services.questionnaire_by_code(store, "service-5d")),
        customer=world["customer"], channel="phone",
        answers={"service_skill": 9, "service_attitude": 9, "timeliness": 8, "parts_supply": 8,
                 "overall_service": 9},
    )  # fmt: skip
    rules_seed_defaults(store)
    rule = FollowUpRule.objects.get(store=store, code=TaskKind.SERVICE_FOLLOWUP)
    visit = world["visit"]
    task = FollowUpTask.objects.create(
        store=store, rule=rule, customer=world["company"], vehicle=None,
        event_type=EventType.SERVICE_VISIT, event_id=visit.pk, event_at=visit.date_in,
        kind=TaskKind.SERVICE_FOLLOWUP, channel="phone", window_start=visit.date_in,
        due_at=visit.date_in,
    )  # fmt: skip
    sent = services.invitation_send(
        actor=manager, store=store, customer=world["company"], link_base="http://testserver"
    )
    return {
        "survey_questionnaire": draft.questionnaire,
        "survey_version": draft,
        "survey_response": response,
        "survey_task": task,
        "survey_link": SimpleNamespace(pk=sent.token),
    }


def counts():
    return {
        "survey_responses": SurveyResponse.objects.count(),
        "survey_versions": QuestionnaireVersion.objects.count(),
        "survey_published": QuestionnaireVersion.objects.filter(status="published").count(),
        "survey_invitations": SurveyInvitation.objects.count(),
    }
