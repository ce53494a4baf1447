"""Customer pages: list, search, 360, reveal, consent, create/edit, merge.

Every page is checked for login, store isolation, role permissions and mobile masking.
"""

import random
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.customers import services
from dealercare.customers.models import (
    CompanyContact,
    ConsentRecord,
    Customer,
    Tag,
    Vehicle,
    VehicleOwnership,
)
from dealercare.demo import generators as gen
from dealercare.operations.models import ServiceVisit
from dealercare.testing.factories import (
    CompanyCustomerFactory,
    CustomerFactory,
    DeliveryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

rng = random.Random(4242)
HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response):
    return response.content.decode()


def row_ids(response, attr="data-customer-id"):
    return [int(i) for i in re.findall(rf'{attr}="(\d+)"', html(response))]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def technician_a(store_a, make_user):
    return make_user(store_a, "technician")


@pytest.fixture
def zhang(store_a):
    """张三 of store A with a vehicle, a delivery and a service visit."""
    customer = CustomerFactory(store=store_a, name="张三", mobile="13812345678", gender="male")
    vehicle = VehicleFactory(owner=customer, plate="粤A12345", brand="一汽-大众", model_name="迈腾")
    DeliveryFactory(vehicle=vehicle, order_no="SO-ZHANG-1")
    ServiceVisitFactory(vehicle=vehicle, repair_order_no="RO-ZHANG-1")
    return customer


@pytest.fixture
def wang_b(store_b):
    """王五 of store B: must never show to store A's users."""
    customer = CustomerFactory(store=store_b, name="王五", mobile="13987654321")
    VehicleFactory(owner=customer, plate="粤B54321")
    return customer


# --- login and roles --------------------------------------------------------------------------

CUSTOMER_URLS = [
    ("customers:list", False),
    ("customers:search", False),
    ("customers:export", False),
    ("customers:create", False),
    ("customers:detail", True),
    ("customers:edit", True),
    ("customers:merge", True),
    ("customers:reveal-phone", True),
    ("customers:vehicle-create", True),
]


