"""End to end in Chromium: a CS manager finds 张三 by pinyin initials, opens the 360 page, sees the
masked mobile, reveals it with a reason and finds that reveal in the audit log.

Locators use data-testid, form field names and data values only: the UI is Chinese for a zh-CN
browser (and English in a test run without translations), so visible labels are not stable.
"""

import os
import random
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dealercare.accounts.roles import Capability, capabilities_of
from dealercare.customers import services
from dealercare.demo import generators as gen
from dealercare.testing.factories import DealerGroupFactory, StoreFactory, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pass-1234"  # noqa: S105 (the factories' password)
MOBILE, MASKED = "13812345678", "138****5678"
PLATE = "粤A3Z528"
REASON = "客户来电要求回拨"
SCREENSHOT_DIR = os.environ.get("E2E_SCREENSHOT_DIR")  # set it to keep a picture of the reveal


@pytest.fixture
def dealer():
    """A store, its CS manager and 张三 (with a vehicle) among look-alike names."""
    group = DealerGroupFactory(code="e2e", name="华南汽车集团")
    store = StoreFactory(group=group, code="GZ01", name="广州天河4S店")
    manager = user_with_role(store, "cs_manager", username="wangli", display_name="王丽")
    assert {Capability.REVEAL_PHONE, Capability.VIEW_AUDIT} <= capabilities_of("cs_manager")
    rng = random.Random(7)
    people = {}
    for name, gender, mobile in [
        ("张三", "male", MOBILE),
        ("张山", "male", "13912340001"),  # zhangshan: zs too
        ("赵四", "female", "13712340002"),  # zhaosi: zs too
        ("李四", "male", "13612340003"),
        ("王五", "female", "13512340004"),
    ]:
        people[name] = services.customer_create(
            actor=manager, store=store,
            fields={"name": name, "gender": gender, "mobile": mobile, "city": "广州"},
        )  # fmt: skip
    services.vehicle_create(
        actor=manager, store=store, owner=people["张三"],
        fields={"vin": gen.vin(rng), "plate": PLATE, "brand": "一汽-大众", "model_name": "迈腾"},
    )  # fmt: skip
    return {"store": store, "manager": manager, "zhang": people["张三"]}


def log_in(page, username):
    page.goto(reverse("login"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("home")) + "$"))


def test_a_manager_finds_a_customer_by_initials_and_reveals_the_mobile_with_a_reason(page, dealer):
    zhang = dealer["zhang"]
    log_in(page, "wangli")

    # One box in the header: the pinyin initials find 张三 (and the other zs names), not 李四.
    search = page.get_by_test_id("global-search")
    search.press_sequentially("zs")
    search.press("Enter")
    results = page.get_by_test_id("customer-table")
    expect(results.locator(f"tr[data-customer-id='{zhang.pk}']")).to_be_visible()
    expect(results.get_by_role("link", name="张三", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name="赵四", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name="李四", exact=True)).to_have_count(0)
    expect(results).to_contain_text(MASKED)

    results.get_by_role("link", name="张三", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("customers:detail", args=[zhang.pk]))))
    expect(page.get_by_test_id("profile-card")).to_contain_text("张三")
    expect(page.get_by_test_id("vehicles-card")).to_contain_text(PLATE)
    expect(page.get_by_test_id("masked-mobile")).to_have_text(MASKED)
    assert MOBILE not in page.content()

    # Reveal: the modal asks why; the number comes back and replaces the masked one.
    page.get_by_test_id("reveal-button").click()
    form = page.get_by_test_id("reveal-form")
    expect(form).to_be_visible()
    form.locator("input[name=reason]").fill(REASON)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("revealed-mobile")).to_have_text(MOBILE)
    expect(page.locator(f"#mobile-{zhang.pk}")).to_contain_text(MOBILE)
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "reveal.png"))

    # Close the modal and follow the nav to the audit log, filtered to reveals.
    page.locator("#reveal-modal [data-bs-dismiss=modal]").first.click()
    expect(page.locator("#reveal-modal")).to_be_hidden()
    page.locator(f"header a[href='{reverse('audit:list')}']").click()
    filters = page.get_by_test_id("audit-filters")
    filters.locator("select[name=action]").select_option("reveal_phone")
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"action=reveal_phone"))
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(REASON)
    expect(rows.first).to_contain_text("王丽")
    expect(rows.first).to_contain_text("张三")
    expect(rows.first).not_to_contain_text(MOBILE)


def test_the_customer_page_fits_a_tablet_without_scrolling_sideways(page, dealer):
    page.set_viewport_size({"width": 800, "height": 1280})
    log_in(page, "wangli")
    page.goto(reverse("customers:detail", args=[dealer["zhang"].pk]))
    expect(page.get_by_test_id("masked-mobile")).to_have_text(MASKED)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > clientWidth {widths[1]}"
