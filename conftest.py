"""Fixtures every app's tests share: a dealer group with two stores and a user per role."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in tests


@pytest.fixture
def group(db):
    from dealercare.testing.factories import DealerGroupFactory

    return DealerGroupFactory(name="华南汽车集团", code="huanan")


@pytest.fixture
def store_a(group):
    from dealercare.testing.factories import StoreFactory

    return StoreFactory(group=group, code="GZ01", name="广州天河4S店", city="广州")


@pytest.fixture
def store_b(group):
    from dealercare.testing.factories import StoreFactory

    return StoreFactory(group=group, code="SZ01", name="深圳南山4S店", city="深圳")


@pytest.fixture
def make_user(db):
    """make_user(store, role) -> a user with that role in that store."""
    from dealercare.testing.factories import user_with_role

    return user_with_role


@pytest.fixture
def manager_a(store_a, make_user):
    return make_user(store_a, "cs_manager")


@pytest.fixture
def agent_a(store_a, make_user):
    return make_user(store_a, "followup_agent")


@pytest.fixture
def advisor_a(store_a, make_user):
    return make_user(store_a, "service_advisor")


@pytest.fixture
def manager_b(store_b, make_user):
    return make_user(store_b, "cs_manager")


@pytest.fixture
def admin_user(group):
    from dealercare.testing.factories import group_admin

    return group_admin(group)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
