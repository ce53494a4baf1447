"""Users and roles pages: scoped lists, creation, role changes, deactivation and API tokens."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from dealercare.accounts.models import StoreMembership, User
from dealercare.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def gm_a(store_a, make_user):
    return make_user(store_a, "general_manager", username="gm_a")


def new_user_form(store, **changes):
    data = {
        "username": "zhaoli",
        "display_name": "赵丽",
        "password": "Kefu-2026-abc",
        "password_again": "Kefu-2026-abc",
        "store": store.pk,
        "role": "followup_agent",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["followup_agent", "cs_supervisor", "cs_manager",
                                  "service_advisor", "integration"])  # fmt: skip
def test_roles_without_manage_users_get_403(client, store_a, make_user, agent_a, role):
    client.force_login(make_user(store_a, role))
    for url in (reverse("user-list"), reverse("user-create"),
                reverse("user-edit", args=[agent_a.pk])):  # fmt: skip
        assert client.get(url).status_code == 403
    response = client.post(reverse("user-edit", args=[agent_a.pk]),
                           {"action": "active", "value": "0"})  # fmt: skip
    assert response.status_code == 403
    agent_a.refresh_from_db()
    assert agent_a.is_active


def test_the_user_list_holds_only_people_of_my_stores(client, gm_a, agent_a, manager_b):
    client.force_login(gm_a)
    response = client.get(reverse("user-list"))
    assert response.status_code == 200
    usernames = [u.username for u in response.context["page_obj"]]
    assert usernames == sorted([gm_a.username, agent_a.username])
    body = response.content.decode()
    assert manager_b.username not in body
    assert "Follow-up agent @ GZ01" in body


def test_a_user_of_two_stores_shows_only_the_role_in_mine(client, gm_a, agent_a, store_b):
    StoreMembership.objects.create(user=agent_a, store=store_b, role="cs_manager")
    client.force_login(gm_a)
    body = client.get(reverse("user-list")).content.decode()
    assert "Follow-up agent @ GZ01" in body
    assert "SZ01" not in body


def test_the_user_list_filters_by_role_and_text(client, gm_a, agent_a, store_a, make_user):
    make_user(store_a, "service_advisor", username="advisor_x")
    client.force_login(gm_a)
    response = client.get(reverse("user-list"), {"role": "service_advisor"})
    assert [u.username for u in response.context["page_obj"]] == ["advisor_x"]
    response = client.get(reverse("user-list"), {"q": agent_a.username})
    assert [u.username for u in response.context["page_obj"]] == [agent_a.username]


def test_the_user_list_query_count_is_constant(client, gm_a, store_a, make_user):
    client.force_login(gm_a)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("user-list"))
    for i in range(8):
        make_user(store_a, "followup_agent", username=f"agent_{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("user-list"))
    assert len(response.context["page_obj"]) == 9
    assert len(many) == len(few)


def test_someone_of_another_store_is_a_404(client, gm_a, manager_b):
    client.force_login(gm_a)
    assert client.get(reverse("user-edit", args=[manager_b.pk])).status_code == 404
    response = client.post(reverse("user-edit", args=[manager_b.pk]),
                           {"action": "active", "value": "0"})  # fmt: skip
    assert response.status_code == 404
    manager_b.refresh_from_db()
    assert manager_b.is_active


def test_creating_a_user_gives_them_the_role_and_audits_it(client, gm_a, store_a):
    client.force_login(gm_a)
    response = client.post(reverse("user-create"), new_user_form(store_a))
    user = User.objects.get(username="zhaoli")
    assert response.status_code == 302
    assert response.url == reverse("user-edit", args=[user.pk])
    assert user.check_password("Kefu-2026-abc")
    assert user.memberships.get().role == "followup_agent"
    assert AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE).actor == gm_a


@pytest.mark.parametrize("changes,errors", [
    ({"password": "zhaoli123", "password_again": "zhaoli123"},
     {"password": ["The password is too similar to the username."]}),
    ({"password": "short1!", "password_again": "short1!"},
     {"password": ["This password is too short. It must contain at least 8 characters."]}),
    ({"password_again": "something-else"}, {"password_again": ["The two passwords differ."]}),
    ({"username": "has space"}, {"username": [
        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
        "characters."]}),
    ({"role": "general_manager_x"}, {"role": [
        "Select a valid choice. general_manager_x is not one of the available choices."]}),
])  # fmt: skip
def test_bad_new_user_input_gives_clear_field_errors(client, gm_a, store_a, changes, errors):
    client.force_login(gm_a)
    response = client.post(reverse("user-create"), new_user_form(store_a, **changes))
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not User.objects.filter(username__in=["zhaoli", "has space"]).exists()


def test_a_user_cannot_be_created_in_another_store(client, gm_a, store_b):
    client.force_login(gm_a)
    response = client.post(reverse("user-create"), new_user_form(store_b))
    assert response.status_code == 200
    assert response.context["form"].errors == {"store": [
        f"Select a valid choice. {store_b.pk} is not one of the available choices."]}  # fmt: skip
    assert not User.objects.filter(username="zhaoli").exists()


def test_changing_a_role_on_the_edit_page(client, gm_a, agent_a, store_a):
    client.force_login(gm_a)
    response = client.post(reverse("user-edit", args=[agent_a.pk]),
                           {"action": "role", "store": store_a.pk, "role": "cs_supervisor"})  # fmt: skip
    assert response.status_code == 302
    assert agent_a.memberships.get().role == "cs_supervisor"
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert event.changes == {"role": ["followup_agent", "cs_supervisor"]}


def test_an_empty_role_removes_it(client, gm_a, agent_a, store_a):
    client.force_login(gm_a)
    client.post(reverse("user-edit", args=[agent_a.pk]),
                {"action": "role", "store": store_a.pk, "role": ""})  # fmt: skip
    assert not agent_a.memberships.exists()


def test_a_manager_cannot_assign_a_role_in_another_store(client, gm_a, agent_a, store_b):
    client.force_login(gm_a)
    response = client.post(reverse("user-edit", args=[agent_a.pk]),
                           {"action": "role", "store": store_b.pk, "role": "cs_manager"})  # fmt: skip
    assert response.status_code == 404
    assert not StoreMembership.objects.filter(user=agent_a, store=store_b).exists()


def test_a_manager_cannot_make_themselves_group_admin(client, gm_a):
    client.force_login(gm_a)
    response = client.post(reverse("user-edit", args=[gm_a.pk]),
                           {"action": "group_admin", "value": "1"})  # fmt: skip
    assert response.status_code == 403
    gm_a.refresh_from_db()
    assert not gm_a.is_group_admin
    assert not AuditEvent.objects.exists()


def test_a_manager_cannot_change_their_own_role(client, gm_a, store_a):
    client.force_login(gm_a)
    page = client.get(reverse("user-edit", args=[gm_a.pk]))
    assert "You cannot change your own roles; ask another manager." in page.content.decode()
    response = client.post(reverse("user-edit", args=[gm_a.pk]),
                           {"action": "role", "store": store_a.pk, "role": "cs_manager"})  # fmt: skip
    assert response.status_code == 403
    assert gm_a.memberships.get().role == "general_manager"


def test_a_group_admin_grants_group_admin(client, admin_user, agent_a):
    client.force_login(admin_user)
    response = client.post(reverse("user-edit", args=[agent_a.pk]),
                           {"action": "group_admin", "value": "1"})  # fmt: skip
    assert response.status_code == 302
    agent_a.refresh_from_db()
    assert agent_a.is_group_admin


def test_deactivating_and_reactivating_from_the_edit_page(client, gm_a, agent_a):
    client.force_login(gm_a)
    url = reverse("user-edit", args=[agent_a.pk])
    client.post(url, {"action": "active", "value": "0"})
    agent_a.refresh_from_db()
    assert not agent_a.is_active
    assert "Deactivated" in client.get(url).content.decode()
    client.post(url, {"action": "active", "value": "1"})
    agent_a.refresh_from_db()
    assert agent_a.is_active


def test_a_deactivated_user_cannot_log_in(client, gm_a, agent_a):
    client.force_login(gm_a)
    client.post(reverse("user-edit", args=[agent_a.pk]), {"action": "active", "value": "0"})
    client.logout()
    response = client.post(reverse("login"), {"username": agent_a.username,
                                              "password": "pass-1234"})  # fmt: skip
    assert response.status_code == 200


def test_a_new_api_token_is_shown_once(client, gm_a, store_a, make_user):
    integration = make_user(store_a, "integration")
    client.force_login(gm_a)
    url = reverse("user-edit", args=[integration.pk])
    response = client.post(url, {"action": "token"})
    key = Token.objects.get(user=integration).key
    assert response.status_code == 200
    assert key in response.content.decode()
    assert key not in client.get(url).content.decode()
    assert key not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_the_edit_page_offers_only_grantable_roles_in_my_stores(client, gm_a, agent_a, store_b):
    client.force_login(gm_a)
    response = client.get(reverse("user-edit", args=[agent_a.pk]))
    assert [row["store"].code for row in response.context["rows"]] == ["GZ01"]
    assert "SZ01" not in response.content.decode()
