"""Surveys pages."""

from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire-list"),
    path("questionnaires/<int:pk>/draft/", views.draft_create, name="draft-create"),
    path("versions/<int:pk>/", views.version_detail, name="version-detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version-publish"),
    path("settings/", views.survey_settings, name="settings"),
    path("scoring-models/", views.scoring_models, name="scoring-models"),
    path("responses/", views.response_list, name="response-list"),
    path("responses/<int:pk>/", views.response_detail, name="response-detail"),
    path("tablet/", views.tablet, name="tablet"),
    path("invite/", views.invite, name="invite"),
    path("import/", views.import_results, name="import"),
    path("console/<int:pk>/", views.console, name="console"),
]
