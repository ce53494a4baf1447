"""Store settings, users and roles: who may change what, nobody raises their own rights, audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from rest_framework.authtoken.models import Token

from dealercare.accounts import services
from dealercare.accounts.models import Store, StoreMembership, User
from dealercare.accounts.roles import Role
from dealercare.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def gm_a(store_a, make_user):
    """A general manager of store A: the store-level role that manages users."""
    return make_user(store_a, "general_manager")


# --- store settings ---------------------------------------------------------------------------


def test_store_settings_change_is_saved_and_audited_field_by_field(manager_a, store_a):
    services.store_update_settings(
        actor=manager_a, store=store_a,
        fields={"calling_hours_end": datetime.time(19, 0), "hotline": "020-8888 6667",
                "name": store_a.name},
        ip_address="10.0.0.8",
    )  # fmt: skip
    store_a.refresh_from_db()
    assert store_a.calling_hours_end == datetime.time(19, 0)
    assert store_a.hotline == "2088886667"  # stored as the national significant number
    event = AuditEvent.objects.get(action=AuditAction.SETTINGS)
    assert event.store == store_a
    assert event.actor == manager_a
    assert event.target_type == "accounts.store"
    assert event.ip_address == "10.0.0.8"
    assert event.changes == {
        "hotline": ["2088886666", "2088886667"],
        "calling_hours_end": ["20:00:00", "19:00:00"],
    }


def test_unchanged_settings_write_no_audit_event(manager_a, store_a):
    services.store_update_settings(actor=manager_a, store=store_a, fields={"city": store_a.city})
    assert not AuditEvent.objects.exists()


def test_store_settings_refuse_hours_that_end_before_they_start(manager_a, store_a):
    with pytest.raises(ValidationError) as exc:
        services.store_update_settings(
            actor=manager_a, store=store_a,
            fields={"calling_hours_start": datetime.time(18, 0),
                    "calling_hours_end": datetime.time(9, 0)},
        )  # fmt: skip
    assert exc.value.message_dict == {
        "calling_hours_end": ["Calling hours must end after they start."]
    }
    store_a.refresh_from_db()
    assert store_a.calling_hours_start == datetime.time(9, 0)
    assert not AuditEvent.objects.exists()


def test_store_settings_need_manage_store_in_that_store(agent_a, manager_b, store_a):
    for actor in (agent_a, manager_b):
        with pytest.raises(PermissionDenied):
            services.store_update_settings(actor=actor, store=store_a, fields={"city": "佛山"})
    assert Store.objects.get(pk=store_a.pk).city == "广州"


def test_only_a_group_admin_creates_a_store(admin_user, manager_a, group):
    with pytest.raises(PermissionDenied):
        services.store_create(actor=manager_a, fields={"code": "FS01", "name": "佛山店",
                                                       "city": "佛山"})  # fmt: skip
    store = services.store_create(
        actor=admin_user, fields={"code": "fs01", "name": "佛山禅城4S店", "city": "佛山"}
    )
    assert (store.code, store.group) == ("FS01", group)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, target_type="accounts.store")
    assert event.store == store
    assert event.changes["code"] == [None, "FS01"]


def test_a_store_code_is_unique(admin_user, store_a):
    with pytest.raises(ValidationError) as exc:
        services.store_create(actor=admin_user, fields={"code": "GZ01", "name": "x", "city": "y"})
    assert exc.value.message_dict == {"code": ["Store with this Store code already exists."]}


# --- creating users ---------------------------------------------------------------------------


def test_a_general_manager_creates_a_user_with_a_role_in_their_store(gm_a, store_a):
    user = services.user_create(
        actor=gm_a, username="liwei", display_name="李伟", password="Kefu-2026-abc",
        store=store_a, role="followup_agent",
    )  # fmt: skip
    assert user.check_password("Kefu-2026-abc")
    assert user.dealer_group == store_a.group
    assert list(user.memberships.values_list("store__code", "role")) == [("GZ01", "followup_agent")]
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert (event.store, event.target_type, event.target_id) == (store_a, "accounts.user",
                                                                 str(user.pk))  # fmt: skip
    assert event.target_repr == "李伟 (liwei)"
    assert event.changes == {"username": [None, "liwei"], "display_name": [None, "李伟"],
                             "role": [None, "followup_agent"]}  # fmt: skip


def test_a_weak_password_is_refused_with_djangos_messages(gm_a, store_a):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=gm_a, username="liwei", display_name="李伟",
                             password="12345678", store=store_a, role="followup_agent")  # fmt: skip
    assert exc.value.message_dict["password"] == [
        "This password is too common.", "This password is entirely numeric.",
    ]  # fmt: skip
    assert not User.objects.filter(username="liwei").exists()


def test_a_taken_username_is_refused_whatever_its_case(gm_a, store_a, agent_a):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=gm_a, username=agent_a.username.upper(), display_name="x",
                             password="Kefu-2026-abc", store=store_a, role="followup_agent")  # fmt: skip
    assert exc.value.message_dict == {"username": ["This username is already taken."]}


def test_nobody_creates_users_in_a_store_they_do_not_manage(gm_a, manager_a, store_b):
    for actor, store in ((gm_a, store_b), (manager_a, manager_a.memberships.get().store)):
        with pytest.raises(PermissionDenied):
            services.user_create(actor=actor, username="x1", display_name="x",
                                 password="Kefu-2026-abc", store=store, role="followup_agent")  # fmt: skip
    assert not User.objects.filter(username="x1").exists()


# --- roles ------------------------------------------------------------------------------------


def test_changing_a_role_is_audited_from_and_to(gm_a, agent_a, store_a):
    services.membership_set(actor=gm_a, user=agent_a, store=store_a, role="cs_supervisor")
    assert agent_a.memberships.get().role == Role.CS_SUPERVISOR
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert event.changes == {"role": ["followup_agent", "cs_supervisor"]}
    assert event.store == store_a


def test_a_manager_cannot_assign_roles_in_another_store(gm_a, agent_a, store_b):
    with pytest.raises(PermissionDenied):
        services.membership_set(actor=gm_a, user=agent_a, store=store_b, role="followup_agent")
    assert not StoreMembership.objects.filter(user=agent_a, store=store_b).exists()


def test_nobody_changes_their_own_roles(gm_a, store_a, store_b, admin_user):
    with pytest.raises(PermissionDenied, match="You cannot change your own roles or access."):
        services.membership_set(actor=gm_a, user=gm_a, store=store_a, role="cs_manager")
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=gm_a, user=gm_a, store=store_a)
    with pytest.raises(PermissionDenied):
        services.membership_set(actor=admin_user, user=admin_user, store=store_b,
                                role="general_manager")  # fmt: skip


def test_nobody_makes_themselves_group_admin(gm_a, admin_user):
    with pytest.raises(PermissionDenied, match="Only a group admin can do this."):
        services.user_set_group_admin(actor=gm_a, user=gm_a, is_group_admin=True)
    gm_a.refresh_from_db()
    assert not gm_a.is_group_admin
    with pytest.raises(PermissionDenied):
        services.user_set_group_admin(actor=admin_user, user=admin_user, is_group_admin=False)


def test_only_a_group_admin_grants_and_revokes_group_admin(gm_a, agent_a, admin_user):
    with pytest.raises(PermissionDenied):
        services.user_set_group_admin(actor=gm_a, user=agent_a, is_group_admin=True)
    services.user_set_group_admin(actor=admin_user, user=agent_a, is_group_admin=True)
    agent_a.refresh_from_db()
    assert agent_a.is_group_admin
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert (event.store, event.changes) == (None, {"is_group_admin": [False, True]})
    services.user_set_group_admin(actor=admin_user, user=agent_a, is_group_admin=False)
    agent_a.refresh_from_db()
    assert not agent_a.is_group_admin


def test_a_store_manager_cannot_touch_a_group_admin(gm_a, store_a, group):
    from dealercare.testing.factories import group_admin

    other_admin = group_admin(group)
    StoreMembership.objects.create(user=other_admin, store=store_a, role="cs_manager")
    with pytest.raises(PermissionDenied, match="Only a group admin can change a group admin."):
        services.membership_remove(actor=gm_a, user=other_admin, store=store_a)
    with pytest.raises(PermissionDenied):
        services.user_set_active(actor=gm_a, user=other_admin, is_active=False)


def test_a_role_above_the_actors_own_cannot_be_granted(store_a, make_user):
    supervisor = make_user(store_a, "cs_supervisor")
    # A supervisor has no MANAGE_USERS: the capability gate refuses before anything else.
    target = make_user(store_a, "followup_agent")
    with pytest.raises(PermissionDenied):
        services.membership_set(actor=supervisor, user=target, store=store_a, role="cs_manager")


def test_grantable_roles_are_those_within_the_actors_capabilities(gm_a, store_a, store_b,
                                                                  manager_a):  # fmt: skip
    assert services.grantable_roles(gm_a, store_a) == list(Role)
    assert services.grantable_roles(gm_a, store_b) == []
    assert services.grantable_roles(manager_a, store_a) == []


def test_an_unknown_role_is_a_field_error(gm_a, agent_a, store_a):
    with pytest.raises(ValidationError) as exc:
        services.membership_set(actor=gm_a, user=agent_a, store=store_a, role="boss")
    assert exc.value.message_dict == {"role": ["Choose a valid role."]}


def test_removing_a_role_is_audited(gm_a, agent_a, store_a):
    services.membership_remove(actor=gm_a, user=agent_a, store=store_a, ip_address="10.1.1.1")
    assert not agent_a.memberships.exists()
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert event.changes == {"role": ["followup_agent", None]}


def test_adding_a_role_in_a_second_store_keeps_the_first(admin_user, agent_a, store_a, store_b):
    services.membership_set(actor=admin_user, user=agent_a, store=store_b, role="cs_manager")
    assert sorted(agent_a.memberships.values_list("store__code", "role")) == [
        ("GZ01", "followup_agent"), ("SZ01", "cs_manager"),
    ]  # fmt: skip


# --- deactivation and API tokens ----------------------------------------------------------------


def test_deactivating_and_reactivating_a_user_is_audited(gm_a, agent_a, store_a):
    services.user_set_active(actor=gm_a, user=agent_a, is_active=False)
    agent_a.refresh_from_db()
    assert not agent_a.is_active
    services.user_set_active(actor=gm_a, user=agent_a, is_active=True)
    assert list(AuditEvent.objects.order_by("id").values_list("store", "changes")) == [
        (store_a.pk, {"is_active": [True, False]}), (store_a.pk, {"is_active": [False, True]}),
    ]  # fmt: skip


def test_a_user_working_in_another_store_is_deactivated_only_by_someone_managing_both(
    gm_a, agent_a, store_b, admin_user
):
    StoreMembership.objects.create(user=agent_a, store=store_b, role="followup_agent")
    with pytest.raises(PermissionDenied, match="also works in stores you do not manage"):
        services.user_set_active(actor=gm_a, user=agent_a, is_active=False)
    services.user_set_active(actor=admin_user, user=agent_a, is_active=False)
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).count() == 2  # one per store


def test_nobody_deactivates_themselves(gm_a):
    with pytest.raises(PermissionDenied):
        services.user_set_active(actor=gm_a, user=gm_a, is_active=False)


def test_rotating_an_api_token_replaces_the_old_one(gm_a, store_a, make_user):
    integration = make_user(store_a, "integration")
    first = services.api_token_rotate(actor=gm_a, user=integration)
    second = services.api_token_rotate(actor=gm_a, user=integration)
    assert first != second
    assert list(Token.objects.filter(user=integration).values_list("key", flat=True)) == [second]
    last = AuditEvent.objects.order_by("-id").first()
    assert last.changes == {"api_token": [f"{first[:4]}…", f"{second[:4]}…"]}
    assert second not in str(last.changes)


def test_an_api_token_of_another_stores_user_cannot_be_made(gm_a, manager_b):
    with pytest.raises(PermissionDenied):
        services.api_token_rotate(actor=gm_a, user=manager_b)
    assert not Token.objects.exists()
