"""factory_boy factories for every model; values are realistic and valid (demo.generators)."""

import datetime
import random

import factory
from django.utils import timezone

from dealercare.accounts.models import DealerGroup, Store, StoreMembership, User
from dealercare.accounts.roles import Role
from dealercare.customers.choices import CustomerKind, Gender
from dealercare.customers.models import Customer, Vehicle
from dealercare.demo import generators as gen
from dealercare.operations.choices import VisitStatus, VisitType
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit

_rng = random.Random(20261122)


class DealerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerGroup
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"华南汽车集团{n}")
    code = factory.Sequence(lambda n: f"group{n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    group = factory.SubFactory(DealerGroupFactory)
    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"广州测试4S店{n}")
    city = "广州"
    region = "华南"
    hotline = "02088886666"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyFunction(lambda: gen.person_name(_rng)[0])
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def user_with_role(store, role, **kwargs):
    """A user holding `role` in `store` (and nothing elsewhere)."""
    user = UserFactory(dealer_group=store.group, **kwargs)
    StoreMembership.objects.create(user=user, store=store, role=Role(role))
    return user


def group_admin(group, **kwargs):
    return UserFactory(dealer_group=group, is_group_admin=True, **kwargs)


class CustomerFactory(factory.django.DjangoModelFactory):
    """A person customer; create through services in tests of services, this elsewhere."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    store = factory.SubFactory(StoreFactory)
    number = factory.Sequence(lambda n: f"T-{n:06d}")
    kind = CustomerKind.PERSON
    gender = factory.LazyFunction(lambda: _rng.choice([Gender.MALE, Gender.FEMALE]))
    name = factory.LazyAttribute(lambda o: gen.person_name(_rng, o.gender)[0])
    mobile = factory.LazyFunction(lambda: gen.mobile(_rng))
    city = "广州"

    @factory.post_generation
    def search_terms(self, create, extracted, **kwargs):
        if create:
            from dealercare.customers.services import rebuild_search_terms

            rebuild_search_terms([self.pk])


class CompanyCustomerFactory(CustomerFactory):
    kind = CustomerKind.COMPANY
    gender = Gender.UNKNOWN
    name = factory.LazyFunction(lambda: gen.company_name(_rng, "广州"))
    uscc = factory.LazyFunction(lambda: gen.uscc(_rng, "440100"))
    customer_type = "enterprise"


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle
        skip_postgeneration_save = True

    store = factory.LazyAttribute(lambda o: o.owner.store if o.owner else StoreFactory())
    owner = factory.SubFactory(CustomerFactory)
    vin = factory.LazyFunction(lambda: gen.vin(_rng))
    plate = factory.LazyFunction(lambda: gen.plate(_rng, "粤A"))
    brand = "一汽-大众"
    model_name = "迈腾"
    colour = "白色"
    delivery_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))

    @factory.post_generation
    def search_terms(self, create, extracted, **kwargs):
        if create and self.owner_id:
            from dealercare.customers.models import VehicleOwnership
            from dealercare.customers.services import rebuild_search_terms

            VehicleOwnership.objects.create(
                vehicle=self, customer=self.owner, reason="purchase",
                started_on=self.delivery_date or timezone.localdate(),
            )  # fmt: skip
            rebuild_search_terms([self.owner_id])


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    vehicle = factory.SubFactory(VehicleFactory)
    customer = factory.LazyAttribute(lambda o: o.vehicle.owner)
    store = factory.LazyAttribute(lambda o: o.vehicle.store)
    delivered_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=30))
    order_no = factory.Sequence(lambda n: f"SO{n:08d}")
    consultant_name = "李销售"


class ServiceVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceVisit

    vehicle = factory.SubFactory(VehicleFactory)
    customer = factory.LazyAttribute(lambda o: o.vehicle.owner)
    store = factory.LazyAttribute(lambda o: o.vehicle.store)
    repair_order_no = factory.Sequence(lambda n: f"RO{n:08d}")
    visit_type = VisitType.MAINTENANCE
    date_in = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    date_out = factory.LazyAttribute(lambda o: o.date_in + datetime.timedelta(hours=4))
    status = VisitStatus.FINISHED
    labour_amount = 300
    parts_amount = 500
    advisor_name = "王顾问"


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inquiry

    customer = factory.SubFactory(CustomerFactory)
    store = factory.LazyAttribute(lambda o: o.customer.store)
    needs = "家用，空间大"
    models_of_interest = "迈腾"


class ImportJobFactory(factory.django.DjangoModelFactory):
    """An uploaded customers file waiting for its mapping (no stored file)."""

    class Meta:
        model = "imports.ImportJob"

    store = factory.SubFactory(StoreFactory)
    kind = "customers"
    original_name = factory.Sequence(lambda n: f"客户{n}.csv")
    headers = ["姓名", "手机"]
    header_keys = ["姓名", "手机"]
    mapping = {"0": "name", "1": "mobile"}
