"""The shipped defaults: dimensions, scoring models and questionnaires (DOMAIN §4).

- Seed 000 §1.3.2 sales items and §1.3.3 service items, grouped by the seed's sections. Sales
  sections are the sales dimensions (the execution checks are yes/no and count in no
  dimension, ADR 0004); service items map onto seed 001's five service dimensions, so the
  seed-000 service questionnaire and the five-dimension survey roll up alike.
- Seed 001's five-dimension service survey: one item per dimension, 20% each.

Pure data plus ``ensure_defaults(models)``, which takes the model classes so that the data
migration (historical models) and the services (real models) share it. Idempotent: rows that
exist (by code) are left as they are, so a dealer's edits survive.
"""

from __future__ import annotations

from dataclasses import dataclass

# (code, name, business) in display order.
DIMENSIONS = (
    ("service_skill", "服务技能", "service"),
    ("service_attitude", "服务态度", "service"),
    ("timeliness", "服务及时性", "service"),
    ("parts_supply", "配件供应", "service"),
    ("overall_service", "服务综合", "service"),
    ("showroom", "展厅", "sales"),
    ("viewing", "看车过程", "sales"),
    ("price_payment", "车价与付款", "sales"),
    ("delivery", "交车服务", "sales"),
    ("followup_service", "跟踪服务", "sales"),
)
SERVICE_DIMENSION_CODES = tuple(code for code, _, b in DIMENSIONS if b == "service")
SALES_DIMENSION_CODES = tuple(code for code, _, b in DIMENSIONS if b == "sales")

SERVICE_MODEL_CODE = "service-5d-v1"
SALES_MODEL_CODE = "sales-5d-v1"
SCORING_MODELS = (
    {
        "code": SERVICE_MODEL_CODE,
        "name": "服务满意度五维度模型",
        "business": "service",
        "scale": 100,
        "dimension_weights": dict.fromkeys(SERVICE_DIMENSION_CODES, "1/5"),
    },
    {
        "code": SALES_MODEL_CODE,
        "name": "销售满意度五项模型",
        "business": "sales",
        "scale": 100,
        "dimension_weights": dict.fromkeys(SALES_DIMENSION_CODES, "1/5"),
    },
    # The same weights on the 1,000-point scale of the external CSI studies (J.D. Power style),
    # so a store can report on the scale its manufacturer uses.
    {
        "code": "service-5d-1000",
        "name": "服务满意度五维度模型（千分制）",
        "business": "service",
        "scale": 1000,
        "dimension_weights": dict.fromkeys(SERVICE_DIMENSION_CODES, "1/5"),
    },
    {
        "code": "sales-5d-1000",
        "name": "销售满意度五项模型（千分制）",
        "business": "sales",
        "scale": 1000,
        "dimension_weights": dict.fromkeys(SALES_DIMENSION_CODES, "1/5"),
    },
)


@dataclass(frozen=True)
class ItemRow:
    """One shipped item: code, question, kind, dimension code (scored items), weight."""

    code: str
    text: str
    kind: str = "score"
    dimension: str | None = None
    weight: str = "1"
    choices: tuple = ()
    required: bool = True


def _scored(dimension, *rows):
    return tuple(ItemRow(code, text, "score", dimension) for code, text in rows)


SALES_QUESTIONNAIRE = {
    "code": "sales",
    "name": "销售满意度调查",
    "business": "sales",
    "sections": (
        ("展厅", _scored("showroom",
            ("storefront", "店面标示是否明显,门面装饰是否有吸引力"),
            ("showroom_exterior", "展厅外观是否整洁"),
            ("showroom_interior", "展厅内是否整洁、舒适"),
            ("showroom_cars", "展厅内车辆是否整洁,是否有足够车型可选,车型资料是否满意"),
        )),
        ("看车过程", _scored("viewing",
            ("consultant_manner", "销售顾问仪表、着装、态度是否满意"),
            ("consultant_expertise", "销售顾问是否专业"),
            ("viewing_overall", "整个看车过程感觉如何"),
        )),
        ("车价与付款", _scored("price_payment",
            ("price_fair", "价格是否合理满意"),
            ("charges_explained", "是否知道收费金额所包含内容"),
            ("card_payment", "是否支持银行卡消费"),
        )),
        ("交车服务", _scored("delivery",
            ("delivered_on_time", "是否按时交车"),
            ("car_clean", "车辆是否整洁明亮"),
            ("controls_explained", "销售顾问是否详细介绍新车操控等内容"),
            ("maintenance_explained", "向您完整解释车辆所需要的保养维修内容"),
        )),
        ("跟踪服务", _scored("followup_service",
            ("consultant_called_back", "交车后,销售顾问是否进行过回访"),
            ("problems_helped", "交车后遇到问题,是否有专人主动帮助解决"),
        )),
        ("执行率评价", (
            ItemRow("background_music", "展厅是否有背景音乐", "yes_no"),
            ItemRow("staff_uniform", "展厅工作人员是否统一着装", "yes_no"),
            ItemRow("warranty_reminded", "是否提醒保修期限和保修范围", "yes_no"),
        )),
        ("意见与建议", (
            ItemRow("sales_suggestions", "请问您对我们的销售工作和产品还有什么建议和意见吗?",
                    "text", required=False),
        )),
    ),
}  # fmt: skip

