"""The permission matrix: every role × every URL of the UI and the API (walked from the resolver).

TABLE declares, for each named URL, what a request needs (a Capability, "any authenticated
user", "public", ...), which store-A object fills its parameter and what each side gets. Who
holds what is derived from roles.ROLE_CAPABILITIES, so the matrix follows roles.py. A new URL
that TABLE does not declare fails the suite: its author must say who may use it.

Writes are checked with bodies that stop right after the gate (empty forms, a duplicate number,
a budget upside down): nothing is created, and each test's transaction is rolled back anyway.
"""

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from dealercare.accounts.models import Store, StoreMembership, User
from dealercare.accounts.roles import (
    GROUP_ADMIN_CAPABILITIES,
    Capability,
    Role,
    capabilities_of,
)
from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers.models import ConsentRecord, Customer, Vehicle
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit
from dealercare.testing.factories import (
    CompanyCustomerFactory,
    CustomerFactory,
    DealerGroupFactory,
    DeliveryFactory,
    ImportJobFactory,
    InquiryFactory,
    ServiceVisitFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
    group_admin,
    user_with_role,
)
from dealercare.testing.permissions import (
    ANY,
    GROUP_ADMIN,
    MEMBER,
    MOBILE,
    PUBLIC,
    SKIPPED,
    C,
    Entry,
    Gate,
    detail,
)
from dealercare.testing.urls_walk import all_urls

