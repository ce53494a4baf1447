"""Rollups hold exactly the counts of the raw answers, so their scores are exactly the same."""

import datetime
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealercare.csi import figures, services
from dealercare.csi.analysis import PeriodKind, period_of
from dealercare.csi.choices import Breakdown, Grain
from dealercare.csi.models import AnswerRollup
from dealercare.surveys.models import ScoringModel

from .factories import make_response

pytestmark = pytest.mark.django_db
FIVE = ("service_skill", "service_attitude", "timeliness", "parts_supply", "overall_service")


def both(store_ids, period, breakdown=Breakdown.TOTAL, by=("value",)):
    """Counts of a period from the rollups and from the raw answers."""
    grain = Grain.WEEK if period.kind == PeriodKind.WEEK else Grain.MONTH
    starts = [period.start] if period.kind == PeriodKind.WEEK else period.months
    rolled = figures.rollup_counts(store_ids=store_ids, business="service", grain=grain,
                                   starts=starts, breakdown=breakdown, by=by)  # fmt: skip
    raw = figures.raw_counts(store_ids=store_ids, business="service", date_from=period.start,
                             date_to=period.end, grain=grain, breakdown=breakdown, by=by)  # fmt: skip
    return ({k: dict(v) for k, v in rolled.items()}, {k: dict(v) for k, v in raw.items()})


def test_seed_001_timeliness_from_the_rollups(store_a):
    # Given seed 001's 38 answers for timeliness
    for score in [6] + [7] * 2 + [8] * 34 + [9]:
        make_response(store_a, {"timeliness": score})
    # When the dashboard reads the rollups of that month
    rolled, raw = both([store_a.pk], period_of("month", datetime.date(2026, 11, 10)))
    cat = figures.catalogue("service", ScoringModel.objects.get(code="service-5d-v1"))
    result = figures.score(cat, cat.by_code(rolled[("",)]))
    # Then the item scores 79.2 with seed 001's shares, the same as from the raw answers
    timeliness = result.items["timeliness"]
    assert str(timeliness.score_display) == "79.2"
    assert str(timeliness.level_share_display("very_satisfied")) == "2.6"
    assert rolled == raw


def test_adding_a_response_twice_counts_it_once(store_a):
    response = make_response(store_a, {"timeliness": 8})
    assert services.rollup_add(response) == 0
    row = AnswerRollup.objects.get(grain="month", breakdown="", item_id__isnull=False)
    assert row.s8 == 1


def test_removing_a_response_takes_its_answers_out(store_a):
    keep = make_response(store_a, {"timeliness": 9})
    drop = make_response(store_a, {"timeliness": 3})
    services.rollup_remove(drop)
    services.rollup_remove(drop)  # a second removal takes nothing away
    row = AnswerRollup.objects.get(grain="week", breakdown="")
    assert (row.s9, row.s3) == (1, 0)
    assert keep.pk


def test_rebuild_gives_the_same_rows_as_the_incremental_path(store_a, store_b, make_user):
    advisor = make_user(store_a, "service_advisor")
    make_response(store_a, {"timeliness": 8, "service_skill": 6}, advisor=advisor,
                  region="华南", vehicle_model="迈腾", day=datetime.date(2026, 11, 1))  # fmt: skip
    make_response(store_b, {"timeliness": 10}, source="external", day=datetime.date(2026, 10, 31))
    make_response(store_a, {"service_skill": 2}, questionnaire="service-5d",
                  day=datetime.date(2026, 11, 2), customer_type="vip")  # fmt: skip
    fields = ("store_id", "grain", "period_start", "breakdown", "value", "item_id", "source",
              "dimension_id", "business", *services.rollups.COUNT_COLUMNS)  # fmt: skip
    incremental = sorted(AnswerRollup.objects.values_list(*fields))
    assert services.rollup_rebuild() == len(incremental)
    assert sorted(AnswerRollup.objects.values_list(*fields)) == incremental


answers = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(FIVE), st.integers(1, 10), min_size=1),
        st.integers(0, 45),  # day offset from 2026-10-01
        st.sampled_from(["internal", "external"]),
        st.sampled_from(["", "华南", "华东"]),
        st.booleans(),  # an advisor or not
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=answers)
def test_random_answers_score_the_same_from_rollups_and_raw(store_a, make_user, rows):
    # Given random answers over six weeks, some with an advisor and a region
    from dealercare.surveys.models import SurveyResponse

    AnswerRollup.objects.all().delete()
    services.rollups.RolledUpResponse.objects.all().delete()
    SurveyResponse.objects.all().delete()
    advisor = make_user(store_a, "service_advisor")
    for scores, offset, source, region, with_advisor in rows:
        make_response(store_a, scores, day=datetime.date(2026, 10, 1) + datetime.timedelta(offset),
                      source=source, region=region,
                      advisor=advisor if with_advisor else None)  # fmt: skip
    cat = figures.catalogue("service", ScoringModel.objects.get(code="service-5d-v1"))
    # Then every period and breakdown has the same counts and the same exact scores
    for kind in PeriodKind:
        for day in (datetime.date(2026, 10, 5), datetime.date(2026, 11, 10)):
            period = period_of(kind, day)
            for breakdown in (Breakdown.TOTAL, Breakdown.REGION, Breakdown.ADVISOR):
                rolled, raw = both([store_a.pk], period, breakdown)
                assert rolled == raw
                for key in rolled:
                    a = figures.score(cat, cat.by_code(rolled[key]))
                    b = figures.score(cat, cat.by_code(raw[key]))
                    assert a.overall == b.overall
                    assert a.items == b.items


def test_a_response_recorded_by_the_surveys_service_is_on_the_dashboard_at_once(store_a, agent_a):
    # Given a response recorded the way every channel records one (console, link, tablet)
    from dealercare.surveys import services as survey_services
    from dealercare.testing.factories import CustomerFactory

    from .factories import version_of

    survey_services.response_record(
        actor=agent_a, store=store_a, version=version_of("service-5d"),
        customer=CustomerFactory(store=store_a), channel="phone",
        answers={"service_skill": 9, "service_attitude": 8, "timeliness": 4, "parts_supply": 7,
                 "overall_service": 8},
    )  # fmt: skip
    # Then the rollups already count its answers, without a rebuild
    rolled = AnswerRollup.objects.filter(store=store_a)
    assert rolled.exists()
    period = period_of("month", timezone_today(store_a))
    rolled_counts, raw_counts = both([store_a.pk], period)
    assert rolled_counts == raw_counts
    assert rolled_counts  # not two empty dicts


def timezone_today(store):
    from django.utils import timezone

    return timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(store.timezone))
