"""The complaints API: list (cursor pages, masked), create, transitions, actions, attachments,
categories; scoped to the token's stores."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dealercare.complaints import services
from dealercare.complaints.models import Complaint

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_is_scoped_masked_and_cursor_paginated(
    make_complaint, store_a, store_b, make_user, django_assert_max_num_queries
):
    make_complaint()
    ComplaintFactory(store=store_b, description="乙店投诉")
    gm_b = make_user(store_b, "general_manager")
    service_manager = make_user(store_a, "service_manager")  # no REVEAL_PHONE
    with django_assert_max_num_queries(8):
        body = api(service_manager).get("/api/complaints/").json()
    assert "count" not in body and body["next"] is None
    assert [row["contact_mobile"] for row in body["results"]] == ["138****8000"]
    b_rows = api(gm_b).get("/api/complaints/").json()["results"]
    assert [r["store"] for r in b_rows] == [store_b.pk]


def test_the_list_pages_by_cursor(store_a, manager_a):
    for _ in range(5):
        ComplaintFactory(store=store_a)
    first = api(manager_a).get("/api/complaints/", {"page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"]
    second = api(manager_a).get(first["next"]).json()
    assert len(second["results"]) == 2
    ids = {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]}
    assert len(ids) == 5


def test_create_then_walk_the_flow(agent_a, manager_a, customer_a, vehicle_a):
    created = api(agent_a).post("/api/complaints/", {
        "customer": customer_a.pk, "vehicle": vehicle_a.pk, "channel": "hotline",
        "description": "空调异味", "customer_request": "免费清洗",
    }, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["actions"][0]["kind"] == "received"
    assigned = api(manager_a).post(
        f"/api/complaints/{pk}/transition/",
        {"transition": "assign", "owner": agent_a.pk, "department": "service"},
        format="json",
    )
    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
    refused = api(agent_a).post(f"/api/complaints/{pk}/transition/",
                                {"transition": "resolve"}, format="json")  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["detail"] == ("Resolved is not possible while the complaint is Assigned.")
    note = api(agent_a).post(
        f"/api/complaints/{pk}/actions/",
        {"kind": "customer_contacted", "note": "已联系"},
        format="json",
    )
    assert note.status_code == 201 and note.json()["note"] == "已联系"
    assert (
        len(api(agent_a).get(f"/api/complaints/{pk}/actions/").json()) == 3
    )  # received, assign, contacted


def test_create_refuses_another_stores_customer(agent_a, store_b):
    from dealercare.testing.factories import CustomerFactory

    other = CustomerFactory(store=store_b)
    response = api(agent_a).post(
        "/api/complaints/",
        {"customer": other.pk, "channel": "hotline", "description": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["customer"] == ["No such record in your stores."]
    assert not Complaint.objects.exists()


def test_attachments_upload_checks_the_content(agent_a, make_complaint):
    complaint = make_complaint()
    bad = api(agent_a).post(f"/api/complaints/{complaint.pk}/attachments/",
                            {"file": SimpleUploadedFile("x.png", b"<script>")},
                            format="multipart")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["code"] == "file_type"
    good = api(agent_a).post(f"/api/complaints/{complaint.pk}/attachments/",
                             {"file": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n00")},
                             format="multipart")  # fmt: skip
    assert good.status_code == 201 and good.json()["kind"] == "image"


def test_categories_list_of_the_users_stores(manager_a, store_a, store_b):
    services.categories_seed_defaults(store_a)
    services.categories_seed_defaults(store_b)
    rows = api(manager_a).get("/api/complaint-categories/").json()["results"]
    assert {r["store"] for r in rows} == {store_a.pk}
    assert rows[0]["reasons"][0]["name"] == "多次维修未解决"


def test_detail_of_another_store_is_404(manager_a, store_b):
    complaint = ComplaintFactory(store=store_b)
    assert api(manager_a).get(f"/api/complaints/{complaint.pk}/").status_code == 404


def test_a_role_without_complaints_gets_403(advisor_a):
    assert api(advisor_a).get("/api/complaints/").status_code == 403
