"""Call scripts (话术), the standard phrases agents see, and the phrases they must not say
(DOMAIN §3, seed 000 §2.1-2.2); pure, no database.

Default scripts are data in Chinese (a dealer edits them per rule and customer type); the
placeholders in braces are filled by `render_script()`. `forbidden_phrases_in()` flags the answers
seed 000 forbids when a customer complains, in an agent's notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import phonenumbers
from django.utils.translation import gettext_lazy as _

# What a script may mention; the console fills them from the task (see services.script_values).
PLACEHOLDERS = (
    "name",  # customer name
    "title",  # 先生 / 女士 (empty for a company)
    "store",  # store name
    "agent",  # the calling agent's name
    "model",  # vehicle model
    "plate",  # plate number
    "days_since_delivery",
    "hotline",  # the store's service hotline
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render_script(template: str, values: Mapping[str, object]) -> str:
    """The script with every known placeholder filled; unknown ones stay visible as typed."""

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key not in PLACEHOLDERS:
            return match.group(0)
        value = values.get(key)
        return "" if value is None else str(value)

    return _PLACEHOLDER.sub(fill, template)


def spoken_phone(number: str) -> str:
    """A stored phone number as a customer reads it: "2088886666" -> "020 8888 6666"."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders in `template` that `render_script` would not fill, in order of appearance."""
    seen = []
    for key in _PLACEHOLDER.findall(template):
        if key not in PLACEHOLDERS and key not in seen:
            seen.append(key)
    return seen


# --- default scripts, by rule code ----------------------------------------------------------------

_OPENING = "您好！{name}{title}，我是{store}客户中心的客服专员{agent}。"
_VIP_OPENING = "尊敬的{name}{title}，您好！我是{store}客户中心为您专属服务的客服专员{agent}。"
_COMPANY_OPENING = "您好！我是{store}客户中心的客服专员{agent}，请问是{name}的车辆负责人吗？"
_CONSENT = "想对您进行一个简单的电话回访，可能需要占用您几分钟时间，请问现在方便吗？"
_CLOSE = "感谢您对我们的支持，如果您有任何需要，欢迎拨打我们的服务热线{hotline}。再见！"

_BODIES = {
    "delivery_care_call": (
        "感谢您在我店提车，祝贺您喜提{model}！"
        + _CONSENT
        + "请问交车过程中您对我们的服务是否满意？销售顾问有没有把车辆的操作给您讲解清楚？"
    ),
    "delivery_first_followup": (
        "{days_since_delivery}天前您在我店购买了一辆{model}。"
        + _CONSENT
        + "请问这几天用车情况怎么样？对车辆功能和操作还有什么疑问吗？"
    ),
    "delivery_seven_day_care_call": (
        "您的{model}提车已经一周了。"
        + _CONSENT
        + "请问车辆使用是否顺利？您对我们的销售工作和产品还有什么建议和意见吗？"
    ),
    "delivery_run_in_reminder": (
        "您的{model}提车已经{days_since_delivery}天了，"
        "提醒您按照保养手册的要求按时回店进行走合保养（首保），"
        "我们可以为您预约时间，减少您的等待。"
    ),
    "service_followup": (
        "您的爱车{plate}前几天在我店进行了维修保养。"
        + _CONSENT
        + "请问车辆的故障是否已经彻底排除？使用中还有什么问题吗？"
        "也提醒您下次保养的时间和里程。"
    ),
    "complaint_satisfaction_check": (
        "前几天您向我们反映的问题已经处理完毕。"
        + _CONSENT
        + "请问您对我们的处理结果和处理过程是否满意？"
    ),
    "survey_recovery": (
        "感谢您参加我们的满意度调查，您反映的不满意之处我们非常重视。"
        + _CONSENT
        + "能否请您具体说说哪里让您不满意？我们会认真记录并尽快给您答复。"
    ),
}

