"""REST endpoints of surveys: thin over surveys.selectors and surveys.services (and scoring.py
for the score and what-if figures, each named with the model that made it)."""

from django.db.models import Prefetch, Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dealercare.accounts.access import access_for
from dealercare.accounts.api.scoping import holds_capability
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core.api import StandardPagination
from dealercare.customers.models import Customer
from dealercare.followups.models import FollowUpTask
from dealercare.surveys import external, scoring, selectors, services
from dealercare.surveys.choices import ResponseSource
from dealercare.surveys.models import Answer, Item, QuestionnaireVersion

from . import serializers as s

C = Capability
MSG_NOT_FOUND = _("No such record in your stores.")
MSG_BAD_TARGET = _("target must be a number such as 80 or 79.5.")
MSG_BAD_MOVABLE = _("movable must list scores 1-10, e.g. 8 or 7,8.")
MSG_BAD_DATE = _("Dates are written 2026-03-31.")


class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaires of the user's stores and the shipped defaults, with versions and items."""

    permission_classes = [IsAuthenticated, holds_capability(C.TAKE_SURVEYS)]
    serializer_class = s.QuestionnaireSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        versions = QuestionnaireVersion.objects.prefetch_related(
            "sections", Prefetch("items", Item.objects.select_related("section", "dimension"))
        )
        return (
            selectors.questionnaires_for(self.request.user, capability=C.TAKE_SURVEYS)
            .prefetch_related(Prefetch("versions", versions))
            .order_by("business", "code", "id")
        )


class ResponseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Survey responses: read by who reads CSI; recorded (phone, tablet) by who takes surveys."""

    serializer_class = s.ResponseSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        need = C.TAKE_SURVEYS if self.request.method == "POST" else C.VIEW_CSI
        return [IsAuthenticated(), holds_capability(need)()]

    def get_queryset(self):
        answers = Answer.objects.select_related("item", "dimension").order_by(
            "item__section__order", "item__order", "item_id"
        )
        responses = selectors.responses_for(self.request.user).prefetch_related(
            Prefetch("answers", answers)
        )
        params = self.request.query_params
        if params.get("store", "").isdigit():
            responses = responses.filter(store_id=int(params["store"]))
        if params.get("channel"):
            responses = responses.filter(channel=params["channel"])
        if params.get("needs_recovery") in ("1", "true"):
            responses = responses.filter(needs_recovery=True)
        return responses.order_by("-answered_at", "-id")

    @extend_schema(request=s.ResponseCreateSerializer, responses={201: s.ResponseSerializer})
    def create(self, request):
        body = s.ResponseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        stores = access_for(request.user).store_ids(C.TAKE_SURVEYS)
        customer = Customer.objects.filter(pk=data["customer"], store_id__in=stores).first()
        if customer is None:
            raise ValidationError({"customer": [MSG_NOT_FOUND]})
        task = None
        if data.get("followup_task"):
            task = FollowUpTask.objects.filter(
                pk=data["followup_task"], store_id=customer.store_id, customer=customer
            ).first()
            if task is None:
                raise ValidationError({"followup_task": [MSG_NOT_FOUND]})
        version = self._version(customer.store, data)
        context = services.Context()
        if data.get("event_type") and data.get("event_id"):
            context = services.event_context(data["event_type"], data["event_id"], customer.store)
        elif task is not None:
            context = services.task_context(task)
        response = services.response_record(
            actor=request.user, store=customer.store, version=version, customer=customer,
            channel=data["channel"], answers=data["answers"],
            answered_at=data.get("answered_at"), context=context, task=task,
        )  # fmt: skip
        response = self.get_queryset().get(pk=response.pk)
        return Response(self.get_serializer(response).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _version(store, data):
        if data.get("questionnaire_version"):
            version = (
                QuestionnaireVersion.objects.filter(pk=data["questionnaire_version"])
                .filter(Q(questionnaire__store__isnull=True) | Q(questionnaire__store=store))
                .select_related("questionnaire")
                .first()
            )
        else:
            version = services.published_version(
                services.questionnaire_by_code(store, data["questionnaire"])
            )
        if version is None:
            raise ValidationError({"questionnaire_version": [MSG_NOT_FOUND]})
        return version


def _int_list(text):
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
        return [scoring.check_score(v) for v in values]
    except ValueError:
        raise ValidationError({"movable": [MSG_BAD_MOVABLE]}) from None


def _date(params, name):
    if not params.get(name):
        return None
    value = parse_date(params[name])
    if value is None:
        raise ValidationError({name: [MSG_BAD_DATE]})
    return value


def _share(value):
    return None if value is None else str(scoring.percent_display(value))


def item_payload(item, scale):
    """An ItemScore as JSON: exact and shown score, counts and shares per score and level."""
    return {
        "answers": item.answers,
        "score": None if item.score is None else str(scoring.score_display(item.score, scale)),
        "score_exact": None if item.score is None else str(item.score),
        "scores": {
            str(n): {"count": item.count(n), "share": _share(item.score_share(n))}
            for n in scoring.SCORES
            if item.count(n)
        },
        "levels": {
            level.value: {
                "count": item.level_count(level),
                "share": _share(item.level_share(level)),
            }
            for level in scoring.LEVELS
        },
        "satisfied_rate": _share(item.satisfied_rate),
    }


def what_if_payload(what_if):
    after = what_if.after
    payload = {
        "target": str(what_if.target),
        "reachable": what_if.reachable,
        "move_count": what_if.move_count,
        "moves": [
            {"item": m.item, "from_score": m.from_score, "to_score": m.to_score, "count": m.count}
            for m in what_if.moves
        ],
        "score_before": str(what_if.score_before_display),
        "score_after": str(what_if.score_after_display),
        "score_after_exact": str(what_if.score_after),
    }
    if isinstance(after, scoring.ItemScore):
        payload["after"] = item_payload(after, what_if.scale)
    return payload


class ScoreView(APIView):
    """Scores over answers (store, period, questionnaire, item or dimension) and the what-if:
    the fewest answers that must move up a level to reach ``target``."""

    permission_classes = [IsAuthenticated, holds_capability(C.VIEW_CSI)]

    @extend_schema(
        parameters=[
            OpenApiParameter("store", OpenApiTypes.INT),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("business", OpenApiTypes.STR, enum=["sales", "service"]),
            OpenApiParameter("source", OpenApiTypes.STR, enum=["internal", "external"]),
            OpenApiParameter("questionnaire", OpenApiTypes.STR, description="questionnaire code"),
            OpenApiParameter("item", OpenApiTypes.STR, description="item code"),
            OpenApiParameter("dimension", OpenApiTypes.STR, description="dimension code"),
            OpenApiParameter("external_import", OpenApiTypes.INT),
            OpenApiParameter("target", OpenApiTypes.STR, description="e.g. 80"),
            OpenApiParameter("movable", OpenApiTypes.STR, description="scores that may move: 8"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        params = request.query_params
        store = params.get("store")
        if store and not store.isdigit():
            raise ValidationError({"store": [MSG_NOT_FOUND]})
        source = params.get("source", ResponseSource.INTERNAL)
        if source not in ResponseSource.values:
            raise ValidationError({"source": [f"One of {', '.join(ResponseSource.values)}."]})
        flt = selectors.ScoreFilter(
            store=int(store) if store else None,
            date_from=_date(params, "date_from"),
            date_to=_date(params, "date_to"),
            business=params.get("business", ""),
            source=source,
            questionnaire=params.get("questionnaire", ""),
            item=params.get("item", ""),
            dimension=params.get("dimension", ""),
            external_import=int(params["external_import"])
            if params.get("external_import", "").isdigit()
            else None,
        )
        if flt.store and not access_for(request.user).has(C.VIEW_CSI, flt.store):
            raise NotFound(MSG_NOT_FOUND)
        target = None
        if params.get("target"):
            try:
                target = scoring.exact(params["target"], what="target")
            except ValueError:
                raise ValidationError({"target": [MSG_BAD_TARGET]}) from None
        movable = _int_list(params["movable"]) if params.get("movable") else None
        report = selectors.score_report(request.user, flt, target=target, movable_scores=movable)
        body = {
            "model_code": report.model_code,
            "scale": report.scale,
            "answers": report.answers,
            "checks": {
                code: {"yes": rate.yes, "no": rate.no, "rate": _share(rate.rate)}
                for code, rate in report.checks.items()
            },
        }
        if report.item is not None:
            body["item"] = flt.item
            body.update(item_payload(report.item, report.scale))
        else:
            survey = report.survey
            body["overall"] = None if survey.overall is None else str(survey.overall_display)
            body["dimensions"] = {
                d.dimension: {
                    "score": None if d.score is None else str(d.score_display),
                    "answers": d.answers,
                    "weight": str(d.weight),
                }
                for d in survey.dimensions
            }
            body["items"] = {code: item_payload(item, report.scale) for code, item in survey.items}
            if flt.dimension:
                body["dimension"] = flt.dimension
                body["score"] = body["dimensions"].get(flt.dimension, {}).get("score")
        if report.what_if is not None:
            body["what_if"] = what_if_payload(report.what_if)
        return Response(body)


class InvitationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """SMS survey links: sent through the SMS backend; the link itself is in the answer once."""

    permission_classes = [IsAuthenticated, holds_capability(C.TAKE_SURVEYS)]
    serializer_class = s.InvitationSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        return selectors.invitations_for(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=s.InvitationCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def create(self, request):
        body = s.InvitationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        stores = access_for(request.user).store_ids(C.TAKE_SURVEYS)
        customer = Customer.objects.filter(pk=data["customer"], store_id__in=stores).first()
        if customer is None:
            raise ValidationError({"customer": [MSG_NOT_FOUND]})
        questionnaire = None
        if data.get("questionnaire"):
            questionnaire = services.questionnaire_by_code(customer.store, data["questionnaire"])
            if questionnaire is None:
                raise ValidationError({"questionnaire": [MSG_NOT_FOUND]})
        task = None
        if data.get("followup_task"):
            task = FollowUpTask.objects.filter(pk=data["followup_task"], customer=customer).first()
            if task is None:
                raise ValidationError({"followup_task": [MSG_NOT_FOUND]})
        sent = services.invitation_send(
            actor=request.user, store=customer.store, customer=customer,
            business=data["business"], questionnaire=questionnaire, task=task,
            context=services.task_context(task) if task else None,
            link_base=request.build_absolute_uri("/"),
        )  # fmt: skip
        payload = s.InvitationSerializer(sent.invitation).data
        payload["link"] = request.build_absolute_uri(f"/s/{sent.token}/")
        return Response(payload, status=status.HTTP_201_CREATED)


class ExternalImportViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """External research firms' results (.xlsx, multipart): all rows or none."""

    permission_classes = [IsAuthenticated, holds_capability(C.MANAGE_SURVEYS)]
    serializer_class = s.ExternalImportSerializer
    pagination_class = StandardPagination
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return selectors.imports_for(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request={"multipart/form-data": s.ExternalImportCreateSerializer},
        responses={201: s.ExternalImportSerializer},
    )
    def create(self, request):
        body = s.ExternalImportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        access_for(request.user).require(C.MANAGE_SURVEYS, data["store"])
        store = Store.objects.get(pk=data["store"])
        questionnaire = services.questionnaire_by_code(store, data["questionnaire"])
        if questionnaire is None:
            raise ValidationError({"questionnaire": [MSG_NOT_FOUND]})
        upload = data["file"]
        batch = external.external_import(
            actor=request.user, store=store, questionnaire=questionnaire, study=data["study"],
            file_name=upload.name, data=upload.read(), weights=data.get("weights"),
        )  # fmt: skip
        return Response(s.ExternalImportSerializer(batch).data, status=status.HTTP_201_CREATED)


class ScoringModelViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The scoring models a store may switch to (shipped and the group's own), and new ones."""

    permission_classes = [IsAuthenticated, holds_capability(C.MANAGE_SURVEYS)]
    serializer_class = s.ScoringModelSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        return services.scoring_models_for(self.request.user).order_by("business", "scale", "code")

    @extend_schema(
        request=s.ScoringModelCreateSerializer, responses={201: s.ScoringModelSerializer}
    )
    def create(self, request):
        body = s.ScoringModelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.scoring_model_create(actor=request.user, **body.validated_data)
        return Response(s.ScoringModelSerializer(created).data, status=status.HTTP_201_CREATED)
