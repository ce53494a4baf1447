"""Followups API routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import HandOffViewSet, NextTaskView, TaskViewSet

router = SimpleRouter()
router.register("followups/tasks", TaskViewSet, basename="api-followup-task")
router.register("followups/handoffs", HandOffViewSet, basename="api-followup-handoff")

urlpatterns = [
    path("followups/next/", NextTaskView.as_view(), name="api-followup-next"),
    *router.urls,
]
