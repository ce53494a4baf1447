from django.urls import path

from dealercare.core.placeholder import placeholder as p

app_name = "operations"
urlpatterns = [
    path("deliveries/", p, name="delivery-list"),
    path("deliveries/new/", p, name="delivery-create"),
    path("visits/", p, name="visit-list"),
    path("visits/new/", p, name="visit-create"),
    path("visits/<int:pk>/", p, name="visit-detail"),
    path("inquiries/", p, name="inquiry-list"),
    path("inquiries/new/", p, name="inquiry-create"),
]
