"""What a customer is found by, and what a typed query looks for."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealercare.customers.choices import SearchKind as K
from dealercare.customers.search_terms import customer_terms, name_readings, query_probes


def test_name_readings_give_full_pinyin_and_initials():
    full, initials = name_readings("张三")
    assert full == ["zhangsan"]
    assert initials == ["zs"]


def test_polyphonic_surname_gets_its_surname_reading_first():
    full, initials = name_readings("曾伟")
    assert full == ["zengwei", "cengwei"]
    assert initials == ["zw", "cw"]
    assert name_readings("单立")[0] == ["shanli", "danli"]


def test_given_names_take_only_their_reading_in_context():
    # 俊 can be read shun/dun in rare words; 朱俊 must not be found by "zs" or "zd".
    assert name_readings("朱俊") == (["zhujun"], ["zj"])
    assert name_readings("张俊洋") == (["zhangjunyang"], ["zjy"])


def test_latin_letters_in_a_name_are_ignored_by_pinyin():
    assert name_readings("Tom") == ([], [])


def test_customer_terms_cover_every_kind():
    terms = customer_terms(
        name="张三",
        number="GZ01-000123",
        mobiles=["13812345678", ""],
        plates=["粤B12345"],
        vins=["1M8GDM9AXKP042788"],
    )
    assert terms == {
        (K.NAME, "张三"),
        (K.PINYIN, "zhangsan"),
        (K.INITIALS, "zs"),
        (K.NUMBER, "GZ01000123"),
        (K.MOBILE, "13812345678"),
        (K.MOBILE_TAIL, "5678"),
        (K.PLATE, "粤B12345"),
        (K.PLATE_TAIL, "B12345"),
        (K.VIN, "1M8GDM9AXKP042788"),
        (K.VIN_TAIL, "042788"),
    }


def test_customer_number_is_found_with_or_without_its_dash():
    terms = customer_terms(name="", number="GZ01-000123", mobiles=[], plates=[], vins=[])
    for query in ("GZ01-000123", "gz01000123"):
        assert any(p.exact and p.term == "GZ01000123" and K.NUMBER in p.kinds
                   for p in query_probes(query))  # fmt: skip
    assert terms == {(K.NUMBER, "GZ01000123")}


def test_company_with_latin_name_is_found_by_its_letters():
    terms = customer_terms(name="BYD 比亚迪", number="", mobiles=[], plates=[], vins=[])
    assert (K.PINYIN, "bydbiyadi") not in terms
    assert (K.PINYIN, "byd") in terms
    assert (K.PINYIN, "biyadi") in terms


def probes(q):
    return [(p.kinds, p.term, p.exact) for p in query_probes(q)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", []),
        ("   ", []),
        (
            "13812345678",
            [((K.MOBILE,), "13812345678", True), ((K.PLATE_TAIL, K.NUMBER), "13812345678", False)],
        ),
        (
            "+86 138 1234 5678",
            [
                ((K.MOBILE,), "13812345678", True),
                ((K.PLATE_TAIL, K.NUMBER), "8613812345678", False),
            ],
        ),
        ("5678", [((K.MOBILE_TAIL,), "5678", True), ((K.PLATE_TAIL, K.NUMBER), "5678", False)]),
        (
            "042788",
            [
                ((K.VIN_TAIL,), "042788", True),
                ((K.MOBILE,), "042788", False),
                ((K.PLATE_TAIL, K.NUMBER), "042788", False),
            ],
        ),
        ("粤B12345", [((K.PLATE,), "粤B12345", True), ((K.PLATE,), "粤B12345", False)]),
        ("粤b1", [((K.PLATE,), "粤B1", False)]),
        (
            "b12345",
            [
                ((K.VIN_TAIL,), "B12345", True),
                ((K.PLATE_TAIL, K.NUMBER), "B12345", True),
                ((K.PLATE_TAIL, K.NUMBER), "B12345", False),
            ],
        ),
        (
            "1m8gdm9axkp042788",
            [
                ((K.VIN,), "1M8GDM9AXKP042788", True),
                ((K.PLATE_TAIL, K.NUMBER), "1M8GDM9AXKP042788", True),
                ((K.PLATE_TAIL, K.NUMBER), "1M8GDM9AXKP042788", False),
            ],
        ),
        ("ZS", [((K.INITIALS, K.PINYIN), "zs", True), ((K.PINYIN, K.INITIALS), "zs", False)]),
        ("z", [((K.INITIALS, K.PINYIN), "z", True)]),
        ("张三", [((K.NAME,), "张三", True), ((K.NAME,), "张三", False)]),
    ],
)
def test_query_shapes(query, expected):
    assert probes(query) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=12)
    | st.lists(st.sampled_from("重庆长安银行行长城汽车朝阳区单田芳解放王伟张曾乐"), max_size=8).map(
        "".join
    )
)
def test_pinyin_syllables_are_exactly_pypinyins_lazy_pinyin(han):
    from pypinyin import Style, lazy_pinyin

    from dealercare.customers.search_terms import pinyin_syllables

    expected = lazy_pinyin(han, style=Style.NORMAL, errors="ignore", v_to_u=False)
    assert pinyin_syllables(han) == expected


@pytest.mark.parametrize("text", ["重庆长安", "银行行长", "长城汽车", "朝阳区", "单田芳", "解放"])
def test_pinyin_syllables_keep_phrase_readings(text):
    from pypinyin import Style, lazy_pinyin

    from dealercare.customers.search_terms import pinyin_syllables

    assert pinyin_syllables(text) == lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
    assert pinyin_syllables(text) == pinyin_syllables(text)  # cached segments, same answer
