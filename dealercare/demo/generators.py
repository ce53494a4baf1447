"""Realistic, valid Chinese identifiers from a seeded random.Random; pure, no database.

Used by the demo dataset, the test factories and the benchmarks, so all three see the same kind
of data: names, mainland mobiles, VINs with correct check digits, plates (incl. new energy) and
unified social credit codes.
"""

import random

from dealercare.core.validators import (
    USCC_ALPHABET,
    normalize_mobile,
    uscc_check_char,
    vin_check_digit,
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
# Frequent surnames first; weights fall off like the real distribution.
SURNAME_WEIGHTS = [max(1.0, 8.0 - i * 0.12) for i in range(len(SURNAMES))]
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆峰建国志文博晨旭海林东亮"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英慧莹雪琳晶燕红梅倩婷颖洁怡欣悦佳雅璐瑶萍琴丹"

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]

# (WMI, brand, models) of vehicles commonly sold by Chinese dealers.
MAKES = (
    ("LFV", "一汽-大众", ("迈腾", "速腾", "宝来", "探岳", "ID.4 CROZZ")),
    ("LSV", "上汽大众", ("帕萨特", "朗逸", "途观L", "途岳", "ID.3")),
    ("LHG", "广汽本田", ("雅阁", "飞度", "皓影", "型格")),
    ("LVG", "广汽丰田", ("凯美瑞", "雷凌", "汉兰达", "bZ4X")),
    ("LBV", "华晨宝马", ("3系", "5系", "X1", "X3", "iX3")),
    ("LE4", "北京奔驰", ("C级", "E级", "GLC", "EQE")),
    ("LGX", "比亚迪", ("汉", "唐", "秦PLUS", "宋PLUS", "海豚")),
    ("LSG", "上汽通用", ("君威", "君越", "昂科威", "GL8")),
)
NEV_MODELS = {"ID.4 CROZZ", "ID.3", "bZ4X", "iX3", "EQE", "汉", "唐", "秦PLUS", "宋PLUS", "海豚"}
COLOURS = ("白色", "黑色", "银色", "灰色", "蓝色", "红色", "珍珠白", "深灰")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
VIN_YEAR = {2016: "G", 2017: "H", 2018: "J", 2019: "K", 2020: "L", 2021: "M", 2022: "N",
            2023: "P", 2024: "R", 2025: "S", 2026: "T"}  # fmt: skip
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

COMPANY_WORDS = ("华信", "恒通", "鼎盛", "嘉禾", "宏远", "瑞丰", "联创", "中和", "金桥", "安泰")
COMPANY_TRADES = ("物流", "建设工程", "科技", "贸易", "电子", "餐饮管理", "汽车租赁", "医药")


def person_name(rng, gender=None):
    """A Chinese full name; `gender` is 'male' or 'female' (random when None)."""
    gender = gender or rng.choice(("male", "female"))
    surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
    given = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))
    return surname + given, gender


def company_name(rng, city):
    return f"{city}{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司"


def mobile(rng):
    """A valid mainland mobile number (checked with phonenumbers)."""
    while True:
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if normalize_mobile(number) == number:
            return number


def vin(rng, wmi="LFV", year=2024):
    """A 17-character VIN with a correct check digit (position 9)."""
    vds = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    plant = rng.choice("ABCDEFGHJ123456789")
    serial = f"{rng.randrange(10**6):06d}"
    draft = f"{wmi}{vds}0{VIN_YEAR.get(year, 'R')}{plant}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def plate(rng, prefix="粤B", new_energy=False):
    """A plate for a city prefix (province char + city letter); new-energy plates have 6 chars."""
    letters = PLATE_LETTERS
    if new_energy:
        return (
            prefix
            + rng.choice("DF")
            + rng.choice(letters + "0123456789")
            + (f"{rng.randrange(10**4):04d}")
        )
    body = [rng.choice("0123456789") for _ in range(5)]
    for i in rng.sample(range(5), rng.choice((0, 0, 1, 2))):
        body[i] = rng.choice(letters)
    return prefix + "".join(body)


def _org_code(rng):
    """A GB 11714 organisation code (8 chars + check char)."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc(rng, division="440300"):
    """A unified social credit code (GB 32100-2015) for a company registered in `division`."""
    first17 = "91" + division + _org_code(rng)
    assert all(c in USCC_ALPHABET for c in first17)
    return first17 + uscc_check_char(first17)


def make(rng):
    """(wmi, brand, model) of a random vehicle."""
    wmi, brand, models = rng.choice(MAKES)
    return wmi, brand, rng.choice(models)


def seeded(seed):
    return random.Random(seed)


# --- additions for the demo dataset (demo.dataset) ---------------------------------------------

# Model-year codes of VIN position 10 (ISO 3779): a 30-year cycle from 1980 (A) / 2010 (A).
VIN_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"

COMPANY_PREFIXES = (
    "华信", "恒通", "鼎盛", "嘉禾", "宏远", "瑞丰", "联创", "中和", "金桥", "安泰", "天成", "永利",
    "汇丰", "润达", "泰和", "广源", "新世纪", "正大", "华美", "博雅", "同创", "东方", "万通", "长盛",
    "信达", "宏图", "佳和", "明远", "鑫源", "立信", "思远", "高德", "富华", "盈科", "远航", "蓝海",
    "卓越", "锦程", "启航", "和泰",
)  # fmt: skip
COMPANY_TRADE_WORDS = (
    "物流", "建设工程", "科技", "贸易", "电子", "餐饮管理", "汽车租赁", "医药", "信息技术",
    "装饰工程", "食品", "房地产开发", "投资管理", "文化传媒", "环保科技", "机电设备", "供应链管理",
    "教育咨询", "物业管理", "新能源科技",
)  # fmt: skip
COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")


def vin_year_code(year):
    """The model-year character (VIN position 10) for any year from 1980 on."""
    return VIN_YEAR_CODES[(year - 1980) % 30]


def vin_for_model_year(rng, wmi, year):
    """A VIN like vin() whose 10th character is the correct code for `year` (any year)."""
    draft = vin(rng, wmi=wmi, year=2024)
    draft = draft[:9] + vin_year_code(year) + draft[10:]
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def new_energy_plate(rng, prefix="粤B", electric=True):
    """A small-car new-energy plate: D for battery electric, F for plug-in hybrid (GA 36-2018)."""
    return (
        prefix
        + ("D" if electric else "F")
        + rng.choice(PLATE_LETTERS + "0123456789")
        + f"{rng.randrange(10**4):04d}"
    )


def company_name_varied(rng, city):
    """A company name from a larger pool than company_name() (about 4,000 per city)."""
    return (
        f"{city}{rng.choice(COMPANY_PREFIXES)}{rng.choice(COMPANY_TRADE_WORDS)}"
        f"{rng.choice(COMPANY_FORMS)}"
    )


def landline(rng, area_code="020"):
    """A fixed-line number with area code, e.g. 02038886666 (8 local digits, not starting 0/1)."""
    return area_code + str(rng.randrange(2, 9)) + f"{rng.randrange(10**7):07d}"
