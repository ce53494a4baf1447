"""Scripts, standard and forbidden phrases, and the default rules' data (pure)."""

import pytest

from dealercare.followups.defaults import default_rule_rows
from dealercare.followups.rules import DEFAULT_RULES
from dealercare.followups.scripts import (
    FORBIDDEN_PHRASES,
    STANDARD_PHRASES,
    forbidden_phrases_in,
    render_script,
    spoken_phone,
    unknown_placeholders,
)


def test_placeholders_are_filled_and_missing_values_are_left_empty():
    text = render_script(
        "{name}{title}您好，我是{store}的{agent}，您的{model}已提车{days_since_delivery}天。",
        {"name": "王伟", "title": "先生", "store": "天河店", "agent": "小张", "model": None,
         "days_since_delivery": 3},
    )  # fmt: skip

    assert text == "王伟先生您好，我是天河店的小张，您的已提车3天。"


def test_unknown_placeholders_stay_visible_and_are_reported():
    template = "{name}，{birthday}快乐！{name}{bonus}"

    assert render_script(template, {"name": "王伟"}) == "王伟，{birthday}快乐！王伟{bonus}"
    assert unknown_placeholders(template) == ["birthday", "bonus"]


@pytest.mark.parametrize(
    ("stored", "spoken"),
    [
        ("2088886666", "020 8888 6666"),
        ("4008840066", "400 884 0066"),
        ("13800138000", "138 0013 8000"),
        ("", ""),
        ("12", "12"),
        ("not a number", "not a number"),
    ],
)
def test_phone_numbers_are_spoken_as_customers_dial_them(stored, spoken):
    assert spoken_phone(stored) == spoken


@pytest.mark.parametrize(
    ("notes", "found"),
    [
        ("客户很满意，无其他问题", []),
        ("", []),
        (None, []),
        ("真的吗？我帮您查一下", ["真的吗"]),
        ("真 的 吗", ["真的吗"]),
        ("真的嘛", ["真的吗"]),
        ("您确定吗", ["你确定吗"]),
        ("你确定么", ["你确定吗"]),
        ("不可能出现这种情况，你确定吗？真的吗", ["真的吗", "不可能", "你确定吗"]),
        ("真的吗真的吗", ["真的吗"]),
        ("不，可能是电瓶问题", []),  # "no, maybe it is the battery": not the phrase
    ],
)
def test_forbidden_phrases_are_found_in_notes(notes, found):
    assert forbidden_phrases_in(notes) == found


def test_the_forbidden_phrases_are_those_of_the_domain():
    assert FORBIDDEN_PHRASES == ("真的吗", "不可能", "你确定吗")


def test_standard_phrases_cover_each_situation_of_seed_000():
    assert [key for key, _, _ in STANDARD_PHRASES] == [
        "opening", "refusal", "accepted", "complaint", "opinion", "repeat", "thanks",
    ]  # fmt: skip
    assert all(phrases for _, _, phrases in STANDARD_PHRASES)


def test_every_default_rule_has_scripts_that_use_only_known_placeholders():
    rows = default_rule_rows()

    assert [row["code"] for row in rows] == [rule.code for rule in DEFAULT_RULES]
    for row in rows:
        for field in ("script_template", "script_template_vip", "script_template_enterprise",
                      "sms_template"):  # fmt: skip
            assert row[field], (row["code"], field)
            assert unknown_placeholders(row[field]) == [], (row["code"], field)
        assert "回TD退订" in row["sms_template"]
