"""What a DMS pushes: a delivery or a repair order with its customer and vehicle.

Values are checked by the importer's converters after these type checks, so a bad mobile, VIN,
plate or credit code is refused with the same message as in a file import.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealercare.customers.choices import CustomerKind, FuelType, Gender
from dealercare.imports.cleaning import MAX_CELL_CHARS
from dealercare.operations.choices import DeliveryStatus, VisitStatus, VisitType


def _text(max_length=MAX_CELL_CHARS, **kwargs):
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length,
                                 **kwargs)  # fmt: skip


def _money(help_text):
    return serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                    required=False, allow_null=True, help_text=help_text)  # fmt: skip


class PushCustomerSerializer(serializers.Serializer):
    """Who: found by mobile (else credit code, else as the vehicle's owner), created if new."""

    name = _text(help_text=_("Required for a new customer."))
    mobile = _text(64, help_text=_("Mainland mobile; +86, spaces and dashes are accepted."))
    kind = serializers.ChoiceField(choices=CustomerKind.choices, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    uscc = _text(64, help_text=_("Unified social credit code (companies)."))
    phone_other = _text(64)
    city = _text()
    address = _text()


class PushVehicleSerializer(serializers.Serializer):
    """Which vehicle: found by VIN, else by plate; created if new, its blanks filled."""

    vin = _text(64)
    plate = _text(32)
    brand = _text()
    model_name = _text()
    colour = _text()
    fuel_type = serializers.ChoiceField(choices=FuelType.choices, required=False)
    purchase_date = serializers.DateField(required=False, allow_null=True)


class _EventPushSerializer(serializers.Serializer):
    store = serializers.CharField(
        required=False, allow_blank=True, max_length=10,
        help_text=_("Store code (e.g. GZ01); needed only when the token's user pushes to "
                    "several stores."),
    )  # fmt: skip
    customer = PushCustomerSerializer()
    vehicle = PushVehicleSerializer()


class DeliveryPushSerializer(_EventPushSerializer):
    """A vehicle handed over (交车): stored once per sales order number (else per vehicle and
    day)."""

    order_no = _text(64, help_text=_("Sales order number: the delivery's key in the store."))
    delivered_at = serializers.DateTimeField(
        help_text=_("ISO 8601; without an offset it is the store's local time.")
    )
    consultant_name = _text()
    price = _money(_("Price paid."))
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    note = _text()


class RepairOrderPushSerializer(_EventPushSerializer):
    """A repair order (维修工单): stored once per number; push it again when it is finished."""

    repair_order_no = serializers.CharField(max_length=64)
    visit_type = serializers.ChoiceField(choices=VisitType.choices, required=False)
    advisor_name = _text()
    technician_name = _text()
    fault_description = _text()
    work_summary = _text()
    mileage_km = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    date_in = serializers.DateTimeField()
    date_out = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text=_("When the vehicle left; a repair order with it is finished."),
    )  # fmt: skip
    labour_amount = _money(_("Labour charge."))
    parts_amount = _money(_("Parts charge."))
    status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)


class PushItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        help_text=_("Position of the item in the batch (0 for one object).")
    )
    field = serializers.CharField(help_text=_("E.g. customer.mobile, vehicle.vin, date_in."))
    message = serializers.CharField()


class PushItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    id = serializers.IntegerField(allow_null=True, help_text=_("The delivery or repair order."))
    customer_id = serializers.IntegerField(allow_null=True)
    vehicle_id = serializers.IntegerField(allow_null=True)


class PushResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = PushItemResultSerializer(many=True)
    errors = PushItemErrorSerializer(many=True)


class PushRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = PushItemErrorSerializer(many=True, required=False)
