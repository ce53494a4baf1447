"""Scoring models a store can switch to: the shipped ones (100 and 1,000 points) and a dealer
group's own, created in the UI or the API, never edited, invisible to other groups."""

from fractions import Fraction

import pytest
from django.urls import reverse

from dealercare.core.models import AuditEvent
from dealercare.surveys import services
from dealercare.surveys.models import ScoringModel
from dealercare.testing.factories import DealerGroupFactory, StoreFactory

from .factories import FIVE_D_ANSWERS, make_customer, record

pytestmark = pytest.mark.django_db

SKILL_AND_ATTITUDE = {"service_skill": "60", "service_attitude": "40"}


def create(manager, code="skill-heavy", weights=SKILL_AND_ATTITUDE, scale=100):
    return services.scoring_model_create(
        actor=manager, code=code, name="技能优先", business="service", scale=scale, weights=weights
    )


def switch(client, store, **models):
    form = client.get(reverse("surveys:settings"), {"store": store.pk}).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {"store": store.pk, "recover_on_no": "on", **models}
    return client.post(reverse("surveys:settings"), data)


def test_a_store_switches_to_the_shipped_thousand_point_model(client, manager_a, store_a):
    thousand = ScoringModel.objects.get(code="service-5d-1000")
    before = record(manager_a, store_a, make_customer(store_a))
    client.force_login(manager_a)

    assert switch(client, store_a, scoring_model=thousand.pk).status_code == 302
    after = record(manager_a, store_a, make_customer(store_a))

    # The same answers (item scores 80, 90, 80, 70, 80): 80.0 of 100 before, 800 of 1,000 after,
    # each figure naming its model; the earlier figure is not touched.
    before.refresh_from_db()
    assert (before.scoring_model_code, before.overall_score) == ("service-5d-v1", 80)
    assert (after.scoring_model_code, after.overall_score) == ("service-5d-1000", 800)


def test_a_group_model_weights_the_dimensions_as_given_exactly(manager_a, store_a):
    model = create(manager_a)

    assert model.code == "huanan-skill-heavy" and model.group == store_a.group
    assert model.dimension_weights == {"service_skill": "3/5", "service_attitude": "2/5"}
    event = AuditEvent.objects.get(action="create", target_id=str(model.pk))
    assert event.actor == manager_a
    services.settings_update(actor=manager_a, store=store_a, fields={"scoring_model": model})
    response = record(manager_a, store_a, make_customer(store_a), dict(FIVE_D_ANSWERS))
    # 3/5 x 80 + 2/5 x 90 = 84.0; the other dimensions do not count in this model.
    assert (response.scoring_model_code, response.overall_score) == ("huanan-skill-heavy", 84)


@pytest.mark.parametrize(
    ("weights", "field", "message"),
    [
        ({}, "weights", "Give at least one"),
        ({"service_skill": "0", "timeliness": ""}, "weights", "Give at least one"),
        ({"service_skill": "很多"}, "weight_service_skill", "must be a number"),
        ({"service_skill": "-5"}, "weight_service_skill", "must be a number"),
        ({"showroom": "50"}, "weights", "is not a Service dimension"),
    ],
)
def test_bad_weights_are_refused_with_a_clear_message(manager_a, weights, field, message):
    from dealercare.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as raised:
        create(manager_a, weights=weights)

    assert message in str(raised.value.message) and raised.value.extra["field"] == field
    assert not ScoringModel.objects.filter(group__isnull=False).exists()