@pytest.mark.parametrize(("name", "with_pk"), CUSTOMER_URLS)
def test_logged_out_visitors_are_sent_to_the_login_page(client, zhang, name, with_pk):
    url = reverse(name, args=[zhang.pk] if with_pk else [])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_logged_out_consent_post_is_sent_to_login_and_writes_nothing(client, zhang):
    response = client.post(reverse("customers:consent", args=[zhang.pk]), {"channel": "sms"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not ConsentRecord.objects.filter(customer=zhang).exists()


@pytest.mark.parametrize("name", ["customers:list", "customers:search", "customers:create"])
def test_a_technician_without_customer_access_is_refused(logged_in, technician_a, name):
    assert logged_in(technician_a).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["customers:detail", "customers:edit", "customers:merge", "customers:reveal-phone"]
)
def test_a_technician_cannot_open_any_customer(logged_in, technician_a, zhang, name):
    assert logged_in(technician_a).get(reverse(name, args=[zhang.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("followup_agent", 200),
        ("promotion_agent", 200),
        ("cs_supervisor", 200),
        ("cs_manager", 200),
        ("general_manager", 200),
        ("service_advisor", 200),
        ("sales_consultant", 200),
        ("technician", 403),
    ],
)
def test_the_customer_list_is_open_to_roles_that_view_customers(
    logged_in, store_a, make_user, role, status
):
    response = logged_in(make_user(store_a, role)).get(reverse("customers:list"))
    assert response.status_code == status


# --- list -------------------------------------------------------------------------------------


def test_the_list_shows_only_my_stores_customers_with_masked_mobiles(
    logged_in, agent_a, zhang, wang_b
):
    response = logged_in(agent_a).get(reverse("customers:list"))
    page = html(response)
    assert response.status_code == 200
    assert row_ids(response) == [zhang.pk]
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "王五" not in page and "13987654321" not in page
    assert "粤A12345" in page
    assert zhang.number in page


def test_a_group_admin_sees_every_store_with_a_store_column(logged_in, admin_user, zhang, wang_b):
    response = logged_in(admin_user).get(reverse("customers:list"))
    assert sorted(row_ids(response)) == sorted([zhang.pk, wang_b.pk])
    assert zhang.store.name in html(response) and wang_b.store.name in html(response)
    only_b = logged_in(admin_user).get(reverse("customers:list"), {"store": wang_b.store_id})
    assert row_ids(only_b) == [wang_b.pk]


def test_filtering_by_another_stores_id_shows_no_rows(logged_in, agent_a, zhang, wang_b):
    response = logged_in(agent_a).get(reverse("customers:list"), {"store": wang_b.store_id})
    assert response.status_code == 200
    assert row_ids(response) == []
    assert "王五" not in html(response)


def test_the_list_filters_by_kind_type_tier_lifecycle_and_tag(logged_in, agent_a, store_a):
    vip = CustomerFactory(store=store_a, customer_type="vip", value_tier="A")
    lost = CustomerFactory(store=store_a, lifecycle_state="lost")
    company = CompanyCustomerFactory(store=store_a)
    tagged = CustomerFactory(store=store_a)
    tagged.tags.add(Tag.objects.create(store=store_a, name="车友会"))
    client = logged_in(agent_a)
    url = reverse("customers:list")
    assert row_ids(client.get(url, {"customer_type": "vip"})) == [vip.pk]
    assert row_ids(client.get(url, {"value_tier": "A"})) == [vip.pk]
    assert row_ids(client.get(url, {"lifecycle_state": "lost"})) == [lost.pk]
    assert row_ids(client.get(url, {"kind": "company"})) == [company.pk]
    assert row_ids(client.get(url, {"tag": "车友会"})) == [tagged.pk]
    assert len(row_ids(client.get(url))) == 4


def test_another_stores_tag_is_not_offered_as_a_filter(logged_in, agent_a, store_a, store_b):
    Tag.objects.create(store=store_a, name="老客户推荐")
    Tag.objects.create(store=store_b, name="深圳车友会")
    page = html(logged_in(agent_a).get(reverse("customers:list")))
    assert "老客户推荐" in page
    assert "深圳车友会" not in page


def test_searching_ranks_the_exact_match_first_and_hides_other_stores(
    logged_in, agent_a, store_a, store_b
):
    prefix = CustomerFactory(store=store_a, name="张三丰")
    exact = CustomerFactory(store=store_a, name="张三")
    CustomerFactory(store=store_a, name="李四")
    CustomerFactory(store=store_b, name="张三")
    response = logged_in(agent_a).get(reverse("customers:list"), {"q": "张三"})
    assert row_ids(response) == [exact.pk, prefix.pk]


def test_searching_by_pinyin_initials_and_mobile_tail(logged_in, agent_a, zhang, store_a):
    CustomerFactory(store=store_a, name="李四", mobile="13911112222")
    client = logged_in(agent_a)
    assert row_ids(client.get(reverse("customers:list"), {"q": "zs"})) == [zhang.pk]
    assert row_ids(client.get(reverse("customers:list"), {"q": "5678"})) == [zhang.pk]
    assert row_ids(client.get(reverse("customers:list"), {"q": "A12345"})) == [zhang.pk]


def test_a_search_that_finds_nothing_says_so(logged_in, agent_a, zhang):
    response = logged_in(agent_a).get(reverse("customers:list"), {"q": "欧阳"})
    assert row_ids(response) == []
    assert "No customer matches this search in your stores." in html(response)


def test_an_htmx_request_gets_only_the_results_table(logged_in, agent_a, zhang):
    response = logged_in(agent_a).get(reverse("customers:list"), {"q": "zs"}, **HTMX)
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'data-testid="customer-table"' in page
    assert row_ids(response) == [zhang.pk]


def test_the_list_shows_50_customers_per_page(logged_in, agent_a, store_a):
    CustomerFactory.create_batch(55, store=store_a)
    client = logged_in(agent_a)
    first = client.get(reverse("customers:list"))
    second = client.get(reverse("customers:list"), {"page": 2})
    assert len(row_ids(first)) == 50
    assert len(row_ids(second)) == 5
    assert not set(row_ids(first)) & set(row_ids(second))
    assert "1 / 2" in html(first)


def _list_queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:list"), params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(row_ids(response))


def _customers_with_vehicles_and_tags(store, count):
    tag = Tag.objects.get_or_create(store=store, name="车友会")[0]
    for customer in CustomerFactory.create_batch(count, store=store):
        VehicleFactory(owner=customer)
        VehicleFactory(owner=customer)
        customer.tags.add(tag)


def test_the_list_query_count_does_not_grow_with_rows(logged_in, agent_a, store_a):
    client = logged_in(agent_a)
    _customers_with_vehicles_and_tags(store_a, 3)
    few_queries, few_rows = _list_queries(client)
    _customers_with_vehicles_and_tags(store_a, 47)
    many_queries, many_rows = _list_queries(client)
    assert (few_rows, many_rows) == (3, 50)
    assert many_queries == few_queries


def test_the_list_stays_within_a_fixed_number_of_queries(
    logged_in, agent_a, store_a, django_assert_max_num_queries
):
    _customers_with_vehicles_and_tags(store_a, 50)
    client = logged_in(agent_a)
    client.get(reverse("customers:list"))  # warm the session
    with django_assert_max_num_queries(12):
        client.get(reverse("customers:list"), {"tag": "车友会", "customer_type": "general"})


def test_a_search_query_count_does_not_grow_with_rows(logged_in, agent_a, store_a):
    client = logged_in(agent_a)
    CustomerFactory.create_batch(3, store=store_a, name="张伟")
    few_queries, few_rows = _list_queries(client, {"q": "zw"})
    CustomerFactory.create_batch(30, store=store_a, name="张伟")
    many_queries, many_rows = _list_queries(client, {"q": "zw"})
    assert (few_rows, many_rows) == (3, 33)
    assert many_queries == few_queries


def test_the_export_button_shows_only_to_users_who_may_export(logged_in, agent_a, manager_a):
    assert 'data-testid="export-link"' not in html(
        logged_in(agent_a).get(reverse("customers:list"))
    )
    page = html(logged_in(manager_a).get(reverse("customers:list"), {"q": "zs"}))
    assert 'data-testid="export-link"' in page
    assert f"{reverse('customers:export')}?q=zs" in page


# --- quick search and duplicate hints ---------------------------------------------------------


def test_quick_search_returns_matches_of_my_stores_with_masked_mobiles(
    logged_in, agent_a, zhang, wang_b
):
    client = logged_in(agent_a)
    response = client.get(reverse("customers:search"), {"q": "zs"}, **HTMX)
    page = html(response)
    assert row_ids(response) == [zhang.pk]
    assert reverse("customers:detail", args=[zhang.pk]) in page
    assert "138****5678" in page and "13812345678" not in page
    by_b_mobile = client.get(reverse("customers:search"), {"q": "13987654321"})
    assert row_ids(by_b_mobile) == []
    assert "王五" not in html(by_b_mobile)


def test_the_mobile_hint_links_to_the_existing_customer_of_the_store(
    logged_in, agent_a, zhang, store_a
):
    response = logged_in(agent_a).get(
        reverse("customers:search"),
        {"check": "mobile", "mobile": "138 1234 5678", "store": store_a.pk},
        **HTMX,
    )
    page = html(response)
    assert 'data-testid="duplicate-hint"' in page
    assert f'href="{reverse("customers:detail", args=[zhang.pk])}"' in page
    assert zhang.number in page
    assert "13812345678" not in page


def test_the_mobile_hint_is_silent_for_new_numbers_own_record_and_other_stores(
    logged_in, agent_a, zhang, wang_b, store_a, store_b
):
    client = logged_in(agent_a)
    url = reverse("customers:search")
    new = client.get(url, {"check": "mobile", "mobile": "13700001111", "store": store_a.pk})
    itself = client.get(
        url, {"check": "mobile", "mobile": zhang.mobile, "store": store_a.pk, "exclude": zhang.pk}
    )
    other_store = client.get(url, {"check": "mobile", "mobile": wang_b.mobile})
    other_store_id = client.get(
        url, {"check": "mobile", "mobile": wang_b.mobile, "store": store_b.pk}
    )
    for response in (new, itself, other_store, other_store_id):
        assert response.status_code == 200
        assert "duplicate-hint" not in html(response)


def test_the_vin_hint_links_to_the_owner_of_the_vehicle(logged_in, agent_a, zhang, store_a):
    vin = zhang.vehicles.get().vin
    response = logged_in(agent_a).get(
        reverse("customers:search"),
        {"check": "vin", "vehicle-vin": vin.lower(), "store": store_a.pk},
    )
    page = html(response)
    assert "This VIN is already registered:" in page
    assert f'href="{reverse("customers:detail", args=[zhang.pk])}"' in page


# --- customer 360 -----------------------------------------------------------------------------


def test_the_360_page_shows_profile_vehicles_timeline_and_masked_mobile(logged_in, agent_a, zhang):
    ConsentRecord.objects.create(
        customer=zhang, channel="marketing", granted=False, method="verbal_call", note="不要推销"
    )
    response = logged_in(agent_a).get(reverse("customers:detail", args=[zhang.pk]))
    page = html(response)
    assert response.status_code == 200
    assert "张三" in page and zhang.number in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert reverse("customers:vehicle-detail", args=[zhang.vehicles.get().pk]) in page
    assert "粤A12345" in page
    assert "SO-ZHANG-1" in page and "RO-ZHANG-1" in page  # deliveries and visits on the timeline
    assert "不要推销" in page  # consent history


def test_company_contacts_show_with_masked_mobiles(logged_in, agent_a, store_a):
    company = CompanyCustomerFactory(store=store_a)
    CompanyContact.objects.create(
        customer=company, name="赵经理", position="车队主管", mobile="13566667777"
    )
    page = html(logged_in(agent_a).get(reverse("customers:detail", args=[company.pk])))
    assert "赵经理" in page and "车队主管" in page
    assert "135****7777" in page
    assert "13566667777" not in page


def test_another_stores_customer_is_not_found(logged_in, agent_a, wang_b):
    response = logged_in(agent_a).get(reverse("customers:detail", args=[wang_b.pk]))
    assert response.status_code == 404
    assert "王五" not in html(response)


def test_the_reveal_button_shows_only_to_roles_that_may_reveal(
    logged_in, agent_a, advisor_a, zhang
):
    url = reverse("customers:detail", args=[zhang.pk])
    assert 'data-testid="reveal-button"' in html(logged_in(agent_a).get(url))
    advisor_page = html(logged_in(advisor_a).get(url))
    assert 'data-testid="reveal-button"' not in advisor_page
    assert "138****5678" in advisor_page


def test_a_merged_customer_redirects_to_the_kept_one(logged_in, manager_a, zhang, store_a):
    duplicate = CustomerFactory(store=store_a, name="张三", mobile="")
    services.customer_merge(actor=manager_a, source=duplicate, target=zhang, reason="重复建档")
    client = logged_in(manager_a)
    response = client.get(reverse("customers:detail", args=[duplicate.pk]))
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[zhang.pk])
    assert messages_of(response) == [
        f"{duplicate} was merged into {zhang}; this is the customer that was kept."
    ]
    kept_page = html(client.get(response.url))
    assert 'data-testid="merged-from"' in kept_page
    assert duplicate.number in kept_page


# --- reveal -----------------------------------------------------------------------------------


def test_the_reveal_modal_asks_for_a_reason_and_shows_no_number(logged_in, agent_a, zhang):
    response = logged_in(agent_a).get(reverse("customers:reveal-phone", args=[zhang.pk]), **HTMX)
    page = html(response)
    assert response.status_code == 200
    assert 'class="modal' in page and 'name="reason"' in page
    assert "13812345678" not in page
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


@pytest.mark.parametrize("reason", ["", " ", "x"])
def test_revealing_without_a_reason_is_refused_and_not_audited(logged_in, agent_a, zhang, reason):
    response = logged_in(agent_a).post(
        reverse("customers:reveal-phone", args=[zhang.pk]), {"reason": reason}, **HTMX
    )
    page = html(response)
    assert response.status_code == 200
    assert "Give a reason (at least 2 characters)." in page
    assert "13812345678" not in page
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


def test_revealing_with_a_reason_shows_the_number_and_audits_who_why_and_from_where(
    logged_in, agent_a, zhang
):
    response = logged_in(agent_a).post(
        reverse("customers:reveal-phone", args=[zhang.pk]),
        {"reason": "客户要求回电"},
        REMOTE_ADDR="10.1.2.3",
        **HTMX,
    )
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="revealed-mobile">13812345678<' in page
    assert f'id="mobile-{zhang.pk}" hx-swap-oob="true"' in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditAction.REVEAL_PHONE)
    assert (event.actor, event.store, event.target_id, event.reason, event.ip_address) == (
        agent_a,
        zhang.store,
        str(zhang.pk),
        "客户要求回电",
        "10.1.2.3",
    )


