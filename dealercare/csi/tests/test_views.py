"""The CSI pages: dashboard (query count), export (audited), own results, plans, targets."""

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.csi.models import ActionPlan, CsiTarget

from .factories import ActionPlanFactory, CsiTargetFactory, make_response

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 10)
OCT = datetime.date(2026, 10, 10)


@pytest.fixture
def answered(store_a, store_b, make_user):
    """Store A: 12 answers with a weak timeliness in November, strong in October; store B too."""
    advisor = make_user(store_a, "service_advisor")
    for i in range(12):
        make_response(store_a, {"timeliness": 3 if i % 3 == 0 else 7, "service_skill": 10,
                                "service_attitude": 9}, day=NOV, advisor=advisor,
                      region="华南", vehicle_model="迈腾")  # fmt: skip
        make_response(store_a, {"timeliness": 9}, day=OCT)
    make_response(store_b, {"timeliness": 10}, day=NOV)
    return advisor


def get_dashboard(client, **params):
    return client.get(reverse("csi:dashboard"), {"period": "month", "day": "2026-11-10", **params})


def test_the_manager_sees_the_score_the_weakness_and_the_model(client, manager_a, answered):
    client.force_login(manager_a)
    with CaptureQueriesContext(connection) as queries:
        response = get_dashboard(client)
    assert response.status_code == 200
    assert len(queries) <= 25, [q["sql"] for q in queries.captured_queries]
    d = response.context["d"]
    # timeliness: four 3s and eight 7s -> (12 + 56) / 12 x 10 = 56.7
    assert str(d.current.items["timeliness"].score_display) == "56.7"
    assert [f.item for f in d.findings if f.standing == "weakness"] == ["timeliness"]
    assert [f.item for f in d.findings if f.standing == "strength"] == [
        "service_attitude", "service_skill"]  # fmt: skip
    body = response.content.decode()
    assert "service-5d-v1" in body
    assert 'data-testid="finding-timeliness"' in body
    assert "深圳南山4S店" not in body  # store B is not the manager's


def test_the_query_count_does_not_grow_with_the_answers(client, manager_a, answered, store_a):
    client.force_login(manager_a)
    with CaptureQueriesContext(connection) as before:
        get_dashboard(client)
    for i in range(20):
        make_response(store_a, {"parts_supply": 1 + i % 10}, day=NOV, region=f"R{i}")
    with CaptureQueriesContext(connection) as after:
        get_dashboard(client)
    assert len(after) == len(before)


def test_every_breakdown_tab_renders(client, manager_a, answered):
    client.force_login(manager_a)
    for breakdown in ("region", "vehicle_model", "customer_type", "advisor", "technician"):
        response = get_dashboard(client, breakdown=breakdown)
        assert response.status_code == 200
        assert response.context["d"].breakdown == breakdown
    rows = get_dashboard(client, breakdown="advisor").context["d"].by_breakdown
    assert [row.label for row in rows] == [str(answered)]


def test_a_role_without_csi_is_refused(client, agent_a):
    client.force_login(agent_a)
    assert get_dashboard(client).status_code == 403


def test_each_chart_exports_as_xlsx_and_is_audited(client, manager_a, answered):
    client.force_login(manager_a)
    for chart in ("summary", "items", "trend", "stores", "breakdown", "sources", "findings",
                  "drivers", "checks"):  # fmt: skip
        response = client.get(reverse("csi:export"), {"chart": chart, "day": "2026-11-10"})
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        if chart != "checks":  # the five-dimension questionnaire has no yes/no checks
            assert "service-5d-v1" in sheet
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT, target_type="csi.dashboard")
    assert events.count() == 9
    assert events.first().changes["period"] == "2026-11"


def test_export_needs_export_lists(client, store_a, make_user, answered):
    supervisor = make_user(store_a, "cs_supervisor")  # sees CSI, may not export
    client.force_login(supervisor)
    assert get_dashboard(client).status_code == 200
    assert client.get(reverse("csi:export")).status_code == 403


def test_an_advisor_sees_only_their_own_results(client, answered, store_a, make_user):
    client.force_login(answered)
    response = client.get(reverse("csi:my-results"), {"period": "month"})
    assert response.status_code == 200
    assert "csi/my_results.html" in [t.name for t in response.templates]
    other = make_user(store_a, "service_advisor")
    client.force_login(other)
    response = client.get(reverse("csi:my-results"))
    assert all(s["figures"].answers == 0 for s in response.context["sections"])


