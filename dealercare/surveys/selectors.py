"""Reads of the survey module, always scoped to the user's stores: questionnaires, responses,
and scores computed by scoring.py over Answer rows (with the model that made them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError

from . import scoring, services
from .choices import ItemKind, ResponseSource
from .models import (
    Answer,
    ExternalImport,
    Questionnaire,
    QuestionnaireVersion,
    SurveyInvitation,
    SurveyResponse,
)

C = Capability

MSG_MODELS_DIFFER = _(
    "The stores in view use different scoring models; choose one store to compare like with like."
)
MSG_NO_SCORE_ANSWERS = _("No scored answers match these filters.")
MSG_ITEM_AND_DIMENSION = _("Ask for an item or a dimension, not both.")


def responses_for(user, *, capability=C.VIEW_CSI):
    """Responses in the stores where the user holds ``capability``."""
    return SurveyResponse.objects.filter(
        store_id__in=access_for(user).store_ids(capability)
    ).select_related("store", "customer", "questionnaire_version__questionnaire")


def response_detail(user, pk) -> SurveyResponse:
    """One response the user may read (404 otherwise), with its answers and items."""
    response = (
        responses_for(user)
        .select_related("advisor", "technician", "consultant", "recorded_by", "vehicle")
        .filter(pk=pk)
        .first()
    )
    if response is None:
        raise Http404
    return response


def response_answers(response):
    """The answers of a response in questionnaire order."""
    return list(
        response.answers.select_related("item__section", "item__dimension").order_by(
            "item__section__order", "item__order", "item_id"
        )
    )


def response_scored(response):
    """(answers, SurveyScore or None, scoring model row) of one response under its store's
    current model (an external response under its study's weights, when given)."""
    answers = response_answers(response)
    model = services.scoring_model_for(response.store, response.business)
    weights = None
    if response.external_import_id and response.external_import.dimension_weights:
        weights = {
            k: scoring.exact(v) for k, v in response.external_import.dimension_weights.items()
        }
    return answers, services.response_score(response, answers, model, weights=weights), model


def questionnaires_for(user, *, capability=C.MANAGE_SURVEYS):
    """Questionnaires of the user's stores, plus the shipped defaults."""
    stores = access_for(user).store_ids(capability)
    return Questionnaire.objects.filter(Q(store__isnull=True) | Q(store_id__in=stores))


def questionnaire_detail(user, pk, *, capability=C.MANAGE_SURVEYS) -> Questionnaire:
    found = questionnaires_for(user, capability=capability).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def version_detail(user, pk, *, capability=C.MANAGE_SURVEYS) -> QuestionnaireVersion:
    """A version of a questionnaire the user may see (shipped defaults included), or 404."""
    stores = access_for(user).store_ids(capability)
    if not stores:
        raise Http404
    found = (
        QuestionnaireVersion.objects.filter(
            Q(questionnaire__store__isnull=True) | Q(questionnaire__store_id__in=stores), pk=pk
        )
        .select_related("questionnaire", "published_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def version_items(version):
    """Sections with their items, in order."""
    sections = list(version.sections.prefetch_related("items__dimension").order_by("order", "id"))
    return sections


def invitations_for(user):
    return SurveyInvitation.objects.filter(
        store_id__in=access_for(user).store_ids(C.TAKE_SURVEYS)
    ).select_related("customer", "response")


def imports_for(user):
    return ExternalImport.objects.filter(
        store_id__in=access_for(user).store_ids(C.MANAGE_SURVEYS)
    ).select_related("imported_by")


# --- scores over answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreFilter:
    """Which answers a score is computed over."""

    store: int | None = None
    date_from: object = None
    date_to: object = None
    business: str = ""
    source: str = ResponseSource.INTERNAL
    questionnaire: str = ""  # questionnaire code
    item: str = ""  # item code (across versions)
    dimension: str = ""  # dimension code
    external_import: int | None = None


def answers_in_scope(user, flt: ScoreFilter):
    """Answer rows of the user's CSI stores that match the filter."""
    stores = access_for(user).store_ids(C.VIEW_CSI)
    if flt.store is not None:
        stores = [s for s in stores if s == flt.store]
    answers = Answer.objects.filter(store_id__in=stores)
    if flt.source:
        answers = answers.filter(source=flt.source)
    if flt.date_from:
        answers = answers.filter(answered_on__gte=flt.date_from)
    if flt.date_to:
        answers = answers.filter(answered_on__lte=flt.date_to)
    if flt.business:
        answers = answers.filter(business=flt.business)
    if flt.questionnaire:
        answers = answers.filter(item__version__questionnaire__code=flt.questionnaire)
    if flt.item:
        answers = answers.filter(item__code=flt.item)
    if flt.dimension:
        answers = answers.filter(dimension__code=flt.dimension)
    if flt.external_import:
        answers = answers.filter(response__external_import_id=flt.external_import)
    return answers, stores


def score_counts(answers) -> dict[str, dict[int, int]]:
    """{item code: {score: count}} of the 1-10 answers (one query)."""
    counts: dict[str, dict[int, int]] = {}
    rows = (
        answers.filter(score__isnull=False)
        .values_list("item__code", "score")
        .annotate(n=Count("id"))
        .order_by()
    )
    for code, score, n in rows:
        counts.setdefault(code, {})
        counts[code][score] = counts[code].get(score, 0) + n
    return counts


def check_counts(answers) -> dict[str, dict[bool, int]]:
    """{item code: {True: yes, False: no}} of the yes/no checks (one query)."""
    counts: dict[str, dict[bool, int]] = {}
    rows = (
        answers.filter(yes_no__isnull=False)
        .values_list("item__code", "yes_no")
        .annotate(n=Count("id"))
        .order_by()
    )
    for code, value, n in rows:
        counts.setdefault(code, {True: 0, False: 0})[value] += n
    return counts


def _model_row(stores, business, flt):
    """The scoring model of the stores in view (they must agree)."""
    store_rows = Store.objects.filter(pk__in=stores)
    rows = {services.scoring_model_for(store, business or "service") for store in store_rows}
    if len(rows) > 1:
        raise ApplicationError(MSG_MODELS_DIFFER)
    return rows.pop() if rows else None


@dataclass
class ScoreReport:
    """What the score endpoint answers: the figure, its model, shares and the what-if."""

    model_code: str
    scale: int
    item: scoring.ItemScore | None = None
    survey: scoring.SurveyScore | None = None
    what_if: scoring.WhatIf | None = None
    checks: dict = field(default_factory=dict)
    answers: int = 0


def score_report(user, flt: ScoreFilter, *, target=None, movable_scores=None) -> ScoreReport:
    """Score the answers in scope: one item (flt.item), one dimension, or the overall under
    the store's model; with ``target``, the fewest answers that must move up a level."""
    if flt.item and flt.dimension:
        raise ApplicationError(MSG_ITEM_AND_DIMENSION)
    answers, stores = answers_in_scope(user, flt)
    counts = score_counts(answers)
    if not counts:
        raise ApplicationError(MSG_NO_SCORE_ANSWERS)
    business = flt.business or _business_of(answers)
    model_row = _model_row(stores, business, flt)
    weights = _import_weights(flt)
    checks = {code: scoring.check_rate(c) for code, c in check_counts(answers).items()}
    try:
        if flt.item:
            item = scoring.item_score(counts[flt.item], scale=model_row.scale)
            what_if = None
            if target is not None:
                what_if = scoring.item_what_if(
                    counts[flt.item], target, movable_scores=movable_scores, scale=model_row.scale
                )
            return ScoreReport(
                model_row.code, model_row.scale, item=item, what_if=what_if,
                checks=checks, answers=item.answers,
            )  # fmt: skip
        triples = (
            answers.filter(score__isnull=False, dimension__isnull=False)
            .values_list("item__code", "dimension__code", "item__weight")
            .order_by("-item_id")
            .distinct()
        )
        model = services.item_model(list(triples), model_row, weights=weights)
        by_item = {code: c for code, c in counts.items() if code in model.items}
        survey = scoring.score_survey(model, by_item)
        what_if = None
        if target is not None:
            what_if = scoring.survey_what_if(
                model, by_item, target, dimension=flt.dimension or None,
                movable_scores=movable_scores,
            )  # fmt: skip
        return ScoreReport(
            model.code, model.scale, survey=survey, what_if=what_if, checks=checks,
            answers=sum(sum(c.values()) for c in by_item.values()),
        )  # fmt: skip
    except ValueError as error:
        raise ApplicationError(str(error)) from error


def _business_of(answers):
    businesses = set(answers.values_list("business", flat=True).distinct()[:2])
    return businesses.pop() if len(businesses) == 1 else "service"


def _import_weights(flt):
    if not flt.external_import:
        return None
    weights = (
        ExternalImport.objects.filter(pk=flt.external_import)
        .values_list("dimension_weights", flat=True)
        .first()
    )
    return {k: scoring.exact(v) for k, v in weights.items()} if weights else None


def score_items(version):
    """The 1-10 items of a version (for pickers)."""
    return version.items.filter(kind=ItemKind.SCORE)
