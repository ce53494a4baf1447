"""Generated import files as a DMS exports them (customers with their vehicles); pure, seeded.

Used by the tests, the end-to-end test and the import benchmark, so all of them read the same
kind of file: Chinese headers, mobiles written with spaces or +86 now and then, dates in the
formats clerks use, mileage with thousands separators.
"""

import csv
import datetime
import random

from dealercare.demo import generators as gen

CUSTOMER_HEADER = ("客户姓名", "手机号码", "性别", "城市", "车架号", "车牌号", "品牌", "车型",
                   "购车日期", "行驶里程")  # fmt: skip
CITY_PLATES = (("广州", "粤A"), ("深圳", "粤B"), ("佛山", "粤E"), ("东莞", "粤S"))


def _date_text(rng, day):
    style = rng.randrange(4)
    if style == 0:
        return day.isoformat()
    if style == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.strftime("%Y%m%d")


def _mobile_text(rng, mobile):
    style = rng.randrange(10)
    if style == 0:
        return f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if style == 1:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    return mobile


def customer_rows(count, seed=1):
    """`count` rows of distinct customers, each with one vehicle (unique mobiles and VINs)."""
    rng = random.Random(seed)
    mobiles, vins = set(), set()
    start = datetime.date(2016, 1, 1)
    for _ in range(count):
        gender = rng.choice(("male", "female"))
        name, _g = gen.person_name(rng, gender)
        mobile = gen.mobile(rng)
        while mobile in mobiles:
            mobile = gen.mobile(rng)
        mobiles.add(mobile)
        wmi, brand, model = gen.make(rng)
        vin = gen.vin(rng, wmi=wmi, year=rng.randrange(2016, 2026))
        while vin in vins:
            vin = gen.vin(rng, wmi=wmi)
        vins.add(vin)
        city, prefix = rng.choice(CITY_PLATES)
        plate = gen.new_energy_plate(rng, prefix) if model in gen.NEV_MODELS else gen.plate(
            rng, prefix)  # fmt: skip
        bought = start + datetime.timedelta(days=rng.randrange(3600))
        yield (name, _mobile_text(rng, mobile), "男" if gender == "male" else "女", city, vin,
               plate, brand, model, _date_text(rng, bought), f"{rng.randrange(200_000):,}")  # fmt: skip


def write_customers_csv(path, count, seed=1, encoding="utf-8"):
    """A customers-with-vehicles CSV of `count` rows at `path`."""
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(CUSTOMER_HEADER)
        writer.writerows(customer_rows(count, seed))
    return path