def test_a_plan_is_opened_from_a_weakness_and_tracked_to_verified(client, manager_a, store_a,
                                                                   make_user):  # fmt: skip
    owner = make_user(store_a, "service_manager")
    client.force_login(manager_a)
    url = reverse("csi:plan-create") + "?kind=weakness&business=service&item_code=timeliness"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "kind": "weakness", "business": "service", "item_code": "timeliness",
        "cause_analysis": "工位不足", "measures": "增加快修工位", "owner": owner.pk,
        "due_date": "2026-12-31",
    })  # fmt: skip
    plan = ActionPlan.objects.get()
    assert response.status_code == 302
    # The owner moves it along; only the manager verifies it.
    client.force_login(owner)
    detail = reverse("csi:plan-detail", args=[plan.pk])
    client.post(detail, {"status": "in_progress", "note": "已排班"})
    client.post(detail, {"status": "done"})
    response = client.post(detail, {"status": "verified"})
    assert "Only a CS manager may verify that a plan worked." in response.content.decode()
    client.force_login(manager_a)
    client.post(detail, {"status": "verified"})
    plan.refresh_from_db()
    assert plan.status == "verified"
    assert [u.status_to for u in plan.updates.order_by("id")] == [
        "open", "in_progress", "done", "verified"]  # fmt: skip
    assert (
        AuditEvent.objects.filter(target_type="csi.actionplan", target_id=str(plan.pk)).count() == 4
    )


def test_a_plan_of_another_store_is_not_found(client, manager_a, store_b, manager_b):
    plan = ActionPlanFactory(store=store_b, owner=manager_b)
    client.force_login(manager_a)
    assert client.get(reverse("csi:plan-detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("csi:plan-edit", args=[plan.pk])).status_code == 404


def test_targets_show_attainment_per_person(client, store_a, make_user, answered):
    manager = make_user(store_a, "service_manager")
    client.force_login(manager)
    response = client.post(reverse("csi:target-create"), {
        "scope": "role", "role": "service_advisor", "business": "service",
        "metric": "satisfied_rate", "value": "80", "valid_from": "2026-01-01",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    assert CsiTarget.objects.count() == 1
    response = client.get(reverse("csi:target-list"), {"period": "month"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.who for row in rows] == [str(answered)]
    assert rows[0].attainment is not None


def test_a_target_form_explains_what_is_missing(client, manager_a):
    client.force_login(manager_a)
    response = client.post(reverse("csi:target-create"), {
        "scope": "person", "business": "service", "metric": "item_score", "value": "85",
        "valid_from": "2026-01-01",
    })  # fmt: skip
    body = response.content.decode()
    assert "Choose the person this target is for." in body
    assert "Choose the item this target is for." in body


def test_settings_change_the_thresholds_and_are_audited(client, manager_a, store_a):
    client.force_login(manager_a)
    response = client.post(reverse("csi:settings"), {
        "min_answers": 5, "strength_min_very_satisfied": "60", "strength_max_negative": "0",
        "weakness_max_very_satisfied": "20", "weakness_min_negative": "10",
        "weakness_min_drop": "15",
    })  # fmt: skip
    assert response.status_code == 302
    assert store_a.csi_settings.min_answers == 5
    assert AuditEvent.objects.filter(action=AuditAction.SETTINGS, store=store_a).exists()


def test_target_factory_rows_belong_to_their_store(store_a):
    target = CsiTargetFactory(store=store_a)
    assert str(target).startswith("Satisfied")


def test_a_period_is_rescored_under_another_model_but_never_another_groups(
    client, manager_a, answered
):
    from dealercare.surveys.models import ScoringModel
    from dealercare.testing.factories import DealerGroupFactory

    other = DealerGroupFactory(name="华东集团", code="huadong")
    ScoringModel.objects.create(
        code="huadong-secret", name="别的集团", business="service", scale=100, group=other,
        dimension_weights={"timeliness": "1"},
    )  # fmt: skip
    client.force_login(manager_a)

    thousand = get_dashboard(client, model="service-5d-1000").context["d"]
    theirs = get_dashboard(client, model="huadong-secret").context["d"]

    # timeliness 56.7 of 100 is 567 of 1,000 under the shipped 1,000-point model.
    assert str(thousand.current.items["timeliness"].score_display) == "567"
    assert theirs.model_code == "service-5d-v1"  # the other group's model is not used
