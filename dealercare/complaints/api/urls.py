"""Complaints API routes."""

from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, ComplaintViewSet

router = SimpleRouter()
router.register("complaints", ComplaintViewSet, basename="api-complaint")
router.register("complaint-categories", CategoryViewSet, basename="api-complaint-category")

urlpatterns = router.urls
