from django.urls import path

from dealercare.core.placeholder import placeholder as p

app_name = "audit"
urlpatterns = [
    path("", p, name="list"),
]