def test_revealing_without_htmx_shows_a_full_page(logged_in, agent_a, zhang):
    response = logged_in(agent_a).post(
        reverse("customers:reveal-phone", args=[zhang.pk]), {"reason": "回电"}
    )
    assert "<html" in html(response)
    assert "13812345678" in html(response)
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_roles_without_the_reveal_permission_get_403_and_no_number(
    logged_in, advisor_a, zhang, method
):
    client = logged_in(advisor_a)
    response = getattr(client, method)(
        reverse("customers:reveal-phone", args=[zhang.pk]), {"reason": "回电"}
    )
    assert response.status_code == 403
    assert "13812345678" not in html(response)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


def test_another_stores_number_cannot_be_revealed(logged_in, agent_a, wang_b):
    response = logged_in(agent_a).post(
        reverse("customers:reveal-phone", args=[wang_b.pk]), {"reason": "回电"}
    )
    assert response.status_code == 404
    assert "13987654321" not in html(response)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


# --- consent ----------------------------------------------------------------------------------


def test_recording_consent_applies_it_with_how_and_audits_it(logged_in, agent_a, zhang):
    response = logged_in(agent_a).post(
        reverse("customers:consent", args=[zhang.pk]),
        {"channel": "phone", "granted": "no", "method": "verbal_call", "note": "只接受短信"},
    )
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[zhang.pk])
    zhang.refresh_from_db()
    assert zhang.allow_phone is False
    record = ConsentRecord.objects.get(customer=zhang)
    assert (record.channel, record.granted, record.method, record.note, record.recorded_by) == (
        "phone",
        False,
        "verbal_call",
        "只接受短信",
        agent_a,
    )
    event = AuditEvent.objects.get(action=AuditAction.CONSENT)
    assert event.changes == {"allow_phone": [True, False]}
    assert messages_of(response) == ["Consent recorded."]


