"""Surveys API routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    ExternalImportViewSet,
    InvitationViewSet,
    QuestionnaireViewSet,
    ResponseViewSet,
    ScoreView,
    ScoringModelViewSet,
)

router = SimpleRouter()
router.register("surveys/questionnaires", QuestionnaireViewSet, basename="api-survey-questionnaire")
router.register("surveys/responses", ResponseViewSet, basename="api-survey-response")
router.register("surveys/invitations", InvitationViewSet, basename="api-survey-invitation")
router.register("surveys/imports", ExternalImportViewSet, basename="api-survey-import")
router.register("surveys/scoring-models", ScoringModelViewSet, basename="api-survey-scoring-model")

urlpatterns = [
    path("surveys/score/", ScoreView.as_view(), name="api-survey-score"),
    *router.urls,
]
