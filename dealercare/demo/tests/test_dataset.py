"""A small demo build: counts per store, valid identifiers, a believable and derived history."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from dealercare.accounts.models import Store, StoreMembership, User
from dealercare.accounts.roles import Role
from dealercare.core.validators import normalize_mobile, plate_is_valid, uscc_error, vin_error
from dealercare.customers.choices import (
    ConsentChannel,
    CustomerKind,
    CustomerType,
    FuelType,
    LifecycleState,
)
from dealercare.customers.models import (
    CompanyContact,
    ConsentRecord,
    Customer,
    SearchTerm,
    Vehicle,
    VehicleOwnership,
)
from dealercare.customers.services import refresh_classification
from dealercare.demo.dataset import DEMO_PASSWORD, STAFF, STORES, build_demo, staff_usernames
from dealercare.operations.choices import VisitStatus, VisitType
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit

CUSTOMERS = 80
NOW = timezone.now()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One small build shared by this module's tests, rolled back when they are done."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_demo(customers=CUSTOMERS, seed=42, now=NOW)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def local_today():
    return timezone.localdate(NOW)


def test_customers_are_split_over_three_stores_in_different_cities(demo, db):
    counts = Counter(Customer.objects.values_list("store__code", flat=True))
    assert counts == {"GZ01": 32, "SZ01": 28, "CS01": 20}
    stores = {s.code: s for s in Store.objects.all()}
    assert {code: (s.city, s.group.name) for code, s in stores.items()} == {
        "GZ01": ("广州", "华南汽车集团"),
        "SZ01": ("深圳", "华南汽车集团"),
        "CS01": ("长沙", "华南汽车集团"),
    }
    assert all(s.hotline and s.region and s.brand for s in stores.values())
    assert demo.counts["customers"] == CUSTOMERS


def test_every_store_has_one_user_per_role_and_numbered_advisors_technicians_and_sales(demo, db):
    for store in Store.objects.all():
        roles = Counter(StoreMembership.objects.filter(store=store).values_list("role", flat=True))
        assert set(roles) == set(Role.values)
        assert roles[Role.SERVICE_ADVISOR] == roles[Role.TECHNICIAN] == 3
        assert roles[Role.SALES_CONSULTANT] == 3
    assert staff_usernames("GZ01", Role.SERVICE_ADVISOR) == [
        "gz01_advisor1", "gz01_advisor2", "gz01_advisor3",
    ]  # fmt: skip
    assert User.objects.filter(username="gz01_manager", memberships__role=Role.CS_MANAGER).exists()
    admin = User.objects.get(username="admin")
    assert admin.is_group_admin and admin.memberships.count() == 0
    names = list(User.objects.values_list("display_name", flat=True))
    assert len(names) == len(set(names)) == 1 + 3 * sum(count for _r, _s, count in STAFF)


def test_every_demo_account_uses_the_demo_password_with_one_shared_hash(demo, db):
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    assert User.objects.get(username="admin").check_password(DEMO_PASSWORD)
    assert User.objects.get(username="cs01_tech2").check_password(DEMO_PASSWORD)


def test_every_mobile_vin_plate_and_credit_code_is_valid(demo, db):
    mobiles = list(Customer.objects.values_list("mobile", flat=True))
    mobiles += list(CompanyContact.objects.values_list("mobile", flat=True))
    assert mobiles and all(normalize_mobile(m) == m for m in mobiles)
    assert len(set(Customer.objects.values_list("mobile", flat=True))) == CUSTOMERS
    vehicles = list(Vehicle.objects.values_list("vin", "plate", "fuel_type", "store__code"))
    assert vehicles and all(vin_error(vin) is None for vin, *_rest in vehicles)
    assert all(plate_is_valid(plate) for _vin, plate, *_rest in vehicles)
    # New-energy vehicles carry green plates: D for electric, F for plug-in hybrids.
    for _vin, plate, fuel, _code in vehicles:
        assert (len(plate) == 8) == (fuel in (FuelType.EV, FuelType.PHEV))
        if fuel == FuelType.EV:
            assert plate[2] == "D"
    prefixes = {spec.code: {spec.home.plate, *(a.plate for a in spec.nearby)} for spec in STORES}
    assert all(plate[:2] in prefixes[code] for _vin, plate, _fuel, code in vehicles)
    assert len({v[0] for v in vehicles}) == len({v[1] for v in vehicles}) == len(vehicles)
    companies = Customer.objects.filter(kind=CustomerKind.COMPANY)
    assert companies.exists()
    assert all(uscc_error(code) is None for code in companies.values_list("uscc", flat=True))
    assert not Customer.objects.filter(kind=CustomerKind.PERSON).exclude(uscc="").exists()


def test_sample_rows_pass_model_validation(demo, db):
    for model in (Store, User, Customer, CompanyContact, Vehicle, Delivery, ServiceVisit, Inquiry):
        sample = list(model.objects.order_by("pk")[:15])
        assert sample, model
        for row in sample:
            row.full_clean()
    for row in ConsentRecord.objects.order_by("pk")[:15]:
        row.full_clean(exclude=["recorded_by"])


def test_customers_look_like_a_dealers_customers(demo, db):
    persons = Customer.objects.filter(kind=CustomerKind.PERSON)
    assert all(c.gender in ("male", "female") and c.birth_date and c.city for c in persons)
    assert all(c.address and c.occupation and c.source for c in persons)
    for company in Customer.objects.filter(kind=CustomerKind.COMPANY):
        assert company.customer_type == CustomerType.ENTERPRISE
        assert company.name.endswith("公司")
        contacts = list(company.contacts.all())
        assert 1 <= len(contacts) <= 2 and all(c.is_key for c in contacts)
        assert company.mobile in {c.mobile for c in contacts}
    assert persons.filter(customer_type=CustomerType.VIP).exists()
    assert Customer.objects.filter(tags__isnull=False).exists()
    vehicles = Vehicle.objects.count()
    assert 1.0 * CUSTOMERS <= vehicles <= 1.4 * CUSTOMERS
    assert SearchTerm.objects.filter(customer__store__code="GZ01").count() > 10 * 32


def test_consent_flags_follow_the_latest_consent_record(demo, db):
    assert Customer.objects.filter(allow_phone=False).exists()
    assert Customer.objects.filter(allow_marketing=True).exists()
    latest = {}
    for customer_id, channel, granted in ConsentRecord.objects.order_by(
        "recorded_at", "pk"
    ).values_list("customer_id", "channel", "granted"):
        latest[customer_id, channel] = granted
    field = {
        ConsentChannel.PHONE: "allow_phone",
        ConsentChannel.SMS: "allow_sms",
        ConsentChannel.MARKETING: "allow_marketing",
    }
    for customer in Customer.objects.all():
        for channel, name in field.items():
            assert latest[customer.pk, channel] == getattr(customer, name)


def test_lifecycle_states_are_derived_from_the_history(demo, db, local_today):
    states = Counter(Customer.objects.values_list("lifecycle_state", flat=True))
    assert set(states) == set(LifecycleState.values)
    for customer in Customer.objects.all():
        has_history = customer.deliveries.exists() or customer.service_visits.exists()
        if customer.lifecycle_state == LifecycleState.PROSPECT:
            assert not has_history and not customer.vehicles.exists()
            assert customer.inquiries.exists()
        else:
            assert has_history
        if customer.lifecycle_state == LifecycleState.NEW_BUYER:
            assert (local_today - customer.last_delivery_on).days < 90
        if customer.lifecycle_state == LifecycleState.LOST:
            last = max(filter(None, (customer.last_delivery_on, customer.last_visit_on)))
            assert (local_today - last).days >= 365


def test_refreshing_the_classification_changes_nothing_after_the_build(demo, db, local_today):
    for store in Store.objects.all():
        assert refresh_classification(store=store, today=local_today) == 0


def test_deliveries_name_the_stores_sales_consultants(demo, db, local_today):
    deliveries = Delivery.objects.select_related("sales_consultant", "vehicle")
    assert deliveries.filter(delivered_at__gte=NOW - datetime.timedelta(days=365)).exists()
    assert deliveries.filter(delivered_at__lt=NOW - datetime.timedelta(days=365)).exists()
    for delivery in deliveries:
        assert delivery.order_no.startswith("XS") and delivery.price > 0
        assert delivery.delivered_at <= NOW
        assert timezone.localdate(delivery.delivered_at) == delivery.vehicle.delivery_date
        if delivery.sales_consultant:
            assert delivery.consultant_name == delivery.sales_consultant.display_name
            assert delivery.sales_consultant.memberships.get().role == Role.SALES_CONSULTANT
            assert delivery.sales_consultant.memberships.get().store_id == delivery.store_id
        else:  # sold years ago by a consultant who has left
            assert delivery.consultant_name
            assert (local_today - delivery.vehicle.delivery_date).days > 3 * 365


def test_service_visits_have_staff_working_hours_and_growing_mileage(demo, db):
    visits = ServiceVisit.objects.select_related("advisor", "technician", "store")
    assert {v.visit_type for v in visits} >= {
        VisitType.MAINTENANCE, VisitType.FIRST_MAINTENANCE, VisitType.REPAIR, VisitType.WARRANTY,
        VisitType.ACCIDENT,
    }  # fmt: skip
    by_vehicle = defaultdict(list)
    for visit in visits:
        assert visit.advisor_name == visit.advisor.display_name
        assert visit.technician_name == visit.technician.display_name
        assert visit.advisor.memberships.get(store=visit.store).role == Role.SERVICE_ADVISOR
        assert visit.technician.memberships.get(store=visit.store).role == Role.TECHNICIAN
        local_in = visit.date_in.astimezone(visit.store.tzinfo)
        assert datetime.time(8, 30) <= local_in.time() <= datetime.time(16, 30)
        assert visit.date_in <= NOW
        if visit.status == VisitStatus.OPEN:
            assert visit.date_out is None
        else:
            assert visit.status == VisitStatus.FINISHED
            assert visit.date_in < visit.date_out <= NOW
            local_out = visit.date_out.astimezone(visit.store.tzinfo)
            assert datetime.time(8, 30) <= local_out.time() <= datetime.time(18, 0)
        if visit.visit_type == VisitType.WARRANTY:
            assert visit.labour_amount == visit.parts_amount == 0
        if visit.visit_type in (VisitType.REPAIR, VisitType.ACCIDENT):
            assert visit.labour_amount > 0
        by_vehicle[visit.vehicle_id].append((visit.date_in, visit.mileage_km))
    assert visits.filter(status=VisitStatus.OPEN).exists()
    for history in by_vehicle.values():
        mileages = [km for _when, km in sorted(history)]
        assert mileages == sorted(mileages)
    for vehicle in Vehicle.objects.filter(service_visits__isnull=False).distinct():
        assert vehicle.mileage_km == max(km for _w, km in by_vehicle[vehicle.pk])


def test_every_vehicle_has_one_current_owner_and_a_few_changed_hands(demo, db):
    for vehicle in Vehicle.objects.prefetch_related("ownerships"):
        current = [o for o in vehicle.ownerships.all() if o.ended_on is None]
        assert len(current) == 1 and current[0].customer_id == vehicle.owner_id
    transfer = VehicleOwnership.objects.filter(reason="transfer").first()
    if transfer:  # the seller keeps the sale and their visits; the buyer has the later ones
        vehicle = transfer.vehicle
        seller = vehicle.ownerships.get(ended_on__isnull=False).customer
        assert vehicle.deliveries.get().customer == seller
        for visit in vehicle.service_visits.all():
            expected = seller if visit.date_in.date() < transfer.started_on else vehicle.owner
            assert visit.customer == expected


def test_prospects_have_inquiries_with_budgets_and_models(demo, db):
    prospects = Customer.objects.filter(lifecycle_state=LifecycleState.PROSPECT)
    assert prospects.exists()
    for inquiry in Inquiry.objects.filter(customer__in=prospects).select_related("store"):
        lineup = {m.name for s in STORES if s.code == inquiry.store.code for m in s.lineup}
        assert set(inquiry.models_of_interest.split("、")) <= lineup
        assert 0 < inquiry.budget_min < inquiry.budget_max
        assert inquiry.consultant.memberships.get().role == Role.SALES_CONSULTANT
    assert Inquiry.objects.filter(status="won").exclude(customer__in=prospects).exists()
