from django.urls import path

from dealercare.core.placeholder import placeholder as p

app_name = "customers"
urlpatterns = [
    path("", p, name="list"),
    path("search/", p, name="search"),
    path("export/", p, name="export"),
    path("new/", p, name="create"),
    path("<int:pk>/", p, name="detail"),
    path("<int:pk>/edit/", p, name="edit"),
    path("<int:pk>/merge/", p, name="merge"),
    path("<int:pk>/reveal-phone/", p, name="reveal-phone"),
    path("<int:pk>/consent/", p, name="consent"),
    path("<int:pk>/vehicles/new/", p, name="vehicle-create"),
    path("vehicles/", p, name="vehicle-list"),
    path("vehicles/<int:pk>/", p, name="vehicle-detail"),
    path("vehicles/<int:pk>/edit/", p, name="vehicle-edit"),
    path("vehicles/<int:pk>/transfer/", p, name="vehicle-transfer"),
]
