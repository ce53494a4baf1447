"""Customers and vehicles as the API shows and takes them.

Mobile numbers go out masked (138****5678); the full number only comes from reveal-phone.
Identifiers are checked with the same validators (and so the same messages) as the models;
ids in a body must name rows the user may see.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealercare.accounts.api.scoping import ScopedPrimaryKeyRelatedField
from dealercare.core.validators import (
    mask_mobile,
    validate_mobile,
    validate_phone,
    validate_plate,
    validate_uscc,
    validate_vin,
)
from dealercare.customers.choices import ConsentChannel, ConsentMethod
from dealercare.customers.models import (
    CompanyContact,
    ConsentRecord,
    Customer,
    Vehicle,
    VehicleOwnership,
)
from dealercare.customers.selectors import MSG_NOT_FOUND, customers_for_user
from dealercare.customers.services import MSG_REASON_REQUIRED

MSG_MASKED = _("Masked; the full number comes from reveal-phone, which is audited.")


class MaskedPhoneField(serializers.CharField):
    """A phone number shown as 138****5678."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True, help_text=MSG_MASKED)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return mask_mobile(value)


def _phone_input(validator, **kwargs):
    """A writable phone field: any format the model can normalise (+86, spaces, dashes)."""
    return serializers.CharField(
        required=False, allow_blank=True, validators=[validator], write_only=True, **kwargs
    )


def _identifier_input(validator):
    """A VIN, plate or USCC as typed; the model stores its canonical form."""
    return serializers.CharField(required=False, allow_blank=True, validators=[validator])


def _reason_field():
    # Same message as the services give, whichever layer notices first.
    messages = dict.fromkeys(("required", "blank", "min_length", "null"), MSG_REASON_REQUIRED)
    return serializers.CharField(min_length=2, error_messages=messages)


# --- read ---------------------------------------------------------------------------------------


class CustomerRefSerializer(serializers.ModelSerializer):
    """A customer named inside another record (owner, merged-from)."""

    class Meta:
        model = Customer
        fields = ("id", "number", "name")
        read_only_fields = fields


class VehiclePlateSerializer(serializers.ModelSerializer):
    """The vehicles shown on a customer list row."""

    class Meta:
        model = Vehicle
        fields = ("id", "plate", "model_name")
        read_only_fields = fields


class VehicleBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vehicle
        fields = ("id", "vin", "plate", "brand", "model_name", "colour", "fuel_type",
                  "delivery_date", "mileage_km")  # fmt: skip
        read_only_fields = fields


class CompanyContactSerializer(serializers.ModelSerializer):
    mobile_masked = MaskedPhoneField(source="mobile")

    class Meta:
        model = CompanyContact
        fields = ("id", "name", "position", "mobile_masked", "is_key")
        read_only_fields = fields


class ConsentRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentRecord
        fields = ("id", "channel", "granted", "method", "note", "recorded_at", "recorded_by")
        read_only_fields = fields


class CustomerRowSerializer(serializers.ModelSerializer):
    """A row of the customer list or of search results."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    mobile_masked = MaskedPhoneField(source="mobile")
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    vehicles = VehiclePlateSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ("id", "number", "store", "store_code", "kind", "name", "gender",
                  "mobile_masked", "customer_type", "value_tier", "lifecycle_state", "city",
                  "tags", "vehicles", "last_delivery_on", "last_visit_on", "created_at")  # fmt: skip
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    """A customer's own fields (no related lists)."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    mobile_masked = MaskedPhoneField(source="mobile")
    phone_other_masked = MaskedPhoneField(source="phone_other")

    class Meta:
        model = Customer
        fields = ("id", "number", "store", "store_code", "kind", "name", "gender", "birth_date",
                  "mobile_masked", "phone_other_masked", "wechat", "email", "province", "city",
                  "address", "occupation", "purchase_purpose", "source", "uscc",
                  "customer_type", "value_tier", "lifecycle_state", "allow_phone", "allow_sms",
                  "allow_marketing", "quiet_hours_start", "quiet_hours_end", "notes",
                  "last_delivery_on", "last_visit_on", "merged_into", "created_at",
                  "updated_at")  # fmt: skip
        read_only_fields = fields


