"""REST API of customers: scoping, roles, masking, reveal, merge, consent, validation, search."""

import random

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from dealercare.accounts.api.scoping import MSG_ROLE_CANNOT
from dealercare.core import validators as v
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.models import ConsentRecord, Customer, Tag
from dealercare.demo import generators as gen
from dealercare.testing.factories import (
    CompanyCustomerFactory,
    CustomerFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

MSG_NO_PERMISSION = "You do not have permission to do this in this store."
MSG_NOT_FOUND = "No such customer in your stores."
MSG_REASON = "Give a reason (at least 2 characters)."


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()  # reveal throttling counts live in the cache
    yield
    cache.clear()


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def zhang_a(store_a):
    return CustomerFactory(store=store_a, name="张三", mobile="13812345678", gender="male")


@pytest.fixture
def zhang_b(store_b):
    return CustomerFactory(store=store_b, name="张三", mobile="13912345678", gender="male")


# --- authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/customers/"),
        ("get", "/api/customers/?q=zs"),
        ("post", "/api/customers/"),
        ("get", "/api/customers/1/"),
        ("patch", "/api/customers/1/"),
        ("post", "/api/customers/1/reveal-phone/"),
        ("post", "/api/customers/1/merge/"),
        ("post", "/api/customers/1/consent/"),
    ],
)
def test_every_customer_endpoint_needs_credentials(api_client, method, url):
    response = getattr(api_client, method)(url, {}, format="json")

    assert response.status_code == 401


# --- store isolation ----------------------------------------------------------------------------


def test_the_list_excludes_another_stores_customers(agent_a, zhang_a, zhang_b):
    response = client_for(agent_a).get("/api/customers/")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [zhang_a.pk]


def test_a_group_admin_lists_customers_of_every_store(admin_user, zhang_a, zhang_b):
    response = client_for(admin_user).get("/api/customers/")

    assert {c["id"] for c in response.json()["results"]} == {zhang_a.pk, zhang_b.pk}


def test_search_never_returns_another_stores_customers(agent_a, zhang_a, zhang_b):
    for query in ("张三", "zhangsan", "zs", "5678", zhang_b.mobile, zhang_b.number):
        response = client_for(agent_a).get("/api/customers/", {"q": query})

        assert response.status_code == 200
        assert zhang_b.pk not in [c["id"] for c in response.json()["results"]], query