TABLE = {
    # --- accounts --------------------------------------------------------------------------
    "home": Entry(Gate(ANY)),
    "store-list": Entry(Gate(C.MANAGE_STORE)),
    # Opening a store is the group admin's alone (not a capability a store role can hold).
    "store-create": Entry(Gate(GROUP_ADMIN), post=Gate(GROUP_ADMIN)),
    # 403 without MANAGE_STORE anywhere; 404 only for a store managed by others.
    "store-settings": Entry(Gate(C.MANAGE_STORE), ("store",), post=Gate(C.MANAGE_STORE)),
    "user-list": Entry(Gate(C.MANAGE_USERS)),
    "user-create": Entry(Gate(C.MANAGE_USERS), post=Gate(C.MANAGE_USERS)),
    # An empty POST is an unknown action: a message and back to the page.
    "user-edit": Entry(Gate(C.MANAGE_USERS), ("user",), post=Gate(C.MANAGE_USERS, 302)),
    # --- customers -------------------------------------------------------------------------
    "customers:list": Entry(Gate(C.VIEW_CUSTOMERS)),
    "customers:search": Entry(Gate(C.VIEW_CUSTOMERS)),
    "customers:export": Entry(Gate(C.EXPORT_LISTS)),
    "customers:create": Entry(Gate(C.EDIT_CUSTOMERS), post=Gate(C.EDIT_CUSTOMERS)),
    "customers:detail": Entry(Gate(C.VIEW_CUSTOMERS, refused=404), ("customer", "company")),
    "customers:edit": Entry(
        detail(C.EDIT_CUSTOMERS), ("customer", "company"), post=detail(C.EDIT_CUSTOMERS)
    ),
    "customers:merge": Entry(
        detail(C.MERGE_CUSTOMERS), ("customer",), post=detail(C.MERGE_CUSTOMERS)
    ),
    "customers:reveal-phone": Entry(
        detail(C.REVEAL_PHONE), ("customer",), post=detail(C.REVEAL_PHONE)
    ),
    # POST only (GET: 405); an invalid consent goes back to the customer with a message.
    "customers:consent": Entry(Gate(ANY, 405), ("customer",), post=detail(C.EDIT_CUSTOMERS, 302)),
    "customers:vehicle-create": Entry(
        detail(C.EDIT_CUSTOMERS), ("customer",), post=detail(C.EDIT_CUSTOMERS)
    ),
    "customers:vehicle-list": Entry(Gate(C.VIEW_CUSTOMERS)),
    "customers:vehicle-export": Entry(Gate(C.EXPORT_LISTS)),
    "customers:vehicle-detail": Entry(Gate(C.VIEW_CUSTOMERS, refused=404), ("vehicle",)),
    "customers:vehicle-edit": Entry(
        detail(C.EDIT_CUSTOMERS), ("vehicle",), post=detail(C.EDIT_CUSTOMERS)
    ),
    "customers:vehicle-transfer": Entry(
        detail(C.EDIT_CUSTOMERS), ("vehicle",), post=detail(C.EDIT_CUSTOMERS)
    ),
    # --- operations ------------------------------------------------------------------------
    "operations:delivery-list": Entry(Gate(C.VIEW_CUSTOMERS)),
    "operations:delivery-create": Entry(Gate(C.WRITE_OPERATIONS), post=Gate(C.WRITE_OPERATIONS)),
    "operations:delivery-export": Entry(Gate(C.EXPORT_LISTS)),
    "operations:visit-list": Entry(Gate(C.VIEW_CUSTOMERS)),
    "operations:visit-create": Entry(Gate(C.WRITE_OPERATIONS), post=Gate(C.WRITE_OPERATIONS)),
    "operations:visit-export": Entry(Gate(C.EXPORT_LISTS)),
    # Refused with 403 (VIEW_CUSTOMERS in no store) before the visit is looked up.
    "operations:visit-detail": Entry(Gate(C.VIEW_CUSTOMERS), ("visit",)),
    "operations:inquiry-list": Entry(Gate(C.VIEW_CUSTOMERS)),
    # A prospect's inquiry is customer work (CS agents take those calls): EDIT_CUSTOMERS.
    "operations:inquiry-create": Entry(Gate(C.EDIT_CUSTOMERS), post=Gate(C.EDIT_CUSTOMERS)),
    # --- audit -----------------------------------------------------------------------------
    "audit:list": Entry(Gate(C.VIEW_AUDIT)),
    # --- imports: a customers job is seen by who may import customers (404 for the others);
    # an empty mapping or commit form is refused with 400 before anything runs -----------------
    "imports:job-list": Entry(Gate(C.EDIT_CUSTOMERS)),
    "imports:job-create": Entry(Gate(C.EDIT_CUSTOMERS), post=Gate(C.EDIT_CUSTOMERS)),
    "imports:job-detail": Entry(Gate(C.EDIT_CUSTOMERS, refused=404), ("import_job",)),
    "imports:job-mapping": Entry(
        Gate(ANY, 405), ("import_job",), post=Gate(C.EDIT_CUSTOMERS, 400, refused=404)
    ),
    "imports:job-commit": Entry(
        Gate(ANY, 405), ("import_job",), post=Gate(C.EDIT_CUSTOMERS, 400, refused=404)
    ),
    "imports:job-progress": Entry(Gate(C.EDIT_CUSTOMERS, refused=404), ("import_job",)),
    "imports:job-errors": Entry(Gate(C.EDIT_CUSTOMERS, refused=404), ("import_job",)),
    # --- API: anonymous gets 401; a role that sees no customers gets 403 from the viewset's
    # permission class, before any lookup (so 403, not 404, on details) -------------------------
    "api-token": Entry(Gate(PUBLIC, 405), post=Gate(PUBLIC, 400)),
    "api-me": Entry(Gate(ANY)),
    "api-store-list": Entry(Gate(ANY)),  # a user without roles gets an empty list
    "api-store-detail": Entry(Gate(MEMBER, refused=404), ("store",)),
    # The store is in the body, so the service's gate follows validation: a valid body with
    # a mobile the store already has answers 409 right after the gate.
    "api-customer-list": Entry(
        Gate(C.VIEW_CUSTOMERS), post=Gate(C.EDIT_CUSTOMERS, 409), body="duplicate_customer"
    ),
    "api-customer-detail": Entry(
        Gate(C.VIEW_CUSTOMERS), ("customer", "company"), patch=Gate(C.EDIT_CUSTOMERS)
    ),
    # POST-only actions: the permission class answers before the method is (403, then 405);
    # each action asks its capability before reading the body (403 before 400). PATCH {}
    # changes nothing, so a role that may edit gets 200.
    "api-customer-consent": Entry(
        Gate(C.VIEW_CUSTOMERS, 405), ("customer",), post=Gate(C.EDIT_CUSTOMERS, 400)
    ),
    "api-customer-merge": Entry(
        Gate(C.VIEW_CUSTOMERS, 405), ("customer",), post=Gate(C.MERGE_CUSTOMERS, 400)
    ),
    "api-customer-reveal-phone": Entry(
        Gate(C.VIEW_CUSTOMERS, 405), ("customer",), post=Gate(C.REVEAL_PHONE, 400)
    ),
    "api-vehicle-list": Entry(
        Gate(C.VIEW_CUSTOMERS), post=Gate(C.EDIT_CUSTOMERS, 409), body="duplicate_vehicle"
    ),
    "api-vehicle-detail": Entry(Gate(C.VIEW_CUSTOMERS), ("vehicle",), patch=Gate(C.EDIT_CUSTOMERS)),
    "api-vehicle-transfer": Entry(
        Gate(C.VIEW_CUSTOMERS, 405), ("vehicle",), post=Gate(C.EDIT_CUSTOMERS, 400)
    ),
    "api-delivery-list": Entry(
        Gate(C.VIEW_CUSTOMERS), post=Gate(C.WRITE_OPERATIONS, 409), body="duplicate_delivery"
    ),
    "api-delivery-detail": Entry(
        Gate(C.VIEW_CUSTOMERS), ("delivery",), patch=Gate(C.WRITE_OPERATIONS)
    ),
    "api-service-visit-list": Entry(
        Gate(C.VIEW_CUSTOMERS), post=Gate(C.WRITE_OPERATIONS, 409), body="duplicate_visit"
    ),
    "api-service-visit-detail": Entry(
        Gate(C.VIEW_CUSTOMERS), ("visit",), patch=Gate(C.WRITE_OPERATIONS)
    ),
    # The budget upside down passes the serializer and is refused by the model after the gate.
    "api-prospect-list": Entry(
        Gate(C.VIEW_CUSTOMERS), post=Gate(C.EDIT_CUSTOMERS, 400), body="inverted_budget"
    ),
    "api-prospect-detail": Entry(Gate(C.VIEW_CUSTOMERS), ("inquiry",)),
    # DMS push: POST only; an empty object fails item validation (400) after the gate.
    "api-dms-deliveries": Entry(
        Gate(C.WRITE_OPERATIONS, 405), post=Gate(C.WRITE_OPERATIONS, 400), body="empty_object"
    ),
    "api-dms-repair-orders": Entry(
        Gate(C.WRITE_OPERATIONS, 405), post=Gate(C.WRITE_OPERATIONS, 400), body="empty_object"
    ),
}

