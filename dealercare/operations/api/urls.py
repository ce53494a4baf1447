"""API routes of operations: the DMS events."""

from rest_framework.routers import SimpleRouter

from .views import DeliveryViewSet, InquiryViewSet, ServiceVisitViewSet

router = SimpleRouter()
router.register("deliveries", DeliveryViewSet, basename="api-delivery")
router.register("service-visits", ServiceVisitViewSet, basename="api-service-visit")
router.register("prospects", InquiryViewSet, basename="api-prospect")

urlpatterns = router.urls
