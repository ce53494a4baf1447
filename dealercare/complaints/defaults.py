"""What a store starts with: seed 001's five dimensions and their reasons plus product quality,
and the time limits per severity (DOMAIN §5 defaults); pure data, editable per store later."""

from .sla import Limit, LimitUnit

# (code, Chinese name, [(reason code, Chinese name), ...]); names are data the CS manager edits,
# so they are stored in Chinese as the store uses them (seed 001, 五个维度指标的详细内容).
DEFAULT_CATEGORIES = (
    ("service_skill", "服务技能", (
        ("repeat_repair", "多次维修未解决"),
        ("slow_small_fault", "小故障处理效率低"),
        ("fault_not_removed", "故障未彻底排除"),
        ("long_repair", "维修时间长"),
    )),
    ("service_attitude", "服务态度", (
        ("rude", "服务态度不好"),
        ("no_show", "服务不到场"),
        ("slow_handling", "处理问题拖沓"),
        ("forced_parts", "强制客户购买配件"),
        ("promise_broken", "未兑现服务承诺"),
    )),
    ("timeliness", "服务及时性", (
        ("late_arrival", "到场时间不及时"),
        ("no_service_car", "服务车缺乏导致不及时"),
        ("few_staff", "人员少导致不及时"),
        ("far_away", "距离远"),
        ("hotline_not_notified", "热线未及时通知"),
        ("engineer_busy", "工程师忙未及时到场"),
    )),
    ("parts_supply", "配件供应", (
        ("parts_late", "供应不及时"),
        ("warehouse_far", "仓库距离远"),
        ("long_wait", "发货、等待时间长"),
        ("out_of_stock", "库存量不足需外调"),
        ("wrong_part", "发错配件"),
    )),
    ("overall_service", "服务综合", (
        ("image", "服务形象"),
        ("cumbersome_process", "流程繁琐、制度"),
        ("head_office_slow", "总部处理慢"),
    )),
    ("product_quality", "产品质量", (
        ("performance", "产品性能"),
        ("function", "产品功能"),
        ("operation", "产品操作"),
    )),
)  # fmt: skip

# (severity, step) -> limit. DOMAIN §5: acknowledge within 2 working hours, a solution within
# 3 working days; serious and major complaints get shorter limits.
DEFAULT_LIMITS = {
    ("normal", "acknowledge"): Limit(2, LimitUnit.HOURS),
    ("normal", "solution"): Limit(3, LimitUnit.DAYS),
    ("serious", "acknowledge"): Limit(2, LimitUnit.HOURS),
    ("serious", "solution"): Limit(2, LimitUnit.DAYS),
    ("major", "acknowledge"): Limit(1, LimitUnit.HOURS),
    ("major", "solution"): Limit(1, LimitUnit.DAYS),
}

# How long before a deadline the owner is warned, as a share of the step's limit (at least
# 15 minutes): a quarter of 2 hours is 30 minutes, of 3 days about 6.75 working hours.
WARN_SHARE = 0.25
REPEAT_WINDOW_DAYS = 90  # a complaint by the same customer or about the same vehicle within it
