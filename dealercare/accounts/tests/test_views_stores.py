"""The store list, store creation and the store settings page."""

import datetime

import pytest
from django.urls import reverse

from dealercare.accounts.models import Store
from dealercare.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def settings_form(store, **changes):
    """The settings form as the page would post it, with some values changed."""
    data = {
        "name": store.name, "city": store.city, "region": store.region,
        "address": store.address, "hotline": "020-88886666", "brand": store.brand,
        "timezone": store.timezone, "working_hours_start": "08:30", "working_hours_end": "17:30",
        "calling_hours_start": "09:00", "calling_hours_end": "20:00", "new_buyer_days": 90,
        "inactive_after_days": 180, "lost_after_days": 365, "tier_a_min_spend": "10000",
        "tier_a_min_visits": 4, "tier_b_min_spend": "3000", "tier_b_min_visits": 2,
        "surveys_per_quarter": 1,
    }  # fmt: skip
    data.update(changes)
    return data


def test_a_cs_manager_lists_only_their_store(client, manager_a, store_b):
    client.force_login(manager_a)
    response = client.get(reverse("store-list"))
    assert response.status_code == 200
    assert [s.code for s in response.context["stores"]] == ["GZ01"]
    assert "SZ01" not in response.content.decode()
    assert not response.context["can_create"]


def test_a_group_admin_lists_every_store_and_may_create_one(client, admin_user, store_a, store_b):
    client.force_login(admin_user)
    response = client.get(reverse("store-list"))
    assert [s.code for s in response.context["stores"]] == ["GZ01", "SZ01"]
    assert 'data-testid="store-create"' in response.content.decode()


@pytest.mark.parametrize("role", ["followup_agent", "cs_supervisor", "service_advisor",
                                  "technician"])  # fmt: skip
def test_roles_without_manage_store_get_403_on_store_pages(client, store_a, make_user, role):
    client.force_login(make_user(store_a, role))
    assert client.get(reverse("store-list")).status_code == 403
    assert client.get(reverse("store-settings", args=[store_a.pk])).status_code == 403
    assert client.post(reverse("store-settings", args=[store_a.pk]),
                       settings_form(store_a, city="佛山")).status_code == 403  # fmt: skip
    assert Store.objects.get(pk=store_a.pk).city == "广州"


def test_another_stores_settings_are_a_404(client, manager_a, store_b):
    client.force_login(manager_a)
    assert client.get(reverse("store-settings", args=[store_b.pk])).status_code == 404
    response = client.post(reverse("store-settings", args=[store_b.pk]),
                           settings_form(store_b, city="佛山"))  # fmt: skip
    assert response.status_code == 404
    assert Store.objects.get(pk=store_b.pk).city == "深圳"


def test_only_a_group_admin_opens_the_new_store_page(client, manager_a, admin_user):
    client.force_login(manager_a)
    assert client.get(reverse("store-create")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("store-create")).status_code == 200


def test_the_settings_page_shows_the_current_values(client, manager_a, store_a):
    client.force_login(manager_a)
    response = client.get(reverse("store-settings", args=[store_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="09:00"' in body and 'value="20:00"' in body
    assert '<option value="Asia/Shanghai" selected>' in body


def test_saving_settings_changes_the_store_and_audits_it(client, manager_a, store_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("store-settings", args=[store_a.pk]),
        settings_form(store_a, calling_hours_end="19:30", lost_after_days=400),
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302
    store_a.refresh_from_db()
    assert store_a.calling_hours_end == datetime.time(19, 30)
    assert store_a.lost_after_days == 400
    event = AuditEvent.objects.get(action=AuditAction.SETTINGS)
    assert event.changes == {"calling_hours_end": ["20:00:00", "19:30:00"],
                             "lost_after_days": [365, 400]}  # fmt: skip
    assert (event.actor, event.store, event.ip_address) == (manager_a, store_a, "192.0.2.7")


@pytest.mark.parametrize("changes,field,message", [
    ({"calling_hours_start": "18:00", "calling_hours_end": "09:00"}, "calling_hours_end",
     "Calling hours must end after they start."),
    ({"working_hours_end": "08:00"}, "working_hours_end",
     "Working hours must end after they start."),
    ({"lost_after_days": 100}, "lost_after_days",
     "A customer must be inactive before being lost: use more days than for inactive."),
    ({"tier_a_min_spend": "1000"}, "tier_a_min_spend",
     "Tier A must need at least the spend of tier B."),
    ({"inactive_after_days": 10}, "inactive_after_days",
     "Ensure this value is greater than or equal to 30."),
    ({"hotline": "12345"}, "hotline",
     "Enter a valid China phone number (mobile or landline with area code)."),
    ({"timezone": "Mars/Olympus"}, "timezone",
     "Select a valid choice. Mars/Olympus is not one of the available choices."),
    ({"calling_hours_start": "25:00"}, "calling_hours_start", "Enter a valid time."),
])  # fmt: skip
def test_bad_settings_show_one_clear_message_and_change_nothing(
    client, manager_a, store_a, changes, field, message
):
    client.force_login(manager_a)
    response = client.post(reverse("store-settings", args=[store_a.pk]),
                           settings_form(store_a, **changes))  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert f'data-testid="error-{field}">{message}' in response.content.decode().replace(
        "&#x27;", "'"
    )
    store_a.refresh_from_db()
    assert (store_a.calling_hours_start, store_a.lost_after_days) == (datetime.time(9), 365)
    assert not AuditEvent.objects.exists()


def test_a_group_admin_creates_a_store_and_lands_on_its_settings(client, admin_user, group):
    client.force_login(admin_user)
    response = client.post(reverse("store-create"), {
        "code": "fs01", "name": "佛山禅城4S店", "city": "佛山", "region": "华南",
        "address": "", "hotline": "", "brand": "一汽-大众", "timezone": "Asia/Shanghai",
    })  # fmt: skip
    store = Store.objects.get(code="FS01")
    assert response.status_code == 302
    assert response.url == reverse("store-settings", args=[store.pk])
    assert store.group == group
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, store=store).exists()


def test_a_duplicate_store_code_is_a_field_error(client, admin_user, store_a):
    client.force_login(admin_user)
    response = client.post(reverse("store-create"), {
        "code": "GZ01", "name": "重复", "city": "广州", "timezone": "Asia/Shanghai",
    })  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["Store with this Store code already exists."]
    }
