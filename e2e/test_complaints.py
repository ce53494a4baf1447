"""End to end in Chromium: an agent records a hotline complaint, the CS manager assigns it, time
passes past the solution limit and the deadline check escalates it, the owner proposes a
solution, the customer accepts, and after the satisfaction check the complaint is closed (which
schedules the satisfaction-check follow-up call).

Locators use data-testid, form field names and values only (the UI language follows the browser).
"""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dealercare.complaints.models import Complaint, ComplaintBreach
from dealercare.customers.services import rebuild_search_terms
from dealercare.followups.models import FollowUpTask
from dealercare.followups.services import rules_seed_defaults
from dealercare.testing.factories import (
    CustomerFactory,
    DealerGroupFactory,
    StoreFactory,
    VehicleFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pass-1234"  # noqa: S105 (the factories' password)


@pytest.fixture
def people():
    group = DealerGroupFactory(code="e2e-complaints", name="华南汽车集团")
    store = StoreFactory(group=group, code="GZ01", name="广州天河4S店")
    rules_seed_defaults(store)
    customer = CustomerFactory(store=store, name="赵敏", mobile="13711112222")
    VehicleFactory(store=store, owner=customer, model_name="途观L", plate="粤A12345")
    rebuild_search_terms([customer.pk])
    return {
        "agent": user_with_role(store, "followup_agent", username="agent", display_name="回访员小王"),
        "manager": user_with_role(store, "cs_manager", username="boss", display_name="客服经理"),
        "supervisor": user_with_role(store, "cs_supervisor", username="lead"),
    }  # fmt: skip


def login(page, username):
    page.goto(reverse("login"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()


def test_a_complaint_from_intake_to_closing(page, browser, live_server, people):
    # The agent takes the call and records it.
    login(page, "agent")
    page.goto(reverse("complaints:create"))
    page.get_by_test_id("customer-search").fill("2222")
    page.get_by_test_id("pick-customer").first.click()
    expect(page.get_by_test_id("chosen-customer")).to_contain_text("赵敏")
    page.locator("select[name=channel]").select_option("hotline")
    page.locator("textarea[name=description]").fill("保养后仪表盘故障灯常亮，第二次来电")
    page.locator("textarea[name=customer_request]").fill("今天内给答复")
    page.get_by_test_id("save-complaint").click()
    expect(page.get_by_test_id("complaint-status")).to_be_visible()
    complaint = Complaint.objects.get()
    assert complaint.vehicle.plate == "粤A12345" and complaint.created_by == people["agent"]

    # The CS manager assigns it to the agent, service department.
    manager = browser.new_context(base_url=live_server.url, locale="zh-CN")
    boss = manager.new_page()
    login(boss, "boss")
    boss.goto(reverse("complaints:detail", args=[complaint.pk]))
    boss.get_by_test_id("owner-select").select_option(str(people["agent"].pk))
    boss.get_by_test_id("department-select").select_option("service")
    boss.get_by_test_id("transition-assign").click()
    expect(boss.get_by_test_id("owner")).to_contain_text("回访员小王")

    # Time passes: a week later nobody has proposed a solution; the check escalates.
    later = timezone.now() + datetime.timedelta(days=7)
    call_command("complaints_check_deadlines", "--now", later.isoformat())
    assert ComplaintBreach.objects.filter(complaint=complaint, step="solution").exists()
    boss.reload()
    expect(boss.get_by_test_id("escalation")).to_be_visible()
    manager.close()

    # The owner proposes a solution; the customer accepts; it is resolved and checked.
    page.goto(reverse("complaints:detail", args=[complaint.pk]))
    page.get_by_test_id("solution-input").fill("免费检修传感器并赠送一次保养")
    page.get_by_test_id("transition-propose").click()
    expect(page.get_by_test_id("solution")).to_contain_text("免费检修传感器")
    page.get_by_test_id("transition-note").fill("客户同意方案")
    page.get_by_test_id("transition-customer_accepts").click()
    page.get_by_test_id("transition-resolve").click()
    page.get_by_test_id("satisfaction-select").select_option("satisfied")
    page.get_by_test_id("transition-confirm_satisfaction").click()
    page.get_by_test_id("transition-close").click()
    expect(page.get_by_test_id("flow-card")).to_have_count(0)  # only a manager may reopen
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.satisfaction == "satisfied"
    kinds = list(complaint.actions.values_list("kind", flat=True))
    assert kinds[0] == "received" and {"assign", "escalated", "propose", "close"} <= set(kinds)
    task = FollowUpTask.objects.get(event_type="complaint", event_id=complaint.pk)
    assert task.kind == "complaint_satisfaction_check"