# POST bodies (JSON) that pass validation and stop right after the capability check.
BODIES = {
    "duplicate_customer": lambda w: {
        "store": w["store"].pk, "kind": "person", "name": "重复客户", "mobile": MOBILE,
    },
    "duplicate_vehicle": lambda w: {
        "owner": w["customer"].pk, "vin": w["vehicle"].vin, "brand": "一汽-大众",
        "model_name": "迈腾",
    },
    "duplicate_delivery": lambda w: {
        "customer": w["customer"].pk, "vehicle": w["vehicle"].pk,
        "order_no": w["delivery"].order_no, "delivered_at": "2025-01-02T10:00:00+08:00",
    },
    "duplicate_visit": lambda w: {
        "customer": w["customer"].pk, "vehicle": w["vehicle"].pk,
        "repair_order_no": w["visit"].repair_order_no, "visit_type": "maintenance",
        "date_in": "2025-01-02T10:00:00+08:00",
    },
    "empty_object": lambda w: {},
    "inverted_budget": lambda w: {
        "customer": w["customer"].pk, "channel": "phone", "budget_min": "300000",
        "budget_max": "100000",
    },
}  # fmt: skip


def _app_matrices():
    """Each dealercare app's own tests/matrix.py (see dealercare/testing/permissions.py)."""
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        tests = f"{config.name}.tests"
        if not config.name.startswith("dealercare.") or not importlib.util.find_spec(tests):
            continue
        package = importlib.import_module(tests)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name == "matrix" or info.name.startswith("matrix_"):
                modules.append(importlib.import_module(f"{tests}.{info.name}"))
    return modules


APP_MATRICES = _app_matrices()
for _module in APP_MATRICES:
    assert not set(_module.TABLE) & set(TABLE), f"{_module.__name__} redeclares a URL"
    TABLE.update(_module.TABLE)
    BODIES.update(getattr(_module, "BODIES", {}))


# --- who asks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    name: str
    role: str | None = None
    is_group_admin: bool = False
    anonymous: bool = False

    @property
    def capabilities(self):
        if self.is_group_admin:
            return GROUP_ADMIN_CAPABILITIES
        return capabilities_of(self.role) if self.role else frozenset()

    def passes(self, need):
        if need == PUBLIC:
            return True
        if self.anonymous:
            return False
        if need == ANY:
            return True
        if need == GROUP_ADMIN:
            return self.is_group_admin
        if need == MEMBER:
            return self.is_group_admin or self.role is not None
        return Capability(need) in self.capabilities


PRINCIPALS = [
    *(Principal(role.value, role=role.value) for role in Role),
    Principal("group_admin", is_group_admin=True),
    Principal("no_role"),
    Principal("anonymous", anonymous=True),
]


# --- the dataset: built once for the module, rolled back at its end ---------------------------


