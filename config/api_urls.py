"""REST API routes (token auth); every app contributes its own router."""

from django.urls import include, path

urlpatterns = [
    path("", include("dealercare.accounts.api.urls")),
    path("", include("dealercare.customers.api.urls")),
    path("", include("dealercare.operations.api.urls")),
    path("", include("dealercare.imports.api.urls")),
    path("", include("dealercare.followups.api.urls")),
    path("", include("dealercare.surveys.api.urls")),
    path("", include("dealercare.complaints.api.urls")),
    path("", include("dealercare.csi.api.urls")),
]
