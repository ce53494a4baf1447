"""The demo dataset: 华南汽车集团 with three stores, their staff, and their customers' history.

`build_demo()` is deterministic for a seed and a `now`: every name, mobile, VIN and plate comes
from seeded generators (demo.generators) and every date is relative to `now`. It writes with
bulk_create in chunks, then derives search keys and lifecycle states and tiers through the
customers services, so the demo shows what the product computes, not what the generator assumed.

The history is the last year of sales and service, plus service visits up to two years back and
older vehicles' original sales, so that customers who stopped coming show up as inactive or lost.
"""

import datetime
import hashlib
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from dealercare.accounts.models import DealerGroup, Store, StoreMembership, User
from dealercare.accounts.roles import Role
from dealercare.customers import classification
from dealercare.customers.choices import (
    ConsentChannel,
    ConsentMethod,
    CustomerKind,
    CustomerSource,
    CustomerType,
    FuelType,
    Gender,
    OwnershipReason,
)
from dealercare.customers.models import (
    CompanyContact,
    ConsentRecord,
    Customer,
    SearchTerm,
    Tag,
    Vehicle,
    VehicleOwnership,
)
from dealercare.customers.services import (
    rebuild_search_terms,
    refresh_classification,
    reserve_customer_numbers,
)
from dealercare.operations.choices import (
    DeliveryStatus,
    EventSource,
    InquiryChannel,
    InquiryStatus,
    VisitStatus,
    VisitType,
)
from dealercare.operations.models import Delivery, Inquiry, ServiceVisit

from . import generators as gen

DEMO_PASSWORD = "demo1234"  # noqa: S105 - the published password of the demo accounts
GROUP_NAME = "华南汽车集团"
GROUP_CODE = "huanan"
ADMIN_USERNAME = "admin"
DEMO_URL = "http://127.0.0.1:8000"

CHUNK_SIZE = 5000  # customers generated and written at a time (bounds memory for big builds)
BATCH_SIZE = 1000
SEARCH_BATCH = 500
HISTORY_DAYS = 730  # service visits are kept this far back; sales of older vehicles too
WARRANTY_YEARS = 3


# --- the group, its stores and their staff ------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A city customers come from: plate prefix, phone area code, districts with their codes."""

    city: str
    province: str
    plate: str
    area_code: str
    districts: tuple  # (district, administrative division code)
    roads: tuple


@dataclass(frozen=True)
class CarModel:
    """A model a store sells: weight in its sales, MSRP range in yuan, fuel mix."""

    name: str
    weight: float
    price: tuple
    fuels: tuple = ((FuelType.PETROL, 1.0),)


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    region: str
    address: str
    hotline: str
    brand: str
    wmi: str
    lineup: tuple
    share: float  # of the demo's customers
    service_price_factor: float
    home: Area
    nearby: tuple


GUANGZHOU = Area(
    "广州", "广东省", "粤A", "020",
    (("天河区", "440106"), ("越秀区", "440104"), ("海珠区", "440105"), ("白云区", "440111"),
     ("黄埔区", "440112"), ("番禺区", "440113")),
    ("天河路", "体育西路", "中山大道西", "黄埔大道西", "花城大道", "广州大道北", "科韵路",
     "天河北路", "员村二横路", "华夏路"),
)  # fmt: skip
FOSHAN = Area(
    "佛山", "广东省", "粤E", "0757",
    (("禅城区", "440604"), ("南海区", "440605"), ("顺德区", "440606")),
    ("季华路", "佛山大道", "桂澜路", "南海大道"),
)  # fmt: skip
DONGGUAN = Area(
    "东莞", "广东省", "粤S", "0769",
    (("东城街道", "441900"), ("南城街道", "441900"), ("莞城街道", "441900")),
    ("东城大道", "鸿福路", "莞太路"),
)  # fmt: skip
SHENZHEN = Area(
    "深圳", "广东省", "粤B", "0755",
    (("南山区", "440305"), ("福田区", "440304"), ("罗湖区", "440303"), ("宝安区", "440306"),
     ("龙岗区", "440307"), ("龙华区", "440309")),
    ("深南大道", "科技园中路", "南海大道", "后海大道", "滨海大道", "沙河西路", "创业路", "桃园路",
     "前海路", "宝安大道"),
)  # fmt: skip
HUIZHOU = Area(
    "惠州", "广东省", "粤L", "0752",
    (("惠城区", "441302"), ("惠阳区", "441303")),
    ("江北三新路", "惠州大道", "淡水人民路"),
)  # fmt: skip
CHANGSHA = Area(
    "长沙", "湖南省", "湘A", "0731",
    (("岳麓区", "430104"), ("芙蓉区", "430102"), ("天心区", "430103"), ("开福区", "430105"),
     ("雨花区", "430111"), ("望城区", "430112")),
    ("麓山南路", "枫林三路", "金星中路", "五一大道", "芙蓉中路", "湘江中路", "韶山中路",
     "劳动西路", "岳麓大道", "桐梓坡路"),
)  # fmt: skip
ZHUZHOU = Area(
    "株洲", "湖南省", "湘B", "0731",
    (("天元区", "430211"), ("芦淞区", "430203")),
    ("长江北路", "株洲大道"),
)  # fmt: skip
XIANGTAN = Area(
    "湘潭", "湖南省", "湘C", "0731",
    (("岳塘区", "430304"), ("雨湖区", "430302")),
    ("建设北路", "韶山西路"),
)  # fmt: skip

_P, _H, _PH, _EV = FuelType.PETROL, FuelType.HYBRID, FuelType.PHEV, FuelType.EV