def _build_world():
    group = DealerGroupFactory(code="matrix", name="矩阵集团")
    store = StoreFactory(group=group, code="MX01", name="矩阵测试店")
    users = {p.name: user_with_role(store, p.role, username=f"mx_{p.name}")
             for p in PRINCIPALS if p.role}  # fmt: skip
    users["group_admin"] = group_admin(group, username="mx_group_admin")
    users["no_role"] = UserFactory(dealer_group=group, username="mx_no_role")
    tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
    customer = CustomerFactory(store=store, name="矩阵客户", mobile=MOBILE)
    vehicle = VehicleFactory(store=store, owner=customer)
    world = {
        "group": group, "store": store, "users": users, "tokens": tokens,
        "customer": customer, "company": CompanyCustomerFactory(store=store),
        "vehicle": vehicle, "delivery": DeliveryFactory(vehicle=vehicle),
        "visit": ServiceVisitFactory(vehicle=vehicle),
        "inquiry": InquiryFactory(customer=customer),
        "user": user_with_role(store, Role.FOLLOWUP_AGENT, username="mx_target"),
        "import_job": ImportJobFactory(store=store),
    }  # fmt: skip
    for module in APP_MATRICES:
        if hasattr(module, "build"):
            world.update(module.build(world))
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One dataset for all ~660 cases; each test's own transaction nests inside this one."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def fingerprint(store):
    """What a gate check must never change: row counts (exports are audited, so not those)."""
    return {
        "customers": Customer.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "deliveries": Delivery.objects.count(),
        "visits": ServiceVisit.objects.count(),
        "inquiries": Inquiry.objects.count(),
        "consents": ConsentRecord.objects.count(),
        "stores": Store.objects.count(),
        "users": User.objects.count(),
        "memberships": StoreMembership.objects.count(),
        "tokens": Token.objects.count(),
        "audit": AuditEvent.objects.exclude(action=AuditAction.EXPORT).count(),
        "store_name": Store.objects.get(pk=store.pk).name,
    } | {
        key: value
        for module in APP_MATRICES
        if hasattr(module, "counts")
        for key, value in module.counts().items()
    }


# --- the table covers the URLs exactly --------------------------------------------------------


def url_specs():
    return {spec.name: spec for spec in all_urls() if spec.name not in SKIPPED}


def test_every_url_declares_who_may_use_it():
    undeclared = sorted(set(url_specs()) - set(TABLE))
    assert not undeclared, (
        f"URLs without a row in TABLE (say which capability they need): {undeclared}"
    )


def test_the_table_names_no_url_that_is_gone():
    assert sorted(set(TABLE) - set(url_specs())) == []


def test_the_table_names_an_object_exactly_for_urls_with_a_parameter():
    specs = url_specs()
    wrong = [name for name, spec in specs.items()
             if name in TABLE and bool(spec.params) != bool(TABLE[name].objects)]  # fmt: skip
    assert wrong == []


def test_every_role_is_in_the_matrix():
    assert {p.role for p in PRINCIPALS if p.role} == {r.value for r in Role}


# --- the matrix -------------------------------------------------------------------------------


def expected(gate, principal, is_api):
    """The status (or "login") a principal must get from one method of a URL."""
    if principal.anonymous and gate.need != PUBLIC:
        return 401 if is_api else "login"
    if gate.hidden and not principal.passes(gate.hidden):
        return 404
    return gate.passed if principal.passes(gate.need) else gate.refused


def outcome(response):
    if response.status_code == 302 and response.url.startswith(reverse("login")):
        return "login"
    return response.status_code


def make_client(world, principal, is_api):
    if principal.anonymous:
        return Client()
    if is_api:
        return Client(HTTP_AUTHORIZATION=f"Token {world['tokens'][principal.name]}")
    client = Client()
    client.force_login(world["users"][principal.name])
    return client


def requests_for(entry, world):
    """(method, gate, kwargs) of each request a URL gets: GET, then POST and PATCH if declared."""
    yield "get", entry.get, {}
    if entry.post:
        if entry.body:
            kwargs = {"data": BODIES[entry.body](world), "content_type": "application/json"}
        else:
            kwargs = {"data": {}}
        yield "post", entry.post, kwargs
    if entry.patch:
        yield "patch", entry.patch, {"data": {}, "content_type": "application/json"}


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.name)
@pytest.mark.parametrize("name", sorted(url_specs()))
def test_each_role_gets_what_the_table_says(world, name, principal):
    assert name in TABLE, f"{name} is not declared in TABLE"
    entry, spec = TABLE[name], url_specs()[name]
    is_api = spec.template.startswith("api/")
    client = make_client(world, principal, is_api)
    before = fingerprint(world["store"])
    wrong = []
    for obj in entry.objects or (None,):
        path = spec.path(**dict.fromkeys(spec.params, world[obj].pk)) if obj else spec.path()
        for method, gate, kwargs in requests_for(entry, world):
            cache.clear()  # rate limits (reveal, token) count every request of the run
            response = getattr(client, method)(path, **kwargs)
            want, got = expected(gate, principal, is_api), outcome(response)
            if got != want:
                wrong.append(f"{method.upper()} {path} ({obj}): expected {want}, got {got}")
    assert not wrong, f"{principal.name}: " + "; ".join(wrong)
    assert fingerprint(world["store"]) == before
