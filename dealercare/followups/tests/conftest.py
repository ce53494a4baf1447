"""Fixtures of the follow-up tests (helpers are in support.py)."""

import pytest

from .support import make_customer


@pytest.fixture
def customer_a(store_a):
    return make_customer(store_a, name="王伟", gender="male")


@pytest.fixture
def supervisor_a(store_a, make_user):
    return make_user(store_a, "cs_supervisor")


@pytest.fixture
def agent_b(store_b, make_user):
    return make_user(store_b, "followup_agent")
