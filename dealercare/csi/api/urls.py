"""CSI API routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ActionPlanViewSet, CsiTargetViewSet, DashboardView, MyResultsView

router = SimpleRouter()
router.register("csi/plans", ActionPlanViewSet, basename="api-csi-plan")
router.register("csi/targets", CsiTargetViewSet, basename="api-csi-target")

urlpatterns = [
    path("csi/dashboard/", DashboardView.as_view(), name="api-csi-dashboard"),
    path("csi/me/", MyResultsView.as_view(), name="api-csi-my-results"),
    *router.urls,
]