_SMS = {
    "delivery_care_call": "【{store}】{name}{title}，感谢您选择{store}，祝贺您喜提{model}！"
    "用车中有任何问题请致电{hotline}。回TD退订",
    "delivery_first_followup": "【{store}】{name}{title}，您的{model}已提车{days_since_delivery}天，"
    "如对车辆使用有任何疑问，欢迎致电{hotline}。回TD退订",
    "delivery_seven_day_care_call": "【{store}】{name}{title}，您的{model}提车已一周，"
    "感谢您的信任，有任何建议欢迎致电{hotline}。回TD退订",
    "delivery_run_in_reminder": "【{store}】{name}{title}，您的{model}已提车{days_since_delivery}天，"
    "请按保养手册按时回店进行走合保养，预约电话{hotline}。回TD退订",
    "service_followup": "【{store}】{name}{title}，感谢您到店维修保养，车辆{plate}使用中如有任何问题"
    "请致电{hotline}。回TD退订",
    "survey_recovery": "【{store}】{name}{title}，感谢您参加满意度调查，您的意见我们非常重视，"
    "客服专员将尽快与您联系，也欢迎致电{hotline}。回TD退订",
    "complaint_satisfaction_check": "【{store}】{name}{title}，您反映的问题已处理完毕，"
    "如对处理结果有任何意见，请致电{hotline}。回TD退订",
}


def default_scripts(code: str) -> dict[str, str]:
    """The default script fields of a rule (general, VIP, enterprise, SMS) for a default code."""
    body = _BODIES.get(code, _CONSENT)
    return {
        "script_template": _OPENING + body + _CLOSE,
        "script_template_vip": _VIP_OPENING + body + _CLOSE,
        "script_template_enterprise": _COMPANY_OPENING + body + _CLOSE,
        "sms_template": _SMS.get(
            code, "【{store}】{name}{title}，如有任何需要请致电{hotline}。回TD退订"
        ),
    }


# --- phrases ----------------------------------------------------------------------------------

# Seed 000 §2.2 g): what to say, by situation; the console shows them as guidance.
STANDARD_PHRASES: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    (
        "opening",
        _("Ask for consent first"),
        ("您好！_先生/女士，我想对您进行一个简单的电话回访，可能需要占用您几分钟时间。",),
    ),
    (
        "refusal",
        _("When the customer declines"),
        ("打扰了，如果您有需要，请与我们联系，我们的电话是：{hotline}",),
    ),
    ("accepted", _("When the customer accepts"), ("请问您对我们的服务满意吗？",)),
    (
        "complaint",
        _("When the customer complains"),
        (
            "很抱歉",
            "对不起",
            "对我同事的行为向您道歉",
            "请讲",
            "您说",
            "我在认真记录",
            "让我的同事打电话向您道歉好吗？",
        ),
    ),
    (
        "opinion",
        _("Asking for opinions"),
        (
            "您认为我们服务工作还存在哪些不足，能为我们指出吗？",
            "您的意见对我们改进服务很重要",
            "谢谢您的宝贵意见",
            "我会及时将您反映的情况转告我的同事",
        ),
    ),
    ("repeat", _("Before closing"), ("向客户复述一下反馈的情况，以示回访的认真和真诚。",)),
    ("thanks", _("Closing"), ("感谢您对我们的支持，再见！",)),
)

# Seed 000 §2.2 g) III: never answer a complaint with these.
FORBIDDEN_PHRASES: tuple[str, ...] = ("真的吗", "不可能", "你确定吗")

# Spellings of the same answer, mapped to the phrase counted (您 for 你, 嘛 for 吗).
_VARIANTS = {
    "真的嘛": "真的吗",
    "真的么": "真的吗",
    "您确定吗": "你确定吗",
    "你确定嘛": "你确定吗",
    "您确定嘛": "你确定吗",
    "你确定么": "你确定吗",
    "您确定么": "你确定吗",
}
# Spaces typed inside a phrase ("真 的 吗") do not hide it; punctuation does change its meaning.
_IGNORED = re.compile(r"[\s\u3000]+")


def forbidden_phrases_in(text: str) -> list[str]:
    """The forbidden phrases `text` contains, each once, in the order of FORBIDDEN_PHRASES."""
    if not text:
        return []
    compact = _IGNORED.sub("", text)
    for variant, phrase in _VARIANTS.items():
        compact = compact.replace(variant, phrase)
    return [phrase for phrase in FORBIDDEN_PHRASES if phrase in compact]
