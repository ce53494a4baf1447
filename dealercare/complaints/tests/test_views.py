"""Complaint pages: intake with prefill, the flow through the UI, outputs, query counts."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dealercare.complaints import services
from dealercare.complaints.models import Complaint
from dealercare.core.models import AuditEvent
from dealercare.customers.models import Customer
from dealercare.testing.factories import CustomerFactory, VehicleFactory

from .factories import MONDAY_10

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_intake_prefills_from_a_follow_up_task(logged, agent_a, customer_a, vehicle_a):
    url = reverse("complaints:create")
    response = logged(agent_a).get(url, {
        "customer": customer_a.pk, "vehicle": vehicle_a.pk, "origin_type": "followup_task",
        "origin_id": 77, "description": "回访中客户反映异响",
    })  # fmt: skip
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["channel"] == "followup"
    assert form.initial["customer"] == str(customer_a.pk)
    assert form.initial["store"] == customer_a.store_id
    assert "回访中客户反映异响" in response.content.decode()
    assert "138****8000" in response.content.decode() or "13800138000" in response.content.decode()


def test_intake_ignores_a_prefilled_customer_of_another_store(logged, agent_a, store_b):
    other = CustomerFactory(store=store_b, name="别店客户")
    response = logged(agent_a).get(reverse("complaints:create"), {"customer": other.pk})
    assert "customer" not in response.context["form"].initial
    assert "别店客户" not in response.content.decode()


def test_recording_a_complaint_tells_the_reply_time(logged, agent_a, store_a, customer_a,
                                                    vehicle_a):  # fmt: skip
    response = logged(agent_a).post(reverse("complaints:create"), {
        "store": store_a.pk, "customer": customer_a.pk, "vehicle": vehicle_a.pk,
        "channel": "survey", "description": "对服务顾问态度不满", "customer_request": "道歉",
        "severity": "normal", "origin_type": "survey_response", "origin_id": 5,
    }, follow=True)  # fmt: skip
    complaint = Complaint.objects.get()
    assert (complaint.origin_type, complaint.origin_id) == ("survey_response", 5)
    assert complaint.vehicle == vehicle_a
    body = response.content.decode()
    assert (
        f"Complaint {complaint.number} recorded. Tell the customer they will hear back by" in body
    )


def test_a_new_customer_can_be_created_at_intake(logged, agent_a, store_a):
    logged(agent_a).post(reverse("complaints:create"), {
        "store": store_a.pk, "new_customer_name": "李娜", "new_customer_mobile": "139 0000 1111",
        "channel": "walk_in", "description": "展厅接待等待时间过长", "severity": "normal",
    })  # fmt: skip
    complaint = Complaint.objects.get()
    assert complaint.customer.name == "李娜" and complaint.customer.mobile == "13900001111"


def test_intake_without_a_customer_says_so_and_writes_nothing(logged, agent_a, store_a):
    response = logged(agent_a).post(
        reverse("complaints:create"),
        {"store": store_a.pk, "channel": "hotline", "description": "x", "severity": "normal"},
    )
    assert response.status_code == 200
    assert "Find the customer, or enter a new customer&#x27;s name." in response.content.decode()
    assert not Complaint.objects.exists() and not Customer.objects.filter(name="").exists()


def test_customer_lookup_finds_by_mobile_tail(logged, agent_a, customer_a, vehicle_a):
    from dealercare.customers.services import rebuild_search_terms

    rebuild_search_terms([customer_a.pk])
    response = logged(agent_a).get(reverse("complaints:customer-lookup"), {"q": "8000"})
    assert "张伟" in response.content.decode()
    assert "13800138000" in response.content.decode()  # agents may reveal numbers


def test_the_flow_through_the_pages(logged, make_complaint, manager_a, agent_a):
    complaint = make_complaint()
    client = logged(manager_a)
    detail = reverse("complaints:detail", args=[complaint.pk])
    page = client.get(detail)
    assert [t["value"] for t in page.context["transitions"]] == ["acknowledge", "assign"]
    client.post(
        reverse("complaints:transition", args=[complaint.pk]),
        {"transition": "assign", "owner": agent_a.pk, "department": "service", "note": "请跟进"},
    )
    complaint.refresh_from_db()
    assert complaint.owner == agent_a and complaint.status == "assigned"
    client = logged(agent_a)
    response = client.post(reverse("complaints:transition", args=[complaint.pk]),
                           {"transition": "propose"}, follow=True)  # fmt: skip
    assert "Describe the solution proposed to the customer." in response.content.decode()
    client.post(reverse("complaints:transition", args=[complaint.pk]),
                {"transition": "propose", "solution": "免费检修并赠送保养"})  # fmt: skip
    client.post(reverse("complaints:action", args=[complaint.pk]),
                {"kind": "change_place", "note": "改在贵宾室沟通"})  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.status == "solution_proposed"
    assert complaint.actions.filter(kind="change_place", note="改在贵宾室沟通").exists()


def test_an_owner_only_complaint_refuses_another_agent(logged, make_complaint, manager_a,
                                                       agent_a, store_a, make_user):  # fmt: skip
    complaint = services.complaint_transition(actor=manager_a, complaint=make_complaint(),
                                              transition="assign", owner=agent_a,
                                              department="sales")  # fmt: skip
    other = make_user(store_a, "followup_agent")
    response = logged(other).post(reverse("complaints:transition", args=[complaint.pk]),
                                  {"transition": "investigate"})  # fmt: skip
    assert response.status_code == 403
    assert logged(other).get(reverse("complaints:detail", args=[complaint.pk])).context[
        "transitions"] == []  # fmt: skip


def test_classifying_sets_category_from_the_reason(logged, make_complaint, agent_a, store_a):
    from dealercare.complaints.models import ComplaintReason

    services.categories_seed_defaults(store_a)
    reason = ComplaintReason.objects.get(category__store=store_a, code="wrong_part")
    complaint = make_complaint()
    logged(agent_a).post(reverse("complaints:classify", args=[complaint.pk]),
                         {"reason": reason.pk, "severity": "serious"})  # fmt: skip
    complaint.refresh_from_db()
    assert (complaint.category.name, complaint.reason.name, complaint.severity) == (
        "配件供应",
        "发错配件",
        "serious",
    )


def test_the_list_is_scoped_filtered_and_keyset_paginated(logged, manager_a, store_a, store_b,
                                                          django_assert_max_num_queries):  # fmt: skip
    from .factories import ComplaintFactory

    customer = CustomerFactory(store=store_a)
    now = timezone.now()
    for i in range(60):
        ComplaintFactory(store=store_a, customer=customer, received_at=now - datetime.timedelta(
            hours=i), severity="major" if i % 10 == 0 else "normal")  # fmt: skip
    ComplaintFactory(store=store_b, description="别店的投诉")
    client = logged(manager_a)
    url = reverse("complaints:list")
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(12):
        first = client.get(url)
    assert len(first.context["page"].rows) == 50
    cursor = first.context["page"].next_cursor
    with django_assert_max_num_queries(12):
        second = client.get(url, {"after": cursor})
    assert len(second.context["page"].rows) == 10
    assert second.context["page"].next_cursor is None
    seen = {c.pk for c in first.context["page"].rows} | {c.pk for c in second.context["page"].rows}
    assert len(seen) == 60
    majors = client.get(url, {"severity": "major"})
    assert len(majors.context["page"].rows) == 6
    assert "别店的投诉" not in first.content.decode()


def test_search_finds_by_reference_number(logged, manager_a, make_complaint):
    complaint = make_complaint()
    response = logged(manager_a).get(reverse("complaints:list"), {"q": complaint.number.lower(),
                                                                  "status": ""})  # fmt: skip
    assert [c.pk for c in response.context["page"].rows] == [complaint.pk]


def test_annex_6_record_on_screen_and_as_xlsx_masked_for_roles_without_reveal(
    logged, make_complaint, manager_a, store_a, make_user
):
    complaint = make_complaint()
    page = logged(manager_a).get(reverse("complaints:record", args=[complaint.pk]))
    assert "Customer complaint record" in page.content.decode()
    response = logged(manager_a).get(reverse("complaints:record-xlsx", args=[complaint.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert complaint.number in values and "13800138000" in values
    assert AuditEvent.objects.filter(action="export", target_id=str(complaint.pk)).exists()
    agent = make_user(store_a, "followup_agent")
    assert (
        logged(agent).get(reverse("complaints:record-xlsx", args=[complaint.pk])).status_code == 403
    )


def test_annex_8_report_is_written_and_exported_as_xlsx_and_pdf(logged, make_complaint,
                                                               manager_a):  # fmt: skip
    complaint = make_complaint(severity="major")
    client = logged(manager_a)
    url = reverse("complaints:report", args=[complaint.pk])
    client.post(url, {"title": "交车即故障", "summary": "新车交付当天无法启动",
                      "cause": "蓄电池亏电", "handling": "道路救援并更换蓄电池",
                      "result": "客户接受", "responsibility": "PDI检查遗漏",
                      "compensation": "800", "prevention": "交车前复检"})  # fmt: skip
    assert complaint.major_report.cause == "蓄电池亏电"
    xlsx = client.get(reverse("complaints:report-xlsx", args=[complaint.pk]))
    values = [c.value for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
              for c in row if c.value]  # fmt: skip
    assert "交车前复检" in values
    pdf = client.get(reverse("complaints:report-pdf", args=[complaint.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.content
    assert AuditEvent.objects.filter(action="export", changes__file="annex8.pdf").exists()


def test_annex_7_monthly_statistics(logged, make_complaint, manager_a, agent_a):
    first = make_complaint()
    services.complaint_transition(actor=manager_a, complaint=first, transition="acknowledge",
                                  now=MONDAY_10 + datetime.timedelta(hours=1))  # fmt: skip
    make_complaint(severity="major")
    client = logged(manager_a)
    page = client.get(reverse("complaints:statistics"), {"month": "2026-11"})
    summary = page.context["stats"]["summary"]
    assert (summary["total"], summary["major"], summary["repeat"]) == (2, 1, 1)
    assert summary["avg_ack_hours"] == 1.0
    xlsx = client.get(reverse("complaints:statistics-xlsx"), {"month": "2026-11"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[1] == "Complaints"
    assert book.worksheets[1].max_row == 3


def test_analysis_page_shows_charts_data(logged, make_complaint, manager_a):
    make_complaint(received_at=timezone.now(), now=timezone.now())
    response = logged(manager_a).get(reverse("complaints:analysis"))
    assert response.status_code == 200
    assert response.context["result"]["summary"]["total"] == 1
    assert 'id="complaint-charts"' in response.content.decode()
    assert "vendor/echarts.min.js" in response.content.decode()


def test_list_export_is_audited_and_masks_per_role(logged, make_complaint, store_a, make_user):
    make_complaint()
    gm = make_user(store_a, "general_manager")
    response = logged(gm).get(reverse("complaints:export"), {"status": ""})
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.max_row == 2
    assert AuditEvent.objects.filter(action="export", target_repr="complaint list").exists()


def test_categories_page_adds_a_reason(logged, manager_a, store_a):
    services.categories_seed_defaults(store_a)
    from dealercare.complaints.models import ComplaintCategory

    category = ComplaintCategory.objects.get(store=store_a, code="parts_supply")
    logged(manager_a).post(
        reverse("complaints:categories"),
        {"store": store_a.pk, "parent": category.pk, "name": "配件价格高", "is_active": "on"},
    )
    assert category.reasons.filter(name="配件价格高").exists()


def test_the_customer_timeline_lists_complaints(logged, make_complaint, manager_a, customer_a):
    complaint = make_complaint()
    response = logged(manager_a).get(reverse("customers:detail", args=[customer_a.pk]))
    assert complaint.number in response.content.decode()


def test_notifications_page_lists_and_marks_read(logged, make_complaint, manager_a):
    make_complaint(severity="major")
    client = logged(manager_a)
    assert "Major complaint" in client.get(reverse("complaints:notifications")).content.decode()
    client.post(reverse("complaints:notifications"))
    assert not manager_a.complaint_notifications.filter(read_at__isnull=True).exists()


def test_the_vehicle_prefill_is_used_only_for_the_customers_own_vehicle(
    logged, agent_a, store_a, customer_a
):
    stranger = VehicleFactory(store=store_a, owner=CustomerFactory(store=store_a))
    logged(agent_a).post(reverse("complaints:create"), {
        "store": store_a.pk, "customer": customer_a.pk, "vehicle": stranger.pk,
        "channel": "hotline", "description": "车辆异响", "severity": "normal"})  # fmt: skip
    assert Complaint.objects.get().vehicle is None


def test_a_manager_sets_the_time_limits(logged, manager_a, store_a, make_complaint):
    from dealercare.complaints.models import TimeLimit

    client = logged(manager_a)
    page = client.get(reverse("complaints:categories"))
    rows = page.context["limits"]
    assert {(r["severity"], r["step"], r["amount"], r["unit"]) for r in rows} >= {
        ("normal", "acknowledge", 2, "working_hours"),
        ("normal", "solution", 3, "working_days"),
    }
    body = {"store": store_a.pk, "limits": "1"}
    for r in rows:
        body[f"amount-{r['severity']}-{r['step']}"] = r["amount"]
        body[f"unit-{r['severity']}-{r['step']}"] = r["unit"]
    body["amount-normal-acknowledge"] = 4
    client.post(reverse("complaints:categories"), body)
    assert TimeLimit.objects.get(store=store_a, severity="normal", step="acknowledge").amount == 4
    assert make_complaint().acknowledge_due_at == MONDAY_10 + datetime.timedelta(hours=4)
    body["amount-major-solution"] = "0"
    response = client.post(reverse("complaints:categories"), body, follow=True)
    assert "Major / Propose a solution: give a whole number from 1 to 999." in (
        response.content.decode()
    )
    assert TimeLimit.objects.get(store=store_a, severity="normal", step="acknowledge").amount == 4


def test_the_complaint_page_masks_the_mobile_even_for_a_role_that_may_reveal(
    logged, manager_a, make_complaint
):
    # Given a complaint, and a CS manager (who may reveal numbers through the audited reveal)
    complaint = make_complaint()
    # When the manager opens the complaint
    body = logged(manager_a).get(reverse("complaints:detail", args=[complaint.pk])).content
    # Then the number is masked: a full number only comes from the audited reveal
    assert "138****8000" in body.decode()
    assert "13800138000" not in body.decode()
