"""The DMS push API: one or a batch, idempotent retries, every item's errors, roles and stores."""

import pytest
from django.urls import reverse

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.models import Customer, Vehicle
from dealercare.imports import dms
from dealercare.imports.models import IdempotencyRecord
from dealercare.imports.tests.conftest import make_vin
from dealercare.operations.models import Delivery, ServiceVisit

pytestmark = pytest.mark.django_db

DELIVERIES = reverse("api-dms-deliveries")
REPAIR_ORDERS = reverse("api-dms-repair-orders")


def delivery(n=1, **changes):
    item = {
        "order_no": f"SO-{n:04d}", "delivered_at": "2024-03-05T14:30:00+08:00",
        "consultant_name": "李销售", "price": "189000.00",
        "customer": {"name": f"客户{n}", "mobile": f"1381234{n:04d}"},
        "vehicle": {"vin": make_vin(n), "plate": f"粤B{n:05d}", "model_name": "迈腾"},
    }  # fmt: skip
    item.update(changes)
    return item


def repair_order(n=1, **changes):
    item = {
        "repair_order_no": f"RO-{n:04d}", "date_in": "2024-03-05T09:00:00+08:00",
        "visit_type": "maintenance", "advisor_name": "王顾问", "mileage_km": 15000,
        "labour_amount": "300.00", "parts_amount": "500.00",
        "customer": {"name": f"客户{n}", "mobile": f"1391234{n:04d}"},
        "vehicle": {"vin": make_vin(500 + n)},
    }  # fmt: skip
    item.update(changes)
    return item


@pytest.fixture
def dms_client(api_client, store_a, make_user):
    user = make_user(store_a, "integration")
    api_client.force_authenticate(user)
    api_client.user = user
    return api_client


def post(client, url, body, key=None, **params):
    headers = {"Idempotency-Key": key} if key else {}
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return client.post(url + query, body, format="json", headers=headers)


def test_one_delivery_creates_its_customer_vehicle_and_event_with_source_api(dms_client, store_a):
    response = post(dms_client, DELIVERIES, delivery())
    assert response.status_code == 201
    body = response.json()
    stored = Delivery.objects.get()
    assert body == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0, "errors": [],
                    "results": [{"index": 0, "outcome": "created", "id": stored.pk,
                                 "customer_id": stored.customer_id,
                                 "vehicle_id": stored.vehicle_id}]}  # fmt: skip
    assert (stored.source, stored.order_no, stored.store, stored.customer.name,
            stored.customer.mobile, stored.vehicle.vin) == (
        "api", "SO-0001", store_a, "客户1", "13812340001", make_vin(1))  # fmt: skip
    created = AuditEvent.objects.filter(action=AuditAction.CREATE).values_list(
        "target_type", flat=True
    )
    assert sorted(created) == ["customers.customer", "customers.vehicle", "operations.delivery"]
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {dms_client.user.pk}


def test_a_batch_answers_item_by_item_in_order(dms_client):
    response = post(dms_client, DELIVERIES, [delivery(1), delivery(2), delivery(3)])
    assert response.status_code == 201
    assert [r["outcome"] for r in response.json()["results"]] == ["created"] * 3
    assert Delivery.objects.count() == 3


def test_a_retry_with_the_same_key_and_body_returns_the_first_answer_and_stores_nothing(
    dms_client,
):
    first = post(dms_client, DELIVERIES, [delivery(1), delivery(2)], key="push-1")
    counts = (Delivery.objects.count(), Customer.objects.count(), AuditEvent.objects.count())
    again = post(dms_client, DELIVERIES, [delivery(1), delivery(2)], key="push-1")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (
        Delivery.objects.count(),
        Customer.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_the_same_key_with_another_body_is_refused_with_422(dms_client):
    post(dms_client, DELIVERIES, delivery(1), key="push-1")
    response = post(dms_client, DELIVERIES, delivery(1, price="1.00"), key="push-1")
    assert response.status_code == 422
    assert response.json() == {"detail": str(dms.MSG_KEY_REUSED), "code": "idempotency_key_reused"}
    assert str(Delivery.objects.get().price) == "189000.00"


def test_keys_belong_to_their_endpoint_and_user(dms_client, store_a, make_user, api_client):
    post(dms_client, DELIVERIES, delivery(1), key="k")
    assert post(dms_client, REPAIR_ORDERS, repair_order(1), key="k").status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_without_a_key_a_resent_event_is_still_stored_once(dms_client):
    post(dms_client, DELIVERIES, delivery(1))
    response = post(dms_client, DELIVERIES, delivery(1))
    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "unchanged"
    assert Delivery.objects.count() == 1


def test_an_invalid_item_rejects_the_batch_and_every_items_errors_are_listed(dms_client):
    bad_mobile = delivery(2, customer={"name": "坏号码", "mobile": "12345"})
    no_date = delivery(3)
    del no_date["delivered_at"]
    response = post(dms_client, DELIVERIES, [delivery(1), bad_mobile, no_date], key="k")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "2 of 3 items were rejected; nothing was stored.", "code": "invalid_items",
        "errors": [
            {"index": 1, "field": "customer.mobile",
             "message": "Enter a valid mainland China mobile number (11 digits, e.g. 13812345678)."},
            {"index": 2, "field": "delivered_at", "message": "This field is required."},
        ],
    }  # fmt: skip
    assert Delivery.objects.count() == Customer.objects.count() == 0
    assert not IdempotencyRecord.objects.exists()  # a refused request may be fixed and resent