def test_recording_consent_over_htmx_returns_the_updated_card(logged_in, agent_a, zhang):
    response = logged_in(agent_a).post(
        reverse("customers:consent", args=[zhang.pk]),
        {"channel": "marketing", "granted": "yes", "method": "paper_form", "note": "签字"},
        **HTMX,
    )
    page = html(response)
    assert response.status_code == 200
    assert 'id="consent-card"' in page and "<html" not in page
    assert "Consent recorded." in page and "签字" in page
    zhang.refresh_from_db()
    assert zhang.allow_marketing is True


def test_an_unknown_consent_method_is_refused_and_nothing_is_written(logged_in, agent_a, zhang):
    response = logged_in(agent_a).post(
        reverse("customers:consent", args=[zhang.pk]),
        {"channel": "phone", "granted": "no", "method": "telepathy"},
        **HTMX,
    )
    assert response.status_code == 200
    assert 'data-field-error="method"' in html(response)
    assert not ConsentRecord.objects.filter(customer=zhang).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CONSENT).exists()


def test_consent_of_another_stores_customer_is_not_found(logged_in, agent_a, wang_b):
    response = logged_in(agent_a).post(
        reverse("customers:consent", args=[wang_b.pk]),
        {"channel": "phone", "granted": "no", "method": "verbal_call"},
    )
    assert response.status_code == 404
    wang_b.refresh_from_db()
    assert wang_b.allow_phone is True


def test_consent_needs_a_post(logged_in, agent_a, zhang):
    response = logged_in(agent_a).get(reverse("customers:consent", args=[zhang.pk]))
    assert response.status_code == 405


# --- create -----------------------------------------------------------------------------------


