"""REST endpoints of the agent's follow-up work: tasks, "next", attempts, release, hand-offs.
Thin over followups.selectors / handoffs (reads) and followups.queue / handoffs (writes)."""

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dealercare.accounts.api.scoping import MSG_ROLE_CANNOT, holds_capability
from dealercare.accounts.models import User
from dealercare.accounts.roles import Capability
from dealercare.core.api import StandardPagination

from .. import handoffs, queue, selectors
from ..choices import OPEN_STATUSES, Channel, TaskKind, TaskStatus
from ..models import FollowUpAttempt
from ..scripts import render_script
from ..services import script_values
from . import serializers as s

MSG_OWNER_NOT_FOUND = _("No such user.")


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=TaskKind.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    due = serializers.ChoiceField(choices=["overdue", "now", "later"], required=False)
    due_before = serializers.DateTimeField(required=False)
    due_after = serializers.DateTimeField(required=False)
    mine = serializers.BooleanField(required=False)


TASK_FILTERS = [
    OpenApiParameter("status", str, enum=TaskStatus.values),
    OpenApiParameter("kind", str, enum=TaskKind.values),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("due", str, enum=["overdue", "now", "later"],
                     description="overdue: due time passed; now: window open, not overdue; "
                                 "later: window not open yet."),
    OpenApiParameter("due_before", str, description="ISO datetime"),
    OpenApiParameter("due_after", str, description="ISO datetime"),
    OpenApiParameter("mine", bool, description="Only tasks claimed by or assigned to me."),
]  # fmt: skip


@extend_schema(tags=["follow-ups"])
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-up tasks of the stores where you work follow-ups (mobiles masked)."""

    permission_classes = [IsAuthenticated, holds_capability(Capability.WORK_FOLLOWUPS)]
    serializer_class = s.TaskSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        queryset = selectors.tasks_for_user(self.request.user)
        if self.action == "retrieve":
            attempts = FollowUpAttempt.objects.select_related("agent").order_by("-at", "-id")
            queryset = queryset.prefetch_related(Prefetch("attempts", queryset=attempts))
        return queryset.order_by("due_at", "priority", "pk")

    def get_serializer_class(self):
        return s.TaskDetailSerializer if self.action == "retrieve" else s.TaskSerializer

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = TaskFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data, now = params.validated_data, timezone.now()
        for name in ("status", "kind", "channel"):
            if name in data:
                queryset = queryset.filter(**{name: data[name]})
        if "due_before" in data:
            queryset = queryset.filter(due_at__lt=data["due_before"])
        if "due_after" in data:
            queryset = queryset.filter(due_at__gte=data["due_after"])
        due = data.get("due")
        if due == "overdue":
            queryset = queryset.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        elif due == "now":
            queryset = queryset.filter(
                status__in=OPEN_STATUSES, window_start__lte=now, due_at__gte=now
            )
        elif due == "later":
            queryset = queryset.filter(status__in=OPEN_STATUSES, window_start__gt=now)
        if data.get("mine"):
            user = self.request.user
            queryset = queryset.filter(Q(owner=user) | Q(claimed_by=user))
        return queryset

    @extend_schema(parameters=TASK_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        task = self.get_object()
        template = task.rule.script_for(task.customer.customer_type)
        task.script = render_script(template, script_values(task, agent=request.user))
        return Response(s.TaskDetailSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(
        request=s.AttemptInputSerializer,
        responses={201: s.AttemptSerializer, 400: OpenApiResponse(description="Refused")},
    )
    @action(detail=True, methods=["post"], url_path="attempts")
    def attempts(self, request, pk=None):
        """Record one call: reached (with satisfaction), no answer, busy, wrong number, refused,
        call back at a time."""
        task = self.get_object()
        body = s.AttemptInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attempt = queue.record_attempt(task=task, agent=request.user, **body.validated_data)
        return Response(s.AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Give a task you claimed back to the pool without calling."""
        task = queue.release(task=self.get_object(), agent=request.user)
        return Response(s.TaskSerializer(task).data)


@extend_schema(
    tags=["follow-ups"],
    request=None,
    responses={200: OpenApiResponse(description="{task: the claimed task, or null}")},
)
class NextTaskView(APIView):
    """Claim the most urgent task you may call now (or get back the one you hold)."""

    permission_classes = [IsAuthenticated, holds_capability(Capability.WORK_FOLLOWUPS)]

    def post(self, request):
        task = queue.claim_next(request.user)
        data = s.TaskSerializer(task).data if task is not None else None
        return Response({"task": data})


class MayListHandOffs(BasePermission):
    message = MSG_ROLE_CANNOT

    def has_permission(self, request, view):
        return handoffs.may_list_handoffs(request.user)


@extend_schema(tags=["follow-ups"])
class HandOffViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Problems handed from follow-up calls to the service or sales department."""

    permission_classes = [IsAuthenticated, MayListHandOffs]
    pagination_class = StandardPagination

    def get_queryset(self):
        queryset = handoffs.handoffs_for_user(self.request.user)
        if self.action == "list":
            scope = self.request.query_params.get("scope", "")
            status_filter = self.request.query_params.get("status", "")
            if scope in ("mine", "department", "all"):
                queryset = handoffs.handoff_list(
                    self.request.user, scope=scope, status=status_filter
                )
            elif status_filter:
                queryset = handoffs.handoff_list(
                    self.request.user, scope="visible", status=status_filter
                )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("updates__actor")
        return queryset.order_by("due_on", "pk")

    def get_serializer_class(self):
        if self.action == "create":
            return s.HandOffInputSerializer
        return s.HandOffDetailSerializer if self.action == "retrieve" else s.HandOffSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", str, enum=["mine", "department", "all"]),
            OpenApiParameter("status", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.HandOffInputSerializer, responses={201: s.HandOffDetailSerializer})
    def create(self, request, *args, **kwargs):
        body = s.HandOffInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            task = selectors.task_get(request.user, data["task"])
        except Http404:
            raise ValidationError({"task": [s.MSG_TASK_NOT_FOUND]}) from None
        owner = User.objects.filter(pk=data["owner"]).first()
        if owner is None:
            raise ValidationError({"owner": [MSG_OWNER_NOT_FOUND]})
        handoff = handoffs.handoff_create(
            actor=request.user, task=task, customer=task.customer, vehicle=task.vehicle,
            department=data["department"], owner=owner, due_on=data["due_on"],
            description=data["description"],
        )  # fmt: skip
        return Response(s.HandOffDetailSerializer(handoff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.HandOffMoveSerializer, responses={200: s.HandOffDetailSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Move a hand-off on: in_progress, resolved (note = the result), customer_informed."""
        handoff = self.get_object()
        body = s.HandOffMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        handoff = handoffs.handoff_move(actor=request.user, handoff=handoff, **body.validated_data)
        return Response(s.HandOffDetailSerializer(handoff).data)
