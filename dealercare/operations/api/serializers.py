"""Deliveries, service visits (repair orders) and prospects' inquiries as the API shows and takes
them; customers, vehicles and staff in a body must belong to the user's stores."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealercare.accounts.access import access_for
from dealercare.accounts.api.scoping import ScopedPrimaryKeyRelatedField
from dealercare.accounts.models import User
from dealercare.customers.api.serializers import CustomerRefSerializer
from dealercare.customers.models import Customer, Vehicle
from dealercare.customers.selectors import MSG_NOT_FOUND, customers_for_user, vehicles_for_user
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit

MSG_NO_SUCH_VEHICLE = _("No such vehicle in your stores.")
MSG_NO_SUCH_USER = _("No such user in your stores.")


def staff_for_user(user):
    """Users holding a role in a store the user can see (consultants, advisors, technicians)."""
    store_ids = access_for(user).store_ids()
    return User.objects.filter(memberships__store_id__in=store_ids).distinct()


def _staff_field():
    return ScopedPrimaryKeyRelatedField(
        model=User, scope=staff_for_user, not_found=MSG_NO_SUCH_USER,
        required=False, allow_null=True,
    )  # fmt: skip


def _customer_field():
    return ScopedPrimaryKeyRelatedField(
        model=Customer, scope=customers_for_user, not_found=MSG_NOT_FOUND
    )


def _vehicle_field():
    return ScopedPrimaryKeyRelatedField(
        model=Vehicle, scope=vehicles_for_user, not_found=MSG_NO_SUCH_VEHICLE
    )


class VehicleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vehicle
        fields = ("id", "plate", "vin", "model_name")
        read_only_fields = fields


# --- read ---------------------------------------------------------------------------------------


class DeliverySerializer(serializers.ModelSerializer):
    store_code = serializers.CharField(source="store.code", read_only=True)
    customer = CustomerRefSerializer(read_only=True)
    vehicle = VehicleRefSerializer(read_only=True)

    class Meta:
        model = Delivery
        fields = ("id", "store", "store_code", "customer", "vehicle", "delivered_at", "order_no",
                  "sales_consultant", "consultant_name", "price", "status", "source", "note",
                  "created_at", "updated_at")  # fmt: skip
        read_only_fields = fields


class ServiceVisitSerializer(serializers.ModelSerializer):
    store_code = serializers.CharField(source="store.code", read_only=True)
    customer = CustomerRefSerializer(read_only=True)
    vehicle = VehicleRefSerializer(read_only=True)
    total_amount = serializers.DecimalField(max_digits=13, decimal_places=2, read_only=True)

    class Meta:
        model = ServiceVisit
        fields = ("id", "store", "store_code", "repair_order_no", "customer", "vehicle",
                  "visit_type", "advisor", "advisor_name", "technician", "technician_name",
                  "fault_description", "work_summary", "mileage_km", "date_in", "date_out",
                  "labour_amount", "parts_amount", "total_amount", "status", "source",
                  "created_at", "updated_at")  # fmt: skip
        read_only_fields = fields


class InquirySerializer(serializers.ModelSerializer):
    store_code = serializers.CharField(source="store.code", read_only=True)
    customer = CustomerRefSerializer(read_only=True)

    class Meta:
        model = Inquiry
        fields = ("id", "store", "store_code", "customer", "channel", "needs",
                  "models_of_interest", "budget_min", "budget_max", "consultant", "status",
                  "handed_over_at", "created_at", "updated_at")  # fmt: skip
        read_only_fields = fields


# --- write --------------------------------------------------------------------------------------


class DeliveryUpdateSerializer(serializers.ModelSerializer):
    sales_consultant = _staff_field()

    class Meta:
        model = Delivery
        fields = Delivery.EDITABLE_FIELDS
        validators = []  # a duplicate order number is a 409 from the service, not a 400 here


class DeliveryCreateSerializer(DeliveryUpdateSerializer):
    """A delivery for a customer and vehicle of one store where you may write operations."""

    customer = _customer_field()
    vehicle = _vehicle_field()

    class Meta(DeliveryUpdateSerializer.Meta):
        fields = ("customer", "vehicle", *Delivery.EDITABLE_FIELDS)


class ServiceVisitUpdateSerializer(serializers.ModelSerializer):
    advisor = _staff_field()
    technician = _staff_field()

    class Meta:
        model = ServiceVisit
        fields = ServiceVisit.EDITABLE_FIELDS
        validators = []


class ServiceVisitCreateSerializer(ServiceVisitUpdateSerializer):
    """A repair order for a customer and vehicle of one store where you may write operations."""

    customer = _customer_field()
    vehicle = _vehicle_field()

    class Meta(ServiceVisitUpdateSerializer.Meta):
        fields = ("customer", "vehicle", "repair_order_no", *ServiceVisit.EDITABLE_FIELDS)


class InquiryCreateSerializer(serializers.ModelSerializer):
    customer = _customer_field()
    consultant = _staff_field()

    class Meta:
        model = Inquiry
        fields = ("customer", *Inquiry.EDITABLE_FIELDS)
        validators = []