def _management(prefix="contacts", total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def person_post(store, **overrides):
    data = {
        "store": store.pk,
        "kind": "person",
        "name": "刘备",
        "gender": "male",
        "mobile": "139 0000 1111",
        "source": "walk_in",
        "customer_type": "general",
        "allow_phone": "on",
        "allow_sms": "on",
        "tags_text": "车友会，老客户推荐, 车友会",
        **_management(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_create_form_offers_only_stores_where_i_may_edit(logged_in, agent_a, store_a, store_b):
    page = html(logged_in(agent_a).get(reverse("customers:create")))
    assert f'value="{store_a.pk}"' in page
    assert store_b.name not in page


def test_creating_a_person_numbers_it_and_sets_tags_and_consent(logged_in, agent_a, store_a):
    response = logged_in(agent_a).post(reverse("customers:create"), person_post(store_a))
    customer = Customer.objects.get(name="刘备")
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer.pk])
    assert customer.number == "GZ01-000001"
    assert customer.mobile == "13900001111"
    assert customer.created_by == agent_a
    assert sorted(t.name for t in customer.tags.all()) == ["老客户推荐", "车友会"]
    assert (customer.allow_phone, customer.allow_sms, customer.allow_marketing) == (
        True,
        True,
        False,
    )
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_id=str(customer.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "12345", "Enter a valid mainland China mobile number"),
        ("name", "", "This field is required."),
        ("quiet_hours_start", "22:00", "Give both ends of the quiet hours, or neither."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_bad_input_gives_a_message_on_its_field_and_creates_nothing(
    logged_in, agent_a, store_a, field, value, message
):
    response = logged_in(agent_a).post(
        reverse("customers:create"), person_post(store_a, **{field: value})
    )
    page = html(response)
    assert response.status_code == 200
    error_field = "quiet_hours_end" if field == "quiet_hours_start" else field
    assert re.search(rf'data-field-error="{error_field}">[^<]*{re.escape(message)}', page)
    assert not Customer.objects.exists()


def test_a_company_needs_its_credit_code(logged_in, agent_a, store_a):
    response = logged_in(agent_a).post(
        reverse("customers:create"),
        person_post(store_a, kind="company", name="广州某某物流有限公司", gender="unknown"),
    )
    assert 'data-field-error="uscc"' in html(response)
    assert "A company customer needs its unified social credit code." in html(response)
    assert not Customer.objects.exists()


def test_a_bad_credit_code_is_explained(logged_in, agent_a, store_a):
    response = logged_in(agent_a).post(
        reverse("customers:create"),
        person_post(store_a, kind="company", uscc="91440101MA5ABCDE1X"),
    )
    assert 'data-field-error="uscc"' in html(response)
    assert not Customer.objects.exists()


def test_a_company_is_created_with_its_key_contacts(logged_in, agent_a, store_a):
    uscc = gen.uscc(rng, "440100")
    data = person_post(
        store_a, kind="company", name="广州顺达物流有限公司", gender="unknown", uscc=uscc,
        customer_type="enterprise", **_management(total=2),
    )  # fmt: skip
    data.update(
        {
            "contacts-0-name": "赵经理",
            "contacts-0-position": "车队主管",
            "contacts-0-mobile": "13566667777",
            "contacts-0-is_key": "on",
            "contacts-1-is_key": "on",  # an untouched empty row
        }
    )
    response = logged_in(agent_a).post(reverse("customers:create"), data)
    assert response.status_code == 302
    company = Customer.objects.get(kind="company")
    assert company.uscc == uscc
    contact = company.contacts.get()
    assert (contact.name, contact.position, contact.mobile, contact.is_key) == (
        "赵经理",
        "车队主管",
        "13566667777",
        True,
    )


def test_a_bad_contact_mobile_is_shown_on_the_contact_row(logged_in, agent_a, store_a):
    data = person_post(
        store_a, kind="company", gender="unknown", uscc=gen.uscc(rng, "440100"),
        **_management(total=1),
    )  # fmt: skip
    data.update(
        {"contacts-0-name": "赵经理", "contacts-0-mobile": "123", "contacts-0-is_key": "on"}
    )
    response = logged_in(agent_a).post(reverse("customers:create"), data)
    assert 'data-field-error="contacts-0-mobile"' in html(response)
    assert not Customer.objects.exists()


def test_a_person_ignores_the_contact_rows(logged_in, agent_a, store_a):
    data = person_post(store_a, **_management(total=1))
    data.update({"contacts-0-name": "", "contacts-0-mobile": "bad"})
    response = logged_in(agent_a).post(reverse("customers:create"), data)
    assert response.status_code == 302
    assert not CompanyContact.objects.exists()


def test_creating_in_another_store_is_refused(logged_in, agent_a, store_b):
    response = logged_in(agent_a).post(reverse("customers:create"), person_post(store_b))
    assert response.status_code == 200
    assert 'data-field-error="store"' in html(response)
    assert not Customer.objects.exists()


def test_a_duplicate_mobile_is_refused_with_a_link_to_the_existing_customer(
    logged_in, agent_a, zhang, store_a
):
    response = logged_in(agent_a).post(
        reverse("customers:create"), person_post(store_a, mobile="+86 138-1234-5678")
    )
    page = html(response)
    assert response.status_code == 200
    assert "A customer with this mobile number already exists in this store" in page
    assert 'data-field-error="mobile"' in page
    link = re.search(r'data-testid="duplicate-link"><a href="([^"]+)"', page)
    assert link and link.group(1) == reverse("customers:detail", args=[zhang.pk])
    assert "Open existing customer" in page
    assert Customer.objects.count() == 1


def test_the_same_mobile_in_another_store_is_no_duplicate(logged_in, manager_b, zhang, store_b):
    response = logged_in(manager_b).post(
        reverse("customers:create"), person_post(store_b, mobile=zhang.mobile)
    )
    assert response.status_code == 302
    assert Customer.objects.filter(store=store_b, mobile=zhang.mobile).count() == 1


def _vehicle_post(**fields):
    return {f"vehicle-{k}": v for k, v in fields.items()}


def test_creating_with_a_first_vehicle_registers_it_and_its_owner(logged_in, agent_a, store_a):
    vin = gen.vin(rng)
    data = person_post(store_a)
    data.update(
        _vehicle_post(
            vin=vin.lower(),
            plate="粤a 88888",
            brand="广汽丰田",
            model_name="凯美瑞",
            colour="黑色",
            delivery_date="2026-01-15",
        )  # fmt: skip
    )
    response = logged_in(agent_a).post(reverse("customers:create"), data)
    assert response.status_code == 302
    customer = Customer.objects.get(name="刘备")
    vehicle = Vehicle.objects.get(owner=customer)
    assert (vehicle.vin, vehicle.plate, vehicle.store) == (vin, "粤A88888", store_a)
    ownership = VehicleOwnership.objects.get(vehicle=vehicle)
    assert (ownership.customer, str(ownership.started_on)) == (customer, "2026-01-15")


def test_a_bad_vin_keeps_the_whole_customer_unsaved(logged_in, agent_a, store_a):
    vin = gen.vin(rng)
    wrong_check = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    data = person_post(store_a)
    data.update(_vehicle_post(vin=wrong_check, plate="粤A88888"))
    response = logged_in(agent_a).post(reverse("customers:create"), data)
    page = html(response)
    assert 'data-field-error="vehicle-vin"' in page
    assert "The VIN check digit (9th character) does not match" in page
    assert not Customer.objects.exists() and not Vehicle.objects.exists()


def test_a_known_vin_is_refused_with_a_link_and_nothing_is_created(
    logged_in, agent_a, zhang, store_a
):
    data = person_post(store_a)
    data.update(_vehicle_post(vin=zhang.vehicles.get().vin, plate="粤A99999"))
    response = logged_in(agent_a).post(reverse("customers:create"), data)
    page = html(response)
    assert "A vehicle with this VIN already exists in this store" in page
    assert 'data-field-error="vehicle-vin"' in page
    link = re.search(r'data-testid="duplicate-link"><a href="([^"]+)"', page)
    assert link and link.group(1) == reverse("customers:detail", args=[zhang.pk])
    assert list(Customer.objects.all()) == [zhang]  # the new customer was rolled back
    assert Customer.objects.get().number == zhang.number


def test_the_create_form_asks_for_duplicates_as_you_type(logged_in, agent_a):
    page = html(logged_in(agent_a).get(reverse("customers:create")))
    assert f'hx-get="{reverse("customers:search")}?check=mobile"' in page
    assert f'hx-get="{reverse("customers:search")}?check=vin"' in page
    assert 'id="hint-mobile"' in page and 'id="hint-vin"' in page


# --- edit -------------------------------------------------------------------------------------


def edit_post(customer, **overrides):
    data = {
        "kind": customer.kind,
        "name": customer.name,
        "gender": customer.gender,
        "mobile": "",
        "source": customer.source,
        "customer_type": customer.customer_type,
        "uscc": customer.uscc,
        "city": customer.city,
        "allow_phone": "on" if customer.allow_phone else None,
        "allow_sms": "on" if customer.allow_sms else None,
        "tags_text": "",
        **_management(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_edit_form_never_carries_the_full_mobile(logged_in, agent_a, zhang):
    page = html(logged_in(agent_a).get(reverse("customers:edit", args=[zhang.pk])))
    assert "13812345678" not in page
    assert 'placeholder="138****5678"' in page


def test_editing_without_typing_a_mobile_keeps_it_and_audits_changes(logged_in, agent_a, zhang):
    response = logged_in(agent_a).post(
        reverse("customers:edit", args=[zhang.pk]),
        edit_post(zhang, city="深圳", customer_type="vip", tags_text="车友会"),
    )
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[zhang.pk])
    zhang.refresh_from_db()
    assert (zhang.mobile, zhang.city, zhang.customer_type) == ("13812345678", "深圳", "vip")
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(zhang.pk))
    assert event.changes == {
        "city": ["广州", "深圳"],
        "customer_type": ["general", "vip"],
        "tags": ["", "车友会"],
    }
    assert "mobile" not in event.changes


def test_editing_can_replace_or_remove_the_mobile(logged_in, agent_a, zhang):
    client = logged_in(agent_a)
    client.post(reverse("customers:edit", args=[zhang.pk]), edit_post(zhang, mobile="13700002222"))
    zhang.refresh_from_db()
    assert zhang.mobile == "13700002222"
    client.post(reverse("customers:edit", args=[zhang.pk]), edit_post(zhang, clear_mobile="on"))
    zhang.refresh_from_db()
    assert zhang.mobile == ""


def test_editing_to_a_mobile_already_used_links_to_that_customer(
    logged_in, agent_a, zhang, store_a
):
    other = CustomerFactory(store=store_a, name="李四", mobile="13911112222")
    response = logged_in(agent_a).post(
        reverse("customers:edit", args=[zhang.pk]), edit_post(zhang, mobile=other.mobile)
    )
    page = html(response)
    assert response.status_code == 200
    assert f'href="{reverse("customers:detail", args=[other.pk])}"' in page
    assert "13911112222" not in page.replace('value="13911112222"', "")  # only the typed input
    zhang.refresh_from_db()
    assert zhang.mobile == "13812345678"


def test_editing_company_contacts_keeps_masked_mobiles_and_deletes(logged_in, agent_a, store_a):
    company = CompanyCustomerFactory(store=store_a)
    keep = CompanyContact.objects.create(customer=company, name="赵经理", mobile="13566667777")
    drop = CompanyContact.objects.create(customer=company, name="钱会计", mobile="13588889999")
    client = logged_in(agent_a)
    form_page = html(client.get(reverse("customers:edit", args=[company.pk])))
    assert "13566667777" not in form_page and "135****7777" in form_page
    data = edit_post(company, **_management(total=2, initial=2))
    data.update(
        {
            "contacts-0-id": keep.pk, "contacts-0-customer": company.pk,
            "contacts-0-name": "赵总", "contacts-0-position": "总经理", "contacts-0-mobile": "",
            "contacts-0-is_key": "on",
            "contacts-1-id": drop.pk, "contacts-1-customer": company.pk,
            "contacts-1-name": "钱会计", "contacts-1-mobile": "", "contacts-1-DELETE": "on",
        }
    )  # fmt: skip
    response = client.post(reverse("customers:edit", args=[company.pk]), data)
    assert response.status_code == 302
    contact = company.contacts.get()
    assert (contact.pk, contact.name, contact.position, contact.mobile) == (
        keep.pk,
        "赵总",
        "总经理",
        "13566667777",
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(company.pk))
    assert event.changes == {
        "contacts": ["赵经理 13566667777; 钱会计 13588889999", "赵总 总经理 13566667777"]
    }


def test_another_stores_customer_cannot_be_edited(logged_in, agent_a, wang_b):
    client = logged_in(agent_a)
    assert client.get(reverse("customers:edit", args=[wang_b.pk])).status_code == 404
    response = client.post(reverse("customers:edit", args=[wang_b.pk]), edit_post(wang_b, city="X"))
    assert response.status_code == 404
    wang_b.refresh_from_db()
    assert wang_b.city == "广州"


def test_editing_a_merged_customer_leads_to_the_kept_one(logged_in, manager_a, zhang, store_a):
    duplicate = CustomerFactory(store=store_a, mobile="")
    services.customer_merge(actor=manager_a, source=duplicate, target=zhang, reason="重复")
    response = logged_in(manager_a).get(reverse("customers:edit", args=[duplicate.pk]))
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[zhang.pk])


# --- merge ------------------------------------------------------------------------------------


@pytest.fixture
def duplicate_zhang(store_a):
    """The same 张三 registered a second time, with another vehicle and a visit."""
    customer = CustomerFactory(store=store_a, name="张三", mobile="13655556666", city="")
    vehicle = VehicleFactory(owner=customer, plate="粤A67890")
    ServiceVisitFactory(vehicle=vehicle, repair_order_no="RO-DUP-1")
    return customer


@pytest.mark.parametrize("role", ["followup_agent", "service_advisor", "sales_consultant"])
def test_roles_without_the_merge_permission_get_403(
    logged_in, store_a, make_user, zhang, duplicate_zhang, role
):
    client = logged_in(make_user(store_a, role))
    url = reverse("customers:merge", args=[zhang.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"other": duplicate_zhang.pk, "keep": "this", "reason": "重复"})
    assert response.status_code == 403
    duplicate_zhang.refresh_from_db()
    assert duplicate_zhang.merged_into is None


def test_the_merge_preview_compares_both_customers(logged_in, manager_a, zhang, duplicate_zhang):
    response = logged_in(manager_a).get(
        reverse("customers:merge", args=[zhang.pk]), {"other": duplicate_zhang.pk}
    )
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="merge-form"' in page
    assert zhang.number in page and duplicate_zhang.number in page
    assert "138****5678" in page and "136****6666" in page
    assert "13812345678" not in page and "13655556666" not in page
    assert re.findall(r'data-testid="visit-count">(\d+)<', page) == ["1", "1"]
    assert re.findall(r'data-testid="vehicle-count">(\d+)<', page) == ["1", "1"]


def test_merging_needs_a_reason(logged_in, manager_a, zhang, duplicate_zhang):
    response = logged_in(manager_a).post(
        reverse("customers:merge", args=[zhang.pk]),
        {"other": duplicate_zhang.pk, "keep": "this", "reason": ""},
    )
    assert response.status_code == 200
    assert "Give a reason (at least 2 characters)." in html(response)
    duplicate_zhang.refresh_from_db()
    assert duplicate_zhang.merged_into is None
    assert not AuditEvent.objects.filter(action=AuditAction.MERGE).exists()


def test_merging_moves_vehicles_and_visits_and_audits_the_whole_record(
    logged_in, manager_a, zhang, duplicate_zhang
):
    response = logged_in(manager_a).post(
        reverse("customers:merge", args=[zhang.pk]),
        {"other": duplicate_zhang.pk, "keep": "this", "reason": "同一客户重复建档"},
    )
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[zhang.pk])
    assert messages_of(response) == [
        f"{duplicate_zhang} was merged into {zhang}; its whole history is kept there."
    ]
    duplicate_zhang.refresh_from_db()
    assert duplicate_zhang.merged_into == zhang
    assert Vehicle.objects.filter(owner=zhang).count() == 2
    assert sorted(
        ServiceVisit.objects.filter(customer=zhang).values_list("repair_order_no", flat=True)
    ) == [
        "RO-DUP-1",
        "RO-ZHANG-1",
    ]
    event = AuditEvent.objects.get(action=AuditAction.MERGE, target_id=str(zhang.pk))
    assert event.reason == "同一客户重复建档"
    assert event.actor == manager_a
    assert event.changes["source"] == {
        "id": duplicate_zhang.pk,
        "number": duplicate_zhang.number,
        "name": "张三",
        "mobile": "13655556666",
    }


