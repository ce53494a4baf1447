"""The public complaint form: no login."""

from django.urls import path

from . import public_views

app_name = "complaint-public"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("stores/<slug:group_code>/", public_views.store_list, name="stores"),
    path("<str:store_code>/", public_views.complaint_form, name="form"),
    path("<str:store_code>/thanks/", public_views.thanks, name="thanks"),
]