def test_the_manager_creates_a_model_on_its_page_and_sees_the_errors(client, manager_a):
    client.force_login(manager_a)
    page = client.get(reverse("surveys:scoring-models"))
    assert page.status_code == 200
    assert 'data-testid="scoring-model-service-5d-1000"' in page.content.decode()
    base = {"code": "skill-heavy", "name": "技能优先", "business": "service", "scale": "1000"}

    wrong = client.post(reverse("surveys:scoring-models"), base | {"weight_service_skill": "x"})
    assert wrong.status_code == 200
    assert 'data-testid="error-weight_service_skill"' in wrong.content.decode()
    made = client.post(
        reverse("surveys:scoring-models"),
        base | {"weight_service_skill": "1", "weight_timeliness": "1", "weight_showroom": "9"},
    )

    assert made.status_code == 302
    model = ScoringModel.objects.get(code="huanan-skill-heavy")
    assert model.scale == 1000  # the sales weight was not the chosen business's: left out
    assert {k: Fraction(v) for k, v in model.dimension_weights.items()} == {
        "service_skill": Fraction(1, 2), "timeliness": Fraction(1, 2)}  # fmt: skip
    listed = client.get(reverse("surveys:scoring-models")).content.decode()
    assert 'data-testid="scoring-model-huanan-skill-heavy"' in listed and "50.0%" in listed


def test_a_code_in_use_is_refused(client, manager_a):
    create(manager_a)
    client.force_login(manager_a)
    page = client.post(
        reverse("surveys:scoring-models"),
        {"code": "skill-heavy", "name": "又一个", "business": "service", "scale": "100",
         "weight_service_skill": "1"},
    )  # fmt: skip
    assert page.status_code == 200 and 'data-testid="error-code"' in page.content.decode()
    assert ScoringModel.objects.filter(group__isnull=False).count() == 1


def test_another_groups_models_are_invisible_and_cannot_be_chosen(client, manager_a, store_a):
    other_group = DealerGroupFactory(name="华东集团", code="huadong")
    from dealercare.testing.factories import user_with_role

    other_manager = user_with_role(StoreFactory(group=other_group, code="SH01"), "cs_manager")
    theirs = create(other_manager, code="secret")
    client.force_login(manager_a)

    assert "huadong-secret" not in client.get(reverse("surveys:scoring-models")).content.decode()
    form = client.get(reverse("surveys:settings")).context["form"]
    assert theirs not in form.fields["scoring_model"].queryset
    assert switch(client, store_a, scoring_model=theirs.pk).status_code == 200  # not a choice
    assert services.scoring_model_for(store_a, "service").code == "service-5d-v1"
    with pytest.raises(Exception, match="another dealer group"):
        services.settings_update(actor=manager_a, store=store_a, fields={"scoring_model": theirs})
    api = client.get("/api/surveys/scoring-models/")
    assert api.status_code == 200
    assert "huadong-secret" not in {row["code"] for row in api.json()["results"]}


def test_agents_may_not_create_scoring_models(client, agent_a):
    client.force_login(agent_a)
    assert client.get(reverse("surveys:scoring-models")).status_code == 403
    assert client.post(reverse("surveys:scoring-models"), {"code": "x"}).status_code == 403
    with pytest.raises(Exception, match="permission"):
        create(agent_a)


def test_the_api_lists_and_creates_scoring_models(api_client, manager_a):
    from rest_framework.authtoken.models import Token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager_a).key}")
    url = "/api/surveys/scoring-models/"
    codes = {row["code"]: row["shipped"] for row in api_client.get(url).json()["results"]}
    assert codes["service-5d-1000"] is True and codes["sales-5d-1000"] is True

    bad = api_client.post(url, {"code": "c", "name": "n", "business": "sales", "scale": 100,
                                "weights": {"showroom": "abc"}}, format="json")  # fmt: skip
    made = api_client.post(url, {"code": "sales-heavy", "name": "交车优先", "business": "sales",
                                 "scale": 1000, "weights": {"delivery": "3", "showroom": "1"}},
                           format="json")  # fmt: skip

    assert bad.status_code == 400 and bad.json()["field"] == "weight_showroom"
    assert made.status_code == 201
    assert made.json() | {"dimension_weights": None} == {
        "code": "huanan-sales-heavy", "name": "交车优先", "business": "sales", "scale": 1000,
        "dimension_weights": None, "shipped": False}  # fmt: skip
    assert made.json()["dimension_weights"] == {"showroom": "1/4", "delivery": "3/4"}
