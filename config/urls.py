"""Top-level URL map: one include per app, the API under /api/."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("", include("dealercare.accounts.urls")),
    path("customers/", include("dealercare.customers.urls")),
    path("operations/", include("dealercare.operations.urls")),
    path("audit/", include("dealercare.core.urls")),
    path("calendar/", include("dealercare.core.calendar_urls")),
    path("imports/", include("dealercare.imports.urls")),
    path("followups/", include("dealercare.followups.urls")),
    path("surveys/", include("dealercare.surveys.urls")),
    path("csi/", include("dealercare.csi.urls")),
    path("s/", include("dealercare.surveys.public_urls")),  # the customer's survey link, no login
    path("complaints/", include("dealercare.complaints.urls")),
    path("complain/", include("dealercare.complaints.public_urls")),  # public complaint form
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("config.api_urls")),
]