class CustomerDetailSerializer(CustomerSerializer):
    """The 360 view: serialises the dict of selectors.customer_detail without further queries."""

    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    vehicles = VehicleBriefSerializer(many=True, read_only=True)
    contacts = CompanyContactSerializer(many=True, read_only=True)
    consents = ConsentRecordSerializer(
        many=True, read_only=True, help_text=_("The latest consent records, newest first.")
    )
    merged_from = CustomerRefSerializer(many=True, read_only=True)

    RELATED = ("tags", "vehicles", "contacts", "consents", "merged_from")

    class Meta(CustomerSerializer.Meta):
        fields = (*CustomerSerializer.Meta.fields,
                  "tags", "vehicles", "contacts", "consents", "merged_from")  # fmt: skip
        read_only_fields = fields

    def to_representation(self, detail):
        data = CustomerSerializer(detail["customer"], context=self.context).data
        for name in self.RELATED:
            data[name] = self.fields[name].to_representation(detail[name])
        return data


class OwnershipSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)

    class Meta:
        model = VehicleOwnership
        fields = ("id", "customer", "started_on", "ended_on", "reason")
        read_only_fields = fields


class VehicleSerializer(serializers.ModelSerializer):
    store_code = serializers.CharField(source="store.code", read_only=True)
    owner = CustomerRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Vehicle
        fields = ("id", "store", "store_code", "vin", "plate", "brand", "model_name", "colour",
                  "fuel_type", "purchase_date", "delivery_date", "mileage_km", "warranty_end",
                  "insurance_end", "inspection_due", "owner", "created_at",
                  "updated_at")  # fmt: skip
        read_only_fields = fields


class VehicleDetailSerializer(VehicleSerializer):
    """A vehicle with who owned it from when to when, newest first."""

    ownerships = OwnershipSerializer(many=True, read_only=True)

    class Meta(VehicleSerializer.Meta):
        fields = (*VehicleSerializer.Meta.fields, "ownerships")
        read_only_fields = fields

    def to_representation(self, detail):
        data = VehicleSerializer(detail["vehicle"], context=self.context).data
        data["ownerships"] = self.fields["ownerships"].to_representation(detail["ownerships"])
        return data


# --- write --------------------------------------------------------------------------------------


class CompanyContactInputSerializer(serializers.ModelSerializer):
    mobile = _phone_input(validate_mobile)

    class Meta:
        model = CompanyContact
        fields = ("name", "position", "mobile", "is_key")
        validators = []


class CustomerUpdateSerializer(serializers.ModelSerializer):
    """Fields a customer edit may change; `tags` replaces the customer's tags by name."""

    mobile = _phone_input(validate_mobile, help_text=_("Any format: +86, spaces, dashes."))
    phone_other = _phone_input(validate_phone)
    uscc = _identifier_input(validate_uscc)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, write_only=True
    )

    class Meta:
        model = Customer
        fields = (*Customer.EDITABLE_FIELDS, "tags")
        # Duplicates are the service's to find: it answers 409 with the existing customer.
        validators = []


class CustomerCreateSerializer(CustomerUpdateSerializer):
    store = serializers.IntegerField(
        help_text=_("A store where you may edit customers."), write_only=True
    )
    contacts = CompanyContactInputSerializer(many=True, required=False, write_only=True)

    class Meta(CustomerUpdateSerializer.Meta):
        fields = ("store", *CustomerUpdateSerializer.Meta.fields, "contacts")


class RevealPhoneSerializer(serializers.Serializer):
    reason = _reason_field()


class RevealedPhoneSerializer(serializers.Serializer):
    mobile = serializers.CharField(help_text=_("The full number; this reveal was audited."))


class CustomerMergeSerializer(serializers.Serializer):
    """Fold the customer `source_id` into the customer of the URL, which is kept."""

    source_id = ScopedPrimaryKeyRelatedField(
        model=Customer, scope=customers_for_user, not_found=MSG_NOT_FOUND, source="source"
    )
    reason = _reason_field()


class ConsentInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    granted = serializers.BooleanField()
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VehicleUpdateSerializer(serializers.ModelSerializer):
    vin = _identifier_input(validate_vin)
    plate = _identifier_input(validate_plate)

    class Meta:
        model = Vehicle
        fields = Vehicle.EDITABLE_FIELDS
        validators = []


class VehicleCreateSerializer(VehicleUpdateSerializer):
    owner = ScopedPrimaryKeyRelatedField(
        model=Customer, scope=customers_for_user, not_found=MSG_NOT_FOUND
    )
    started_on = serializers.DateField(
        required=False, help_text=_("Owned since; defaults to the delivery date, else today.")
    )

    class Meta(VehicleUpdateSerializer.Meta):
        fields = ("owner", *VehicleUpdateSerializer.Meta.fields, "started_on")


class VehicleTransferSerializer(serializers.Serializer):
    new_owner_id = ScopedPrimaryKeyRelatedField(
        model=Customer, scope=customers_for_user, not_found=MSG_NOT_FOUND, source="new_owner"
    )
    on_date = serializers.DateField(required=False, help_text=_("Defaults to today."))
