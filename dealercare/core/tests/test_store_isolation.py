"""Store isolation, checked for EVERY URL of the UI and the API (walked from the URL resolver).

A user of store A must never receive store B's rows: not by list, detail, search, filter or id
guessing, and must not be able to change them. New views and endpoints are covered automatically.
"""

import datetime
import importlib
import importlib.util
import pkgutil

import pytest
from django.core.cache import cache
from django.utils import timezone

from dealercare.core.models import AuditEvent
from dealercare.customers import services as customer_services
from dealercare.testing.factories import (
    CompanyCustomerFactory,
    CustomerFactory,
    DealerGroupFactory,
    DeliveryFactory,
    ImportJobFactory,
    InquiryFactory,
    ServiceVisitFactory,
    StoreFactory,
    VehicleFactory,
    user_with_role,
)
from dealercare.testing.urls_walk import all_urls

pytestmark = pytest.mark.django_db

B_NAME = "隔离乙客户"
B_MOBILE = "13900009999"
B_PLATE = "粤B99999"
B_VIN = "1M8GDM9AXKP042788"
B_NUMBER = "SZ01-777777"
B_MARKERS = (B_NAME, B_MOBILE, B_PLATE, B_VIN, "RO-B-SECRET", "SO-B-SECRET", "b_secret_user",
             "乙公司隔离", "深圳隔离店", B_NUMBER, "139****9999", "乙店隔离导入.csv")  # fmt: skip
# Queries a store-A user might type to fish for B's customer.
B_QUERIES = (
    B_NAME,
    B_MOBILE,
    B_MOBILE[-4:],
    B_PLATE,
    B_PLATE[1:],
    B_VIN,
    B_VIN[-6:],
    "geliyi",
    "glykh",
)
# Ids far above anything store A gets, one per model, so an id guess never hits an A record.
B_IDS = {"customer": 900001, "company": 900002, "vehicle": 900003, "delivery": 900004,
         "visit": 900005, "inquiry": 900006, "user": 900007, "store": 900008,
         "import_job": 900009}  # fmt: skip


def _app_isolation_modules():
    """Each dealercare app's tests/isolation.py adds store-B records of its own models:

    B_IDS = {"complaint": 900101}          # fixed ids, unique across apps (9001xx, 9002xx...)
    B_MARKERS = ("乙店投诉标记",)            # texts that only store B's records contain
    def build_store_b(b): ...              # b: store_a, store_b, b_user, b_customer,
                                           #    b_vehicle, b_delivery, b_visit
    """
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        tests = f"{config.name}.tests"
        if not config.name.startswith("dealercare.") or not importlib.util.find_spec(tests):
            continue
        package = importlib.import_module(tests)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name == "isolation" or info.name.startswith("isolation_"):
                modules.append(importlib.import_module(f"{tests}.{info.name}"))
    return modules


APP_MODULES = _app_isolation_modules()
for _module in APP_MODULES:
    assert not set(_module.B_IDS) & set(B_IDS), f"{_module.__name__} reuses a B_IDS key"
    assert not set(_module.B_IDS.values()) & set(B_IDS.values()), _module.__name__
    B_IDS.update(_module.B_IDS)
    B_MARKERS += tuple(getattr(_module, "B_MARKERS", ()))


ROLES_IN_A = ["cs_manager", "general_manager", "followup_agent", "integration"]