def test_merging_can_keep_the_other_customer(logged_in, manager_a, zhang, duplicate_zhang):
    response = logged_in(manager_a).post(
        reverse("customers:merge", args=[zhang.pk]),
        {"other": duplicate_zhang.pk, "keep": "other", "reason": "新档案更完整"},
    )
    assert response.url == reverse("customers:detail", args=[duplicate_zhang.pk])
    zhang.refresh_from_db()
    assert zhang.merged_into == duplicate_zhang
    assert Vehicle.objects.filter(owner=duplicate_zhang).count() == 2


def test_a_customer_of_another_store_cannot_be_picked_for_a_merge(
    logged_in, manager_a, admin_user, zhang, wang_b
):
    url = reverse("customers:merge", args=[zhang.pk])
    assert logged_in(manager_a).get(url, {"other": wang_b.pk}).status_code == 404
    response = logged_in(admin_user).post(
        url, {"other": wang_b.pk, "keep": "this", "reason": "重复"}
    )
    assert response.status_code == 200
    assert "Only customers of the same store can be merged." in html(response)
    wang_b.refresh_from_db()
    assert wang_b.merged_into is None


def test_a_customer_cannot_be_merged_with_itself(logged_in, manager_a, zhang):
    response = logged_in(manager_a).get(
        reverse("customers:merge", args=[zhang.pk]), {"other": zhang.pk}
    )
    assert "A customer cannot be merged into itself." in html(response)
    assert 'data-testid="merge-form"' not in html(response)


