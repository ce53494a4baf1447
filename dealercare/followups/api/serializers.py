"""Follow-up tasks, attempts and hand-offs as the API shows and takes them.

Customers' mobiles go out masked (138****5678), whatever the role: the full number comes only
from the customers' reveal-phone endpoint, which is audited.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dealercare.accounts.models import User
from dealercare.customers.api.serializers import MaskedPhoneField
from dealercare.customers.models import Customer, Vehicle

from ..choices import (
    AttemptOutcome,
    CallSatisfaction,
    Channel,
    Department,
    EventType,
    HandOffStatus,
    TaskKind,
    TaskOutcome,
    TaskStatus,
)
from ..models import FollowUpAttempt, FollowUpTask, HandOff, HandOffUpdate

MSG_TASK_NOT_FOUND = _("No such follow-up in your stores.")


def choice(choices, **kwargs):
    """A choice field whose values the schema lists in its description: several choice sets
    here share a field name (status, kind, outcome) with other apps' enums, and the schema's
    enum components are named by field."""
    values = ", ".join(value for value, _label in choices)
    field_class = extend_schema_field({"type": "string", "description": f"One of: {values}."})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


class TaskCustomerSerializer(serializers.ModelSerializer):
    mobile_masked = MaskedPhoneField(source="mobile")
    title = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = ("id", "number", "name", "title", "customer_type", "mobile_masked")
        read_only_fields = fields


class TaskVehicleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vehicle
        fields = ("id", "plate", "vin", "brand", "model_name")
        read_only_fields = fields


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "name")
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    agent = UserRefSerializer(read_only=True)
    outcome = choice(AttemptOutcome.choices, read_only=True)

    class Meta:
        model = FollowUpAttempt
        fields = ("id", "at", "agent", "outcome", "call_back_at", "notes", "forbidden_phrases")
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    customer = TaskCustomerSerializer(read_only=True)
    vehicle = TaskVehicleSerializer(read_only=True)
    store = serializers.CharField(source="store.code", read_only=True)
    kind = choice(TaskKind.choices, read_only=True)
    channel = choice(Channel.choices, read_only=True)
    status = choice(TaskStatus.choices, read_only=True)
    outcome = choice(TaskOutcome.choices, read_only=True)
    event_type = choice(EventType.choices, read_only=True)
    satisfaction = choice(CallSatisfaction.choices, read_only=True)

    class Meta:
        model = FollowUpTask
        fields = (
            "id", "store", "kind", "channel", "event_type", "event_id", "event_at", "customer",
            "vehicle", "priority", "window_start", "due_at", "status", "owner", "claimed_by",
            "claim_expires_at", "attempts_count", "outcome", "satisfaction", "closed_at",
        )  # fmt: skip
        read_only_fields = fields


class TaskDetailSerializer(TaskSerializer):
    attempts = AttemptSerializer(many=True, read_only=True)
    script = serializers.CharField(read_only=True, help_text=_("The script, placeholders filled."))

    class Meta(TaskSerializer.Meta):
        fields = (*TaskSerializer.Meta.fields, "script", "attempts")
        read_only_fields = fields


class AttemptInputSerializer(serializers.Serializer):
    outcome = choice(AttemptOutcome.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    call_back_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    satisfaction = choice(CallSatisfaction.choices, required=False, allow_blank=True, default="")
    stop_calls = serializers.BooleanField(
        required=False, default=False,
        help_text="With outcome `refused`: the customer asks not to be called again; phone "
        "consent is withdrawn and this and their other pending follow-ups go by SMS.",
    )  # fmt: skip


class HandOffUpdateSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True)
    status_from = choice(HandOffStatus.choices, read_only=True)
    status_to = choice(HandOffStatus.choices, read_only=True)

    class Meta:
        model = HandOffUpdate
        fields = ("at", "actor", "status_from", "status_to", "note")
        read_only_fields = fields


class HandOffSerializer(serializers.ModelSerializer):
    customer = TaskCustomerSerializer(read_only=True)
    vehicle = TaskVehicleSerializer(read_only=True)
    owner = UserRefSerializer(read_only=True)
    created_by = UserRefSerializer(read_only=True)
    store = serializers.CharField(source="store.code", read_only=True)
    status = choice(HandOffStatus.choices, read_only=True)
    department = choice(Department.choices, read_only=True)

    class Meta:
        model = HandOff
        fields = (
            "id", "store", "task", "customer", "vehicle", "department", "owner", "due_on",
            "description", "status", "resolution", "created_by", "created_at", "resolved_at",
            "informed_at",
        )  # fmt: skip
        read_only_fields = fields


class HandOffDetailSerializer(HandOffSerializer):
    updates = HandOffUpdateSerializer(many=True, read_only=True)

    class Meta(HandOffSerializer.Meta):
        fields = (*HandOffSerializer.Meta.fields, "updates")
        read_only_fields = fields


class HandOffInputSerializer(serializers.Serializer):
    """A new hand-off from a follow-up task: the task's customer and vehicle are used."""

    task = serializers.IntegerField()
    department = choice(Department.choices)
    owner = serializers.IntegerField()
    due_on = serializers.DateField()
    description = serializers.CharField()


class HandOffMoveSerializer(serializers.Serializer):
    status = choice(HandOffStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
