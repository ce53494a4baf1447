"""The DMS push API: deliveries and repair orders, one object or a batch of up to 1,000.

Thin: type checks here, everything else in imports.dms (the file importer's engine).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dealercare.accounts.api.scoping import holds_capability
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError
from dealercare.imports import dms
from dealercare.imports.choices import ImportKind

from . import serializers as s

MSG_NOT_AN_OBJECT = _("Expected an object.")

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_(
        "Any unique string (e.g. a UUID) per request. A retry with the same key and body gets "
        "the first answer again and stores nothing twice; the same key with another body is "
        "refused with 422. Answers are kept for successful requests only."
    ),
)  # fmt: skip
VALID_ONLY = OpenApiParameter(
    "valid_only", OpenApiTypes.BOOL, OpenApiParameter.QUERY, required=False,
    description=_(
        "false (default): all items or none; any invalid item rejects the batch (400, every "
        "item's errors listed). true: store the valid items and list the errors of the others."
    ),
)  # fmt: skip
R403 = OpenApiResponse(description=_("The token's user may not write operations."))
R409 = OpenApiResponse(s.PushRejectedSerializer, description=_("A concurrent request; retry."))
R422 = OpenApiResponse(
    s.PushRejectedSerializer, description=_("The Idempotency-Key was used with another body.")
)


def _drf_errors(index, errors, prefix=""):
    """DRF's nested error dict as a flat list of {index, field, message}."""
    flat = []
    for field, value in errors.items():
        path = f"{prefix}{field}"
        if isinstance(value, dict):
            flat += _drf_errors(index, value, prefix=f"{path}.")
        else:
            flat += [{"index": index, "field": path, "message": str(m)} for m in value]
    return flat


def _truthy(value):
    return str(value).lower() in ("1", "true", "yes", "on")


class _PushView(APIView):
    permission_classes = [IsAuthenticated, holds_capability(Capability.WRITE_OPERATIONS)]
    http_method_names = ["post", "options"]
    parser_classes = [JSONParser]
    kind = None
    item_serializer = None

    def post(self, request):
        body = request.data
        raw_items = [body] if isinstance(body, dict) else body
        if not isinstance(raw_items, list) or not raw_items:
            return Response({"detail": str(dms.MSG_BODY % {"max": dms.MAX_ITEMS}),
                             "code": "invalid_body"}, status=400)  # fmt: skip
        if len(raw_items) > dms.MAX_ITEMS:
            return Response({"detail": str(dms.MSG_TOO_MANY % {"max": dms.MAX_ITEMS,
                                                               "count": len(raw_items)}),
                             "code": "too_many_items"}, status=400)  # fmt: skip
        items = []
        for index, raw in enumerate(raw_items):
            if not isinstance(raw, dict):
                items.append(
                    {
                        "index": index,
                        "store_code": "",
                        "values": {},
                        "errors": [
                            {
                                "index": index,
                                "field": "non_field",
                                "message": str(MSG_NOT_AN_OBJECT),
                            }
                        ],
                    }
                )
                continue  # fmt: skip
            serializer = self.item_serializer(data=raw)
            if not serializer.is_valid():
                items.append({"index": index, "store_code": "", "values": {},
                              "errors": _drf_errors(index, serializer.errors)})  # fmt: skip
                continue
            data = dict(serializer.validated_data)
            store_code = (data.pop("store", "") or "").strip().upper()
            items.append({"index": index, "store_code": store_code,
                          "values": dms.flatten(data), "errors": []})  # fmt: skip
        valid_only = _truthy(request.query_params.get("valid_only", ""))
        try:
            status, payload, replayed = dms.dms_push(
                actor=request.user, kind=self.kind, items=items, valid_only=valid_only,
                idempotency_key=request.headers.get("Idempotency-Key"),
                request_hash=dms.fingerprint(body, {"valid_only": valid_only}),
            )  # fmt: skip
        except dms.IdempotencyKeyReused as error:
            return Response({"detail": str(error.message), "code": error.code}, status=422)
        except ApplicationError as error:
            status = 409 if error.code == "conflict" else 400
            return Response({"detail": str(error.message), "code": error.code}, status=status)
        response = Response(payload, status=status)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _push_schema(item, name, summary):
    return extend_schema(
        summary=summary,
        request=PolymorphicProxySerializer(
            component_name=name,
            serializers=[item, item(many=True)],
            resource_type_field_name=None,
            many=False,
        ),  # fmt: skip
        parameters=[IDEMPOTENCY_KEY, VALID_ONLY],
        responses={
            200: s.PushResultSerializer,
            201: s.PushResultSerializer,
            400: OpenApiResponse(
                s.PushRejectedSerializer,
                description=_("Invalid items; every item's errors listed."),
            ),
            403: R403,
            409: R409,
            422: R422,
        },  # fmt: skip
    )


@_push_schema(s.DeliveryPushSerializer, "DeliveryPushBody", _("Push deliveries (one or a batch)"))
class DeliveryPushView(_PushView):
    """Deliveries from the DMS: each stored once (by sales order number), with source=api;
    its customer and vehicle are found or created as in a file import."""

    kind = ImportKind.DELIVERIES
    item_serializer = s.DeliveryPushSerializer


@_push_schema(s.RepairOrderPushSerializer, "RepairOrderPushBody",
              _("Push repair orders (one or a batch)"))  # fmt: skip
class RepairOrderPushView(_PushView):
    """Repair orders from the DMS: each stored once (by repair order number), with source=api;
    push it again when the vehicle has left to finish it."""

    kind = ImportKind.SERVICE_VISITS
    item_serializer = s.RepairOrderPushSerializer