def test_valid_only_stores_the_valid_items_and_lists_the_others(dms_client):
    bad_vin = delivery(2, vehicle={"vin": "LFV2A21K8M4000001"})
    response = post(dms_client, DELIVERIES, [delivery(1), bad_vin], valid_only="true")
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["errors"] == [{"index": 1, "field": "vehicle.vin", "message": "The VIN check "
                               "digit (9th character) does not match; check for a typo."}]  # fmt: skip
    assert [r["outcome"] for r in body["results"]] == ["created", "rejected"]
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [([], "invalid_body"), ("text", "invalid_body"), ([{}] * 1001, "too_many_items")],
)
def test_a_body_that_is_not_one_object_or_a_list_of_at_most_1000_is_refused(dms_client, body, code):
    response = post(dms_client, DELIVERIES, body)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_a_list_item_that_is_not_an_object_is_an_item_error(dms_client):
    response = post(dms_client, DELIVERIES, [delivery(1), 42])
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 1, "field": "non_field",
                                          "message": "Expected an object."}]  # fmt: skip


def test_a_repair_order_pushed_open_then_finished_is_one_visit(dms_client):
    assert post(dms_client, REPAIR_ORDERS, repair_order(1)).status_code == 201
    visit = ServiceVisit.objects.get()
    assert (visit.status, visit.source, visit.vehicle.mileage_km) == ("open", "api", 15000)
    finished = repair_order(1, date_out="2024-03-05T17:00:00+08:00", work_summary="更换机油")
    response = post(dms_client, REPAIR_ORDERS, finished)
    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "updated"
    visit.refresh_from_db()
    assert (visit.status, visit.work_summary) == ("finished", "更换机油")
    assert ServiceVisit.objects.count() == 1


def test_a_finished_repair_order_needs_its_date_out(dms_client):
    response = post(dms_client, REPAIR_ORDERS, repair_order(1, status="finished"))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "date_out", "message": "A finished visit needs the time the "
         "vehicle left."}]  # fmt: skip


def test_a_user_of_several_stores_names_the_store(api_client, store_a, store_b, make_user):
    from dealercare.accounts.models import StoreMembership

    user = make_user(store_a, "integration")
    StoreMembership.objects.create(user=user, store=store_b, role="integration")
    api_client.force_authenticate(user)
    response = post(api_client, DELIVERIES, delivery(1))
    assert response.json()["errors"] == [{"index": 0, "field": "store",
                                          "message": str(dms.MSG_STORE_REQUIRED)}]  # fmt: skip
    response = post(api_client, DELIVERIES, delivery(1, store="sz01"))
    assert response.status_code == 201
    assert Delivery.objects.get().store == store_b


def test_a_store_outside_the_users_stores_is_not_found(dms_client, store_b):
    response = post(dms_client, DELIVERIES, delivery(1, store="SZ01"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "No such store in your stores."
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("role", ["followup_agent", "technician", "cs_supervisor"])
def test_roles_without_operations_cannot_push(api_client, store_a, make_user, role):
    api_client.force_authenticate(make_user(store_a, role))
    assert post(api_client, DELIVERIES, delivery(1)).status_code == 403
    assert not Delivery.objects.exists()


def test_an_anonymous_push_is_refused(api_client):
    assert post(api_client, REPAIR_ORDERS, repair_order(1)).status_code == 401


def test_token_authentication_works(api_client, store_a, make_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user(store_a, "integration"))
    response = api_client.post(DELIVERIES, delivery(1), format="json",
                               HTTP_AUTHORIZATION=f"Token {token.key}")  # fmt: skip
    assert response.status_code == 201


def test_an_invalid_idempotency_key_is_refused(dms_client):
    response = post(dms_client, DELIVERIES, delivery(1), key="x" * 256)
    assert response.status_code == 400
    assert response.json()["detail"] == str(dms.MSG_KEY_INVALID)


def test_a_pushed_vehicle_of_another_customer_is_refused(dms_client, store_a):
    post(dms_client, DELIVERIES, delivery(1))
    other = delivery(2, vehicle={"vin": make_vin(1)})
    response = post(dms_client, DELIVERIES, other)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "vehicle.vin"
    assert Vehicle.objects.count() == 1


def test_get_is_not_allowed(dms_client):
    assert dms_client.get(DELIVERIES).status_code == 405


def test_a_pushed_delivery_gets_its_follow_up_tasks_once_committed(
    dms_client, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from dealercare.followups.models import FollowUpTask

    recent = delivery(1, delivered_at=(timezone.now() - timezone.timedelta(hours=1)).isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        assert post(dms_client, DELIVERIES, recent).status_code == 201
    stored = Delivery.objects.get()
    assert FollowUpTask.objects.filter(event_id=stored.pk).exists()


def test_a_rejected_batch_asks_follow_ups_for_nothing(
    dms_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        post(dms_client, DELIVERIES, [delivery(1), delivery(2, customer={"mobile": "1"})])
    assert callbacks == []
