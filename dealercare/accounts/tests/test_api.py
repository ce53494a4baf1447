"""API of accounts: token and session auth, /api/me/, /api/stores/, and the OpenAPI schema."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dealercare.accounts.roles import Capability

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_token_is_issued_for_a_username_and_password(api_client, agent_a):
    response = api_client.post(
        "/api/auth/token/", {"username": agent_a.username, "password": "pass-1234"}
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=agent_a).key}


def test_token_is_refused_for_a_wrong_password(api_client, agent_a):
    response = api_client.post(
        "/api/auth/token/",
        {"username": agent_a.username, "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.exists()


def test_a_token_authenticates_api_requests(api_client, agent_a):
    token = api_client.post(
        "/api/auth/token/", {"username": agent_a.username, "password": "pass-1234"}
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.get("/api/me/")

    assert response.status_code == 200
    assert response.json()["username"] == agent_a.username


def test_the_ui_session_authenticates_api_requests(client, agent_a):
    client.force_login(agent_a)

    response = client.get("/api/me/")

    assert response.status_code == 200
    assert response.json()["username"] == agent_a.username


@pytest.mark.parametrize("url", ["/api/me/", "/api/stores/", "/api/stores/1/"])
def test_requests_without_credentials_get_401(api_client, url):
    response = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_gets_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get("/api/me/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_me_lists_each_store_with_the_role_and_its_capabilities(store_a, advisor_a):
    response = client_for(advisor_a).get("/api/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": advisor_a.pk,
        "username": advisor_a.username,
        "display_name": advisor_a.display_name,
        "is_group_admin": False,
        "dealer_group": store_a.group_id,
        "stores": [
            {
                "id": store_a.pk,
                "code": "GZ01",
                "name": "广州天河4S店",
                "role": "service_advisor",
                "capabilities": sorted(
                    [
                        Capability.EDIT_CUSTOMERS,
                        Capability.VIEW_CUSTOMERS,
                        Capability.WRITE_OPERATIONS,
                    ]
                ),
            }
        ],
    }


def test_me_shows_a_group_admin_every_store_of_the_group(store_a, store_b, admin_user):
    stores = client_for(admin_user).get("/api/me/").json()["stores"]

    assert [(s["code"], s["role"]) for s in stores] == [("GZ01", None), ("SZ01", None)]
    assert stores[0]["capabilities"] == sorted(Capability)


def test_stores_lists_only_the_users_stores(store_a, store_b, agent_a):
    response = client_for(agent_a).get("/api/stores/")

    assert response.status_code == 200
    assert [s["code"] for s in response.json()["results"]] == ["GZ01"]


def test_another_stores_id_is_not_found(store_b, agent_a):
    response = client_for(agent_a).get(f"/api/stores/{store_b.pk}/")

    assert response.status_code == 404


def test_a_store_is_shown_to_its_users(store_a, agent_a):
    response = client_for(agent_a).get(f"/api/stores/{store_a.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "广州天河4S店"


def test_a_group_admin_lists_every_store(store_a, store_b, admin_user):
    response = client_for(admin_user).get("/api/stores/")

    assert [s["code"] for s in response.json()["results"]] == ["GZ01", "SZ01"]


def test_a_technician_sees_the_store_but_no_capabilities(store_a, make_user):
    technician = make_user(store_a, "technician")

    stores = client_for(technician).get("/api/me/").json()["stores"]

    assert stores == [{"id": store_a.pk, "code": "GZ01", "name": "广州天河4S店",
                       "role": "technician", "capabilities": []}]  # fmt: skip


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    schema = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))

    text = schema.read_text()
    for path in ("/api/customers/{id}/reveal-phone/", "/api/vehicles/{id}/transfer/",
                 "/api/deliveries/", "/api/service-visits/", "/api/prospects/"):  # fmt: skip
        assert f"  {path}:" in text


def test_the_schema_and_the_interactive_docs_are_served(client, agent_a):
    client.force_login(agent_a)

    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