STORES = (
    StoreSpec(
        code="GZ01",
        name="广州天河4S店",
        region="华南",
        address="广州市天河区黄埔大道中668号",
        hotline="02038886666",
        brand="广汽丰田",
        wmi="LVG",
        share=0.40,
        service_price_factor=1.0,
        home=GUANGZHOU,
        nearby=(FOSHAN, DONGGUAN),
        lineup=(
            CarModel("凯美瑞", 22, (171800, 249800), ((_P, 0.6), (_H, 0.4))),
            CarModel("雷凌", 16, (115800, 159800), ((_P, 0.5), (_H, 0.5))),
            CarModel("汉兰达", 10, (269800, 349800), ((_P, 0.5), (_H, 0.5))),
            CarModel("锋兰达", 14, (119800, 159800), ((_P, 0.6), (_H, 0.4))),
            CarModel("威兰达", 8, (172800, 262800), ((_P, 0.7), (_PH, 0.3))),
            CarModel("bZ4X", 12, (169800, 219800), ((_EV, 1.0),)),
            CarModel("bZ3X", 18, (109800, 159800), ((_EV, 1.0),)),
        ),
    ),
    StoreSpec(
        code="SZ01",
        name="深圳南山4S店",
        region="华南",
        address="深圳市南山区深南大道10128号",
        hotline="075526668888",
        brand="华晨宝马",
        wmi="LBV",
        share=0.35,
        service_price_factor=1.8,
        home=SHENZHEN,
        nearby=(DONGGUAN, HUIZHOU),
        lineup=(
            CarModel("3系", 24, (299900, 409900), ((_P, 0.85), (_PH, 0.15))),
            CarModel("5系", 20, (439900, 559900), ((_P, 0.8), (_PH, 0.2))),
            CarModel("X1", 18, (299900, 359900)),
            CarModel("X3", 16, (399900, 539900)),
            CarModel("i3", 10, (353900, 413900), ((_EV, 1.0),)),
            CarModel("iX3", 12, (399900, 469900), ((_EV, 1.0),)),
        ),
    ),
    StoreSpec(
        code="CS01",
        name="长沙岳麓4S店",
        region="华中",
        address="长沙市岳麓区岳麓大道2188号",
        hotline="073188886666",
        brand="上汽大众",
        wmi="LSV",
        share=0.25,
        service_price_factor=1.0,
        home=CHANGSHA,
        nearby=(ZHUZHOU, XIANGTAN),
        lineup=(
            CarModel("朗逸", 30, (112900, 156900)),
            CarModel("帕萨特", 16, (189900, 259900), ((_P, 0.85), (_PH, 0.15))),
            CarModel("途观L", 18, (219900, 299900), ((_P, 0.85), (_PH, 0.15))),
            CarModel("途岳", 10, (169900, 219900)),
            CarModel("ID.3", 12, (159900, 179900), ((_EV, 1.0),)),
            CarModel("ID.4 X", 14, (199900, 279900), ((_EV, 1.0),)),
        ),
    ),
)

# (role, username suffix, how many) per store: usernames gz01_manager, gz01_advisor1..3, ...
STAFF = (
    (Role.CS_MANAGER, "manager", 1),
    (Role.CS_SUPERVISOR, "supervisor", 1),
    (Role.FOLLOWUP_AGENT, "agent", 1),
    (Role.PROMOTION_AGENT, "promoter", 1),
    (Role.GENERAL_MANAGER, "gm", 1),
    (Role.SERVICE_MANAGER, "service_manager", 1),
    (Role.SALES_MANAGER, "sales_manager", 1),
    (Role.SERVICE_ADVISOR, "advisor", 3),
    (Role.TECHNICIAN, "tech", 3),
    (Role.SALES_CONSULTANT, "sales", 3),
    (Role.INTEGRATION, "dms", 1),
)


def staff_usernames(store_code, role):
    """The demo usernames holding `role` in a store, e.g. ['gz01_advisor1', ...]."""
    for staff_role, suffix, count in STAFF:
        if staff_role == role:
            prefix = f"{store_code.lower()}_{suffix}"
            return [prefix] if count == 1 else [f"{prefix}{i}" for i in range(1, count + 1)]
    return []


# --- what customers look like -------------------------------------------------------------------

TAGS = ("车友会", "老客户推荐", "团购", "置换客户", "金融贷款", "延保客户", "网约车", "重点关注")
ESTATES = ("保利", "万科", "碧桂园", "华润", "中海", "招商", "金地", "龙湖", "星河", "雅居乐")
ESTATE_KINDS = ("花园", "城", "名苑", "公馆", "小区", "新村")
OCCUPATIONS = (
    ("企业职员", 20), ("工程师", 10), ("个体经营", 12), ("企业主", 8), ("销售", 8),
    ("IT从业者", 8), ("公务员", 6), ("教师", 6), ("自由职业", 6), ("金融从业者", 5), ("医生", 4),
    ("退休", 4), ("网约车司机", 3),
)  # fmt: skip
WORKING_OCCUPATIONS = tuple(o for o in OCCUPATIONS if o[0] != "退休")
PERSON_PURPOSES = (
    ("家庭用车", 35), ("上下班通勤", 30), ("周末出游", 12), ("接送孩子", 10), ("商务接待", 8),
    ("换购升级", 4), ("网约车运营", 3),
)  # fmt: skip
COMPANY_PURPOSES = ("公务用车", "商务接待", "员工通勤", "物流配送", "租赁运营")
POSITIONS = ("车队主管", "行政经理", "总经理", "采购经理", "财务主管", "行政专员")
PERSON_SOURCES = (
    (CustomerSource.WALK_IN, 35), (CustomerSource.ONLINE, 22), (CustomerSource.REFERRAL, 12),
    (CustomerSource.PHONE, 10), (CustomerSource.EVENT, 8), (CustomerSource.MANUFACTURER, 8),
    (CustomerSource.OTHER, 5),
)  # fmt: skip
COMPANY_SOURCES = (
    (CustomerSource.REFERRAL, 20), (CustomerSource.EVENT, 20), (CustomerSource.PHONE, 20),
    (CustomerSource.WALK_IN, 20), (CustomerSource.MANUFACTURER, 20),
)  # fmt: skip
NOTES = (
    "客户希望周末到店保养", "仅工作日白天联系", "家中两辆车均在本店保养", "对价格较敏感",
    "需要开具增值税专用发票", "老客户，熟悉服务顾问", "偏好微信沟通",
)  # fmt: skip
INQUIRY_NEEDS = (
    "首次购车，关注油耗和空间", "家里添置第二辆车，预算有限", "想换新能源车，关心续航和充电",
    "二胎家庭，需要空间大的SUV", "公司采购，需要开增值税专票", "关注置换补贴和金融方案",
    "想先试驾再决定", "对比竞品中，关注智能驾驶配置",
)  # fmt: skip

# (fault, work done, applies to: "any" | "ice" | "ev")
REPAIRS = (
    ("空调不制冷", "检查空调系统，加注冷媒，更换膨胀阀", "any"),
    ("刹车时有异响", "更换前刹车片，打磨刹车盘", "any"),
    ("发动机故障灯亮", "读取故障码，更换点火线圈", "ice"),
    ("高速行驶方向盘抖动", "四轮动平衡及四轮定位", "any"),
    ("左后车窗升降异常", "更换左后车窗升降器电机", "any"),
    ("中控屏偶发黑屏", "升级车机软件，检查线束插头", "any"),
    ("胎压报警", "补胎并校准胎压监测", "any"),
    ("蓄电池亏电无法启动", "更换12V蓄电池", "any"),
    ("底盘异响", "更换前稳定杆连杆", "any"),
    ("充电口无法解锁", "更换充电口电子锁", "ev"),
    ("续航里程明显下降", "动力电池均衡维护，系统诊断", "ev"),
    ("怠速抖动", "清洗节气门，更换火花塞", "ice"),
)
WARRANTY_JOBS = (
    ("车机系统召回升级", "按厂家召回通知升级软件（厂家索赔）"),
    ("电子水泵异响", "质保更换电子水泵（厂家索赔）"),
    ("天窗漏水", "质保更换天窗排水管（厂家索赔）"),
    ("仪表台异响", "紧固仪表台卡扣，加装消音棉（厂家索赔）"),
)
ACCIDENTS = (
    ("前保险杠碰撞", "更换前保险杠，钣金喷漆"),
    ("左前翼子板刮擦", "左前翼子板钣金喷漆"),
    ("追尾事故，后保险杠及尾灯损坏", "更换后保险杠及左尾灯，喷漆"),
    ("倒车撞柱，尾门凹陷", "尾门钣金修复喷漆"),
    ("右侧两门刮擦", "右前门、右后门钣金喷漆"),
)


