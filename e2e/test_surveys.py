"""End to end in Chromium: a customer opens the survey link of their SMS on a phone and answers
with taps; the response is stored and scored, a low answer opens a recovery call, and the link
cannot be used again. Staff take a face-to-face survey on a tablet with the keyboard only.

Locators use data-testid and form field ids only (the UI language follows the browser).
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dealercare.followups.choices import TaskKind
from dealercare.followups.models import FollowUpTask
from dealercare.surveys import services
from dealercare.surveys.models import SurveyResponse
from dealercare.testing.factories import (
    CustomerFactory,
    DealerGroupFactory,
    StoreFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pass-1234"  # noqa: S105 (the factories' password)
PHONE = {"width": 390, "height": 844}
ANSWERS = {"service_skill": 9, "service_attitude": 10, "timeliness": 5, "parts_supply": 8,
           "overall_service": 9}  # fmt: skip


@pytest.fixture
def store(settings):
    settings.SMS_BACKEND = "dealercare.followups.messaging.LocmemSmsBackend"
    services.ensure_defaults()
    group = DealerGroupFactory(code="e2e-surveys", name="华南汽车集团")
    return StoreFactory(group=group, code="GZ01", name="广州天河4S店")


def test_a_customer_answers_the_sms_survey_on_a_phone(browser, live_server, store):
    agent = user_with_role(store, "followup_agent", username="agent")
    customer = CustomerFactory(store=store, name="陈晨", mobile="13800138000")
    sent = services.invitation_send(actor=agent, store=store, customer=customer,
                                    link_base=live_server.url)  # fmt: skip
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  locale="zh-CN", base_url=live_server.url)  # fmt: skip
    page = context.new_page()
    try:
        page.goto(f"/s/{sent.token}/")
        expect(page.get_by_test_id("public-survey-form")).to_be_visible()
        # Fits the phone: no sideways scrolling, tap targets of at least 44 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        box = page.locator('label[for="id_item_timeliness_0"]').bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44

        for code, score in ANSWERS.items():
            page.locator(f'label[for="id_item_{code}_{score - 1}"]').tap()
        page.get_by_test_id("public-submit").tap()

        expect(page.get_by_test_id("public-thanks")).to_be_visible()
        response = SurveyResponse.objects.get()
        assert response.channel == "sms" and response.customer == customer
        assert {a.item.code: a.score for a in response.answers.select_related("item")} == ANSWERS
        assert response.scoring_model_code == "service-5d-v1"
        assert str(response.overall_score) == "82.0"
        assert response.needs_recovery is True  # timeliness 5 is "average"
        assert FollowUpTask.objects.filter(kind=TaskKind.SURVEY_RECOVERY,
                                           event_id=response.pk).exists()  # fmt: skip

        page.goto(f"/s/{sent.token}/")
        expect(page.get_by_test_id("public-closed")).to_have_attribute("data-state", "used")
        page.goto(f"/s/{sent.token[:-2]}xy/")
        expect(page.get_by_test_id("public-closed")).to_have_attribute("data-state", "invalid")
        assert SurveyResponse.objects.count() == 1
    finally:
        context.close()


def test_staff_take_a_tablet_survey_with_the_keyboard(page, store):
    user_with_role(store, "followup_agent", username="agent2")
    customer = CustomerFactory(store=store, name="刘洋", number="GZ01-000042")
    page.goto(reverse("login"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill("agent2")
    form.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()

    page.goto(f"/surveys/tablet/?customer={customer.pk}&business=service")
    expect(page.get_by_test_id("tablet-form")).to_be_visible()
    page.locator("#id_item_service_skill_0").focus()
    page.keyboard.type("98780")  # one digit per question; focus moves on; 0 is 10
    page.keyboard.press("Control+Enter")

    expect(page.get_by_test_id("tablet-thanks")).to_be_visible()
    response = SurveyResponse.objects.get()
    scores = {a.item.code: a.score for a in response.answers.select_related("item")}
    assert scores == {"service_skill": 9, "service_attitude": 8, "timeliness": 7,
                      "parts_supply": 8, "overall_service": 10}  # fmt: skip
    assert response.channel == "tablet"
