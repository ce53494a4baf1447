"""Every column the importer understands: its field, converter and the headers that name it; pure.

A field key is unique across kinds (`mileage_km` is the vehicle's odometer, `visit_mileage_km` a
repair order's); `entity` and `attr` say where the value goes. The synonyms are the headers DMS
exports and clerks use, compared after `normalize_header` (no spaces, punctuation, star marks or
bracketed notes, lower case), so "手机号码（必填）" and "Mobile Phone" both find `mobile`.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dealercare.customers.choices import (
    CustomerKind,
    CustomerSource,
    CustomerType,
    FuelType,
    Gender,
)
from dealercare.operations.choices import DeliveryStatus, VisitStatus, VisitType

from . import cleaning as c
from .choices import ImportKind

CUSTOMER, VEHICLE, EVENT = "customer", "vehicle", "event"


@dataclass(frozen=True)
class Column:
    """A field a file column can be mapped to."""

    key: str
    entity: str
    attr: str
    label: str
    convert: object
    synonyms: tuple = ()
    takes_tz: bool = False


def _col(key, entity, label, convert, synonyms, attr=None, takes_tz=False):
    return Column(key, entity, attr or key, label, convert, tuple(synonyms.split()), takes_tz)


GENDER = c.choice_converter(
    Gender, {"男": "male", "女": "female", "先生": "male", "女士": "female", "m": "male",
             "f": "female", "未知": "unknown"},
)  # fmt: skip
CUSTOMER_KIND = c.choice_converter(
    CustomerKind, {"个人": "person", "私人": "person", "公司": "company", "企业": "company",
                   "单位": "company", "公户": "company", "私户": "person"},
)  # fmt: skip
CUSTOMER_TYPE = c.choice_converter(
    CustomerType, {"贵宾": "vip", "重要客户": "vip", "大客户": "enterprise", "企业客户": "enterprise",
                   "集团客户": "enterprise", "普通": "general", "一般": "general",
                   "普通客户": "general", "一般客户": "general"},
)  # fmt: skip
CUSTOMER_SOURCE = c.choice_converter(
    CustomerSource, {"到店": "walk_in", "自然到店": "walk_in", "展厅": "walk_in",
                     "电话": "phone", "来电": "phone", "网络": "online", "线上": "online",
                     "汽车之家": "online", "懂车帝": "online", "转介绍": "referral",
                     "老客户推荐": "referral", "推荐": "referral", "车展": "event",
                     "活动": "event", "厂家": "manufacturer", "主机厂": "manufacturer",
                     "dms": "dms", "其他": "other"},
)  # fmt: skip
FUEL = c.choice_converter(
    FuelType, {"汽油": "petrol", "柴油": "diesel", "混动": "hybrid", "油电混合": "hybrid",
               "混合动力": "hybrid", "hev": "hybrid", "插混": "phev", "插电混动": "phev",
               "插电式混合动力": "phev", "增程": "phev", "增程式": "phev", "纯电": "ev",
               "纯电动": "ev", "电动": "ev", "新能源": "ev", "bev": "ev"},
)  # fmt: skip
VISIT_TYPE = c.choice_converter(
    VisitType, {"保养": "maintenance", "常规保养": "maintenance", "定保": "maintenance",
                "定期保养": "maintenance", "首保": "first_maintenance",
                "首次保养": "first_maintenance", "维修": "repair", "一般维修": "repair",
                "机修": "repair", "机电维修": "repair", "保修": "warranty", "索赔": "warranty",
                "三包": "warranty", "事故": "accident", "事故车": "accident",
                "钣喷": "accident", "钣金喷漆": "accident", "其他": "other", "其它": "other"},
)  # fmt: skip
VISIT_STATUS = c.choice_converter(
    VisitStatus, {"在厂": "open", "维修中": "open", "在修": "open", "未结算": "open",
                  "已结算": "finished", "结算": "finished", "已完工": "finished",
                  "完工": "finished", "已出厂": "finished", "出厂": "finished",
                  "完成": "finished", "已完成": "finished", "取消": "cancelled",
                  "已取消": "cancelled", "作废": "cancelled"},
)  # fmt: skip
DELIVERY_STATUS = c.choice_converter(
    DeliveryStatus, {"已交车": "delivered", "交车": "delivered", "完成": "delivered",
                     "退车": "cancelled", "取消": "cancelled", "已取消": "cancelled",
                     "作废": "cancelled"},
)  # fmt: skip
T = c.text_converter

CUSTOMER_COLUMNS = (
    _col("name", CUSTOMER, _("Customer name"), T(100),
         "姓名 客户 客户姓名 客户名称 客户名 车主 车主姓名 车主名称 单位名称 公司名称 企业名称 名称 "
         "name customername customer fullname owner ownername"),
    _col("mobile", CUSTOMER, _("Mobile"), c.to_mobile,
         "手机 手机号 手机号码 移动电话 联系电话 联系手机 联系方式 电话 电话号码 客户电话 客户手机 "
         "车主电话 车主手机 mobile mobilephone mobileno phone phonenumber cellphone tel telephone"),
    _col("customer_kind", CUSTOMER, _("Person or company"), CUSTOMER_KIND,
         "客户性质 个人单位 个人企业 客户属性 私户公户 customerkind kind", attr="kind"),
    _col("gender", CUSTOMER, _("Gender"), GENDER, "性别 称谓 gender sex"),
    _col("birth_date", CUSTOMER, _("Birth date"), c.to_date,
         "生日 出生日期 出生年月日 birthday birthdate dateofbirth"),
    _col("phone_other", CUSTOMER, _("Other phone"), c.to_phone,
         "其他电话 其它电话 固定电话 座机 办公电话 备用电话 家庭电话 landline otherphone"),
    _col("wechat", CUSTOMER, _("WeChat"), T(50), "微信 微信号 wechat"),
    _col("email", CUSTOMER, _("Email"), c.to_email, "邮箱 电子邮箱 电子邮件 email mail"),
    _col("province", CUSTOMER, _("Province"), T(20), "省份 省 所在省份 province"),
    _col("city", CUSTOMER, _("City"), T(30), "城市 市 所在城市 所在地 city"),
    _col("address", CUSTOMER, _("Address"), T(200),
         "地址 联系地址 家庭地址 住址 通讯地址 详细地址 address"),
    _col("occupation", CUSTOMER, _("Occupation"), T(50), "职业 occupation job"),
    _col("purchase_purpose", CUSTOMER, _("Purchase purpose"), T(100),
         "购车用途 用途 purchasepurpose purpose"),
    _col("customer_source", CUSTOMER, _("Customer source"), CUSTOMER_SOURCE,
         "客户来源 来源 信息来源 线索来源 source", attr="source"),
    _col("uscc", CUSTOMER, _("Credit code"), c.to_uscc,
         "统一社会信用代码 社会信用代码 信用代码 统一信用代码 纳税人识别号 uscc creditcode"),
    _col("customer_type", CUSTOMER, _("Customer type"), CUSTOMER_TYPE,
         "客户类别 客户类型 客户等级 客户级别 customertype"),
    _col("allow_phone", CUSTOMER, _("Accepts phone calls"), c.to_bool,
         "接受电话回访 接受电话 允许电话 允许电话回访 电话回访 allowphone"),
    _col("allow_sms", CUSTOMER, _("Accepts SMS"), c.to_bool,
         "接受短信 允许短信 短信 allowsms"),
    _col("allow_marketing", CUSTOMER, _("Accepts marketing"), c.to_bool,
         "接受营销 允许营销 营销许可 接受营销信息 allowmarketing"),
    _col("notes", CUSTOMER, _("Notes"), T(c.MAX_CELL_CHARS),
         "备注 说明 备注信息 notes note remark remarks"),
)  # fmt: skip
VEHICLE_COLUMNS = (
    _col("vin", VEHICLE, _("VIN"), c.to_vin,
         "vin vin码 vin号 车架号 车架号码 车辆识别代号 车辆识别代码 车辆识别码 车辆识别号 底盘号 "
         "vinno vinnumber 车辆vin"),
    _col("plate", VEHICLE, _("Plate"), c.to_plate,
         "车牌号 车牌 车牌号码 牌照号 牌照 号牌号码 号牌 plate plateno platenumber licenseplate"),
    _col("brand", VEHICLE, _("Brand"), T(30), "品牌 厂牌 车辆品牌 brand make"),
    _col("model_name", VEHICLE, _("Model"), T(60),
         "车型 车型名称 车系 车型号 型号 车辆型号 model modelname vehiclemodel"),
    _col("colour", VEHICLE, _("Colour"), T(20), "颜色 车身颜色 车色 外观颜色 colour color"),
    _col("fuel_type", VEHICLE, _("Fuel"), FUEL,
         "燃料类型 燃油类型 能源类型 动力类型 燃料 fuel fueltype"),
    _col("purchase_date", VEHICLE, _("Purchase date"), c.to_date,
         "购车日期 购买日期 开票日期 购车时间 发票日期 purchasedate"),
    _col("delivery_date", VEHICLE, _("Delivery date"), c.to_date,
         "交车日期 交车时间 交付日期 deliverydate"),
    _col("mileage_km", VEHICLE, _("Mileage (km)"), c.to_int,
         "里程 行驶里程 公里数 里程数 当前里程 表显里程 mileage odometer km"),
    _col("warranty_end", VEHICLE, _("Warranty ends"), c.to_date,
         "保修到期 保修到期日 保修到期日期 保修截止日期 质保到期 warrantyend"),
    _col("insurance_end", VEHICLE, _("Insurance ends"), c.to_date,
         "保险到期 保险到期日 保险到期日期 保险截止日期 商业险到期 交强险到期 insuranceend"),
    _col("inspection_due", VEHICLE, _("Annual inspection due"), c.to_date,
         "年检到期 年审日期 年检日期 年审到期 年检到期日 inspectiondue"),
)  # fmt: skip
DELIVERY_COLUMNS = (
    _col("order_no", EVENT, _("Sales order no."), c.to_code,
         "销售订单号 订单号 合同号 销售单号 订单编号 销售合同号 orderno ordernumber salesorder"),
    _col("delivered_at", EVENT, _("Delivered at"), c.to_datetime,
         "交车日期 交车时间 交付日期 交付时间 deliveredat deliverydate", takes_tz=True),
    _col("consultant_name", EVENT, _("Sales consultant"), T(50),
         "销售顾问 销售员 销售人员 consultant salesconsultant salesman"),
    _col("price", EVENT, _("Price"), c.to_money,
         "成交价 成交价格 车价 价格 销售价格 开票价 开票价格 price"),
    _col("delivery_status", EVENT, _("Delivery status"), DELIVERY_STATUS,
         "交车状态 状态 status", attr="status"),
    _col("delivery_note", EVENT, _("Delivery note"), T(c.MAX_CELL_CHARS),
         "备注 说明 note remark remarks", attr="note"),
)  # fmt: skip
VISIT_COLUMNS = (
    _col("repair_order_no", EVENT, _("Repair order no."), c.to_code,
         "工单号 维修工单号 工单编号 委托书号 委托书编号 维修单号 ro rono repairorder "
         "repairorderno"),
    _col("visit_type", EVENT, _("Visit type"), VISIT_TYPE,
         "维修类型 工单类型 业务类型 维修类别 服务类型 类型 type visittype"),
    _col("advisor_name", EVENT, _("Service advisor"), T(50),
         "服务顾问 接待 接待员 服务接待 维修顾问 advisor serviceadvisor"),
    _col("technician_name", EVENT, _("Technician"), T(50),
         "维修技师 技师 主修技师 主修人 technician"),
    _col("fault_description", EVENT, _("Fault / customer request"), T(c.MAX_CELL_CHARS),
         "故障描述 客户描述 故障现象 客户需求 报修内容 fault faultdescription"),
    _col("work_summary", EVENT, _("Work done"), T(c.MAX_CELL_CHARS),
         "维修内容 维修项目 作业内容 处理结果 worksummary workdone"),
    _col("visit_mileage_km", EVENT, _("Mileage at visit (km)"), c.to_int,
         "里程 进厂里程 行驶里程 公里数 里程数 表显里程 mileage odometer km", attr="mileage_km"),
    _col("date_in", EVENT, _("Date in"), c.to_datetime,
         "进厂日期 进厂时间 进站日期 进站时间 入厂日期 入厂时间 开单日期 开单时间 接车时间 "
         "datein checkin", takes_tz=True),
    _col("date_out", EVENT, _("Date out"), c.to_datetime,
         "出厂日期 出厂时间 离站时间 出站日期 出站时间 结算日期 结算时间 完工日期 交车时间 "
         "dateout checkout", takes_tz=True),
    _col("labour_amount", EVENT, _("Labour"), c.to_money,
         "工时费 工时费用 人工费 维修工时费 labour labor labouramount"),
    _col("parts_amount", EVENT, _("Parts"), c.to_money,
         "材料费 配件费 零件费 备件费 材料费用 parts partsamount"),
    _col("visit_status", EVENT, _("Visit status"), VISIT_STATUS,
         "工单状态 状态 status", attr="status"),
)  # fmt: skip

ALL_COLUMNS = {col.key: col for col in (*CUSTOMER_COLUMNS, *VEHICLE_COLUMNS, *DELIVERY_COLUMNS,
                                        *VISIT_COLUMNS)}  # fmt: skip
# On an event row the customer and vehicle are identified (and created when new), not edited.
IDENTITY_KEYS = ("name", "mobile", "customer_kind", "gender", "uscc", "phone_other", "city",
                 "address")  # fmt: skip
_identity = tuple(ALL_COLUMNS[k] for k in IDENTITY_KEYS)

# Per kind, in guessing priority: a header both lists know ("里程", "交车日期") goes to the first.
KIND_COLUMNS = {
    ImportKind.CUSTOMERS: (*CUSTOMER_COLUMNS, *VEHICLE_COLUMNS),
    ImportKind.VEHICLES: (*VEHICLE_COLUMNS, *_identity),
    ImportKind.DELIVERIES: (*DELIVERY_COLUMNS, *_identity,
                            *(col for col in VEHICLE_COLUMNS if col.key != "delivery_date")),
    ImportKind.SERVICE_VISITS: (*VISIT_COLUMNS, *_identity,
                                *(col for col in VEHICLE_COLUMNS if col.key != "mileage_km")),
}  # fmt: skip

# Which mapped fields a kind needs; a tuple is "one of these".
REQUIRED = {
    ImportKind.CUSTOMERS: ("name", ("mobile", "vin", "uscc")),
    ImportKind.VEHICLES: (("vin", "plate"),),
    ImportKind.DELIVERIES: ("delivered_at", "name", ("vin", "plate")),
    ImportKind.SERVICE_VISITS: ("repair_order_no", "date_in", "name", ("vin", "plate")),
}

_HEADER_NOISE = re.compile(r"[（(【\[<《].*?[)）】\]>》]|[\s*＊:：_\-.。、/\\|#№·•'\"“”‘’]+")


def normalize_header(text):
    """The comparable form of a header: '手机号码（必填）*' → '手机号码', 'Mobile Phone' → 'mobilephone'."""
    raw = c.as_text(text)
    cleaned = _HEADER_NOISE.sub("", raw).lower()
    return cleaned or re.sub(r"\s+", "", raw).lower()


def _synonym_index(columns):
    exact = {}
    for col in columns:
        for word in (col.key, *col.synonyms):
            exact.setdefault(normalize_header(word), col.key)
    return exact


_INDEX = {kind: _synonym_index(cols) for kind, cols in KIND_COLUMNS.items()}
_ANY_INDEX = _synonym_index(ALL_COLUMNS.values())
_CONTAINS = {
    kind: sorted(
        ((word, key) for word, key in index.items() if len(word) >= 2 and not word.isascii()),
        key=lambda item: -len(item[0]),
    )
    for kind, index in _INDEX.items()
}


def guess_field(kind, header):
    """The field a header most likely names for this kind, or None. Exact synonyms first, then
    the longest Chinese synonym the header contains ("客户手机号码" → mobile)."""
    norm = normalize_header(header)
    if not norm:
        return None
    kind = ImportKind(kind)
    if norm in _INDEX[kind]:
        return _INDEX[kind][norm]
    for word, key in _CONTAINS[kind]:
        if word in norm:
            return key
    return None


def header_score(cells):
    """How many cells of a row read as known headers (of any kind): finds the header row."""
    return sum(1 for cell in cells if not c.is_blank(cell) and normalize_header(cell) in _ANY_INDEX)


def guess_mapping(kind, headers, saved=None):
    """{column index: field key} for a file's headers: a saved mapping of the same source
    first (by header text), then guesses; each field is used once, by the first column naming it."""
    saved = saved or {}
    allowed = {col.key for col in KIND_COLUMNS[ImportKind(kind)]}
    mapping, used = {}, set()
    for index, header in enumerate(headers):
        key = saved.get(normalize_header(header))
        if key in allowed and key not in used:
            mapping[index] = key
            used.add(key)
    for index, header in enumerate(headers):
        if index in mapping or normalize_header(header) in saved:
            continue  # a header the source's saved mapping leaves unmapped stays unmapped
        key = guess_field(kind, header)
        if key and key not in used:
            mapping[index] = key
            used.add(key)
    return mapping


def missing_required(kind, mapped_keys):
    """The required fields (or groups) a mapping lacks, as labels for a message."""
    mapped = set(mapped_keys)
    missing = []
    for need in REQUIRED[ImportKind(kind)]:
        group = need if isinstance(need, tuple) else (need,)
        if not mapped.intersection(group):
            missing.append(" / ".join(str(ALL_COLUMNS[k].label) for k in group))
    return missing


def columns_for(kind):
    return KIND_COLUMNS[ImportKind(kind)]
