from django.urls import path

from . import views

app_name = "operations"
urlpatterns = [
    path("deliveries/", views.delivery_list, name="delivery-list"),
    path("deliveries/new/", views.delivery_create, name="delivery-create"),
    path("deliveries/export/", views.delivery_export, name="delivery-export"),
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/new/", views.visit_create, name="visit-create"),
    path("visits/export/", views.visit_export, name="visit-export"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("inquiries/", views.inquiry_list, name="inquiry-list"),
    path("inquiries/new/", views.inquiry_create, name="inquiry-create"),
]
