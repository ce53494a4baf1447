"""The import benchmark's file: a DMS customer export with vehicles, as a dealer sends it.

One row per vehicle (a customer with two cars is two rows with the same mobile), Chinese headers,
and the noise real exports carry: mobiles written +86 138 1234 5678 or 138-1234-5678, dates in
four spellings, lower-case VINs and plates with spaces, mileages with "km" and thousands
separators, gender as 男/女/先生/女士, a few companies with their credit code, and a small share
of rows that must be rejected (a mobile with a digit missing, a VIN with a wrong check digit, a
date that is no date). Deterministic: the same seed writes the same bytes.
"""

import csv
import datetime
import random
from pathlib import Path

from dealercare.core.validators import vin_check_digit
from dealercare.demo import generators as g
from dealercare.imports.cleaning import fast_mobile

HEADER = (
    "客户姓名", "性别", "手机号码", "出生日期", "省份", "城市", "联系地址", "客户来源",
    "统一社会信用代码", "车架号", "车牌号", "品牌", "车型", "颜色", "购车日期", "行驶里程",
    "保险到期", "接受短信",
)  # fmt: skip
CITIES = (
    ("广东", "广州", "粤A", "440106"), ("广东", "深圳", "粤B", "440305"),
    ("广东", "佛山", "粤E", "440604"), ("广东", "东莞", "粤S", "441900"),
    ("上海", "上海", "沪A", "310115"), ("浙江", "杭州", "浙A", "330106"),
)  # fmt: skip
ROADS = ("中山路", "建设路", "人民路", "解放路", "和平路", "新华路", "滨江路", "科技园路")
SOURCES = ("到店", "来电", "汽车之家", "转介绍", "车展", "厂家", "DMS", "")
GENDERS = {"male": ("男", "男", "先生", "M"), "female": ("女", "女", "女士", "F")}
# Share of rows carrying each kind of error the importer must reject.
BAD_MOBILE, BAD_VIN, BAD_DATE = 0.002, 0.002, 0.001


def _dirty_mobile(rng, mobile):
    r = rng.random()
    if r < 0.80:
        return mobile
    if r < 0.88:
        return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if r < 0.94:
        return f"+86 {mobile}"
    return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"


def _dirty_date(rng, day):
    r = rng.random()
    if r < 0.70:
        return day.isoformat()
    if r < 0.85:
        return f"{day.year}/{day.month}/{day.day}"
    if r < 0.95:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.strftime("%Y%m%d")


def _dirty_plate(rng, plate):
    if not plate:
        return ""
    r = rng.random()
    if r < 0.85:
        return plate
    if r < 0.95:
        return f"{plate[:2]} {plate[2:]}"
    return plate.lower()


def _mileage(rng, km):
    r = rng.random()
    if r < 0.75:
        return str(km)
    if r < 0.9:
        return f"{km:,}"
    return f"{km} km"


def _vin(rng, wmi, year):
    vin = g.vin(rng, wmi, year)
    return vin if rng.random() < 0.9 else vin.lower()


def rows(count, seed=2026):
    """`count` data rows (lists of cells in HEADER order)."""
    rng = random.Random(seed)
    mobiles, vins = set(), set()
    today = datetime.date(2026, 6, 30)
    out = 0
    while out < count:
        province, city, prefix, division = rng.choice(CITIES)
        company = rng.random() < 0.05
        if company:
            name, gender, uscc = g.company_name(rng, city), "", g.uscc(rng, division)
            birth = ""
        else:
            name, sex = g.person_name(rng)
            gender, uscc = rng.choice(GENDERS[sex]) if rng.random() < 0.9 else "", ""
            birth = (
                _dirty_date(
                    rng,
                    datetime.date(rng.randint(1955, 2003), rng.randint(1, 12), rng.randint(1, 28)),
                )  # fmt: skip
                if rng.random() < 0.6
                else ""
            )
        mobile = ""
        while not mobile or mobile in mobiles or fast_mobile(mobile) != mobile:
            mobile = rng.choice(g.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        mobiles.add(mobile)
        cells_mobile = _dirty_mobile(rng, mobile)
        address = f"{city}{rng.choice(ROADS)}{rng.randint(1, 999)}号" if rng.random() < 0.7 else ""
        source = rng.choice(SOURCES)
        sms = rng.choice(("是", "否", "", "1"))
        owned = 1 if company is False and rng.random() < 0.92 else rng.choice((1, 2, 3))
        for n in range(owned):
            if out >= count:
                break
            wmi, brand, model = g.make(rng)
            year = rng.randint(2016, 2025)
            vin = _vin(rng, wmi, year)
            while vin.upper() in vins:
                vin = _vin(rng, wmi, year)
            vins.add(vin.upper())
            nev = model in g.NEV_MODELS
            plate = g.plate(rng, prefix, new_energy=nev) if rng.random() < 0.95 else ""
            bought = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            km = min(400_000, max(5, int((today - bought).days * rng.uniform(20, 60))))
            insurance = bought.replace(year=today.year) + datetime.timedelta(days=365)
            row = [
                name, gender if n == 0 else "", cells_mobile, birth if n == 0 else "", province,
                city, address, source, uscc, vin, _dirty_plate(rng, plate), brand, model,
                rng.choice(g.COLOURS), _dirty_date(rng, bought), _mileage(rng, km),
                _dirty_date(rng, insurance), sms,
            ]  # fmt: skip
            r = rng.random()
            if r < BAD_MOBILE:
                row[2] = mobile[:-1]  # a digit lost
            elif r < BAD_MOBILE + BAD_VIN:
                upper = vin.upper()
                wrong = "0" if vin_check_digit(upper) != "0" else "1"
                row[9] = upper[:8] + wrong + upper[9:]
            elif r < BAD_MOBILE + BAD_VIN + BAD_DATE:
                row[14] = "2023-13-45"
            yield row
            out += 1


def write_csv(path, count, seed=2026):
    """Write the header and `count` rows as UTF-8 CSV (with BOM, as Excel saves it)."""
    partial = Path(f"{path}.partial")  # renamed when complete: a broken run leaves no file
    with open(partial, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))
    partial.replace(path)
