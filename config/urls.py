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
    path("imports/", include("dealercare.imports.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("config.api_urls")),
]
