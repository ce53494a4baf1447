"""Fixtures of the complaint tests: a store with its handlers, attachments in a temp folder."""

import pytest
from django.core.cache import cache

from dealercare.testing.factories import CustomerFactory, VehicleFactory

from .. import services
from .factories import MONDAY_10


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.COMPLAINT_ATTACHMENT_ROOT = tmp_path / "attachments"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()


@pytest.fixture
def gm_a(store_a, make_user):
    return make_user(store_a, "general_manager", email="gm@example.com")


@pytest.fixture
def supervisor_a(store_a, make_user):
    return make_user(store_a, "cs_supervisor")


@pytest.fixture
def service_manager_a(store_a, make_user):
    return make_user(store_a, "service_manager")


@pytest.fixture
def customer_a(store_a):
    return CustomerFactory(store=store_a, name="张伟", mobile="13800138000")


@pytest.fixture
def vehicle_a(store_a, customer_a):
    return VehicleFactory(store=store_a, owner=customer_a, model_name="迈腾")


@pytest.fixture
def make_complaint(agent_a, store_a, customer_a, vehicle_a):
    """make_complaint(**overrides) -> a complaint recorded by agent_a on Monday 10:00."""

    def make(**overrides):
        values = {
            "actor": agent_a, "store": store_a, "customer": customer_a, "vehicle": vehicle_a,
            "channel": "hotline", "description": "保养后发动机异响，已经第二次了",
            "customer_request": "彻底修好并道歉", "received_at": MONDAY_10, "now": MONDAY_10,
        } | overrides  # fmt: skip
        return services.complaint_create(**values)

    return make
