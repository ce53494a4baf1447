"""Store scoping: which stores a user may act in, per capability."""

import pytest
from django.core.exceptions import PermissionDenied

from dealercare.accounts.access import Access, access_for
from dealercare.accounts.models import StoreMembership
from dealercare.accounts.roles import ROLE_CAPABILITIES, Capability, Role, capabilities_of
from dealercare.testing.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_has_a_capability_set():
    assert set(ROLE_CAPABILITIES) == set(Role)
    assert capabilities_of("technician") == frozenset()
    assert Capability.REVEAL_PHONE in capabilities_of("followup_agent")
    assert Capability.REVEAL_PHONE not in capabilities_of("service_advisor")
    assert Capability.EXPORT_LISTS in capabilities_of("cs_manager")
    assert Capability.EXPORT_LISTS not in capabilities_of("cs_supervisor")


def test_a_store_user_acts_only_in_their_store(manager_a, store_a, store_b):
    access = Access(manager_a)
    assert access.store_ids() == [store_a.pk]
    assert access.has(Capability.MERGE_CUSTOMERS, store_a)
    assert not access.has(Capability.VIEW_CUSTOMERS, store_b)
    with pytest.raises(PermissionDenied):
        access.require(Capability.VIEW_CUSTOMERS, store_b.pk)


def test_roles_in_two_stores_give_different_capabilities(store_a, store_b, make_user):
    user = make_user(store_a, "cs_manager")
    StoreMembership.objects.create(user=user, store=store_b, role="followup_agent")
    access = Access(user)
    assert access.store_ids(Capability.VIEW_CUSTOMERS) == sorted([store_a.pk, store_b.pk])
    assert access.store_ids(Capability.EXPORT_LISTS) == [store_a.pk]


def test_group_admin_sees_every_store_of_their_group_only(admin_user, store_a, store_b):
    foreign = StoreFactory()  # another dealer group
    access = Access(admin_user)
    assert access.store_ids(Capability.MANAGE_USERS) == sorted([store_a.pk, store_b.pk])
    assert not access.has(Capability.VIEW_CUSTOMERS, foreign)


def test_inactive_users_and_inactive_stores_give_nothing(manager_a, store_a):
    store_a.is_active = False
    store_a.save()
    assert Access(manager_a).store_ids() == []
    user = UserFactory(is_active=False)
    assert Access(user).store_ids() == []


def test_access_is_cached_on_the_user(manager_a):
    assert access_for(manager_a) is access_for(manager_a)
