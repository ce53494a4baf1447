"""Test data of the CSI app: survey responses with answers (straight to the tables, fast) and
targets and action plans."""

import datetime
import zoneinfo
from decimal import Decimal

import factory

from dealercare.csi.models import ActionPlan, CsiTarget
from dealercare.testing.factories import CustomerFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def version_of(code):
    """The published version of a shipped questionnaire ("sales", "service", "service-5d")."""
    from dealercare.surveys.models import QuestionnaireVersion

    return QuestionnaireVersion.objects.get(
        questionnaire__store__isnull=True, questionnaire__code=code, status="published"
    )


def make_response(store, scores, *, questionnaire="service-5d", day=None, customer=None,
                  source="internal", advisor=None, technician=None, consultant=None,
                  vehicle_model="", customer_type="general", region="", checks=None,
                  overall=None, rollup=True):  # fmt: skip
    """A response of ``store`` answering {item code: 1-10} (and {code: bool} checks).

    The overall score is computed the way surveys does (its item_model and scoring), unless
    given. With ``rollup`` the answers are added to the rollups, as the surveys service does.
    """
    from dealercare.csi import services
    from dealercare.surveys import scoring
    from dealercare.surveys.models import Answer, ScoringModel, SurveyResponse
    from dealercare.surveys.services import item_model

    version = version_of(questionnaire)
    items = {item.code: item for item in version.items.select_related("dimension")}
    day = day or datetime.date(2026, 11, 10)
    business = version.questionnaire.business
    if overall is None:
        scored = [items[c] for c in scores if items[c].is_scored]
        if scored:
            db_model = ScoringModel.objects.get(
                code="service-5d-v1" if business == "service" else "sales-5d-v1"
            )
            model = item_model(scored, db_model)
            survey = scoring.score_survey(
                model, {c: [s] for c, s in scores.items() if c in model.items}
            )
            overall = scoring.round_half_up(survey.overall, 1)
    response = SurveyResponse.objects.create(
        store=store, questionnaire_version=version,
        customer=customer or CustomerFactory(store=store), channel="phone", source=source,
        business=business,
        answered_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI),
        advisor=advisor, technician=technician, consultant=consultant,
        vehicle_model=vehicle_model, customer_type=customer_type, region=region,
        overall_score=overall,
    )  # fmt: skip
    common = {"response": response, "store_id": store.pk, "answered_on": day,
              "business": business, "source": source}  # fmt: skip
    rows = [
        Answer(item=items[code], score=value, dimension_id=items[code].dimension_id, **common)
        for code, value in scores.items()
    ] + [Answer(item=items[code], yes_no=value, **common) for code, value in (checks or {}).items()]
    Answer.objects.bulk_create(rows)
    if rollup:
        services.rollup_add(response)
    return response


class CsiTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CsiTarget

    scope = "store"
    business = "service"
    metric = "satisfied_rate"
    value = Decimal("90")
    valid_from = datetime.date(2026, 1, 1)


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    kind = "weakness"
    business = "service"
    item_code = "timeliness"
    item_text = "您对我们服务的及时性满意吗?"
    cause_analysis = "工位不足"
    measures = "增加快修工位"
    due_date = datetime.date(2026, 12, 31)
