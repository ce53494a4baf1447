"""REST endpoints of the customer archive: thin over customers.selectors and customers.services."""

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.utils.urls import remove_query_param, replace_query_param

from dealercare.accounts.access import access_for
from dealercare.accounts.api.scoping import holds_capability
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core.api import StandardPagination
from dealercare.customers import selectors, services
from dealercare.customers.models import Customer, Vehicle

from . import serializers as s
from .filters import CustomerFilter, VehicleFilter

SEARCH_PAGE_SIZE = 20
SEARCH_MAX_RESULTS = 200
LIST_VEHICLE_FIELDS = ("id", "plate", "model_name", "owner_id")
LIST_CUSTOMER_FIELDS = (
    "id", "number", "store_id", "store__code", "kind", "name", "gender", "mobile",
    "customer_type", "value_tier", "lifecycle_state", "city", "last_delivery_on",
    "last_visit_on", "created_at",
)  # fmt: skip

R403 = OpenApiResponse(description=_("Your role may not do this in this store."))
R404 = OpenApiResponse(description=_("No such record in your stores."))
R409 = OpenApiResponse(description=_("Duplicate: the body names the existing record."))


class CustomerPagination(StandardPagination):
    """Pages of the customer list; with `q`, pages of ranked search results (20 by default).

    A search page is cut from the best `page × size` matches (plus one, to know whether more
    follow), so an early page never pays for the whole result set. `count` is then exact when
    every match has been seen and null while more follow.
    """

    def get_page_size(self, request):
        searching = (request.query_params.get("q") or "").strip()
        if searching and self.page_size_query_param not in request.query_params:
            return SEARCH_PAGE_SIZE
        return super().get_page_size(request)

    def paginate_ranked(self, request, fetch):
        """One page of ranked results; `fetch(limit)` returns the best `limit` matches in order."""
        self.request = request
        size = self.get_page_size(request)
        try:
            number = int(request.query_params.get(self.page_query_param) or 1)
        except ValueError:
            number = 0
        start, end = (number - 1) * size, number * size
        if number < 1 or start >= SEARCH_MAX_RESULTS:
            raise NotFound(self.invalid_page_message)
        window = min(end, SEARCH_MAX_RESULTS)
        matches = fetch(window + 1)
        more = len(matches) > window
        page = matches[start:window]
        if not page and number > 1:
            raise NotFound(self.invalid_page_message)
        self.ranked_links = {
            "count": None if more else len(matches),
            "next": self._page_link(number + 1) if more and end < SEARCH_MAX_RESULTS else None,
            "previous": self._page_link(number - 1) if number > 1 else None,
        }
        return page

    def _page_link(self, number):
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_ranked_response(self, data):
        return Response({**self.ranked_links, "results": data})

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "With q: null while more matches follow (see next).",
        }
        return response


