"""REST endpoints of complaints: thin over complaints.selectors and complaints.services."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.api.scoping import holds_capability
from dealercare.accounts.roles import Capability

from .. import selectors, services
from ..models import ComplaintAttachment
from . import serializers as s

C = Capability


class ComplaintCursorPagination(CursorPagination):
    """Newest first by (received_at, id): an index range scan per page, no COUNT(*)."""

    ordering = ("-received_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):  # fmt: skip
    """Complaints of the user's stores, newest first; writes through the services."""

    permission_classes = [IsAuthenticated, holds_capability(C.VIEW_COMPLAINTS)]
    serializer_class = s.ComplaintRowSerializer
    filterset_class = None
    filter_backends = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = ComplaintCursorPagination

    def get_queryset(self):
        p = self.request.query_params
        store = p.get("store", "")
        return selectors.complaint_list(
            self.request.user, store=int(store) if store.isdigit() else None,
            status=p.get("status", ""), severity=p.get("severity", ""),
            category=p.get("category", ""), channel=p.get("channel", ""),
            department=p.get("department", ""), mine=p.get("mine") == "1",
            overdue=p.get("overdue") == "1", q=p.get("q", "") or p.get("search", ""),
        )  # fmt: skip

    def retrieve(self, request, pk=None):
        complaint = selectors.complaint_get(request.user, pk)
        complaint = type(complaint).objects.select_related(*selectors.LIST_RELATED).prefetch_related(
            "actions__actor", "attachments").get(pk=complaint.pk)  # fmt: skip
        return Response(s.ComplaintDetailSerializer(complaint, context={"request": request}).data)

    def _detail(self, complaint, code=status.HTTP_200_OK):
        return self.retrieve_response(complaint.pk, code)

    def retrieve_response(self, pk, code):
        response = self.retrieve(self.request, pk)
        response.status_code = code
        return response

    @extend_schema(request=s.ComplaintCreateSerializer,
                   responses={201: s.ComplaintDetailSerializer})  # fmt: skip
    def create(self, request):
        if not access_for(request.user).has_anywhere(C.HANDLE_COMPLAINTS):
            raise PermissionDenied(MSG_NO_PERMISSION)
        body = s.ComplaintCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        customer = data.pop("customer")
        complaint = services.complaint_create(actor=request.user, store=customer.store,
                                              customer=customer, **data)  # fmt: skip
        return self._detail(complaint, status.HTTP_201_CREATED)

    def _own(self, pk):
        if not access_for(self.request.user).has_anywhere(C.HANDLE_COMPLAINTS):
            raise PermissionDenied(MSG_NO_PERMISSION)
        return selectors.complaint_get(self.request.user, pk)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.ComplaintDetailSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        complaint = self._own(pk)
        body = s.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.complaint_transition(actor=request.user, complaint=complaint,
                                      **body.validated_data)  # fmt: skip
        return self._detail(complaint)

    @extend_schema(request=s.ActionCreateSerializer, responses={200: s.ActionSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def actions(self, request, pk=None):
        if request.method == "GET":
            complaint = selectors.complaint_get(request.user, pk)
            rows = complaint.actions.select_related("actor")
            return Response(s.ActionSerializer(rows, many=True).data)
        complaint = self._own(pk)
        body = s.ActionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        line = services.complaint_record_action(actor=request.user, complaint=complaint,
                                                **body.validated_data)  # fmt: skip
        return Response(s.ActionSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AttachmentUploadSerializer,
                   responses={200: s.AttachmentSerializer(many=True)})  # fmt: skip
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        if request.method == "GET":
            complaint = selectors.complaint_get(request.user, pk)
            rows = ComplaintAttachment.objects.filter(complaint=complaint)
            return Response(s.AttachmentSerializer(rows, many=True).data)
        complaint = self._own(pk)
        body = s.AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = services.attachment_add(actor=request.user, complaint=complaint,
                                             upload=body.validated_data["file"])  # fmt: skip
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The complaint categories and their reasons of the user's stores."""

    permission_classes = [IsAuthenticated, holds_capability(C.VIEW_COMPLAINTS)]
    serializer_class = s.CategorySerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.categories_for_user(self.request.user).order_by("store_id", "order", "id")
