"""End to end in Chromium: survey answers come in through the surveys service, the CS manager
opens the CSI dashboard, sees the new overall score and a weakness, and opens an action plan
for it, which then shows on the dashboard.

Locators use data-testid, form field names and data values only (the UI language follows the
browser).
"""

import datetime
import os

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dealercare.csi import services as csi_services
from dealercare.csi.models import ActionPlan
from dealercare.surveys import scoring
from dealercare.surveys import services as survey_services
from dealercare.surveys.models import Questionnaire
from dealercare.testing.factories import (
    CustomerFactory,
    DealerGroupFactory,
    StoreFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT_DIR = os.environ.get("E2E_SCREENSHOT_DIR")
PASSWORD = "pass-1234"  # noqa: S105 (the factories' password)
FIVE = ("service_skill", "service_attitude", "timeliness", "parts_supply", "overall_service")


@pytest.fixture
def store_with_staff():
    # Transactional tests flush the database between tests, data migrations' rows included.
    survey_services.ensure_defaults()
    group = DealerGroupFactory(code="e2e-csi", name="华南汽车集团")
    store = StoreFactory(group=group, code="GZ01", name="广州天河4S店", region="华南")
    manager = user_with_role(store, "cs_manager", username="csi_manager", display_name="王经理")
    agent = user_with_role(store, "followup_agent", username="csi_agent", display_name="李专员")
    owner = user_with_role(store, "service_manager", username="csi_owner", display_name="赵服务")
    return store, manager, agent, owner


def answers_come_in(store, agent):
    """Twelve customers answer the five-dimension survey by phone; timeliness goes badly."""
    version = survey_services.published_version(
        Questionnaire.objects.get(store__isnull=True, code="service-5d")
    )
    recorded = []
    now = timezone.now()
    for i in range(12):
        answers = {"service_skill": 9, "service_attitude": 10, "timeliness": 3 if i < 4 else 7,
                   "parts_supply": 8, "overall_service": 9}  # fmt: skip
        response = survey_services.response_record(
            actor=agent, store=store, version=version, customer=CustomerFactory(store=store),
            channel="phone", answers=answers, answered_at=now - datetime.timedelta(minutes=i),
        )  # fmt: skip
        # Idempotent: a no-op where the surveys service already added it to the rollups.
        csi_services.rollup_add(response)
        recorded.append(answers)
    return recorded


def test_new_answers_show_on_the_dashboard_with_a_weakness_and_its_plan(page, store_with_staff):
    store, manager, agent, owner = store_with_staff
    recorded = answers_come_in(store, agent)
    expected = scoring.score_survey(
        scoring.ScoringModel(
            code="service-5d-v1",
            dimension_weights=dict.fromkeys(FIVE, "1/5"),
            item_dimensions={d: d for d in FIVE},
        ),
        {code: [a[code] for a in recorded] for code in FIVE},
    ).overall_display

    page.goto(reverse("login"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill("csi_manager")
    form.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()

    page.goto(reverse("csi:dashboard") + "?period=month")
    expect(page.get_by_test_id("overall-score")).to_have_text(str(expected))
    expect(page.get_by_test_id("model-note")).to_contain_text("service-5d-v1")
    weakness = page.get_by_test_id("finding-timeliness")
    expect(weakness).to_be_visible()
    expect(page.locator("[data-chart=items] canvas")).to_have_count(1)  # ECharts drew it
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "csi-dashboard.png"), full_page=True)

    # The manager opens an action plan for the weakness, owned by the service manager.
    page.get_by_test_id("plan-timeliness").click()
    plan_form = page.get_by_test_id("plan-form")
    plan_form.locator("textarea[name=cause_analysis]").fill("高峰期接待人手不足")
    plan_form.locator("textarea[name=measures]").fill("高峰期增加一名接待")
    plan_form.locator("select[name=owner]").select_option(str(owner.pk))
    plan_form.locator("input[name=due_date]").fill("2026-12-31")
    plan_form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("plan-status")).to_be_visible()
    plan = ActionPlan.objects.get()
    assert (plan.item_code, plan.kind, plan.owner_id) == ("timeliness", "weakness", owner.pk)

    page.goto(reverse("csi:dashboard") + "?period=month&store=" + str(store.pk))
    plan_link = page.get_by_test_id("finding-timeliness").locator(
        f"a[href='{reverse('csi:plan-detail', args=[plan.pk])}']"
    )
    expect(plan_link).to_be_visible()