@extend_schema_view(
    list=extend_schema(
        summary="List or search customers",
        description="Customers of your stores, newest first. With `q`: the one-box search, "
        "best match first (exact mobile, plate, VIN or number before name, tails and pinyin), "
        f"at most {SEARCH_MAX_RESULTS} results.",
    ),
    retrieve=extend_schema(responses={200: s.CustomerDetailSerializer, 404: R404}),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customers of the user's stores; mobile numbers masked, writes through the services."""

    permission_classes = [IsAuthenticated, holds_capability(Capability.VIEW_CUSTOMERS)]
    queryset = Customer.objects.none()
    serializer_class = s.CustomerRowSerializer
    filterset_class = CustomerFilter
    pagination_class = CustomerPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    throttle_scope = None  # set per action: reveal-phone is throttled with the "reveal" rate

    def get_queryset(self):
        vehicles = Vehicle.objects.only(*LIST_VEHICLE_FIELDS)
        return (
            selectors.customers_for_user(self.request.user)
            .select_related("store")
            .only(*LIST_CUSTOMER_FIELDS)
            .prefetch_related("tags", Prefetch("vehicles", queryset=vehicles))
            .order_by("-created_at", "-id")
        )

    def list(self, request, *args, **kwargs):
        query = (request.query_params.get("q") or "").strip()
        if not query:
            return super().list(request, *args, **kwargs)
        return self._search(request, query)

    def _search(self, request, query):
        """The ranked one-box search; other filters narrow the matches, keeping their order."""
        filterset = CustomerFilter(
            request.query_params, queryset=selectors.customers_for_user(request.user)
        )
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        wanted = filterset.form.cleaned_data
        store_ids = [wanted["store"]] if wanted.get("store") is not None else None
        narrowing = any(
            wanted.get(name) for name in filterset.filters if name not in {"q", "store"}
        )

        def fetch(limit):
            if not narrowing:
                return selectors.customer_search(
                    request.user, query, limit=limit, store_ids=store_ids
                )
            matches = selectors.customer_search(
                request.user, query, limit=SEARCH_MAX_RESULTS + 1, store_ids=store_ids
            )
            keep = set(
                filterset.qs.filter(pk__in=[c.pk for c in matches]).values_list("pk", flat=True)
            )
            return [c for c in matches if c.pk in keep][:limit]

        page = self.paginator.paginate_ranked(request, fetch)
        prefetch_related_objects(page, "tags")
        data = s.CustomerRowSerializer(page, many=True, context=self.get_serializer_context())
        return self.paginator.get_ranked_response(data.data)

    def retrieve(self, request, pk=None):
        detail = selectors.customer_detail(request.user, pk)
        return Response(s.CustomerDetailSerializer(detail).data)

    def _detail_response(self, customer, status_code=status.HTTP_200_OK):
        detail = selectors.customer_detail(self.request.user, customer.pk)
        return Response(s.CustomerDetailSerializer(detail).data, status=status_code)

    @extend_schema(
        request=s.CustomerCreateSerializer,
        responses={201: s.CustomerDetailSerializer, 403: R403, 409: R409},
    )
    def create(self, request):
        serializer = s.CustomerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        store_id, tags = fields.pop("store"), fields.pop("tags", None)
        contacts = [dict(contact) for contact in fields.pop("contacts", [])]
        # Checked before the store is read, so a store the user may not use reads like any other.
        access_for(request.user).require(Capability.EDIT_CUSTOMERS, store_id)
        customer = services.customer_create(
            actor=request.user,
            store=Store.objects.get(pk=store_id),
            fields=fields,
            tags=tags,
            contacts=contacts,
        )
        return self._detail_response(customer, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.CustomerUpdateSerializer,
        responses={200: s.CustomerDetailSerializer, 403: R403, 404: R404, 409: R409},
    )
    def partial_update(self, request, pk=None):
        customer = selectors.customer_get(request.user, pk)
        serializer = s.CustomerUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        tags = fields.pop("tags", None)
        customer = services.customer_update(
            actor=request.user, customer=customer, fields=fields, tags=tags
        )
        return self._detail_response(customer)

    @extend_schema(
        request=s.RevealPhoneSerializer,
        responses={200: s.RevealedPhoneSerializer, 403: R403, 404: R404},
        summary="Reveal a customer's full mobile number (audited with the reason)",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="reveal-phone",
        throttle_classes=[ScopedRateThrottle],
        throttle_scope="reveal",
    )
    def reveal_phone(self, request, pk=None):
        customer = selectors.customer_get(request.user, pk)
        # The gate before the body: a role that may not reveal hears 403, not "give a reason".
        access_for(request.user).require(Capability.REVEAL_PHONE, customer.store_id)
        serializer = s.RevealPhoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mobile = services.mobile_reveal(
            actor=request.user,
            customer=customer,
            reason=serializer.validated_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        response = Response(s.RevealedPhoneSerializer({"mobile": mobile}).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=s.CustomerMergeSerializer,
        responses={200: s.CustomerDetailSerializer, 403: R403, 404: R404},
        summary="Merge another customer into this one (history kept, audited)",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = selectors.customer_get(request.user, pk)
        access_for(request.user).require(Capability.MERGE_CUSTOMERS, target.store_id)
        serializer = s.CustomerMergeSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        target = services.customer_merge(
            actor=request.user,
            source=serializer.validated_data["source"],
            target=target,
            reason=serializer.validated_data["reason"],
        )
        return self._detail_response(target)

    @extend_schema(
        request=s.ConsentInputSerializer,
        responses={201: s.ConsentRecordSerializer, 403: R403, 404: R404},
        summary="Record a customer's yes or no to a contact channel",
    )
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        customer = selectors.customer_get(request.user, pk)
        access_for(request.user).require(Capability.EDIT_CUSTOMERS, customer.store_id)
        serializer = s.ConsentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.consent_set(actor=request.user, customer=customer,
                                      **serializer.validated_data)  # fmt: skip
        return Response(s.ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.VehicleDetailSerializer, 404: R404}),
)
class VehicleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Vehicles of the user's stores with their owners; ownership changes by transfer."""

    permission_classes = [IsAuthenticated, holds_capability(Capability.VIEW_CUSTOMERS)]
    queryset = Vehicle.objects.none()
    serializer_class = s.VehicleSerializer
    filterset_class = VehicleFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            selectors.vehicles_for_user(self.request.user)
            .select_related("store", "owner")
            .order_by("-created_at", "-id")
        )

    def _detail_response(self, vehicle, status_code=status.HTTP_200_OK):
        vehicle = selectors.vehicle_get(self.request.user, vehicle.pk)
        detail = {"vehicle": vehicle, "ownerships": selectors.vehicle_ownerships(vehicle)}
        return Response(s.VehicleDetailSerializer(detail).data, status=status_code)

    def retrieve(self, request, pk=None):
        return self._detail_response(selectors.vehicle_get(request.user, pk))

    @extend_schema(
        request=s.VehicleCreateSerializer,
        responses={201: s.VehicleDetailSerializer, 403: R403, 409: R409},
    )
    def create(self, request):
        serializer = s.VehicleCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        owner, started_on = fields.pop("owner"), fields.pop("started_on", None)
        vehicle = services.vehicle_create(
            actor=request.user, store=owner.store, owner=owner, fields=fields, started_on=started_on
        )
        return self._detail_response(vehicle, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.VehicleUpdateSerializer,
        responses={200: s.VehicleDetailSerializer, 403: R403, 404: R404, 409: R409},
    )
    def partial_update(self, request, pk=None):
        vehicle = selectors.vehicle_get(request.user, pk)
        serializer = s.VehicleUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        vehicle = services.vehicle_update(
            actor=request.user, vehicle=vehicle, fields=dict(serializer.validated_data)
        )
        return self._detail_response(vehicle)

    @extend_schema(
        request=s.VehicleTransferSerializer,
        responses={200: s.VehicleDetailSerializer, 403: R403, 404: R404},
        summary="Transfer a vehicle to a new owner (the old ownership is closed, not lost)",
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        vehicle = selectors.vehicle_get(request.user, pk)
        access_for(request.user).require(Capability.EDIT_CUSTOMERS, vehicle.store_id)
        serializer = s.VehicleTransferSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        vehicle = services.vehicle_transfer(
            actor=request.user,
            vehicle=vehicle,
            new_owner=serializer.validated_data["new_owner"],
            on_date=serializer.validated_data.get("on_date"),
        )
        return self._detail_response(vehicle)
