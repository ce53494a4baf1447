"""API routes of the customer archive."""

from rest_framework.routers import SimpleRouter

from .views import CustomerViewSet, VehicleViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("vehicles", VehicleViewSet, basename="api-vehicle")

urlpatterns = router.urls