def _weighted(rng, pairs):
    """One value of (value, weight) pairs."""
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _anniversary(day, years):
    """`day` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _inspection_due(registered_on, today):
    """Next annual inspection: every 2 years in the first 10 years, then yearly (GA 2022 rules)."""
    for years in range(1, 40):
        due = _anniversary(registered_on, years)
        if (years > 10 or years % 2 == 0) and due >= today:
            return due
    return None


def _money(value):
    return Decimal(int(round(value)))


@contextmanager
def _keep_given_timestamps(*models):
    """Let bulk_create store the historical timestamps we set: auto_now(_add) would say 'now'."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


# --- the builder --------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A customer being generated, with what belongs to them."""

    customer: Customer
    area: Area
    order: int
    events: list = field(default_factory=list)  # datetimes of their deliveries, visits, inquiries
    deliveries: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    has_vehicles: bool = False


class _Chunk:
    """Unsaved rows of one chunk of a store, in the order they are written."""

    def __init__(self):
        self.drafts = []
        self.contacts = []
        self.vehicles = []
        self.ownerships = []
        self.deliveries = []
        self.visits = []
        self.inquiries = []
        self.consents = []


@dataclass
class BuildResult:
    """What build_demo made and how long it took."""

    group: DealerGroup
    stores: list
    counts: dict
    seconds: float


