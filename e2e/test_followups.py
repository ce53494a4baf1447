"""End to end in Chromium: a follow-up agent works the queue with the keyboard only. They press
N for the next call, record "no answer" with a note (digit key, N for the notes, Ctrl+Enter),
and when the task is due again (the retry delay has passed) take it again, see the live warning
for a forbidden phrase, and record "reached" with the customer's satisfaction.

Locators use data-testid and data values only (the UI language follows the browser).
"""

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dealercare.followups.choices import TaskStatus
from dealercare.followups.models import FollowUpTask
from dealercare.followups.tests.factories import call_all_day, due_task
from dealercare.testing.factories import (
    CustomerFactory,
    DealerGroupFactory,
    StoreFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT_DIR = os.environ.get("E2E_SCREENSHOT_DIR")
PASSWORD = "pass-1234"  # noqa: S105 (the factories' password)


@pytest.fixture
def task():
    group = DealerGroupFactory(code="e2e-followups", name="华南汽车集团")
    store = call_all_day(StoreFactory(group=group, code="GZ01", name="广州天河4S店"))
    user_with_role(store, "followup_agent", username="agent", display_name="张回访")
    customer = CustomerFactory(store=store, name="王伟", gender="male", mobile="13812345678")
    return due_task(store, customer=customer)


def shoot(page, name):
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, f"{name}.png"), full_page=True)


def log_in(page):
    page.goto(reverse("login"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill("agent")
    form.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()


def next_call(page, task):
    """From "My follow-ups", N opens the console of the claimed task."""
    page.goto(reverse("followups:my-queue"))
    expect(page.get_by_test_id("next-call")).to_be_visible()
    page.keyboard.press("n")
    page.wait_for_url(f"**{reverse('followups:console', args=[task.pk])}")
    expect(page.get_by_test_id("console")).to_be_visible()


def test_an_agent_works_a_follow_up_with_the_keyboard(page, task):
    log_in(page)

    # First call: nobody answers.
    next_call(page, task)
    expect(page.get_by_test_id("masked-mobile")).to_have_text("138****5678")
    expect(page.get_by_test_id("script-text")).to_contain_text("王伟先生")
    page.keyboard.press("2")
    expect(page.locator("#outcome-no_answer")).to_be_checked()
    page.keyboard.press("n")
    expect(page.get_by_test_id("notes")).to_be_focused()
    page.keyboard.type("无人接听")
    shoot(page, "followup-console-no-answer")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{reverse('followups:my-queue')}")
    task.refresh_from_db()
    assert (task.status, task.attempts_count) == (TaskStatus.PENDING, 1)
    assert task.attempts.get().outcome == "no_answer"

    # The retry waits FOLLOWUP_RETRY_MINUTES: nothing is due until then.
    page.keyboard.press("n")
    expect(page.get_by_test_id("nothing-due")).to_be_visible()
    FollowUpTask.objects.filter(pk=task.pk).update(
        window_start=timezone.now() - dt.timedelta(minutes=1)
    )

    # Second call: the customer answers and is satisfied.
    next_call(page, task)
    expect(page.get_by_test_id("attempt-row")).to_have_count(1)
    page.keyboard.press("n")
    page.keyboard.type("客户说刹车有点响，我问：你确定吗")
    expect(page.get_by_test_id("forbidden-warning")).to_be_visible()
    expect(page.get_by_test_id("forbidden-warning")).to_contain_text("你确定吗")
    page.keyboard.press("Control+a")
    page.keyboard.type("客户很满意，车辆使用正常")
    expect(page.get_by_test_id("forbidden-warning")).to_have_count(0)
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.keyboard.press("s")
    expect(page.locator("#outcome-reached")).to_be_checked()
    expect(page.locator("#satisfaction-satisfied")).to_be_checked()
    shoot(page, "followup-console-reached")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{reverse('followups:my-queue')}")

    task.refresh_from_db()
    assert (task.status, task.outcome, task.satisfaction) == (
        TaskStatus.DONE, "reached", "satisfied",
    )  # fmt: skip
    assert [a.outcome for a in task.attempts.order_by("at")] == ["no_answer", "reached"]
    assert task.attempts.get(outcome="reached").forbidden_phrases == []
