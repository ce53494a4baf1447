"""REST endpoints of CSI: dashboard figures, own results, action plans, targets and attainment.

Thin over csi.selectors and csi.services. Figures are the same tables the dashboard draws and
exports (csi.tables), each naming the scoring model that made it.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dealercare.accounts.access import access_for
from dealercare.accounts.api.scoping import holds_capability
from dealercare.accounts.roles import Capability
from dealercare.core.api import StandardPagination
from dealercare.core.errors import ApplicationError
from dealercare.csi import selectors, services, tables
from dealercare.csi.analysis import PeriodKind
from dealercare.csi.forms import DashboardForm

from . import serializers as s

C = Capability
MSG_BAD_PERIOD = _("period must be one of week, month, quarter.")


def _period(request):
    period = request.query_params.get("period") or PeriodKind.MONTH
    if period not in [k.value for k in PeriodKind]:
        raise ApplicationError(MSG_BAD_PERIOD)
    return period


class DashboardView(APIView):
    """GET: the CSI figures of a period (same filters as the dashboard page)."""

    permission_classes = [IsAuthenticated, holds_capability(C.VIEW_CSI)]

    @extend_schema(responses=s.DashboardFiguresSerializer)
    def get(self, request):
        _period(request)
        stores = access_for(request.user).stores(C.VIEW_CSI)
        form = DashboardForm(request.query_params or None, stores=stores)
        if request.query_params and not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        data = selectors.dashboard(request.user, **form.params())
        return Response(
            {
                "period": data.period.label,
                "start": data.period.start,
                "end": data.period.end,
                "business": data.business,
                "stores": [st.code for st in data.stores],
                "scoring_model": data.model_code,
                "scale": data.scale,
                "overall": _show(
                    data.current.survey.overall_display if data.current.survey else None
                ),
                "answers": data.current.answers,
                "satisfied_rate": _show(data.current.pooled.satisfied_rate_display),
                "tables": {name: t.as_dict() for name, t in tables.build(data).items()},
            }
        )


def _show(value):
    return None if value is None else str(value)


def _day(request):
    """?day=YYYY-MM-DD picks the period; anything else means today."""
    try:
        return datetime.date.fromisoformat(request.query_params.get("day") or "")
    except ValueError:
        return None


class MyResultsView(APIView):
    """GET: the caller's own figures (any signed-in user)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.MyResultsSerializer)
    def get(self, request):
        results = selectors.own_results(
            request.user, period_kind=_period(request), day=_day(request)
        )
        return Response(
            {
                "period": results.period.label,
                "results": [
                    {
                        "business": business,
                        "as": str(breakdown),
                        "scoring_model": cat.model.code if cat.model else "",
                        "overall": _show(fig.survey.overall_display if fig.survey else None),
                        "satisfied_rate": _show(fig.pooled.satisfied_rate_display),
                        "answers": fig.answers,
                        "trend": [
                            {
                                "period": p.label,
                                "overall": _show(f.survey.overall_display if f.survey else None),
                            }
                            for p, f in trend
                        ],  # fmt: skip
                    }
                    for business, breakdown, fig, trend, cat in results.sections
                ],
                "targets": [_attainment_row(row) for row in results.attainments],
            }
        )


def _attainment_row(row):
    a = row.attainment
    return {
        "target": row.target.pk,
        "store": row.target.store_id,
        "scope": row.target.scope,
        "who": row.who,
        "metric": row.target.metric,
        "target_value": _show(a.target_display if a else row.target.value),
        "actual": _show(a.actual_display) if a else None,
        "answers": a.answers if a else 0,
        "reached": a.reached if a else None,
    }


class ActionPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Action plans of the caller's stores; POST/PATCH need MANAGE_SURVEYS; progress: owner."""

    permission_classes = [IsAuthenticated, holds_capability(C.VIEW_CSI)]
    pagination_class = StandardPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.plans_for_user(
            self.request.user, status=self.request.query_params.get("status") or None
        ).order_by("status", "due_date", "id")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.ActionPlanUpdateSerializer
        if self.action == "progress":
            return s.ProgressSerializer
        return s.ActionPlanSerializer

    def create(self, request, *args, **kwargs):
        if not access_for(request.user).has_anywhere(C.MANAGE_SURVEYS):
            raise PermissionDenied
        serializer = s.ActionPlanSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        store = fields.pop("store")
        plan = services.plan_create(actor=request.user, store=store, fields=fields)
        return Response(s.ActionPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        if not access_for(request.user).has(C.MANAGE_SURVEYS, plan.store_id):
            raise PermissionDenied
        serializer = s.ActionPlanUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data:
            plan = services.plan_update(
                actor=request.user, plan=plan, fields=dict(serializer.validated_data)
            )
        return Response(s.ActionPlanSerializer(plan).data)

    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Move the plan to a new status and/or add a note (owner or CS manager)."""
        plan = self.get_object()
        if not services.can_progress(request.user, plan):
            raise PermissionDenied
        serializer = s.ProgressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_progress(
            actor=request.user,
            plan=plan,
            status=serializer.validated_data.get("status") or None,
            note=serializer.validated_data.get("note", ""),
        )
        return Response(s.ActionPlanSerializer(plan).data)


class CsiTargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Targets of the caller's stores; POST/PATCH need SET_CSI_TARGETS."""

    permission_classes = [IsAuthenticated, holds_capability(C.VIEW_CSI)]
    pagination_class = StandardPagination
    serializer_class = s.CsiTargetSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.targets_for_user(self.request.user).order_by("id")

    def create(self, request, *args, **kwargs):
        if not access_for(request.user).has_anywhere(C.SET_CSI_TARGETS):
            raise PermissionDenied
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        store = fields.pop("store")
        target = services.target_create(actor=request.user, store=store, fields=fields)
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        target = self.get_object()
        if not access_for(request.user).has(C.SET_CSI_TARGETS, target.store_id):
            raise PermissionDenied
        serializer = self.get_serializer(target, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if k != "store"}
        if fields:
            target = services.target_update(actor=request.user, target=target, fields=fields)
        return Response(self.get_serializer(target).data)

    @action(detail=False, methods=["get"])
    def attainment(self, request):
        """Every active target with its attainment in the period (?period=week|month|quarter)."""
        period, rows = selectors.attainments(
            request.user, period_kind=_period(request), day=_day(request)
        )
        return Response({"period": period.label, "rows": [_attainment_row(r) for r in rows]})
