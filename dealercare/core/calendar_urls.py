"""Working-day calendar pages: holidays and make-up working days per year (DOMAIN §8)."""

from django.urls import path

from . import calendar_views

app_name = "calendar"
urlpatterns = [
    path("", calendar_views.calendar_list, name="list"),
    path("add/", calendar_views.override_add, name="add"),
    path("<int:pk>/delete/", calendar_views.override_delete, name="delete"),
]
