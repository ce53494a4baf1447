"""Complaint API bodies; mobiles masked unless the user may reveal them in that store."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealercare.accounts.api.scoping import ScopedPrimaryKeyRelatedField
from dealercare.accounts.models import User
from dealercare.accounts.roles import Capability
from dealercare.customers.api.serializers import MaskedPhoneField
from dealercare.customers.models import Customer, Vehicle
from dealercare.customers.selectors import customers_for_user, vehicles_for_user

from ..choices import (
    MANUAL_ACTIONS,
    ComplaintChannel,
    CustomerSatisfaction,
    Department,
    Severity,
)
from ..flow import Transition
from ..models import (
    Complaint,
    ComplaintAction,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintReason,
)
from ..selectors import categories_for_user

C = Capability


class ComplaintRowSerializer(serializers.ModelSerializer):
    store_code = serializers.CharField(source="store.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contact_mobile = MaskedPhoneField()
    category_name = serializers.CharField(source="category.name", default=None, read_only=True)
    reason_name = serializers.CharField(source="reason.name", default=None, read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", default=None, read_only=True)

    class Meta:
        model = Complaint
        fields = (
            "id", "number", "store", "store_code", "customer", "customer_name", "vehicle",
            "contact_name", "contact_mobile", "channel", "received_at", "promised_reply_at",
            "category", "category_name", "reason", "reason_name", "severity", "status",
            "department", "owner", "owner_name", "acknowledge_due_at", "solution_due_at",
            "escalation_level", "breach_count", "repeat_of", "closed_at",
        )  # fmt: skip
        read_only_fields = fields


class ActionSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.__str__", default=None, read_only=True)

    class Meta:
        model = ComplaintAction
        fields = ("id", "kind", "at", "actor", "actor_name", "from_status", "to_status", "note",
                  "data")  # fmt: skip
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintAttachment
        fields = ("id", "original_name", "content_type", "kind", "size", "created_at", "url")
        read_only_fields = fields

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("complaints:attachment", args=[obj.pk])


class ComplaintDetailSerializer(ComplaintRowSerializer):
    actions = ActionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(ComplaintRowSerializer.Meta):
        fields = (*ComplaintRowSerializer.Meta.fields, "description", "customer_request",
                  "solution", "result", "satisfaction", "prevention", "acknowledged_at",
                  "assigned_at", "solution_proposed_at", "resolved_at",
                  "satisfaction_confirmed_at", "waiting_since", "origin_type", "origin_id",
                  "actions", "attachments")  # fmt: skip
        read_only_fields = fields


NOT_FOUND = _("No such record in your stores.")


class ComplaintCreateSerializer(serializers.Serializer):
    customer = ScopedPrimaryKeyRelatedField(model=Customer, scope=customers_for_user,
                                            not_found=NOT_FOUND)  # fmt: skip
    vehicle = ScopedPrimaryKeyRelatedField(
        model=Vehicle, scope=vehicles_for_user, not_found=NOT_FOUND, required=False, allow_null=True
    )
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices)
    description = serializers.CharField(max_length=5000)
    customer_request = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    promised_reply_at = serializers.DateTimeField(required=False, allow_null=True)
    reason = ScopedPrimaryKeyRelatedField(
        model=ComplaintReason, not_found=NOT_FOUND, required=False, allow_null=True,
        scope=lambda user: ComplaintReason.objects.filter(
            category__in=categories_for_user(user)),
    )  # fmt: skip
    category = ScopedPrimaryKeyRelatedField(
        model=ComplaintCategory, not_found=NOT_FOUND, required=False, allow_null=True,
        scope=categories_for_user,
    )  # fmt: skip
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    origin_type = serializers.ChoiceField(choices=["followup_task", "survey_response"],
                                          required=False)  # fmt: skip
    origin_id = serializers.IntegerField(required=False, min_value=1)

    def validate(self, data):
        vehicle = data.get("vehicle")
        if vehicle is not None and vehicle.store_id != data["customer"].store_id:
            raise serializers.ValidationError({"vehicle": NOT_FOUND})
        reason = data.get("reason")
        if reason is not None and data.get("category") is None:
            data["category"] = reason.category
        return data


class TransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=[t.value for t in Transition])
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True),
                                               required=False, allow_null=True)  # fmt: skip
    department = serializers.ChoiceField(choices=Department.choices, required=False)
    solution = serializers.CharField(required=False, allow_blank=True)
    result = serializers.CharField(required=False, allow_blank=True)
    satisfaction = serializers.ChoiceField(choices=CustomerSatisfaction.choices, required=False)
    prevention = serializers.CharField(required=False, allow_blank=True)


class ActionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k.value for k in MANUAL_ACTIONS])
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True),
                                               required=False, allow_null=True)  # fmt: skip
    when = serializers.DateTimeField(required=False, allow_null=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintReason
        fields = ("id", "code", "name", "order", "is_active")


class CategorySerializer(serializers.ModelSerializer):
    reasons = ReasonSerializer(many=True, read_only=True)

    class Meta:
        model = ComplaintCategory
        fields = ("id", "store", "code", "name", "order", "is_active", "reasons")