@pytest.fixture(params=ROLES_IN_A)
def world(request, db):
    """Store A (with a user of the role under test) first, so its ids stay low on every
    database; then store B with fixed high ids."""
    group = DealerGroupFactory()
    store_a = StoreFactory(group=group, code="GZ01", name="广州店")
    user_a = user_with_role(store_a, request.param)
    a_vehicle = VehicleFactory(store=store_a, owner=CustomerFactory(store=store_a, name="甲客户"))
    ServiceVisitFactory(vehicle=a_vehicle)
    store_b = StoreFactory(group=group, code="SZ01", name="深圳隔离店", id=B_IDS["store"])
    b_user = user_with_role(store_b, "cs_manager", username="b_secret_user", id=B_IDS["user"])
    b_customer = CustomerFactory(store=store_b, name=B_NAME, mobile=B_MOBILE, number=B_NUMBER,
                                 id=B_IDS["customer"])  # fmt: skip
    CompanyCustomerFactory(store=store_b, name="乙公司隔离", id=B_IDS["company"])
    vehicle = VehicleFactory(store=store_b, owner=b_customer, plate=B_PLATE, vin=B_VIN,
                             id=B_IDS["vehicle"])  # fmt: skip
    delivery = DeliveryFactory(vehicle=vehicle, order_no="SO-B-SECRET", id=B_IDS["delivery"])
    visit = ServiceVisitFactory(vehicle=vehicle, repair_order_no="RO-B-SECRET", id=B_IDS["visit"],
                                date_in=timezone.now() - datetime.timedelta(days=3))  # fmt: skip
    InquiryFactory(customer=b_customer, id=B_IDS["inquiry"])
    ImportJobFactory(store=store_b, original_name="乙店隔离导入.csv", id=B_IDS["import_job"])
    customer_services.customer_update(actor=b_user, customer=b_customer, fields={"city": "深圳"})
    customer_services.mobile_reveal(actor=b_user, customer=b_customer, reason="乙店核实")
    b = {"store_a": store_a, "store_b": store_b, "b_user": b_user, "b_customer": b_customer,
         "b_vehicle": vehicle, "b_delivery": delivery, "b_visit": visit}  # fmt: skip
    for module in APP_MODULES:
        module.build_store_b(b)
    b_customer.refresh_from_db()
    return {"store_a": store_a, "store_b": store_b, "b_customer": b_customer, "user_a": user_a}


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_no_b_data(response, url, typed=""):
    """No marker of store B in the response; what the user typed may be echoed back (a search
    box keeps its text), so markers the typed text contains, or is part of, are not evidence."""
    body = body_of(response)
    text = body.decode("utf-8", errors="replace")
    markers = [m for m in B_MARKERS if not typed or (typed not in m and m not in typed)]
    leaked = [m for m in markers if m in text]
    assert not leaked, f"{url} leaked store B data: {leaked}"
    if body.startswith(b"PK"):  # an xlsx file: look inside the shared strings too
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as xlsx:
            inner = b"".join(xlsx.read(n) for n in xlsx.namelist()).decode("utf-8", "replace")
        leaked = [m for m in markers if m in inner]
        assert not leaked, f"{url} exported store B data: {leaked}"


def url_variants():
    """(spec, path) for every URL: parameterless ones as is, the others with every B id."""
    for spec in all_urls():
        if spec.name in {"login", "logout"}:
            continue
        if not spec.params:
            yield spec, spec.path()
            continue
        for object_id in B_IDS.values():
            yield spec, spec.path(**dict.fromkeys(spec.params, object_id))


@pytest.fixture
def store_a_user(world):
    return world["user_a"]


def test_no_url_shows_store_b_data_to_a_store_a_user(client, store_a_user):
    client.force_login(store_a_user)
    for spec, path in url_variants():
        cache.clear()  # rate limits (public survey links) would answer 429 before the lookup
        response = client.get(path)
        assert response.status_code < 500, f"{path} → {response.status_code}"
        assert_no_b_data(response, path)
        if spec.params:
            assert response.status_code in (403, 404, 405), f"{path} → {response.status_code}"


def test_no_search_or_filter_finds_store_b_data(client, store_a_user, world):
    client.force_login(store_a_user)
    list_urls = [spec.path() for spec in all_urls() if not spec.params and spec.name != "logout"]
    for path in list_urls:
        for query in B_QUERIES:
            for params in ({"q": query}, {"search": query}, {"store": world["store_b"].pk}):
                # The user's own earlier exports are audited with the text they typed; that
                # echo is theirs, not store B's.
                AuditEvent.objects.filter(actor=store_a_user).delete()
                response = client.get(path, {**params, "format": "json"} if "api/" in path
                                      else params)  # fmt: skip
                assert response.status_code < 500, f"{path} {params} → {response.status_code}"
                assert_no_b_data(response, f"{path} {params}", typed=str(params.get("q") or
                                 params.get("search") or ""))  # fmt: skip


def test_no_url_lets_a_store_a_user_change_store_b_data(client, store_a_user, world):
    client.force_login(store_a_user)
    b_customer = world["b_customer"]
    before = (AuditEvent.objects.filter(store=world["store_b"]).count(),
              b_customer.updated_at)  # fmt: skip
    payload = {"reason": "试探", "name": "篡改", "source_id": B_IDS["company"],
               "new_owner": B_IDS["customer"], "role": "cs_manager"}  # fmt: skip
    for spec, path in url_variants():
        if not spec.params:
            continue
        cache.clear()  # rate limits (e.g. on reveals) would answer 429 before the scope check
        for method in (client.post, client.patch, client.put, client.delete):
            response = method(path, payload, content_type="application/json")
            assert response.status_code in (403, 404, 405), f"{method.__name__} {path}"
            assert_no_b_data(response, path)
        response = client.post(path, payload)  # form-encoded, as the UI posts
        assert response.status_code in (403, 404, 405), f"POST form {path}"
    b_customer.refresh_from_db()
    after = (AuditEvent.objects.filter(store=world["store_b"]).count(), b_customer.updated_at)
    assert after == before
    assert b_customer.name == B_NAME