SERVICE_QUESTIONNAIRE = {
    "code": "service",
    "name": "售后服务满意度调查",
    "business": "service",
    "sections": (
        ("维修站环境", (
            ItemRow("facility_clean", "服务中心门面及车间是否整洁", dimension="overall_service"),
            ItemRow("opening_hours", "营业时间是否满足需求", dimension="overall_service"),
            ItemRow("lounge_comfort", "休息区是否整洁舒适", dimension="overall_service"),
        )),
        ("服务过程", (
            ItemRow("reception_attitude", "接待人员态度如何", dimension="service_attitude"),
            ItemRow("greeted_on_arrival", "是否刚进站就有人接待", dimension="timeliness"),
            ItemRow("reception_expertise", "接待人员是否专业", dimension="service_skill"),
            ItemRow("appointment", "是否合理的预约", dimension="timeliness"),
            ItemRow("waiting_service", "等候中服务如何", dimension="service_attitude"),
            ItemRow("handover_billing", "完工后验收、交车和结算如何", dimension="overall_service"),
            ItemRow("followup_call", "跟踪回访如何", dimension="overall_service"),
        )),
        ("维修质量", (
            ItemRow("diagnosis_correct", "是否能正确判断故障", dimension="service_skill"),
            ItemRow("fault_fixed", "故障是否都解决", dimension="service_skill"),
            ItemRow("technician_attitude", "维修人员态度感觉如何", dimension="service_attitude"),
        )),
        ("维修收费", (
            ItemRow("labour_fair", "工时费是否合理", dimension="overall_service"),
            ItemRow("parts_price_fair", "配件价钱是否合理", dimension="parts_supply"),
            ItemRow("charges_transparent", "收费是否讲解透明", dimension="overall_service"),
        )),
        ("服务及时性", (
            ItemRow("repair_started_promptly", "登记后是否马上维修", dimension="timeliness"),
            ItemRow("repair_time_reasonable", "维修时间是否合理", dimension="timeliness"),
        )),
        ("意见与建议", (
            ItemRow("service_suggestions", "您认为我们服务工作还存在哪些不足,能为我们指出吗?",
                    "text", required=False),
        )),
    ),
}  # fmt: skip

SERVICE_5D_QUESTIONNAIRE = {
    "code": "service-5d",
    "name": "客户服务满意度调查(五维度)",
    "business": "service",
    "sections": (
        ("服务满意度", (
            ItemRow("service_skill", "您对我们的服务技能(故障判断、一次修复)满意吗?",
                    dimension="service_skill"),
            ItemRow("service_attitude", "您对我们的服务态度满意吗?", dimension="service_attitude"),
            ItemRow("timeliness", "您对我们服务的及时性满意吗?", dimension="timeliness"),
            ItemRow("parts_supply", "您对配件供应满意吗?", dimension="parts_supply"),
            ItemRow("overall_service", "您对我们的整体服务满意吗?", dimension="overall_service"),
        )),
        ("意见与建议", (
            ItemRow("suggestions", "您还有什么意见或建议?", "text", required=False),
        )),
    ),
}  # fmt: skip

QUESTIONNAIRES = (SALES_QUESTIONNAIRE, SERVICE_QUESTIONNAIRE, SERVICE_5D_QUESTIONNAIRE)

# Which questionnaire a follow-up kind asks when the store has not chosen (contract 4): the
# sales questionnaire in delivery calls, the service one in service follow-ups, none otherwise.
DEFAULT_KIND_QUESTIONNAIRES = {
    "delivery_care_call": None,
    "delivery_first_followup": "sales",
    "delivery_seven_day_care_call": None,
    "delivery_run_in_reminder": None,
    "service_followup": "service",
    "complaint_satisfaction_check": None,
    "survey_recovery": None,
}
# The questionnaire an SMS link or a tablet asks by default, per business: short ones.
DEFAULT_BUSINESS_QUESTIONNAIRES = {"sales": "sales", "service": "service-5d"}


def ensure_defaults(*, Dimension, ScoringModel, Questionnaire, QuestionnaireVersion,
                    Section, Item, now=None) -> dict:  # fmt: skip
    """Create the shipped rows that are missing (by code); returns {label: created count}."""
    created = {"dimensions": 0, "scoring_models": 0, "questionnaires": 0}
    dimensions = {}
    for order, (code, name, business) in enumerate(DIMENSIONS):
        dimension, new = Dimension.objects.get_or_create(
            code=code, defaults={"name": name, "business": business, "order": order}
        )
        dimensions[code] = dimension
        created["dimensions"] += new
    for row in SCORING_MODELS:
        _, new = ScoringModel.objects.get_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
        created["scoring_models"] += new
    for spec in QUESTIONNAIRES:
        if Questionnaire.objects.filter(store__isnull=True, code=spec["code"]).exists():
            continue
        questionnaire = Questionnaire.objects.create(
            code=spec["code"], name=spec["name"], business=spec["business"]
        )
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire, number=1, status="published", published_at=now,
            note="Shipped default",
        )  # fmt: skip
        for section_order, (title, rows) in enumerate(spec["sections"]):
            section = Section.objects.create(version=version, order=section_order, title=title)
            Item.objects.bulk_create(
                Item(
                    version=version,
                    section=section,
                    order=order,
                    code=row.code,
                    text=row.text,
                    kind=row.kind,
                    dimension=dimensions.get(row.dimension),
                    weight=row.weight,
                    choices=list(row.choices),
                    required=row.required,
                )  # fmt: skip
                for order, row in enumerate(rows)
            )
        created["questionnaires"] += 1
    return created
