"""API routes of accounts: token, the current user, stores."""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle

from .views import MeView, StoreViewSet

router = SimpleRouter()
router.register("stores", StoreViewSet, basename="api-store")


class ThrottledObtainAuthToken(ObtainAuthToken):
    """Username + password -> token, throttled per client against password guessing."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


urlpatterns = [
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
