"""The customer's survey link: no login, a one-use, expiring token."""

from django.urls import path

from . import public_views

app_name = "survey-public"
urlpatterns = [path("<str:token>/", public_views.answer, name="answer")]
