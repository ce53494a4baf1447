"""Complaints pages."""

from django.urls import path

from . import report_views, views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("lookup/", views.customer_lookup, name="customer-lookup"),
    path("export/", report_views.complaint_export, name="export"),
    path("statistics/", report_views.statistics, name="statistics"),
    path("statistics/xlsx/", report_views.statistics_xlsx, name="statistics-xlsx"),
    path("analysis/", report_views.analysis, name="analysis"),
    path("categories/", report_views.categories, name="categories"),
    path("notifications/", views.notification_list, name="notifications"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/transition/", views.complaint_transition, name="transition"),
    path("<int:pk>/action/", views.complaint_action, name="action"),
    path("<int:pk>/classify/", views.complaint_classify, name="classify"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("<int:pk>/record/", report_views.complaint_record, name="record"),
    path("<int:pk>/record/xlsx/", report_views.complaint_record_xlsx, name="record-xlsx"),
    path("<int:pk>/report/", report_views.complaint_report, name="report"),
    path("<int:pk>/report/xlsx/", report_views.complaint_report_xlsx, name="report-xlsx"),
    path("<int:pk>/report/pdf/", report_views.complaint_report_pdf, name="report-pdf"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
