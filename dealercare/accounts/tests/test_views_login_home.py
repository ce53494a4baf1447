"""Login, logout and the home dashboard."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealercare.customers.models import Customer
from dealercare.operations.choices import DeliveryStatus, VisitStatus
from dealercare.testing.factories import (
    CustomerFactory,
    DeliveryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_the_login_page_shows_the_product_and_a_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Customer Relationship Center" in body
    assert "Dealercare" in body
    assert 'name="username"' in body and 'name="password"' in body
    assert 'name="viewport"' in body  # tablets


def test_logging_in_goes_home_and_a_wrong_password_says_so(client, manager_a):
    response = client.post(reverse("login"), {"username": manager_a.username,
                                              "password": "wrong"})  # fmt: skip
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    response = client.post(reverse("login"), {"username": manager_a.username,
                                              "password": "pass-1234"})  # fmt: skip
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_a_logged_in_user_opening_login_goes_home(client, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_logout_is_a_post_and_ends_the_session(client, manager_a):
    client.force_login(manager_a)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("name", ["home", "store-list", "store-create", "user-list",
                                  "user-create", "audit:list", "operations:delivery-list",
                                  "operations:visit-list", "operations:inquiry-list",
                                  "operations:delivery-create", "operations:visit-create",
                                  "operations:inquiry-create"])  # fmt: skip
def test_logged_out_visitors_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse(name)}"


@pytest.mark.parametrize("name,args", [("store-settings", [1]), ("user-edit", [1]),
                                       ("operations:visit-detail", [1])])  # fmt: skip
def test_logged_out_visitors_are_sent_to_login_from_detail_pages(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_user_menu_names_the_users_roles(client, manager_a):
    client.force_login(manager_a)
    body = client.get(reverse("home")).content.decode()
    assert "CS manager @ GZ01" in body


# --- dashboard --------------------------------------------------------------------------------


@pytest.fixture
def store_a_data(store_a):
    now = timezone.now()
    active = CustomerFactory(store=store_a, lifecycle_state="active")
    CustomerFactory(store=store_a, lifecycle_state="lost")
    CustomerFactory(store=store_a, lifecycle_state="lost")
    vehicle = VehicleFactory(store=store_a, owner=active)
    DeliveryFactory(vehicle=vehicle, delivered_at=now - datetime.timedelta(days=2))
    DeliveryFactory(vehicle=vehicle, delivered_at=now - datetime.timedelta(days=45))
    DeliveryFactory(vehicle=vehicle, delivered_at=now - datetime.timedelta(days=1),
                    status=DeliveryStatus.CANCELLED)  # fmt: skip
    ServiceVisitFactory(vehicle=vehicle, date_in=now - datetime.timedelta(days=5))
    ServiceVisitFactory(vehicle=vehicle, date_in=now - datetime.timedelta(days=3),
                        status=VisitStatus.CANCELLED, date_out=None)  # fmt: skip
    old = CustomerFactory(store=store_a, lifecycle_state="inactive")
    Customer.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=400))
    return store_a


def test_the_dashboard_counts_my_stores_figures(client, manager_a, store_a_data, store_b):
    CustomerFactory(store=store_b, lifecycle_state="active")  # not mine
    client.force_login(manager_a)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.store.code for r in rows] == ["GZ01"]
    row = rows[0]
    assert row.by_lifecycle == {"prospect": 0, "new_buyer": 0, "active": 1, "inactive": 1,
                                "lost": 2}  # fmt: skip
    assert (row.customers, row.deliveries_30d, row.visits_30d) == (4, 1, 1)
    assert row.created_this_month == 3  # all but the one created 400 days ago
    body = response.content.decode()
    assert f"?store={store_a_data.pk}&amp;lifecycle_state=lost" in body
    assert "SZ01" not in body


def test_a_group_admin_sees_every_store_and_the_totals(client, admin_user, store_a_data, store_b):
    CustomerFactory(store=store_b, lifecycle_state="active")
    client.force_login(admin_user)
    response = client.get(reverse("home"))
    assert [r.store.code for r in response.context["rows"]] == ["GZ01", "SZ01"]
    assert response.context["totals"].customers == 5
    assert response.context["totals"].by_lifecycle["active"] == 2


def test_the_dashboard_query_count_does_not_grow_with_data(client, admin_user, store_a, store_b):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for store in (store_a, store_b):
        for _ in range(5):
            vehicle = VehicleFactory(store=store, owner=CustomerFactory(store=store))
            DeliveryFactory(vehicle=vehicle, delivered_at=timezone.now())
            ServiceVisitFactory(vehicle=vehicle)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)
    assert len(many) <= 12


def test_a_technician_sees_an_empty_dashboard(client, store_a, make_user):
    client.force_login(make_user(store_a, "technician"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert 'data-testid="no-stores"' in response.content.decode()
