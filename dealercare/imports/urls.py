from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("new/", views.job_create, name="job-create"),
    path("<int:pk>/", views.job_detail, name="job-detail"),
    path("<int:pk>/mapping/", views.job_mapping, name="job-mapping"),
    path("<int:pk>/commit/", views.job_commit, name="job-commit"),
    path("<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("<int:pk>/rejected-rows.xlsx", views.job_errors, name="job-errors"),
]
