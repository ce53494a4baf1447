"""The CSI API: figures as the dashboard's tables, own results, plans and targets (scoped)."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from dealercare.core.models import AuditEvent
from dealercare.csi.models import ActionPlan, CsiTarget

from .factories import ActionPlanFactory, CsiTargetFactory, make_response

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 10)


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def test_dashboard_figures_name_their_model_and_match_seed_001(api_client, manager_a, store_a):
    for score in [6] + [7] * 2 + [8] * 34 + [9]:
        make_response(store_a, {"timeliness": score}, day=NOV)
    response = as_user(api_client, manager_a).get(
        reverse("api-csi-dashboard"), {"period": "month", "day": "2026-11-10"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["scoring_model"] == "service-5d-v1"
    assert body["period"] == "2026-11"
    assert body["overall"] == "79.2"  # only timeliness answered: overall = its score
    items = body["tables"]["items"]
    assert items["model"] == "service-5d-v1"
    (row,) = items["rows"]
    assert row[2:4] == ["79.2", 38]
    assert row[4:] == ["2.6", "94.7", "2.6", "0.0", "0.0"]  # very satisfied ... very dissatisfied


def test_a_bad_period_is_a_clear_400(api_client, manager_a):
    response = as_user(api_client, manager_a).get(reverse("api-csi-dashboard"), {"period": "day"})
    assert response.status_code == 400
    assert response.json()["detail"] == "period must be one of week, month, quarter."


def test_plans_are_created_progressed_and_scoped(api_client, manager_a, store_a, store_b,
                                                 make_user, manager_b):  # fmt: skip
    owner = make_user(store_a, "service_manager")
    ActionPlanFactory(store=store_b, owner=manager_b)
    client = as_user(api_client, manager_a)
    response = client.post(reverse("api-csi-plan-list"), {
        "store": store_a.pk, "kind": "weakness", "business": "service", "item_code": "timeliness",
        "cause_analysis": "工位不足", "measures": "增加快修工位", "owner": owner.pk,
        "due_date": "2026-12-31",
    }, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    plan_id = response.json()["id"]
    assert [p["id"] for p in client.get(reverse("api-csi-plan-list")).json()["results"]] == [
        plan_id
    ]
    progress = reverse("api-csi-plan-progress", args=[plan_id])
    response = client.post(progress, {"status": "verified"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "A plan that is Open cannot become Verified."
    assert client.post(progress, {"status": "done"}, format="json").json()["status"] == "done"
    assert AuditEvent.objects.filter(target_type="csi.actionplan").count() == 2


def test_a_plan_owner_outside_the_store_is_refused(api_client, manager_a, store_a, manager_b):
    response = as_user(api_client, manager_a).post(reverse("api-csi-plan-list"), {
        "store": store_a.pk, "kind": "weakness", "business": "service", "item_code": "timeliness",
        "measures": "x", "owner": manager_b.pk, "due_date": "2026-12-31",
    }, format="json")  # fmt: skip
    assert response.status_code == 400
    assert ActionPlan.objects.count() == 0


def test_another_stores_plan_and_target_are_not_found(api_client, manager_a, store_b, manager_b):
    plan = ActionPlanFactory(store=store_b, owner=manager_b)
    target = CsiTargetFactory(store=store_b)
    client = as_user(api_client, manager_a)
    assert client.get(reverse("api-csi-plan-detail", args=[plan.pk])).status_code == 404
    assert client.patch(reverse("api-csi-target-detail", args=[target.pk]), {"value": "1"},
                        format="json").status_code == 404  # fmt: skip
    assert client.post(reverse("api-csi-target-list"), {
        "store": store_b.pk, "scope": "store", "business": "service", "metric": "satisfied_rate",
        "value": "90", "valid_from": "2026-01-01"}, format="json").status_code == 400  # fmt: skip
    assert CsiTarget.objects.filter(store=store_b).count() == 1


def test_targets_and_their_attainment(api_client, store_a, make_user):
    manager = make_user(store_a, "service_manager")
    for score in (9, 9, 7, 5):
        make_response(store_a, {"timeliness": score}, day=NOV)
    client = as_user(api_client, manager)
    response = client.post(reverse("api-csi-target-list"), {
        "store": store_a.pk, "scope": "store", "business": "service", "metric": "satisfied_rate",
        "value": "75", "valid_from": "2026-01-01"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    response = client.get(reverse("api-csi-target-attainment"),
                          {"period": "quarter", "day": "2026-11-10"})  # fmt: skip
    (row,) = response.json()["rows"]
    assert (row["actual"], row["target_value"], row["reached"]) == ("75.0", "75.0", True)
    response = client.patch(reverse("api-csi-target-detail", args=[row["target"]]),
                            {"value": "80"}, format="json")  # fmt: skip
    assert response.status_code == 200
    (row,) = client.get(reverse("api-csi-target-attainment"), {"day": "2026-11-10"}).json()["rows"]
    assert row["reached"] is False


def test_my_results_hold_only_my_answers(api_client, store_a, make_user):
    me, other = make_user(store_a, "service_advisor"), make_user(store_a, "service_advisor")
    make_response(store_a, {"timeliness": 10}, day=NOV, advisor=me)
    make_response(store_a, {"timeliness": 2}, day=NOV, advisor=other)
    response = as_user(api_client, me).get(reverse("api-csi-my-results"), {"day": "2026-11-10"})
    assert response.status_code == 200
    (result,) = [r for r in response.json()["results"] if r["as"] == "advisor"]
    assert (result["answers"], result["overall"]) == (1, "100.0")
    trend = {t["period"]: t["overall"] for t in result["trend"]}
    assert trend["2026-11"] == "100.0"
    assert "20.0" not in trend.values()
