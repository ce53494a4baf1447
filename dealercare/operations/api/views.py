"""REST endpoints of deliveries, service visits and prospects: the DMS push and read API.

Creates are recorded with source "api"; a duplicate sales order or repair order number is a 409
naming the existing record, so a DMS can retry safely.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from dealercare.accounts.api.scoping import holds_capability
from dealercare.accounts.roles import Capability
from dealercare.operations import selectors, services
from dealercare.operations.choices import EventSource
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit

from . import serializers as s
from .filters import DeliveryFilter, InquiryFilter, ServiceVisitFilter

R403 = OpenApiResponse(description=_("Your role may not do this in this store."))
R404 = OpenApiResponse(description=_("No such record in your stores."))
R409 = OpenApiResponse(description=_("Duplicate number: the body gives existing_id."))


class _EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shared shape: scoped list and detail; create and edit through the app's services."""

    permission_classes = [IsAuthenticated, holds_capability(Capability.VIEW_CUSTOMERS)]
    http_method_names = ["get", "post", "patch", "head", "options"]
    not_found = _("Not found.")

    def get_object(self):
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (self.queryset.model.DoesNotExist, ValueError):
            raise Http404(self.not_found) from None

    def _created(self, instance):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.serializer_class(instance).data, status=status.HTTP_201_CREATED)

    def _updated(self, instance):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.serializer_class(instance).data)


@extend_schema_view(retrieve=extend_schema(responses={200: s.DeliverySerializer, 404: R404}))
class DeliveryViewSet(_EventViewSet):
    """Vehicles handed over to their buyers (交车)."""

    queryset = Delivery.objects.none()
    serializer_class = s.DeliverySerializer
    filterset_class = DeliveryFilter
    not_found = _("No such delivery in your stores.")

    def get_queryset(self):
        return selectors.deliveries_for_user(self.request.user).order_by("-delivered_at", "-id")

    @extend_schema(
        request=s.DeliveryCreateSerializer,
        responses={201: s.DeliverySerializer, 403: R403, 409: R409},
    )
    def create(self, request):
        serializer = s.DeliveryCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        customer, vehicle = fields.pop("customer"), fields.pop("vehicle")
        delivery = services.delivery_create(
            actor=request.user, store=customer.store, customer=customer, vehicle=vehicle,
            fields=fields, source=EventSource.API,
        )  # fmt: skip
        return self._created(delivery)

    @extend_schema(
        request=s.DeliveryUpdateSerializer,
        responses={200: s.DeliverySerializer, 403: R403, 404: R404, 409: R409},
    )
    def partial_update(self, request, pk=None):
        delivery = self.get_object()
        serializer = s.DeliveryUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        delivery = services.delivery_update(actor=request.user, delivery=delivery, fields=fields)
        return self._updated(delivery)


@extend_schema_view(retrieve=extend_schema(responses={200: s.ServiceVisitSerializer, 404: R404}))
class ServiceVisitViewSet(_EventViewSet):
    """Repair orders (维修工单): in the workshop, finished (the vehicle left) or cancelled."""

    queryset = ServiceVisit.objects.none()
    serializer_class = s.ServiceVisitSerializer
    filterset_class = ServiceVisitFilter
    not_found = _("No such service visit in your stores.")

    def get_queryset(self):
        return selectors.service_visits_for_user(self.request.user).order_by("-date_in", "-id")

    @extend_schema(
        request=s.ServiceVisitCreateSerializer,
        responses={201: s.ServiceVisitSerializer, 403: R403, 409: R409},
    )
    def create(self, request):
        serializer = s.ServiceVisitCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        customer, vehicle = fields.pop("customer"), fields.pop("vehicle")
        visit = services.service_visit_create(
            actor=request.user, store=customer.store, customer=customer, vehicle=vehicle,
            repair_order_no=fields.pop("repair_order_no"), fields=fields,
            source=EventSource.API,
        )  # fmt: skip
        return self._created(visit)

    @extend_schema(
        request=s.ServiceVisitUpdateSerializer,
        responses={200: s.ServiceVisitSerializer, 403: R403, 404: R404},
    )
    def partial_update(self, request, pk=None):
        visit = self.get_object()
        serializer = s.ServiceVisitUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        visit = services.service_visit_update(
            actor=request.user, visit=visit, fields=dict(serializer.validated_data)
        )
        return self._updated(visit)


@extend_schema_view(retrieve=extend_schema(responses={200: s.InquirySerializer, 404: R404}))
class InquiryViewSet(_EventViewSet):
    """Prospects' inquiries (售前): needs, budget and models of interest."""

    queryset = Inquiry.objects.none()
    serializer_class = s.InquirySerializer
    filterset_class = InquiryFilter
    http_method_names = ["get", "post", "head", "options"]
    not_found = _("No such inquiry in your stores.")

    def get_queryset(self):
        return selectors.inquiries_for_user(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request=s.InquiryCreateSerializer, responses={201: s.InquirySerializer, 403: R403}
    )
    def create(self, request):
        serializer = s.InquiryCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        customer = fields.pop("customer")
        inquiry = services.inquiry_create(
            actor=request.user, store=customer.store, customer=customer, fields=fields
        )
        return self._created(inquiry)
