"""The follow-up API of agents: tasks, "next", attempts, release and hand-offs (token auth)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dealercare.followups.choices import TaskStatus
from dealercare.followups.models import HandOff
from dealercare.testing.factories import CustomerFactory

from .factories import call_all_day, due_task, handoff

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"


@pytest.fixture
def store(store_a):
    return call_all_day(store_a)


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="王伟", gender="male", mobile=MOBILE)


def as_user(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def test_the_task_list_is_scoped_filtered_and_masked(api_client, store, store_b, customer, agent_a):
    overdue = due_task(store, customer=customer, due_in_hours=-2)
    due_task(store, customer=customer, due_in_hours=3)
    due_task(store, customer=customer, opened_hours_ago=-3, due_in_hours=20)
    due_task(store, customer=customer, status=TaskStatus.DONE)
    due_task(store_b)  # another store's
    client = as_user(api_client, agent_a)

    everything = client.get("/api/followups/tasks/").json()
    assert everything["count"] == 4
    assert everything["results"][0]["customer"]["mobile_masked"] == "138****5678"
    assert MOBILE not in str(everything)
    assert client.get("/api/followups/tasks/?due=overdue").json()["count"] == 1
    assert client.get("/api/followups/tasks/?due=now").json()["count"] == 1
    assert client.get("/api/followups/tasks/?due=later").json()["count"] == 1
    assert client.get("/api/followups/tasks/?status=done").json()["count"] == 1
    assert client.get("/api/followups/tasks/?kind=delivery_first_followup").json()["count"] == 4
    before = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    listed = client.get("/api/followups/tasks/", {"due_before": before}).json()
    assert [row["id"] for row in listed["results"]] == [overdue.pk]
    bad = client.get("/api/followups/tasks/?due=tomorrow")
    assert bad.status_code == 400 and "due" in bad.json()


def test_next_claims_and_returns_the_task_then_null_when_nothing_is_due(
    api_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)
    client = as_user(api_client, agent_a)

    first = client.post("/api/followups/next/").json()
    assert first["task"]["id"] == task.pk and first["task"]["status"] == "claimed"
    client.post(f"/api/followups/tasks/{task.pk}/attempts/", {"outcome": "reached"}, format="json")
    assert client.post("/api/followups/next/").json() == {"task": None}


def test_the_task_detail_has_the_filled_script_and_attempts(api_client, store, customer, agent_a):
    task = due_task(store, customer=customer)
    client = as_user(api_client, agent_a)
    client.post(
        f"/api/followups/tasks/{task.pk}/attempts/",
        {"outcome": "no_answer", "notes": "无人接"},
        format="json",
    )

    detail = client.get(f"/api/followups/tasks/{task.pk}/").json()

    assert "王伟先生" in detail["script"] and "{" not in detail["script"]
    assert [a["notes"] for a in detail["attempts"]] == ["无人接"]
    assert detail["customer"]["mobile_masked"] == "138****5678"


def test_an_attempt_records_reached_with_satisfaction_and_flags_forbidden_phrases(
    api_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)
    client = as_user(api_client, agent_a)

    response = client.post(
        f"/api/followups/tasks/{task.pk}/attempts/",
        {"outcome": "reached", "satisfaction": "satisfied", "notes": "不可能吧"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["forbidden_phrases"] == ["不可能"]
    task.refresh_from_db()
    assert (task.status, task.satisfaction) == (TaskStatus.DONE, "satisfied")


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({"outcome": "call_back"}, {"detail": "Give a call-back time in the future."}),
        ({"outcome": "busy", "satisfaction": "satisfied"},
         {"detail": "Satisfaction is recorded only when the customer was reached."}),
        ({"outcome": "shouting"}, None),
    ],
)  # fmt: skip
def test_a_refused_attempt_says_why_and_records_nothing(
    api_client, store, customer, agent_a, body, answer
):
    task = due_task(store, customer=customer)

    response = as_user(api_client, agent_a).post(
        f"/api/followups/tasks/{task.pk}/attempts/", body, format="json"
    )

    assert response.status_code == 400
    if answer:
        assert response.json()["detail"] == answer["detail"]
    else:
        assert "outcome" in response.json()
    assert task.attempts.count() == 0


def test_release_hands_a_claim_back_and_refuses_a_task_not_held(
    api_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)
    client = as_user(api_client, agent_a)

    refused = client.post(f"/api/followups/tasks/{task.pk}/release/")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "You are not working on this follow-up."
    client.post("/api/followups/next/")
    released = client.post(f"/api/followups/tasks/{task.pk}/release/")
    assert released.status_code == 200 and released.json()["status"] == "pending"


def test_other_stores_tasks_are_not_found_and_non_agents_are_refused(
    api_client, store, store_b, make_user, advisor_a
):
    task = due_task(store)
    other = as_user(api_client, make_user(store_b, "followup_agent"))
    assert other.get(f"/api/followups/tasks/{task.pk}/").status_code == 404
    assert other.post(f"/api/followups/tasks/{task.pk}/attempts/", {"outcome": "reached"},
                      format="json").status_code == 404  # fmt: skip
    api_client.credentials()
    advisor = as_user(api_client, advisor_a)
    assert advisor.get("/api/followups/tasks/").status_code == 403
    assert advisor.post("/api/followups/next/").status_code == 403


def test_hand_offs_are_created_moved_and_listed_through_the_api(
    api_client, store, customer, agent_a, make_user
):
    task = due_task(store, customer=customer)
    manager = make_user(store, "service_manager")
    client = as_user(api_client, agent_a)
    due_on = timezone.localtime(timezone.now(), store.tzinfo).date() + dt.timedelta(days=2)

    created = client.post("/api/followups/handoffs/", {
        "task": task.pk, "department": "service", "owner": manager.pk,
        "due_on": f"{due_on:%Y-%m-%d}", "description": "刹车异响",
    }, format="json")  # fmt: skip

    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["customer"]["mobile_masked"] == "138****5678"
    api_client.credentials()
    owner = as_user(api_client, manager)
    moved = owner.post(f"/api/followups/handoffs/{pk}/status/",
                       {"status": "resolved", "note": "已修复"}, format="json")  # fmt: skip
    assert moved.status_code == 200 and moved.json()["status"] == "resolved"
    assert [u["status_to"] for u in moved.json()["updates"]] == ["open", "resolved"]
    listed = owner.get("/api/followups/handoffs/?scope=department").json()
    assert [row["id"] for row in listed["results"]] == [pk]
    skipped = owner.post(f"/api/followups/handoffs/{pk}/status/", {"status": "open"},
                         format="json")  # fmt: skip
    assert skipped.status_code == 400
    assert skipped.json()["detail"] == "A hand-off that is Resolved cannot become Open."


def test_a_hand_off_for_another_stores_task_reads_as_not_found(
    api_client, store, store_b, agent_a, make_user
):
    foreign = due_task(store_b)
    client = as_user(api_client, agent_a)

    response = client.post("/api/followups/handoffs/", {
        "task": foreign.pk, "department": "service", "owner": agent_a.pk,
        "due_on": "2099-01-01", "description": "试探",
    }, format="json")  # fmt: skip

    assert response.status_code == 400
    assert response.json() == {"task": ["No such follow-up in your stores."]}
    assert HandOff.objects.count() == 0


def test_hand_off_detail_of_another_store_is_not_found(
    api_client, store, store_b, agent_a, make_user
):
    made = handoff(due_task(store), make_user(store, "service_manager"), created_by=agent_a)
    client = as_user(api_client, make_user(store_b, "cs_manager"))

    assert client.get(f"/api/followups/handoffs/{made.pk}/").status_code == 404
    assert client.post(f"/api/followups/handoffs/{made.pk}/status/", {"status": "in_progress"},
                       format="json").status_code == 404  # fmt: skip


def test_an_attempt_can_take_a_customer_who_refused_off_calls(api_client, store, customer, agent_a):
    task = due_task(store, customer=customer)
    client = as_user(api_client, agent_a)
    url = f"/api/followups/tasks/{task.pk}/attempts/"

    wrong = client.post(url, {"outcome": "busy", "stop_calls": True}, format="json")
    assert wrong.status_code == 400 and "stop_calls" in str(wrong.json())
    response = client.post(url, {"outcome": "refused", "stop_calls": True}, format="json")

    assert response.status_code == 201 and response.json()["outcome"] == "refused"
    customer.refresh_from_db()
    assert not customer.allow_phone
    detail = client.get(f"/api/followups/tasks/{task.pk}/").json()
    assert (detail["channel"], detail["status"]) == ("sms", "pending")
