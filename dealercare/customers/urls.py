from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("search/", views.customer_search, name="search"),
    path("export/", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/reveal-phone/", views.customer_reveal_phone, name="reveal-phone"),
    path("<int:pk>/consent/", views.customer_consent, name="consent"),
    path("<int:pk>/vehicles/new/", views.vehicle_create, name="vehicle-create"),
    path("vehicles/", views.vehicle_list, name="vehicle-list"),
    path("vehicles/export/", views.vehicle_export, name="vehicle-export"),
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle-detail"),
    path("vehicles/<int:pk>/edit/", views.vehicle_edit, name="vehicle-edit"),
    path("vehicles/<int:pk>/transfer/", views.vehicle_transfer, name="vehicle-transfer"),
]