def test_the_merge_picker_searches_only_the_same_store_and_not_the_customer_itself(
    logged_in, admin_user, zhang, duplicate_zhang, store_b
):
    CustomerFactory(store=store_b, name="张三")
    response = logged_in(admin_user).get(
        reverse("customers:search"), {"q": "张三", "pick": "merge", "for": zhang.pk}, **HTMX
    )
    assert row_ids(response) == [duplicate_zhang.pk]
    assert f"{reverse('customers:merge', args=[zhang.pk])}?other={duplicate_zhang.pk}" in html(
        response
    )


def test_the_merge_picker_is_refused_without_the_merge_permission(logged_in, agent_a, zhang):
    response = logged_in(agent_a).get(
        reverse("customers:search"), {"q": "张三", "pick": "merge", "for": zhang.pk}
    )
    assert response.status_code == 403


def test_the_reveal_form_also_works_as_a_full_page(logged_in, agent_a, zhang):
    response = logged_in(agent_a).get(reverse("customers:reveal-phone", args=[zhang.pk]))
    page = html(response)
    assert "<html" in page and 'name="reason"' in page
    assert "13812345678" not in page


def test_a_refused_consent_without_htmx_says_why_on_the_customer_page(logged_in, agent_a, zhang):
    response = logged_in(agent_a).post(
        reverse("customers:consent", args=[zhang.pk]),
        {"channel": "phone", "granted": "maybe", "method": "verbal_call"},
    )
    assert response.status_code == 302
    assert messages_of(response)[0].startswith("The consent was not recorded: ")
    assert not ConsentRecord.objects.filter(customer=zhang).exists()


def test_the_owner_picker_of_another_stores_vehicle_is_not_found(logged_in, agent_a, wang_b):
    response = logged_in(agent_a).get(
        reverse("customers:search"),
        {"q": "张三", "pick": "transfer", "vehicle": wang_b.vehicles.get().pk},
    )
    assert response.status_code == 404


def test_the_merge_picker_for_another_stores_customer_is_not_found(logged_in, manager_a, wang_b):
    response = logged_in(manager_a).get(
        reverse("customers:search"), {"q": "张三", "pick": "merge", "for": wang_b.pk}
    )
    assert response.status_code == 404
