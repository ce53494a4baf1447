"""The benchmark's complaint cases: deterministic texts, timings and outcomes, pure Python.

`cases()` yields what happened (when, about what, how it ended); the Dealercare dataset attaches
each case to a real customer and vehicle of the benchmark group, and the very same rows (the
customer's name, mobile and plate included) are written to a TSV file that the django-helpdesk
loader turns into tickets. Both lists therefore hold the same customers, plates and texts, and a
search looks for the same words on both sides. Imports nothing from Django.
"""

import datetime
import random

# (category code of complaints.defaults, reason codes, title templates, description sentences)
CATEGORIES = (
    (
        "service_skill",
        ("repeat_repair", "fault_not_removed", "long_repair"),
        ("维修后{part}仍然异响", "{part}修了两次还没修好", "保养后{part}漏油", "{part}故障反复出现"),
        ("上次进厂维修{part}，取车后第三天又出现同样问题。", "技师说已经更换了配件，但问题依旧。",
         "维修用了五天，比约定的时间多了两天。"),
    ),
    (
        "service_attitude",
        ("rude", "slow_handling", "promise_broken"),
        ("服务顾问态度恶劣", "前台接待不理不睬", "电话回访语气不耐烦", "购车承诺的赠品未兑现"),
        ("到店后等了二十分钟没人接待，询问时服务顾问很不耐烦。", "对解释不满意，希望店长出面处理。",
         "购车时销售顾问承诺赠送脚垫和贴膜，交车时说没有。"),
    ),
    (
        "timeliness",
        ("late_arrival", "few_staff", "engineer_busy"),
        ("保养等待时间过长", "预约到店仍排队两小时", "交车时间一再推迟", "救援车辆迟迟未到"),
        ("预约了上午九点保养，实际到中午十二点才开始施工。", "交车时间比承诺晚了一天，没有提前通知。",
         "高速上抛锚，打电话三个小时后救援车才到。"),
    ),
    (
        "parts_supply",
        ("parts_late", "long_wait", "out_of_stock", "wrong_part"),
        ("{part}缺货等待太久", "更换的{part}不是原厂件", "{part}到货时间一再延误"),
        ("配件订了三周还没到货，车辆一直无法使用。", "怀疑更换的配件不是原厂件，要求出示凭证。"),
    ),
    (
        "overall_service",
        ("cumbersome_process", "image"),
        ("维修收费不透明", "工时费比报价高", "未经同意增加项目", "索赔流程繁琐"),
        ("结算单上多了两项没有沟通过的项目，要求退还差价。", "报价单和实际收费差了四百多元。",
         "保修索赔需要来回跑三次，手续太复杂。"),
    ),
    (
        "product_quality",
        ("performance", "function", "operation"),
        ("新车{part}异响", "{part}功能失灵", "车机系统频繁死机", "交车时发现{part}划痕"),
        ("新车开了不到一个月就出现问题，要求厂家给出说法。", "车机导航经常卡死，需要重启才能用。",
         "新车交付时发现车身有划痕，要求处理。"),
    ),
)  # fmt: skip
PARTS = ("刹车", "空调", "变速箱", "发动机", "雨刮", "车窗", "天窗", "轮胎", "大灯", "座椅")
REQUESTS = (
    "要求免费返修并书面答复。", "要求赔偿误工费。", "要求更换服务顾问。", "希望尽快解决，给个说法。",
    "要求退还多收的费用。", "要求厂家出具检测报告。",
)  # fmt: skip
CHANNELS = ("hotline", "hotline", "hotline", "walk_in", "followup", "survey", "online")
SEVERITIES = (("normal", 85), ("serious", 13), ("major", 2))


def cases(seed, count, *, now, days=365):
    """`count` complaint cases spread over `days` before `now`, oldest first, as dicts.

    state: open (still being worked on), reopened, resolved (solution done, satisfaction not yet
    confirmed) or closed; recent cases are mostly open, old ones almost all closed.
    """
    rng = random.Random(f"{seed}:cases")
    start = now - datetime.timedelta(days=days)
    span = days * 86400
    severities, weights = zip(*SEVERITIES, strict=True)
    out = []
    for i in range(count):
        created = start + datetime.timedelta(seconds=span * i / count + rng.random() * 600)
        age_days = (now - created).days
        category, reasons, titles, sentences = rng.choice(CATEGORIES)
        part = rng.choice(PARTS)
        r = rng.random()
        if age_days < 7:
            state = "open" if r < 0.8 else ("resolved" if r < 0.95 else "closed")
        elif age_days < 30:
            state = "open" if r < 0.2 else ("resolved" if r < 0.4 else "closed")
        else:
            state = "open" if r < 0.01 else ("reopened" if r < 0.02 else "closed")
        finished = None
        if state in ("resolved", "closed"):
            finished = min(created + datetime.timedelta(hours=rng.randint(4, 24 * 6)), now)
        out.append(
            {
                "n": i,
                "created": created,
                "finished": finished,
                "state": state,
                "category": category,
                "reason": rng.choice(reasons),
                "title": rng.choice(titles).format(part=part),
                "description": "".join(rng.sample(sentences, k=min(2, len(sentences)))),
                "request": rng.choice(REQUESTS),
                "channel": rng.choice(CHANNELS),
                "severity": rng.choices(severities, weights)[0],
                "pick": rng.random(),  # which customer (drawn by the side that has them)
            }
        )
    return out
