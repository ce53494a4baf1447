"""Follow-up pages."""

from django.urls import path  # noqa: F401

from .views import queue as agent
from .views import reports as statistics
from .views import rules as rule_views
from .views import supervision

app_name = "followups"

urlpatterns = [
    # --- the agent: queue, "next", call console, attempts, hand-offs (views/queue.py) ---------
    path("", agent.my_queue, name="my-queue"),
    path("next/", agent.claim_next, name="next"),
    path("phrase-check/", agent.phrase_check, name="phrase-check"),
    path("tasks/<int:pk>/", agent.console, name="console"),
    path("tasks/<int:pk>/attempt/", agent.attempt, name="attempt"),
    path("tasks/<int:pk>/release/", agent.release, name="release"),
    path("tasks/<int:pk>/handoff/", agent.handoff_create, name="handoff-create"),
    path("handoffs/", agent.handoff_list, name="handoff-list"),
    path("handoffs/<int:pk>/", agent.handoff_detail, name="handoff-detail"),
    # --- the supervisor: whole queue, assign, load, rules, statistics (views/supervision.py,
    # views/rules.py, views/reports.py) --------------------------------------------------------
    path("supervision/", supervision.supervision_queue, name="supervision"),
    path("supervision/assign/", supervision.supervision_assign, name="supervision-assign"),
    path("supervision/<int:pk>/cancel/", supervision.supervision_cancel, name="supervision-cancel"),
    path("supervision/phrases/", supervision.supervision_phrases, name="supervision-phrases"),
    path("rules/", rule_views.rule_list, name="rule-list"),
    path("rules/<int:pk>/", rule_views.rule_edit, name="rule-edit"),
    path("statistics/", statistics.statistics, name="reports"),
    path("statistics/annex-3/", statistics.annex3, name="annex3"),
    path("statistics/annex-3.xlsx", statistics.annex3_export, name="annex3-export"),
    path("statistics/annex-4/", statistics.annex4, name="annex4"),
    path("statistics/annex-4.xlsx", statistics.annex4_export, name="annex4-export"),
    path("statistics/annex-5/", statistics.annex5, name="annex5"),
    path("statistics/annex-5.xlsx", statistics.annex5_export, name="annex5-export"),
]