class _StoreBuilder:
    """Generates one store's customers and their history, chunk by chunk."""

    def __init__(self, *, spec, store, staff, seed, now, seen):
        self.spec = spec
        self.store = store
        self.staff = staff  # role -> [User]
        self.rng = random.Random(f"{seed}:{spec.code}")
        self.tz = store.tzinfo
        self.now = now
        self.today = now.astimezone(self.tz).date()
        self.history_start = self.today - datetime.timedelta(days=HISTORY_DAYS)
        self.seen = seen  # values that must stay unique across the demo: mobiles, VINs, ...
        self.order_seq = {}
        self.ro_seq = {}
        self.tags = {t.name: t for t in Tag.objects.filter(store=store)}
        self.branches = 0
        self.former_consultants = [gen.person_name(self.rng)[0] for _ in range(2)]
        self.lineup = [(m, m.weight) for m in spec.lineup]

    # unique values

    def _unique(self, kind, make, fallback=None):
        """A value from `make` not used before in the demo; `fallback` once `make` runs dry."""
        seen = self.seen.setdefault(kind, set())
        for attempt in range(1000):
            value = make() if fallback is None or attempt < 20 else fallback()
            if value not in seen:
                seen.add(value)
                return value
        raise RuntimeError(f"demo data: no unused {kind} left")

    def _mobile(self):
        return self._unique("mobile", lambda: gen.mobile(self.rng))

    # time helpers

    def _at(self, day, start_minute, end_minute, mode=None):
        """An aware datetime on `day` (store time) between two minutes of the day."""
        minute = int(self.rng.triangular(start_minute, end_minute, mode or start_minute))
        return datetime.datetime.combine(
            day, datetime.time(minute // 60, minute % 60), tzinfo=self.tz
        )

    def _days_ago(self, low, high):
        return self.today - datetime.timedelta(days=self.rng.randint(low, high))

    # customers

    def generate(self, count, first_order):
        chunk = _Chunk()
        for i in range(count):
            rng = self.rng
            if rng.random() < 0.12:
                draft = self._company(first_order + i, chunk)
            else:
                draft = self._person(first_order + i)
            chunk.drafts.append(draft)
            if draft.customer.kind == CustomerKind.PERSON and rng.random() < 0.09:
                self._prospect(draft, chunk)
            else:
                self._owner(draft, chunk)
        self._open_visits(chunk)
        self._finish(chunk)
        return chunk

    def _person(self, order):
        rng = self.rng
        name, gender = gen.person_name(rng)
        area = self.spec.home if rng.random() < 0.88 else rng.choice(self.spec.nearby)
        age = int(rng.triangular(22, 68, 36))
        born = self.today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        customer = Customer(
            store=self.store,
            kind=CustomerKind.PERSON,
            name=name,
            gender=Gender(gender),
            birth_date=born,
            mobile=self._mobile(),
            province=area.province,
            city=area.city,
            address=self._address(area),
            occupation=_weighted(rng, OCCUPATIONS if age >= 55 else WORKING_OCCUPATIONS),
            purchase_purpose=_weighted(rng, PERSON_PURPOSES),
            source=_weighted(rng, PERSON_SOURCES),
            customer_type=CustomerType.GENERAL,
        )
        if rng.random() < 0.15:
            domain = rng.choice(("qq.com", "163.com", "126.com"))
            customer.email = f"{rng.randrange(10**7, 10**10)}@{domain}"
        if rng.random() < 0.3:
            customer.wechat = "wxid_" + "".join(
                rng.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(12)
            )
        if rng.random() < 0.07:
            customer.notes = rng.choice(NOTES)
        draft = _Draft(customer=customer, area=area, order=order)
        if customer.source == CustomerSource.REFERRAL:
            draft.tags.append("老客户推荐")
        if customer.purchase_purpose == "网约车运营":
            draft.tags.append("网约车")
        if rng.random() < 0.01:
            draft.tags.append("重点关注")
        return draft

    def _company(self, order, chunk):
        rng = self.rng
        area = self.spec.home if rng.random() < 0.9 else rng.choice(self.spec.nearby)
        district, division = rng.choice(area.districts)
        self.branches += 1
        name = self._unique(
            "company",
            lambda: gen.company_name_varied(rng, area.city),
            # big builds exhaust the name pool: branches (分公司) of the same companies
            lambda: f"{gen.company_name_varied(rng, area.city)}{district}第{self.branches}分公司",
        )
        contacts = []
        for i in range(rng.choice((1, 1, 1, 2, 2))):
            contact_name, _gender = gen.person_name(rng)
            contacts.append(
                CompanyContact(
                    name=contact_name,
                    position=POSITIONS[i] if i == 0 else rng.choice(POSITIONS[1:]),
                    mobile=self._mobile(),
                    is_key=True,
                )
            )
        customer = Customer(
            store=self.store,
            kind=CustomerKind.COMPANY,
            name=name,
            gender=Gender.UNKNOWN,
            mobile=contacts[0].mobile,  # the fleet contact's number is the company's number
            province=area.province,
            city=area.city,
            address=f"{district}{rng.choice(area.roads)}{rng.randint(1, 999)}号"
            f"{rng.choice(('', '', 'A座', 'B座'))}{rng.randint(2, 30)}楼",
            purchase_purpose=rng.choice(COMPANY_PURPOSES),
            source=_weighted(rng, COMPANY_SOURCES),
            uscc=self._unique("uscc", lambda: gen.uscc(rng, division)),
            customer_type=CustomerType.ENTERPRISE,
        )
        if rng.random() < 0.7:
            customer.phone_other = gen.landline(rng, area.area_code)
        for contact in contacts:
            contact.customer = customer
            chunk.contacts.append(contact)
        return _Draft(customer=customer, area=area, order=order)

    def _address(self, area):
        rng = self.rng
        district, _code = rng.choice(area.districts)
        return (
            f"{district}{rng.choice(area.roads)}{rng.randint(1, 999)}号"
            f"{rng.choice(ESTATES)}{rng.choice(ESTATE_KINDS)}{rng.randint(1, 32)}栋"
            f"{rng.randint(1, 33)}{rng.randint(1, 8):02d}房"
        )

    def _prospect(self, draft, chunk):
        """A prospect: one or two inquiries in the last five months, no vehicle."""
        rng = self.rng
        for _ in range(rng.choice((1, 1, 2))):
            day = self._days_ago(0, 150)
            created = self._at(day, 9 * 60 + 30, 20 * 60, 14 * 60)
            if created > self.now:
                created = self.now - datetime.timedelta(minutes=rng.randint(5, 120))
            age_days = (self.today - day).days
            status = _weighted(
                rng,
                ((InquiryStatus.OPEN, 45 if age_days < 60 else 15),
                 (InquiryStatus.HANDED_OVER, 35), (InquiryStatus.LOST, 20 if age_days < 60 else 50)),
            )  # fmt: skip
            chunk.inquiries.append(self._inquiry(draft, created, status))

    def _inquiry(self, draft, created, status, consultant=None):
        rng = self.rng
        models = rng.sample(self.spec.lineup, rng.choice((1, 1, 2)))
        low = min(m.price[0] for m in models)
        high = max(m.price[1] for m in models)
        consultant = consultant or rng.choice(self.staff[Role.SALES_CONSULTANT])
        inquiry = Inquiry(
            store=self.store,
            customer=draft.customer,
            channel=rng.choice(InquiryChannel.values),
            needs=rng.choice(INQUIRY_NEEDS),
            models_of_interest="、".join(m.name for m in models),
            budget_min=_money(round(low * 0.9, -4)),
            budget_max=_money(round(high * 1.05, -4)),
            consultant=consultant,
            status=status,
            created_at=created,
            updated_at=created,
        )
        if status in (InquiryStatus.HANDED_OVER, InquiryStatus.WON):
            inquiry.handed_over_at = min(
                created + datetime.timedelta(hours=rng.randint(1, 72)), self.now
            )
            inquiry.updated_at = inquiry.handed_over_at
        draft.events.append(created)
        return inquiry

    def _owner(self, draft, chunk):
        """A customer with vehicles: bought this year, or years ago and still coming, or not."""
        rng = self.rng
        customer = draft.customer
        draft.has_vehicles = True
        if customer.kind == CustomerKind.COMPANY:
            count = _weighted(rng, ((1, 35), (2, 30), (3, 20), (4, 10), (5, 5)))
        else:
            count = _weighted(rng, ((1, 84), (2, 14), (3, 2)))
            if rng.random() < 0.06:
                customer.customer_type = CustomerType.VIP
        year_buyer = rng.random() < 0.24
        if year_buyer:
            first_day = self._days_ago(1, 364)
            engagement = _weighted(rng, (("regular", 85), ("lapsing", 15)))
        else:
            first_day = self._days_ago(366, 9 * 365)
            engagement = _weighted(rng, (("regular", 55), ("lapsing", 20), ("lost", 25)))
        stop_on = {
            "regular": self.today + datetime.timedelta(days=1),
            "lapsing": self._days_ago(180, 364),
            "lost": self._days_ago(366, 1100),
        }[engagement]
        fleet = customer.kind == CustomerKind.COMPANY and count > 1 and rng.random() < 0.5
        if fleet or (customer.kind == CustomerKind.PERSON and rng.random() < 0.03):
            draft.tags.append("团购")
        for i in range(count):
            day = first_day if i == 0 or fleet else self._days_ago(1, 9 * 365)
            other_brand = i > 0 and not fleet and rng.random() < 0.25
            bought_here = not other_brand and rng.random() < 0.88
            self._vehicle(draft, chunk, day, stop_on, bought_here=bought_here,
                          other_brand=other_brand)  # fmt: skip
        if year_buyer:
            if rng.random() < 0.15:
                draft.tags.append("置换客户")
            if rng.random() < 0.25:
                draft.tags.append("金融贷款")
            if (
                rng.random() < 0.4
                and chunk.deliveries
                and chunk.deliveries[-1].customer is customer
            ):
                delivery = chunk.deliveries[-1]
                asked = delivery.delivered_at - datetime.timedelta(
                    days=rng.randint(7, 45), hours=rng.randint(0, 5)
                )
                chunk.inquiries.append(
                    self._inquiry(draft, asked, InquiryStatus.WON, delivery.sales_consultant)
                )
        if rng.random() < 0.08:
            draft.tags.append("车友会")
        if rng.random() < 0.1:
            draft.tags.append("延保客户")

    def _vehicle(self, draft, chunk, delivered_on, stop_on, *, bought_here, other_brand):
        rng = self.rng
        spec = self.spec
        if other_brand:
            makes = [m for m in gen.MAKES if m[1] != spec.brand]
            wmi, brand, models = rng.choice(makes)
            model_name = rng.choice(models)
            fuel = _EV if model_name in gen.NEV_MODELS else _P
            price = None
        else:
            model = _weighted(rng, self.lineup)
            wmi, brand, model_name = spec.wmi, spec.brand, model.name
            fuel = _weighted(rng, model.fuels)
            price = model.price
        if fuel in (_EV, _PH):
            plate = self._unique(
                "plate", lambda: gen.new_energy_plate(rng, draft.area.plate, fuel == _EV)
            )
        else:
            plate = self._unique("plate", lambda: gen.plate(rng, draft.area.plate))
        vehicle = Vehicle(
            store=self.store,
            vin=self._unique("vin", lambda: gen.vin_for_model_year(rng, wmi, delivered_on.year)),
            plate=plate,
            brand=brand,
            model_name=model_name,
            colour=rng.choice(gen.COLOURS),
            fuel_type=fuel,
            purchase_date=delivered_on - datetime.timedelta(days=rng.randint(3, 25))
            if bought_here
            else delivered_on,
            delivery_date=delivered_on,
            warranty_end=_anniversary(delivered_on, WARRANTY_YEARS),
            insurance_end=self._next_insurance_end(delivered_on),
            inspection_due=_inspection_due(delivered_on, self.today),
            owner=draft.customer,
        )
        chunk.vehicles.append(vehicle)
        owner_of = self._ownership(draft, chunk, vehicle, delivered_on)
        delivered_at = self._at(delivered_on, 9 * 60 + 30, 19 * 60 + 30, 15 * 60)
        vehicle.created_at = vehicle.updated_at = delivered_at
        if bought_here:
            buyer = owner_of(delivered_on)
            chunk.deliveries.append(self._delivery(vehicle, buyer, delivered_at, price))
            buyer.events.append(delivered_at)
            buyer.deliveries.append(chunk.deliveries[-1])
        if not other_brand:
            visits = self._visits(vehicle, delivered_on, stop_on, owner_of,
                                  first_maintenance=bought_here)  # fmt: skip
            chunk.visits.extend(visits)
            if visits:
                vehicle.mileage_km = visits[-1].mileage_km
                vehicle.updated_at = visits[-1].updated_at
                if not bought_here:  # known to the store since its first visit
                    vehicle.created_at = visits[0].date_in

    def _next_insurance_end(self, delivered_on):
        years = 1
        while _anniversary(delivered_on, years) < self.today - datetime.timedelta(days=30):
            years += 1
        return _anniversary(delivered_on, years)

    def _ownership(self, draft, chunk, vehicle, delivered_on):
        """Ownership rows of a vehicle; a few older cars were bought from another customer.

        Returns owner_of(day) -> the _Draft that owned the vehicle on that day.
        """
        rng = self.rng
        age_days = (self.today - delivered_on).days
        previous = [
            d for d in chunk.drafts[-50:-1]
            if d.has_vehicles and d.customer.kind == CustomerKind.PERSON
        ]  # fmt: skip
        if age_days > 3 * 365 and previous and rng.random() < 0.04:
            seller = rng.choice(previous)
            sold_on = delivered_on + datetime.timedelta(days=rng.randint(365, age_days - 180))
            chunk.ownerships.append(
                VehicleOwnership(vehicle=vehicle, customer=seller.customer,
                                 started_on=delivered_on, ended_on=sold_on,
                                 reason=OwnershipReason.PURCHASE, created_at=self._noon(delivered_on))
            )  # fmt: skip
            chunk.ownerships.append(
                VehicleOwnership(vehicle=vehicle, customer=draft.customer, started_on=sold_on,
                                 reason=OwnershipReason.TRANSFER, created_at=self._noon(sold_on))
            )  # fmt: skip
            draft.events.append(self._noon(sold_on))
            return lambda day: seller if day < sold_on else draft
        chunk.ownerships.append(
            VehicleOwnership(vehicle=vehicle, customer=draft.customer, started_on=delivered_on,
                             reason=OwnershipReason.PURCHASE, created_at=self._noon(delivered_on))
        )  # fmt: skip
        return lambda day: draft

    def _noon(self, day):
        return datetime.datetime.combine(day, datetime.time(12), tzinfo=self.tz)

    def _delivery(self, vehicle, buyer, delivered_at, price_range):
        rng = self.rng
        ordered_on = vehicle.purchase_date
        seq = self.order_seq[ordered_on] = self.order_seq.get(ordered_on, 0) + 1
        if (self.today - ordered_on).days > 3 * 365:
            consultant, consultant_name = None, rng.choice(self.former_consultants)
        else:
            consultant = rng.choice(self.staff[Role.SALES_CONSULTANT])
            consultant_name = consultant.display_name
        price = None
        if price_range:
            msrp = rng.uniform(*price_range)
            price = _money(round(msrp * (1 - rng.uniform(0.0, 0.12)), -2))
        return Delivery(
            store=self.store,
            customer=buyer.customer,
            vehicle=vehicle,
            delivered_at=delivered_at,
            order_no=f"XS{ordered_on:%Y%m%d}{seq:03d}",
            sales_consultant=consultant,
            consultant_name=consultant_name,
            price=price,
            status=DeliveryStatus.DELIVERED,
            source=EventSource.DEMO,
            created_at=delivered_at,
            updated_at=delivered_at,
        )

    def _visits(self, vehicle, delivered_on, stop_on, owner_of, *, first_maintenance):
        """Service visits of one vehicle from its delivery until the owner stopped coming."""
        rng = self.rng
        electric = vehicle.fuel_type == _EV
        company = vehicle.owner.kind == CustomerKind.COMPANY
        daily_km = rng.uniform(20, 60) * (1.5 if company else 1.0)
        end = min(stop_on, self.today)  # exclusive: today's visits are the open ones
        events = []
        day = delivered_on + datetime.timedelta(days=rng.randint(60, 150))
        kind = VisitType.FIRST_MAINTENANCE if first_maintenance else VisitType.MAINTENANCE
        interval = rng.randint(270, 365) if electric else rng.randint(150, 240)
        while day < end:
            events.append((day, kind))
            kind = VisitType.MAINTENANCE
            day += datetime.timedelta(days=interval + rng.randint(-20, 30))
        span_start = max(delivered_on + datetime.timedelta(days=7), self.history_start)
        span_days = (end - span_start).days
        if span_days > 0:
            warranty_end = _anniversary(delivered_on, WARRANTY_YEARS)
            for kind, yearly_rate in (
                (VisitType.REPAIR, 0.35), (VisitType.ACCIDENT, 0.08), (VisitType.WARRANTY, 0.15),
            ):  # fmt: skip
                expected = yearly_rate * span_days / 365
                count = int(expected) + (rng.random() < expected - int(expected))
                for _ in range(count):
                    day = span_start + datetime.timedelta(days=rng.randrange(span_days))
                    if kind != VisitType.WARRANTY or day < warranty_end:
                        events.append((day, kind))
        events.sort(key=lambda e: (e[0], e[1]))
        kept = [e for e in events if e[0] >= self.history_start]
        if not kept and not first_maintenance:
            # Bought elsewhere, so no sale here: the store knows them from one visit at least.
            if events:
                kept = events[-1:]
            else:
                day = delivered_on + datetime.timedelta(days=rng.randint(30, 200))
                kept = [(min(day, self.today - datetime.timedelta(days=1)), VisitType.MAINTENANCE)]
        visits, mileage = [], 0
        for day, kind in kept:
            days = max((day - delivered_on).days, 1)
            mileage = max(mileage + 30, int(days * daily_km * rng.uniform(0.95, 1.05)))
            owner = owner_of(day)
            visit = self._visit(vehicle, owner, day, kind, mileage, electric)
            if visit is not None:
                owner.events.append(visit.date_in)
                owner.visits.append(visit)
                visits.append(visit)
        return visits

    def _visit(self, vehicle, owner, day, kind, mileage, electric, *, open_now=False):
        rng = self.rng
        factor = self.spec.service_price_factor
        date_in = self._at(day, 8 * 60 + 30, 16 * 60 + 30, 9 * 60 + 30)
        if date_in >= self.now:
            return None
        if kind == VisitType.FIRST_MAINTENANCE:
            fault = "首次保养"
            work = "全车检查，高压系统检测" if electric else "更换机油、机油滤清器，全车检查"
            labour, parts = 0, rng.choice((0, 0, 0, 120, 180)) * factor
            hours_out = rng.uniform(1, 2.5)
        elif kind == VisitType.MAINTENANCE:
            fault = f"{round(mileage, -3) or 5000}公里常规保养"
            if electric:
                work = "检查高压系统及电池冷却液，更换空调滤芯，检查制动系统"
                labour, parts = rng.uniform(120, 300), rng.uniform(150, 600)
            else:
                work = "更换机油、机油滤清器，检查制动系统及轮胎"
                if rng.random() < 0.4:
                    work += "，更换空气滤清器、空调滤芯"
                labour, parts = rng.uniform(180, 480), rng.uniform(350, 1600)
            labour, parts = labour * factor, parts * factor
            hours_out = rng.uniform(1.5, 4)
        elif kind == VisitType.REPAIR:
            scope = "ev" if electric else "ice"
            fault, work, _scope = rng.choice([r for r in REPAIRS if r[2] in ("any", scope)])
            labour = rng.triangular(150, 2200, 400) * factor
            parts = rng.triangular(0, 6500, 600) * factor
            hours_out = rng.uniform(3, 72)
        elif kind == VisitType.WARRANTY:
            fault, work = rng.choice(WARRANTY_JOBS)
            labour, parts = 0, 0  # billed to the manufacturer, not the customer
            hours_out = rng.uniform(2, 48)
        else:
            fault, work = rng.choice(ACCIDENTS)
            labour = rng.triangular(600, 9000, 2000) * factor
            parts = rng.triangular(800, 30000, 4000) * factor
            hours_out = rng.uniform(72, 336)
        date_out = self._date_out(date_in, hours_out)
        advisor = rng.choice(self.staff[Role.SERVICE_ADVISOR])
        technician = rng.choice(self.staff[Role.TECHNICIAN])
        still_open = open_now or date_out > self.now
        visit = ServiceVisit(
            store=self.store,
            customer=owner.customer,
            vehicle=vehicle,
            visit_type=kind,
            advisor=advisor,
            advisor_name=advisor.display_name,
            technician=technician,
            technician_name=technician.display_name,
            fault_description=fault,
            work_summary="" if still_open else work,
            mileage_km=mileage,
            date_in=date_in,
            date_out=None if still_open else date_out,
            labour_amount=_money(labour),
            parts_amount=_money(parts),
            status=VisitStatus.OPEN if still_open else VisitStatus.FINISHED,
            source=EventSource.DEMO,
            created_at=date_in,
            updated_at=date_in if still_open else date_out,
        )
        seq = self.ro_seq[day] = self.ro_seq.get(day, 0) + 1
        visit.repair_order_no = f"RO{day:%Y%m%d}{seq:04d}"
        return visit

    def _date_out(self, date_in, hours):
        """When the vehicle left: within working hours (08:30-18:00), else a later morning."""
        out = date_in + datetime.timedelta(minutes=int(hours * 60))
        local = out.astimezone(self.tz)
        if local.time() > datetime.time(18, 0) or local.time() < datetime.time(8, 30):
            next_day = local.date() + datetime.timedelta(days=local.time() > datetime.time(18, 0))
            out = self._at(next_day, 9 * 60, 12 * 60, 10 * 60)
        return max(out, date_in + datetime.timedelta(minutes=30))

    def _open_visits(self, chunk):
        """A few vehicles are in the workshop right now (status open, no date out yet)."""
        rng = self.rng
        local_now = self.now.astimezone(self.tz)
        day = self.today if local_now.time() >= datetime.time(9, 30) else (
            self.today - datetime.timedelta(days=1))  # fmt: skip
        last_visit = {}
        for visit in chunk.visits:
            last_visit[id(visit.vehicle)] = visit
        candidates = [
            v for v in chunk.vehicles
            if id(v) in last_visit
            and last_visit[id(v)].status == VisitStatus.FINISHED
            and (self.today - last_visit[id(v)].date_in.astimezone(self.tz).date()).days < 150
        ]  # fmt: skip
        wanted = min(len(candidates), max(2, len(chunk.drafts) // 250))
        drafts = {id(d.customer): d for d in chunk.drafts}
        for vehicle in rng.sample(candidates, wanted):
            owner = drafts[id(vehicle.owner)]
            kind = rng.choice((VisitType.MAINTENANCE, VisitType.REPAIR, VisitType.REPAIR,
                               VisitType.ACCIDENT))  # fmt: skip
            mileage = (vehicle.mileage_km or 0) + rng.randint(800, 4000)
            visit = self._visit(vehicle, owner, day, kind, mileage, vehicle.fuel_type == _EV,
                                open_now=True)  # fmt: skip
            if visit is None:  # early in the morning: it came in just now
                visit = self._visit(vehicle, owner, day - datetime.timedelta(days=1), kind,
                                    mileage, vehicle.fuel_type == _EV, open_now=True)  # fmt: skip
            chunk.visits.append(visit)
            vehicle.mileage_km = mileage
            owner.events.append(visit.date_in)
            owner.visits.append(visit)

    def _finish(self, chunk):
        """Creation times, consent records, tags and customer numbers (in order of arrival)."""
        rng = self.rng
        for draft in chunk.drafts:
            customer = draft.customer
            first = min(draft.events) if draft.events else self.now
            last = max(draft.events) if draft.events else self.now
            customer.created_at = first - datetime.timedelta(minutes=rng.randint(5, 90))
            customer.updated_at = last
            self._consents(draft, chunk)
            self._classify(draft)
        chunk.drafts.sort(key=lambda d: (d.customer.created_at, d.order))
        numbers = reserve_customer_numbers(self.store, len(chunk.drafts))
        for draft, number in zip(chunk.drafts, numbers, strict=True):
            draft.customer.number = number
        for contact in chunk.contacts:
            contact.created_at = contact.updated_at = contact.customer.created_at

    def _classify(self, draft):
        """Lifecycle state and tier by the product's own rules, as refresh_classification will.

        Setting them here spares that service a bulk update of every row; it still runs after
        the build and corrects anything this shortcut gets wrong.
        """
        customer = draft.customer
        thresholds = classification.Thresholds.of_store(self.store)
        since = self.now - datetime.timedelta(days=365)
        delivered = [
            d.delivered_at for d in draft.deliveries if d.status == DeliveryStatus.DELIVERED
        ]
        visits = [v for v in draft.visits if v.status != VisitStatus.CANCELLED]
        recent = [v for v in visits if v.date_in >= since]
        customer.last_delivery_on = max(delivered).astimezone(self.tz).date() if delivered else None
        customer.last_visit_on = (
            max(v.date_in for v in visits).astimezone(self.tz).date() if visits else None
        )
        customer.lifecycle_state = classification.lifecycle_state(
            today=self.today, last_delivery_on=customer.last_delivery_on,
            last_visit_on=customer.last_visit_on, thresholds=thresholds,
        )  # fmt: skip
        customer.value_tier = classification.value_tier(
            spend_12m=sum((v.labour_amount + v.parts_amount for v in recent), Decimal(0)),
            visits_12m=len(recent),
            thresholds=thresholds,
        )

    def _consents(self, draft, chunk):
        rng = self.rng
        customer = draft.customer
        when = customer.created_at
        bought_recently = (self.today - when.astimezone(self.tz).date()).days < 400
        if not draft.has_vehicles:
            method, by = ConsentMethod.VERBAL_CALL, rng.choice(self.staff[Role.SALES_CONSULTANT])
        elif bought_recently:
            method, by = ConsentMethod.PAPER_FORM, rng.choice(self.staff[Role.SALES_CONSULTANT])
        else:
            method, by = ConsentMethod.IMPORT, None
        wants = {
            ConsentChannel.PHONE: rng.random() >= 0.07,
            ConsentChannel.SMS: rng.random() >= 0.03,
            ConsentChannel.MARKETING: rng.random() < 0.38,
        }
        later = {}
        if not wants[ConsentChannel.PHONE] and rng.random() < 0.5:
            later[ConsentChannel.PHONE] = (
                ConsentMethod.VERBAL_CALL,
                "客户要求不要来电，仅短信联系",
            )
        if wants[ConsentChannel.MARKETING] and rng.random() < 0.08:
            later[ConsentChannel.MARKETING] = (ConsentMethod.SMS_REPLY, "回复TD退订")
        for channel, granted in wants.items():
            chunk.consents.append(
                ConsentRecord(customer=customer, channel=channel, granted=granted or channel in later,
                              method=method, recorded_at=when, recorded_by=by)
            )  # fmt: skip
        for channel, (method, note) in later.items():
            changed_at = min(
                when + datetime.timedelta(days=rng.randint(20, 300), hours=rng.randint(1, 8)),
                self.now,
            )
            by = None
            if method == ConsentMethod.VERBAL_CALL:
                by = rng.choice(self.staff[Role.FOLLOWUP_AGENT])
            chunk.consents.append(
                ConsentRecord(customer=customer, channel=channel, granted=False, method=method,
                              recorded_at=changed_at, recorded_by=by, note=note)
            )  # fmt: skip
            if channel == ConsentChannel.MARKETING:
                wants[channel] = False
        customer.allow_phone = wants[ConsentChannel.PHONE]
        customer.allow_sms = wants[ConsentChannel.SMS]
        customer.allow_marketing = wants[ConsentChannel.MARKETING]
        if rng.random() < 0.05:
            customer.quiet_hours_start, customer.quiet_hours_end = rng.choice(
                ((datetime.time(12, 0), datetime.time(14, 0)),
                 (datetime.time(9, 0), datetime.time(10, 30))),
            )  # fmt: skip

    # writing

    def write(self, chunk):
        """Insert a chunk: customers first, then what points at them."""
        customers = [d.customer for d in chunk.drafts]
        Customer.objects.bulk_create(customers, batch_size=BATCH_SIZE)
        CompanyContact.objects.bulk_create(chunk.contacts, batch_size=BATCH_SIZE)
        links = []
        for draft in chunk.drafts:
            for name in dict.fromkeys(draft.tags):
                links.append(
                    Customer.tags.through(customer_id=draft.customer.pk, tag_id=self.tags[name].pk)
                )
        Customer.tags.through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        Vehicle.objects.bulk_create(chunk.vehicles, batch_size=BATCH_SIZE)
        VehicleOwnership.objects.bulk_create(chunk.ownerships, batch_size=BATCH_SIZE)
        Delivery.objects.bulk_create(chunk.deliveries, batch_size=BATCH_SIZE)
        ServiceVisit.objects.bulk_create(chunk.visits, batch_size=BATCH_SIZE)
        Inquiry.objects.bulk_create(chunk.inquiries, batch_size=BATCH_SIZE)
        ConsentRecord.objects.bulk_create(chunk.consents, batch_size=BATCH_SIZE)
        return [c.pk for c in customers]


def _split(total, shares):
    """`total` split by `shares`, rounded, the rest going to the last part."""
    parts = [round(total * s) for s in shares[:-1]]
    return [*parts, total - sum(parts)]


def _create_group_and_staff(seed, now, say):
    rng = random.Random(f"{seed}:staff")
    group = DealerGroup.objects.create(name=GROUP_NAME, code=GROUP_CODE)
    stores = []
    for spec in STORES:
        store = Store(
            group=group, code=spec.code, name=spec.name, city=spec.home.city,
            region=spec.region, address=spec.address, hotline=spec.hotline, brand=spec.brand,
        )  # fmt: skip
        store.full_clean()
        store.save()
        stores.append(store)
    Tag.objects.bulk_create(Tag(store=store, name=name) for store in stores for name in TAGS)
    password = make_password(DEMO_PASSWORD)  # hashing is slow: once, shared by every account
    users, memberships = [], []
    used_names = set()

    def person(username, **extra):
        while True:
            name, _gender = gen.person_name(rng)
            if name not in used_names:
                used_names.add(name)
                break
        return User(
            username=username, password=password, display_name=name, last_name=name[0],
            first_name=name[1:], dealer_group=group, date_joined=now, **extra,
        )  # fmt: skip

    admin = person(ADMIN_USERNAME, is_group_admin=True)
    users.append(admin)
    staff = {}
    for store in stores:
        staff[store.code] = {}
        for role, _suffix, _count in STAFF:
            for username in staff_usernames(store.code, role):
                user = person(username)
                if role == Role.INTEGRATION:  # a system account, not a person
                    user.display_name = f"DMS接口{store.code}"
                    user.first_name = user.last_name = ""
                users.append(user)
                staff[store.code].setdefault(role, []).append(user)
                memberships.append((user, store, role))
    User.objects.bulk_create(users)
    StoreMembership.objects.bulk_create(
        StoreMembership(user=user, store=store, role=role) for user, store, role in memberships
    )
    say(
        f"{GROUP_NAME}: {len(stores)} stores, {len(users)} staff accounts (password {DEMO_PASSWORD})"
    )
    return group, stores, staff


def build_demo(*, customers=5000, seed=42, stdout=None, now=None):
    """Create the demo group, stores, staff and `customers` customers with their history."""
    started = time.monotonic()
    now = now or timezone.now()

    def say(message):
        if stdout is not None:
            stdout.write(message + "\n")

    with transaction.atomic():
        group, stores, staff = _create_group_and_staff(seed, now, say)
        seen = {}
        customer_ids = []
        timestamped = (Customer, CompanyContact, Vehicle, VehicleOwnership, Delivery,
                       ServiceVisit, Inquiry, ConsentRecord)  # fmt: skip
        with _keep_given_timestamps(*timestamped):
            for spec, store, count in zip(
                STORES, stores, _split(customers, [s.share for s in STORES]), strict=True
            ):
                t0 = time.monotonic()
                builder = _StoreBuilder(spec=spec, store=store, staff=staff[store.code],
                                        seed=seed, now=now, seen=seen)  # fmt: skip
                totals = dict.fromkeys(("vehicles", "deliveries", "visits"), 0)
                for first in range(0, count, CHUNK_SIZE):
                    chunk = builder.generate(min(CHUNK_SIZE, count - first), first)
                    customer_ids += builder.write(chunk)
                    totals["vehicles"] += len(chunk.vehicles)
                    totals["deliveries"] += len(chunk.deliveries)
                    totals["visits"] += len(chunk.visits)
                say(
                    f"{store.code} {store.name}: {count} customers, {totals['vehicles']} vehicles,"
                    f" {totals['deliveries']} deliveries, {totals['visits']} service visits"
                    f" ({time.monotonic() - t0:.1f} s)"
                )
        t0 = time.monotonic()
        for i in range(0, len(customer_ids), SEARCH_BATCH):
            rebuild_search_terms(customer_ids[i : i + SEARCH_BATCH])
        say(f"Search keys: {SearchTerm.objects.count()} ({time.monotonic() - t0:.1f} s)")
        t0 = time.monotonic()
        today = timezone.localdate(now)
        corrected = sum(refresh_classification(store=store, today=today) for store in stores)
        say(
            f"Lifecycle states and value tiers derived ({time.monotonic() - t0:.1f} s,"
            f" {corrected} corrected)"
        )
    return BuildResult(
        group=group, stores=stores, counts=demo_counts(group),
        seconds=time.monotonic() - started,
    )  # fmt: skip


# --- reading the result back ----------------------------------------------------------------------


def demo_counts(group=None):
    """Row counts of the demo (or of everything when no group is given), for summaries and tests."""
    scope = {"store__group": group} if group else {}
    customers = Customer.objects.filter(**scope)

    def by(field):
        return dict(customers.values_list(field).annotate(n=Count("id")).order_by(field))

    visits = ServiceVisit.objects.filter(**scope)
    return {
        "stores": Store.objects.filter(**({"group": group} if group else {})).count(),
        "staff": User.objects.filter(**({"dealer_group": group} if group else {})).count(),
        "customers": customers.count(),
        "customers_by_store": by("store__code"),
        "customers_by_kind": by("kind"),
        "customers_by_type": by("customer_type"),
        "customers_by_lifecycle": by("lifecycle_state"),
        "customers_by_tier": by("value_tier"),
        "vehicles": Vehicle.objects.filter(**scope).count(),
        "new_energy_vehicles": Vehicle.objects.filter(**scope)
        .filter(fuel_type__in=[FuelType.EV, FuelType.PHEV])
        .count(),
        "ownership_transfers": VehicleOwnership.objects.filter(
            reason=OwnershipReason.TRANSFER, **({"vehicle__store__group": group} if group else {})
        ).count(),
        "deliveries": Delivery.objects.filter(**scope).count(),
        "service_visits": visits.count(),
        "open_service_visits": visits.filter(status=VisitStatus.OPEN).count(),
        "service_visits_by_type": dict(
            visits.values_list("visit_type").annotate(n=Count("id")).order_by("visit_type")
        ),
        "inquiries": Inquiry.objects.filter(**scope).count(),
        "company_contacts": CompanyContact.objects.filter(
            **({"customer__store__group": group} if group else {})
        ).count(),
        "consent_records": ConsentRecord.objects.filter(
            **({"customer__store__group": group} if group else {})
        ).count(),
        "refusing_phone": customers.filter(allow_phone=False).count(),
        "accepting_marketing": customers.filter(allow_marketing=True).count(),
        "tagged_customers": customers.filter(tags__isnull=False).distinct().count(),
        "search_terms": SearchTerm.objects.filter(**scope).count(),
    }


def demo_digest():
    """A fingerprint of the generated data (names, numbers, mobiles, VINs, plates, history)."""
    digest = hashlib.sha256()

    def feed(rows):
        for row in rows:
            digest.update(repr(tuple(row)).encode())

    feed(User.objects.order_by("username").values_list("username", "display_name"))
    feed(
        Customer.objects.order_by("store__code", "number").values_list(
            "store__code", "number", "kind", "name", "gender", "birth_date", "mobile", "uscc",
            "customer_type", "lifecycle_state", "value_tier", "allow_phone", "allow_marketing",
        )
    )  # fmt: skip
    feed(
        Vehicle.objects.order_by("store__code", "vin").values_list(
            "store__code", "vin", "plate", "brand", "model_name", "owner__number", "mileage_km"
        )
    )
    feed(
        Delivery.objects.order_by("store__code", "order_no").values_list(
            "store__code", "order_no", "delivered_at", "price", "customer__number"
        )
    )
    feed(
        ServiceVisit.objects.order_by("store__code", "repair_order_no").values_list(
            "store__code", "repair_order_no", "visit_type", "date_in", "date_out", "mileage_km",
            "labour_amount", "parts_amount", "advisor__username",
        )
    )  # fmt: skip
    return digest.hexdigest()
