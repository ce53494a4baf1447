"""Serializers of the CSI API: action plans and targets (figures are served as tables)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealercare.accounts.access import access_for
from dealercare.accounts.api.scoping import ScopedPrimaryKeyRelatedField
from dealercare.accounts.models import Store, User
from dealercare.accounts.roles import Capability
from dealercare.csi.choices import PlanStatus
from dealercare.csi.models import ActionPlan, CsiTarget

MSG_NO_STORE = _("No such store among yours.")
MSG_NO_USER = _("No such user.")


def _stores(capability):
    return lambda user: Store.objects.filter(id__in=access_for(user).store_ids(capability))


def _colleagues(user):
    """Users of the stores where the caller sees CSI (owners, people with targets)."""
    ids = access_for(user).store_ids(Capability.VIEW_CSI)
    return User.objects.filter(memberships__store_id__in=ids).distinct()


class ActionPlanSerializer(serializers.ModelSerializer):
    store = ScopedPrimaryKeyRelatedField(
        model=Store, scope=_stores(Capability.MANAGE_SURVEYS), not_found=MSG_NO_STORE
    )
    owner = ScopedPrimaryKeyRelatedField(model=User, scope=_colleagues, not_found=MSG_NO_USER)

    class Meta:
        model = ActionPlan
        fields = ("id", "store", "kind", "business", "item_code", "item_text", "period_label",
                  "finding_note", "cause_analysis", "measures", "owner", "due_date", "status",
                  "done_at", "verified_at", "created_at", "updated_at")  # fmt: skip
        read_only_fields = ("status", "done_at", "verified_at", "created_at", "updated_at")


class ActionPlanUpdateSerializer(serializers.ModelSerializer):
    owner = ScopedPrimaryKeyRelatedField(model=User, scope=_colleagues, not_found=MSG_NO_USER)

    class Meta:
        model = ActionPlan
        fields = ActionPlan.EDITABLE_FIELDS


class ProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlanStatus.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CsiTargetSerializer(serializers.ModelSerializer):
    store = ScopedPrimaryKeyRelatedField(
        model=Store, scope=_stores(Capability.SET_CSI_TARGETS), not_found=MSG_NO_STORE
    )
    person = ScopedPrimaryKeyRelatedField(
        model=User, scope=_colleagues, not_found=MSG_NO_USER, required=False, allow_null=True
    )

    class Meta:
        model = CsiTarget
        fields = ("id", "store", *CsiTarget.EDITABLE_FIELDS, "created_at", "updated_at")
        read_only_fields = ("created_at", "updated_at")


# --- the figures endpoints' answers (documentation for the OpenAPI schema) --------------------


class DashboardFiguresSerializer(serializers.Serializer):
    """GET /api/csi/dashboard/: every figure names the scoring model that made it."""

    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    business = serializers.CharField()
    stores = serializers.ListField(child=serializers.CharField())
    scoring_model = serializers.CharField()
    scale = serializers.IntegerField()
    overall = serializers.CharField(allow_null=True, help_text="one decimal, as shown")
    answers = serializers.IntegerField()
    satisfied_rate = serializers.CharField(allow_null=True)
    tables = serializers.DictField(
        help_text="the dashboard's tables by name: title, columns, rows (as its XLSX exports)"
    )


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    overall = serializers.CharField(allow_null=True)


# One of the caller's result sections; built with type() because one field is named "as".
OwnResultSerializer = type(
    "OwnResultSerializer",
    (serializers.Serializer,),
    {
        "business": serializers.CharField(),
        "as": serializers.CharField(help_text="advisor, technician or consultant"),
        "scoring_model": serializers.CharField(),
        "overall": serializers.CharField(allow_null=True),
        "satisfied_rate": serializers.CharField(allow_null=True),
        "answers": serializers.IntegerField(),
        "trend": TrendPointSerializer(many=True),
    },
)


class MyResultsSerializer(serializers.Serializer):
    """GET /api/csi/me/: the caller's own figures and targets."""

    period = serializers.CharField()
    results = OwnResultSerializer(many=True)
    targets = serializers.ListField(child=serializers.DictField())
