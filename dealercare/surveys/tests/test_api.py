"""The REST API: questionnaires, responses (seed 001's worked example end to end), the score
and what-if endpoint, invitations and external imports."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from dealercare.surveys.models import Answer, SurveyInvitation, SurveyResponse

from .factories import FIVE_D_ANSWERS, make_customer, published

pytestmark = pytest.mark.django_db

# Seed 001: 38 customers rated timeliness: one 6, two 7, thirty-four 8, one 9.
WORKED_EXAMPLE = [6] + [7] * 2 + [8] * 34 + [9]


def client_for(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


@pytest.fixture
def manager_api(api_client, manager_a):
    return client_for(api_client, manager_a)


def post_worked_example(api, store):
    version = published(store)
    ids = []
    for n, timeliness in enumerate(WORKED_EXAMPLE):
        customer = make_customer(store, n=n + 1)
        answers = dict(FIVE_D_ANSWERS, timeliness=timeliness)
        answer = api.post(
            "/api/surveys/responses/",
            {"customer": customer.pk, "questionnaire_version": version.pk, "channel": "phone",
             "answers": answers},
            format="json",
        )  # fmt: skip
        assert answer.status_code == 201, answer.json()
        ids.append(answer.json()["id"])
    return ids


def test_the_worked_example_scores_79_2_with_seed_001s_shares_and_what_if(manager_api, store_a):
    ids = post_worked_example(manager_api, store_a)
    assert len(ids) == 38
    assert Answer.objects.filter(item__code="timeliness").count() == 38

    answer = manager_api.get(
        "/api/surveys/score/",
        {"store": store_a.pk, "item": "timeliness", "target": "80", "movable": "8"},
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["model_code"] == "service-5d-v1"
    assert body["scale"] == 100
    assert body["answers"] == 38
    assert body["score"] == "79.2"
    assert body["score_exact"] == "1505/19"
    assert body["levels"]["average"]["share"] == "2.6"
    assert body["scores"]["7"]["share"] == "5.3"
    assert body["scores"]["8"]["share"] == "89.5"
    assert body["levels"]["very_satisfied"]["share"] == "2.6"
    what_if = body["what_if"]
    assert what_if["reachable"] is True
    assert what_if["move_count"] == 3
    assert what_if["moves"] == [{"item": None, "from_score": 8, "to_score": 9, "count": 3}]
    assert what_if["score_after"] == "80.0"
    assert what_if["after"]["levels"]["very_satisfied"]["share"] == "10.5"


def test_without_a_restriction_two_moves_reach_80(manager_api, store_a):
    post_worked_example(manager_api, store_a)

    body = manager_api.get("/api/surveys/score/", {"item": "timeliness", "target": "80"}).json()

    assert body["what_if"]["move_count"] == 2
    assert body["what_if"]["moves"][0]["from_score"] == 7
    assert body["what_if"]["score_after"] == "80.3"


def test_the_dimension_and_overall_figures_name_their_model(manager_api, store_a):
    post_worked_example(manager_api, store_a)

    body = manager_api.get("/api/surveys/score/", {"store": store_a.pk}).json()

    assert body["model_code"] == "service-5d-v1"
    assert body["dimensions"]["timeliness"]["score"] == "79.2"
    assert body["dimensions"]["service_attitude"]["score"] == "90.0"
    assert body["dimensions"]["timeliness"]["weight"] == "1/5"
    # (80 + 90 + 1505/19 + 70 + 80) / 5
    assert body["overall"] == "79.8"
    by_dimension = manager_api.get("/api/surveys/score/", {"dimension": "timeliness"}).json()
    assert by_dimension["score"] == "79.2"


def test_an_unreachable_target_says_so(manager_api, store_a):
    post_worked_example(manager_api, store_a)

    body = manager_api.get(
        "/api/surveys/score/", {"item": "timeliness", "target": "95", "movable": "8"}
    ).json()

    assert body["what_if"]["reachable"] is False
    assert body["what_if"]["move_count"] == 34


def test_the_score_endpoint_filters_by_period(manager_api, store_a):
    post_worked_example(manager_api, store_a)

    answer = manager_api.get("/api/surveys/score/", {"item": "timeliness", "date_to": "2000-01-01"})

    assert answer.status_code == 400
    assert answer.json()["detail"] == "No scored answers match these filters."


@pytest.mark.parametrize(
    ("params", "field"),
    [({"target": "abc"}, "target"), ({"movable": "11"}, "movable"), ({"date_from": "x"},
     "date_from")],
)  # fmt: skip
def test_bad_score_parameters_are_refused_by_name(manager_api, store_a, params, field):
    answer = manager_api.get("/api/surveys/score/", params)

    assert answer.status_code == 400
    assert field in answer.json()


def test_a_store_b_user_sees_no_store_a_answers(api_client, store_a, manager_a, manager_b):
    post_worked_example(client_for(api_client, manager_a), store_a)
    other = client_for(api_client, manager_b)

    assert other.get("/api/surveys/responses/").json()["count"] == 0
    assert other.get("/api/surveys/score/", {"item": "timeliness"}).status_code == 400
    assert other.get("/api/surveys/score/", {"store": store_a.pk}).status_code == 404


def test_a_response_lists_its_answers_and_score(manager_api, store_a):
    customer = make_customer(store_a)
    created = manager_api.post(
        "/api/surveys/responses/",
        {"customer": customer.pk, "questionnaire": "service-5d", "answers": FIVE_D_ANSWERS},
        format="json",
    ).json()

    body = manager_api.get(f"/api/surveys/responses/{created['id']}/").json()

    assert body["overall_score"] == "80.0"
    assert body["scoring_model_code"] == "service-5d-v1"
    assert {a["item"]: a["score"] for a in body["answers"]}["service_attitude"] == 9
    assert "mobile" not in body


def test_a_second_survey_in_the_quarter_is_refused_with_the_reason(manager_api, store_a):
    customer = make_customer(store_a, name="李娜")
    body = {"customer": customer.pk, "questionnaire": "service-5d", "answers": FIVE_D_ANSWERS}
    assert manager_api.post("/api/surveys/responses/", body, format="json").status_code == 201

    again = manager_api.post("/api/surveys/responses/", body, format="json")

    assert again.status_code == 400
    assert again.json()["code"] == "too_soon"
    assert "李娜 already answered a satisfaction survey" in again.json()["detail"]
    assert "at most once every 90 days" in again.json()["detail"]
    assert SurveyResponse.objects.count() == 1


def test_a_bad_answer_names_the_item(manager_api, store_a):
    customer = make_customer(store_a)
    answer = manager_api.post(
        "/api/surveys/responses/",
        {"customer": customer.pk, "questionnaire": "service-5d",
         "answers": dict(FIVE_D_ANSWERS, timeliness=11)},
        format="json",
    )  # fmt: skip

    assert answer.status_code == 400
    assert "a score must be a whole number from 1 to 10; got “11”" in answer.json()["detail"]
    assert SurveyResponse.objects.count() == 0


def test_a_store_b_customer_reads_as_not_found(manager_api, store_b):
    customer = make_customer(store_b)
    answer = manager_api.post(
        "/api/surveys/responses/",
        {"customer": customer.pk, "questionnaire": "service-5d", "answers": FIVE_D_ANSWERS},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json() == {"customer": ["No such record in your stores."]}


def test_questionnaires_come_with_versions_and_items(manager_api, store_a):
    published(store_a)
    body = manager_api.get("/api/surveys/questionnaires/").json()

    codes = {q["code"] for q in body["results"]}
    assert {"sales", "service", "service-5d"} <= codes
    five_d = next(q for q in body["results"] if q["code"] == "service-5d")
    items = five_d["versions"][0]["items"]
    assert [i["dimension"] for i in items if i["kind"] == "score"] == [
        "service_skill", "service_attitude", "timeliness", "parts_supply", "overall_service",
    ]  # fmt: skip


def test_an_invitation_is_sent_and_its_link_returned_once(manager_api, store_a, settings):
    settings.SMS_BACKEND = "dealercare.followups.messaging.LocmemSmsBackend"
    from dealercare.followups.messaging import LocmemSmsBackend

    LocmemSmsBackend.outbox = []
    customer = make_customer(store_a, mobile="13800138000")
    published(store_a)

    answer = manager_api.post(
        "/api/surveys/invitations/", {"customer": customer.pk, "business": "service"},
        format="json",
    )  # fmt: skip

    assert answer.status_code == 201, answer.json()
    link = answer.json()["link"]
    assert "/s/" in link
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = SurveyInvitation.objects.get()
    assert invitation.token != token  # only the digest is stored
    listed = manager_api.get("/api/surveys/invitations/").json()["results"]
    assert listed[0]["id"] == invitation.pk
    assert "link" not in listed[0] and "token" not in listed[0]


def test_overall_scores_are_stored_as_decimals(manager_api, store_a):
    customer = make_customer(store_a)
    manager_api.post(
        "/api/surveys/responses/",
        {"customer": customer.pk, "questionnaire": "service-5d",
         "answers": dict(FIVE_D_ANSWERS, parts_supply=6)},
        format="json",
    )  # fmt: skip

    response = SurveyResponse.objects.get()
    assert response.overall_score == Decimal("78.0")
    assert response.needs_recovery is True