def test_a_group_admin_finds_customers_of_every_store(admin_user, zhang_a, zhang_b):
    response = client_for(admin_user).get("/api/customers/", {"q": "zs"})

    assert {c["id"] for c in response.json()["results"]} == {zhang_a.pk, zhang_b.pk}


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", {}),
        ("patch", "", {"city": "深圳"}),
        ("post", "reveal-phone/", {"reason": "回访核对号码"}),
        ("post", "merge/", {"source_id": 1, "reason": "重复建档"}),
        ("post", "consent/", {"channel": "sms", "granted": False, "method": "verbal_call"}),
    ],
)
def test_another_stores_customer_is_not_found(manager_a, zhang_b, method, suffix, body):
    client = client_for(manager_a)

    response = getattr(client, method)(f"/api/customers/{zhang_b.pk}/{suffix}", body, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": MSG_NOT_FOUND}
    zhang_b.refresh_from_db()
    assert zhang_b.city == "广州"
    assert not AuditEvent.objects.filter(target_id=str(zhang_b.pk)).exists()


def test_an_unknown_id_reads_like_another_stores_id(agent_a):
    response = client_for(agent_a).get("/api/customers/999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": MSG_NOT_FOUND}


# --- roles --------------------------------------------------------------------------------------


def test_a_technician_cannot_list_customers(store_a, make_user, zhang_a):
    technician = make_user(store_a, "technician")

    for url in ("/api/customers/", f"/api/customers/{zhang_a.pk}/", "/api/customers/?q=zs"):
        response = client_for(technician).get(url)

        assert response.status_code == 403
        assert response.json() == {"detail": str(MSG_ROLE_CANNOT)}


def test_an_advisor_cannot_reveal_a_phone(advisor_a, zhang_a):
    response = client_for(advisor_a).post(
        f"/api/customers/{zhang_a.pk}/reveal-phone/", {"reason": "核对号码"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": MSG_NO_PERMISSION}
    assert zhang_a.mobile not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


@pytest.mark.parametrize("role", ["service_advisor", "followup_agent"])
def test_advisors_and_agents_cannot_merge(store_a, make_user, zhang_a, role):
    duplicate = CustomerFactory(store=store_a, name="张三")

    response = client_for(make_user(store_a, role)).post(
        f"/api/customers/{zhang_a.pk}/merge/",
        {"source_id": duplicate.pk, "reason": "重复建档"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": MSG_NO_PERMISSION}
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None


def test_the_integration_role_can_read_and_create_customers(store_a, make_user, zhang_a):
    dms = client_for(make_user(store_a, "integration"))

    assert dms.get("/api/customers/").json()["count"] == 1
    response = dms.post(
        "/api/customers/", {"store": store_a.pk, "name": "李四", "source": "dms"}, format="json"
    )
    assert response.status_code == 201


# --- masking and reveal -------------------------------------------------------------------------


def test_the_full_mobile_is_never_in_the_list_search_or_detail(agent_a, zhang_a):
    client = client_for(agent_a)
    zhang_a.phone_other = "13600001111"
    zhang_a.save()

    for url in ("/api/customers/", f"/api/customers/?q={zhang_a.mobile}",
                f"/api/customers/{zhang_a.pk}/"):  # fmt: skip
        response = client.get(url)

        assert response.status_code == 200
        assert "13812345678" not in response.content.decode(), url
        assert "13600001111" not in response.content.decode(), url
    detail = client.get(f"/api/customers/{zhang_a.pk}/").json()
    assert detail["mobile_masked"] == "138****5678"
    assert detail["phone_other_masked"] == "136****1111"
    assert "mobile" not in detail


def test_company_contacts_mobiles_are_masked(store_a, agent_a):
    company = CompanyCustomerFactory(store=store_a)
    company.contacts.create(name="刘经理", position="车队主管", mobile="15011112222")

    response = client_for(agent_a).get(f"/api/customers/{company.pk}/")

    assert response.json()["contacts"][0]["mobile_masked"] == "150****2222"
    assert "15011112222" not in response.content.decode()


def test_revealing_a_phone_gives_the_full_number_and_audits_the_reason(agent_a, zhang_a):
    response = client_for(agent_a).post(
        f"/api/customers/{zhang_a.pk}/reveal-phone/",
        {"reason": "客户来电要求回拨"},
        format="json",
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 200
    assert response.json() == {"mobile": "13812345678"}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action=AuditAction.REVEAL_PHONE)
    assert (event.actor, event.target_id, event.reason, event.ip_address, event.store_id) == (
        agent_a, str(zhang_a.pk), "客户来电要求回拨", "10.1.2.3", zhang_a.store_id,
    )  # fmt: skip


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": " x "}])
def test_revealing_a_phone_needs_a_reason(agent_a, zhang_a, body):
    response = client_for(agent_a).post(
        f"/api/customers/{zhang_a.pk}/reveal-phone/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"reason": [MSG_REASON]}
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


def test_reveals_are_throttled(agent_a, zhang_a, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"reveal": "2/hour"})
    client = client_for(agent_a)
    url = f"/api/customers/{zhang_a.pk}/reveal-phone/"

    statuses = [client.post(url, {"reason": "核对号码"}, format="json").status_code
                for _ in range(3)]  # fmt: skip

    assert statuses == [200, 200, 429]
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).count() == 2


# --- create and update --------------------------------------------------------------------------


def test_creating_a_customer_normalises_the_mobile_and_masks_it(store_a, agent_a):
    response = client_for(agent_a).post(
        "/api/customers/",
        {"store": store_a.pk, "name": "李四", "gender": "female", "mobile": "+86 139-0000-1234",
         "tags": ["车友会"], "city": "广州"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.mobile == "13900001234"
    assert customer.number == "GZ01-000001"
    assert (body["number"], body["mobile_masked"], body["tags"]) == (
        "GZ01-000001", "139****1234", ["车友会"],
    )  # fmt: skip
    assert "13900001234" not in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.CREATE, target_id=str(customer.pk))
    assert event.actor == agent_a


def test_creating_a_company_with_its_contacts(store_a, agent_a):
    uscc = gen.uscc(random.Random(3), "440100")

    response = client_for(agent_a).post(
        "/api/customers/",
        {"store": store_a.pk, "kind": "company", "name": "广州顺达物流有限公司", "uscc": uscc,
         "contacts": [{"name": "刘经理", "position": "车队主管", "mobile": "15011112222"}]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201
    contact = Customer.objects.get(pk=response.json()["id"]).contacts.get()
    assert (contact.name, contact.mobile) == ("刘经理", "15011112222")
    assert response.json()["contacts"][0]["mobile_masked"] == "150****2222"


@pytest.mark.parametrize("store", ["b", "missing"])
def test_creating_in_a_store_without_edit_rights_is_forbidden(store_b, agent_a, store):
    store_id = store_b.pk if store == "b" else 999999

    response = client_for(agent_a).post(
        "/api/customers/", {"store": store_id, "name": "李四"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": MSG_NO_PERMISSION}
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "12345", v.MSG_MOBILE_INVALID),
        ("mobile", "1381234567a", v.MSG_MOBILE_INVALID),
        ("phone_other", "123", v.MSG_PHONE_INVALID),
        ("uscc", "91440101MA5ABCDE1", v.MSG_USCC_INVALID),
        ("gender", "x", '"x" is not a valid choice.'),
        ("birth_date", "1990-13-01",
         "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
    ],
)  # fmt: skip
def test_a_bad_field_gets_one_message(store_a, agent_a, field, value, message):
    response = client_for(agent_a).post(
        "/api/customers/", {"store": store_a.pk, "name": "李四", field: value}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {field: [str(message)]}
    assert not Customer.objects.exists()


def test_a_wrong_uscc_check_character_is_named(store_a, agent_a):
    uscc = gen.uscc(random.Random(3), "440100")
    wrong = uscc[:17] + next(ch for ch in v.USCC_ALPHABET if ch != uscc[17])

    response = client_for(agent_a).post(
        "/api/customers/",
        {"store": store_a.pk, "kind": "company", "name": "某公司", "uscc": wrong},
        format="json",
    )

    assert response.json() == {"uscc": [str(v.MSG_USCC_CHECK)]}


def test_every_bad_field_is_reported_at_once(store_a, agent_a):
    response = client_for(agent_a).post(
        "/api/customers/",
        {"store": store_a.pk, "mobile": "12345", "uscc": "bad", "email": "no-at-sign"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field is required."],
        "mobile": [str(v.MSG_MOBILE_INVALID)],
        "uscc": [str(v.MSG_USCC_INVALID)],
        "email": ["Enter a valid email address."],
    }


def test_the_models_own_rules_come_back_per_field(store_a, agent_a):
    response = client_for(agent_a).post(
        "/api/customers/",
        {"store": store_a.pk, "kind": "company", "name": "某公司", "quiet_hours_start": "12:00"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "uscc": ["A company customer needs its unified social credit code."],
        "quiet_hours_end": ["Give both ends of the quiet hours, or neither."],
    }


def test_a_duplicate_mobile_is_a_conflict_naming_the_existing_customer(store_a, agent_a, zhang_a):
    response = client_for(agent_a).post(
        "/api/customers/",
        {"store": store_a.pk, "name": "张叁", "mobile": "138 1234 5678"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "A customer with this mobile number already exists in this store: "
        f"{zhang_a.number} 张三.",
        "code": "duplicate",
        "field": "mobile",
        "existing_id": zhang_a.pk,
        "existing_number": zhang_a.number,
    }
    assert Customer.objects.count() == 1


def test_the_same_mobile_in_another_store_is_no_duplicate(store_b, manager_b, zhang_a):
    response = client_for(manager_b).post(
        "/api/customers/", {"store": store_b.pk, "name": "张三", "mobile": zhang_a.mobile},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201


def test_updating_a_customer_audits_each_changed_field(agent_a, zhang_a):
    response = client_for(agent_a).patch(
        f"/api/customers/{zhang_a.pk}/",
        {"city": "佛山", "customer_type": "vip", "tags": ["老客户推荐"]},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["city"], response.json()["tags"]) == ("佛山", ["老客户推荐"])
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(zhang_a.pk))
    assert event.changes == {
        "city": ["广州", "佛山"],
        "customer_type": ["general", "vip"],
        "tags": ["", "老客户推荐"],
    }


def test_updating_to_another_customers_mobile_is_a_conflict(store_a, agent_a, zhang_a):
    other = CustomerFactory(store=store_a, name="李四")

    response = client_for(agent_a).patch(
        f"/api/customers/{other.pk}/", {"mobile": "+8613812345678"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["existing_id"] == zhang_a.pk
    other.refresh_from_db()
    assert other.mobile != zhang_a.mobile


def test_updating_with_a_bad_mobile_says_why(agent_a, zhang_a):
    response = client_for(agent_a).patch(
        f"/api/customers/{zhang_a.pk}/", {"mobile": "1234"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"mobile": [str(v.MSG_MOBILE_INVALID)]}


# --- merge and consent --------------------------------------------------------------------------


def test_a_manager_merges_a_duplicate_keeping_its_history(store_a, manager_a, zhang_a):
    duplicate = CustomerFactory(store=store_a, name="张三", mobile="", city="")
    vehicle = VehicleFactory(owner=duplicate)

    response = client_for(manager_a).post(
        f"/api/customers/{zhang_a.pk}/merge/",
        {"source_id": duplicate.pk, "reason": "同一客户重复建档"},
        format="json",
    )

    assert response.status_code == 200
    assert [v["id"] for v in response.json()["vehicles"]] == [vehicle.pk]
    assert response.json()["merged_from"] == [
        {"id": duplicate.pk, "number": duplicate.number, "name": "张三"}
    ]
    duplicate.refresh_from_db()
    assert duplicate.merged_into == zhang_a
    assert AuditEvent.objects.filter(
        action=AuditAction.MERGE, target_id=str(zhang_a.pk), reason="同一客户重复建档"
    ).exists()


def test_merging_another_stores_customer_reads_as_not_found(manager_a, zhang_a, zhang_b):
    response = client_for(manager_a).post(
        f"/api/customers/{zhang_a.pk}/merge/",
        {"source_id": zhang_b.pk, "reason": "重复建档"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"source_id": [MSG_NOT_FOUND]}
    zhang_b.refresh_from_db()
    assert zhang_b.merged_into_id is None


def test_merging_needs_a_reason(store_a, manager_a, zhang_a):
    duplicate = CustomerFactory(store=store_a, name="张三")

    response = client_for(manager_a).post(
        f"/api/customers/{zhang_a.pk}/merge/", {"source_id": duplicate.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"reason": [MSG_REASON]}


def test_merging_a_customer_into_itself_is_refused(manager_a, zhang_a):
    response = client_for(manager_a).post(
        f"/api/customers/{zhang_a.pk}/merge/",
        {"source_id": zhang_a.pk, "reason": "重复建档"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "A customer cannot be merged into itself.",
        "code": "invalid",
    }


def test_recording_consent_changes_the_flag_and_keeps_the_record(agent_a, zhang_a):
    response = client_for(agent_a).post(
        f"/api/customers/{zhang_a.pk}/consent/",
        {"channel": "marketing", "granted": True, "method": "paper_form", "note": "签字"},
        format="json",
    )

    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("channel", "granted", "method", "note")} == {
        "channel": "marketing", "granted": True, "method": "paper_form", "note": "签字",
    }  # fmt: skip
    zhang_a.refresh_from_db()
    assert zhang_a.allow_marketing is True
    assert ConsentRecord.objects.get(customer=zhang_a, channel="marketing").recorded_by == agent_a
    assert AuditEvent.objects.filter(action=AuditAction.CONSENT).count() == 1


def test_consent_needs_a_channel_an_answer_and_how_it_was_given(agent_a, zhang_a):
    response = client_for(agent_a).post(
        f"/api/customers/{zhang_a.pk}/consent/", {"channel": "fax"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "channel": ['"fax" is not a valid choice.'],
        "granted": ["This field is required."],
        "method": ["This field is required."],
    }


# --- detail -------------------------------------------------------------------------------------


def test_the_detail_shows_vehicles_tags_and_consent(store_a, agent_a, zhang_a):
    vehicle = VehicleFactory(owner=zhang_a)
    zhang_a.tags.add(Tag.objects.create(store=store_a, name="车友会"))

    body = client_for(agent_a).get(f"/api/customers/{zhang_a.pk}/").json()

    assert body["number"] == zhang_a.number
    assert body["store_code"] == "GZ01"
    assert body["tags"] == ["车友会"]
    assert [(v["id"], v["vin"], v["plate"]) for v in body["vehicles"]] == [
        (vehicle.pk, vehicle.vin, vehicle.plate)
    ]
    assert (body["allow_phone"], body["allow_sms"], body["allow_marketing"]) == (
        True, True, False,
    )  # fmt: skip
    assert body["consents"] == []


# --- list: pagination, filters, search ----------------------------------------------------------


def test_the_list_is_paginated(store_a, agent_a):
    CustomerFactory.create_batch(12, store=store_a)

    first = client_for(agent_a).get("/api/customers/", {"page_size": 5}).json()
    last = client_for(agent_a).get("/api/customers/", {"page_size": 5, "page": 3}).json()

    assert (first["count"], len(first["results"]), first["previous"]) == (12, 5, None)
    assert first["next"].endswith("/api/customers/?page=2&page_size=5")
    assert (len(last["results"]), last["next"]) == (2, None)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"customer_type": "vip"}, ["vip"]),
        ({"value_tier": "A"}, ["tier_a"]),
        ({"lifecycle_state": "lost"}, ["lost"]),
        ({"kind": "company"}, ["company"]),
        ({"tag": "车友会"}, ["tagged"]),
        ({"customer_type": "vip", "tag": "车友会"}, []),
    ],
)
def test_the_list_filters(store_a, store_b, agent_a, params, expected):
    rows = {
        "plain": CustomerFactory(store=store_a),
        "vip": CustomerFactory(store=store_a, customer_type="vip"),
        "tier_a": CustomerFactory(store=store_a, value_tier="A"),
        "lost": CustomerFactory(store=store_a, lifecycle_state="lost"),
        "company": CompanyCustomerFactory(store=store_a, customer_type="general"),
        "tagged": CustomerFactory(store=store_a),
    }
    rows["tagged"].tags.add(Tag.objects.create(store=store_a, name="车友会"))
    names = {c.pk: key for key, c in rows.items()}

    response = client_for(agent_a).get("/api/customers/", params)

    assert response.status_code == 200
    assert [names[c["id"]] for c in response.json()["results"]] == expected


def test_the_store_filter_narrows_a_group_admins_list(admin_user, store_b, zhang_a, zhang_b):
    client = client_for(admin_user)

    listed = client.get("/api/customers/", {"store": store_b.pk}).json()["results"]
    found = client.get("/api/customers/", {"store": store_b.pk, "q": "zs"}).json()["results"]

    assert [c["id"] for c in listed] == [c["id"] for c in found] == [zhang_b.pk]


def test_a_bad_filter_value_is_a_400(agent_a):
    response = client_for(agent_a).get("/api/customers/", {"value_tier": "Z", "q": "zs"})

    assert response.status_code == 400
    assert response.json() == {
        "value_tier": ["Select a valid choice. Z is not one of the available choices."]
    }


def test_search_puts_the_exact_match_first(store_a, agent_a):
    longer = CustomerFactory(store=store_a, name="张三丰", mobile="13812340000")
    exact = CustomerFactory(store=store_a, name="张三", mobile="13812345678")

    by_name = client_for(agent_a).get("/api/customers/", {"q": "张三"}).json()["results"]
    by_pinyin = client_for(agent_a).get("/api/customers/", {"q": "zhangsan"}).json()["results"]
    by_mobile = client_for(agent_a).get("/api/customers/", {"q": "13812345678"}).json()

    assert [c["id"] for c in by_name] == [exact.pk, longer.pk]
    assert [c["id"] for c in by_pinyin] == [exact.pk, longer.pk]
    assert [c["id"] for c in by_mobile["results"]] == [exact.pk]
    assert by_mobile["count"] == 1


def test_search_finds_a_customer_by_plate_and_vin_tail(store_a, agent_a, zhang_a):
    vehicle = VehicleFactory(owner=zhang_a, plate="粤A12345")

    for query in ("粤A12345", "A12345", vehicle.vin[-6:], vehicle.vin):
        results = client_for(agent_a).get("/api/customers/", {"q": query}).json()["results"]

        assert [c["id"] for c in results] == [zhang_a.pk], query
        assert results[0]["vehicles"] == [
            {"id": vehicle.pk, "plate": "粤A12345", "model_name": "迈腾"}
        ]


def test_search_pages_hold_20_results_in_ranked_order(store_a, agent_a):
    CustomerFactory.create_batch(25, store=store_a, name="王伟")
    ranked = sorted(Customer.objects.values_list("pk", flat=True))
    client = client_for(agent_a)

    first = client.get("/api/customers/", {"q": "王伟"}).json()
    second = client.get("/api/customers/", {"q": "王伟", "page": 2}).json()

    assert [c["id"] for c in first["results"]] == ranked[:20]
    assert first["count"] is None  # more follow
    assert first["next"].endswith("/api/customers/?page=2&q=%E7%8E%8B%E4%BC%9F")
    assert [c["id"] for c in second["results"]] == ranked[20:]
    assert (second["count"], second["next"]) == (25, None)
    assert second["previous"].endswith("/api/customers/?q=%E7%8E%8B%E4%BC%9F")


def test_search_past_the_last_page_is_not_found(agent_a, zhang_a):
    response = client_for(agent_a).get("/api/customers/", {"q": "zs", "page": 2})

    assert response.status_code == 404


def test_search_narrowed_by_a_filter_keeps_the_ranking(store_a, agent_a):
    longer = CustomerFactory(store=store_a, name="张三丰", customer_type="vip")
    CustomerFactory(store=store_a, name="张三")
    exact_vip = CustomerFactory(store=store_a, name="张三", mobile="13700001111",
                                customer_type="vip")  # fmt: skip

    results = (
        client_for(agent_a)
        .get("/api/customers/", {"q": "张三", "customer_type": "vip"})
        .json()["results"]
    )

    assert [c["id"] for c in results] == [exact_vip.pk, longer.pk]


def test_a_merged_customer_leaves_the_list_but_its_link_still_resolves(store_a, manager_a, zhang_a):
    duplicate = CustomerFactory(store=store_a, name="张三", mobile="")
    client = client_for(manager_a)
    client.post(f"/api/customers/{zhang_a.pk}/merge/",
                {"source_id": duplicate.pk, "reason": "重复建档"}, format="json")  # fmt: skip

    listed = [c["id"] for c in client.get("/api/customers/").json()["results"]]
    detail = client.get(f"/api/customers/{duplicate.pk}/").json()

    assert listed == [zhang_a.pk]
    assert detail["merged_into"] == zhang_a.pk


# --- query counts -------------------------------------------------------------------------------


def _customers_with_vehicles_and_tags(store, count):
    tag = Tag.objects.get_or_create(store=store, name="车友会")[0]
    for _ in range(count):
        customer = CustomerFactory(store=store, name="王伟")
        customer.tags.add(tag)
        VehicleFactory(owner=customer)


@pytest.mark.parametrize("count", [2, 15])
def test_the_list_takes_a_fixed_number_of_queries(
    store_a, agent_a, django_assert_max_num_queries, count
):
    _customers_with_vehicles_and_tags(store_a, count)
    client = client_for(agent_a)

    with django_assert_max_num_queries(6):
        response = client.get("/api/customers/")

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [2, 15])
def test_search_takes_a_fixed_number_of_queries(
    store_a, agent_a, django_assert_max_num_queries, count
):
    _customers_with_vehicles_and_tags(store_a, count)
    client = client_for(agent_a)

    with django_assert_max_num_queries(7):
        response = client.get("/api/customers/", {"q": "wangwei"})

    assert len(response.json()["results"]) == count


def test_the_detail_takes_a_fixed_number_of_queries(
    store_a, agent_a, django_assert_max_num_queries
):
    customer = CustomerFactory(store=store_a)
    for _ in range(3):
        VehicleFactory(owner=customer)
    client = client_for(agent_a)

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/customers/{customer.pk}/")

    assert len(response.json()["vehicles"]) == 3


def test_a_membership_in_an_inactive_store_gives_no_access(store_a, agent_a, zhang_a):
    store_a.is_active = False
    store_a.save()

    response = client_for(agent_a).get("/api/customers/")

    assert response.status_code == 403
    assert response.json() == {"detail": str(MSG_ROLE_CANNOT)}
