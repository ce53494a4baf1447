"""API routes of the DMS push."""

from django.urls import path

from .views import DeliveryPushView, RepairOrderPushView

urlpatterns = [
    path("dms/deliveries/", DeliveryPushView.as_view(), name="api-dms-deliveries"),
    path("dms/repair-orders/", RepairOrderPushView.as_view(), name="api-dms-repair-orders"),
]
