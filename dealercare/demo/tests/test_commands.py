"""seed_demo, demo_logins, and the demo's determinism."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from dealercare.accounts.models import DealerGroup
from dealercare.accounts.roles import Role
from dealercare.customers.models import Customer
from dealercare.demo.dataset import STAFF, build_demo, demo_digest


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def digest_of_build(seed, now, customers=30):
    """Build in a transaction that is rolled back, so each build starts from an empty database."""
    with transaction.atomic():
        build_demo(customers=customers, seed=seed, now=now)
        digest = demo_digest()
        transaction.set_rollback(True)
    return digest


def test_the_same_seed_builds_the_same_data_and_another_seed_does_not(db):
    now = timezone.now()
    first = digest_of_build(7, now)
    assert DealerGroup.objects.count() == 0
    assert digest_of_build(7, now) == first
    assert digest_of_build(8, now) != first


def test_seed_demo_loads_the_given_number_of_customers_and_prints_a_summary(db):
    output = run("seed_demo", "--customers", "25", "--seed", "3")
    assert Customer.objects.count() == 25
    assert "Customers                      25" in output
    assert "by lifecycle state" in output
    assert "GZ01 广州天河4S店: 10 customers" in output
    assert "demo1234" in output


def test_seed_demo_if_empty_does_nothing_the_second_time(db):
    run("seed_demo", "--customers", "12", "--if-empty")
    digest = demo_digest()
    output = run("seed_demo", "--customers", "12", "--if-empty")
    assert output.startswith("Demo data not loaded: the database already has data")
    assert Customer.objects.count() == 12
    assert demo_digest() == digest


def test_seed_demo_refuses_to_load_the_demo_twice_without_if_empty(db):
    run("seed_demo", "--customers", "5")
    with pytest.raises(CommandError, match="already exists"):
        run("seed_demo", "--customers", "5")


def test_demo_logins_prints_one_login_per_role_and_the_url(db):
    run("seed_demo", "--customers", "0")
    output = run("demo_logins")
    assert "http://127.0.0.1:8000" in output
    lines = [line for line in output.splitlines() if "demo1234" in line]
    assert len(lines) == len(Role) + 1
    assert lines[0].split()[0] == "admin"
    usernames = [line.split()[0] for line in lines[1:]]
    expected = [f"gz01_{suffix}" + ("1" if count > 1 else "") for _r, suffix, count in STAFF]
    assert sorted(usernames) == sorted(expected)
    assert {"gz01_manager", "gz01_agent", "gz01_advisor1", "gz01_tech1", "gz01_sales1"} <= set(
        usernames
    )
    assert all("广州天河4S店" in line for line in lines[1:])


def test_demo_logins_without_demo_data_says_how_to_load_it(db):
    assert "No demo accounts" in run("demo_logins")


def test_every_role_has_demo_staff():
    assert {role for role, _suffix, _count in STAFF} == set(Role)
