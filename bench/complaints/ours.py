"""The Dealercare side: customers (bench/search.py's generator), then N complaints on them.

Runs in-process with Django set up on the benchmark database (bench/common.py). Complaints and
their log lines go in with bulk_create through the models, so a field the complaints app adds
with a default needs no change here.
"""

import argparse
import datetime
import random
import time
from collections import defaultdict

from bench.complaints import corpus

GROUP_CODE = "bench"  # bench/search.py's group
MANAGER = "bench-cs-manager"
BATCH = 5000
# DOMAIN §5 department per category
DEPARTMENT = {
    "service_skill": "service",
    "service_attitude": "service",
    "timeliness": "service",
    "parts_supply": "parts",
    "overall_service": "customer_service",
    "product_quality": "service",
}
OWNER_ROLES = ("service_manager", "service_advisor", "cs_supervisor", "sales_manager")
OPEN_STEPS = (
    # status, weight, milestones reached (in order)
    ("received", 10, ()),
    ("acknowledged", 15, ("acknowledged",)),
    ("assigned", 20, ("acknowledged", "assigned")),
    ("investigating", 25, ("acknowledged", "assigned")),
    ("solution_proposed", 12, ("acknowledged", "assigned", "solution_proposed")),
    ("negotiating", 8, ("acknowledged", "assigned", "solution_proposed")),
    ("accepted", 10, ("acknowledged", "assigned", "solution_proposed")),
)
SOLUTIONS = (
    "免费返修并延长保修三个月。",
    "退还多收费用并书面致歉。",
    "更换原厂配件，赠送一次保养。",
)
RESULTS = ("客户接受处理方案。", "客户表示满意。", "已回访确认问题解决。")


def dataset_ready(args):
    """The database holds this size's customers (bench/search.py) and complaints."""
    from bench import search
    from dealercare.accounts.models import User
    from dealercare.complaints.models import Complaint

    namespace = argparse.Namespace(customers=args.customers, stores=args.stores)
    return (
        search.dataset_ready(namespace)
        and Complaint.objects.count() == args.complaints
        and User.objects.filter(username=MANAGER).exists()
    )


def build_customers(args):
    """bench/search.py's customers, vehicles and search keys, loaded with COPY."""
    from bench import search

    namespace = argparse.Namespace(
        customers=args.customers, stores=args.stores, seed=args.seed, workers=args.workers
    )
    if not search.dataset_ready(namespace):
        search.build_dataset(namespace)


def build_complaints(args, password, now):
    """Categories, reasons, users and `args.complaints` complaints with their log lines."""
    from django.db import connection, transaction

    from dealercare.accounts.models import DealerGroup, StoreMembership, User
    from dealercare.complaints import defaults
    from dealercare.complaints.models import (
        Complaint,
        ComplaintAction,
        ComplaintCategory,
        ComplaintReason,
    )
    from dealercare.customers.models import Customer, Vehicle

    t0 = time.perf_counter()
    group = DealerGroup.objects.get(code=GROUP_CODE)
    stores = list(group.stores.order_by("id"))
    rng = random.Random(f"{args.seed}:complaints")

    # Who complains: people of the benchmark group with one of their vehicles (if any).
    people = list(
        Customer.objects.filter(store__group=group, kind="person")
        .order_by("id")
        .values_list("id", "store_id", "name", "mobile")
    )
    vehicle_of = {}
    for owner_id, vehicle_id, plate, model_name in (
        Vehicle.objects.filter(store__group=group)
        .order_by("id")
        .values_list("owner_id", "id", "plate", "model_name")
    ):
        vehicle_of.setdefault(owner_id, (vehicle_id, plate, model_name))
    by_size = defaultdict(int)
    for _cid, store_id, _name, _mobile in people:
        by_size[store_id] += 1

    with transaction.atomic():
        categories, reasons = {}, {}
        for store in stores:
            for order, (code, name, store_reasons) in enumerate(defaults.DEFAULT_CATEGORIES):
                category, _ = ComplaintCategory.objects.get_or_create(
                    store=store, code=code, defaults={"name": name, "order": order}
                )
                categories[store.pk, code] = category.pk
                for r_order, (r_code, r_name) in enumerate(store_reasons):
                    reason, _ = ComplaintReason.objects.get_or_create(
                        category=category, code=r_code, defaults={"name": r_name, "order": r_order}
                    )
                    reasons[store.pk, r_code] = reason.pk
        owners = defaultdict(list)
        for store in stores:
            for k, role in enumerate(OWNER_ROLES):
                user, _ = User.objects.get_or_create(
                    username=f"bench-{store.code.lower()}-owner{k}",
                    defaults={"dealer_group": group, "display_name": f"{store.city}处理人{k + 1}"},
                )
                StoreMembership.objects.get_or_create(
                    user=user, store=store, defaults={"role": role}
                )
                owners[store.pk].append(user.pk)
        largest = max(stores, key=lambda s: by_size[s.pk])
        manager, _ = User.objects.get_or_create(
            username=MANAGER, defaults={"dealer_group": group, "display_name": "客服经理"}
        )
        manager.set_password(password)
        manager.save()
        StoreMembership.objects.update_or_create(
            user=manager, store=largest, defaults={"role": "cs_manager"}
        )
    codes = {s.pk: s.code for s in stores}

    cases = corpus.cases(args.seed, args.complaints, now=now)
    seq = defaultdict(int)
    tsv = []
    complaints, plans = [], []
    for case in cases:
        cid, store_id, name, mobile = people[int(case["pick"] * len(people))]
        vehicle = vehicle_of.get(cid)
        received = case["created"]
        seq[store_id] += 1
        number = f"{codes[store_id]}-T{seq[store_id]:06d}"  # services._next_number's format
        fields, actions = _lifecycle(case, rng, owners[store_id])
        complaints.append(
            Complaint(
                store_id=store_id,
                number=number,
                customer_id=cid,
                vehicle_id=vehicle[0] if vehicle else None,
                contact_name=name,
                contact_mobile=mobile,
                channel=case["channel"],
                received_at=received,
                description=f"{case['title']}。{case['description']}",
                customer_request=case["request"],
                promised_reply_at=received + datetime.timedelta(hours=2),
                category_id=categories[store_id, case["category"]],
                reason_id=reasons[store_id, case["reason"]],
                severity=case["severity"],
                department=DEPARTMENT[case["category"]] if fields.get("owner_id") else "",
                acknowledge_due_at=received + datetime.timedelta(hours=2),
                solution_due_at=received + datetime.timedelta(days=3),
                **fields,
            )
        )
        plans.append(actions)
        plate, model = (vehicle[1], vehicle[2]) if vehicle else ("", "")
        tsv.append(
            "\t".join(
                (
                    str(case["n"]),
                    received.isoformat(),
                    case["finished"].isoformat() if case["finished"] else "",
                    case["state"],
                    case["severity"],
                    case["category"],
                    case["title"],
                    case["description"],
                    name,
                    mobile or "",
                    plate,
                    model,
                )
            )  # fmt: skip
            + "\n"
        )

    with transaction.atomic():
        for start in range(0, len(complaints), BATCH):
            Complaint.objects.bulk_create(complaints[start : start + BATCH])
        t1 = time.perf_counter()
        lines = []
        for complaint, actions in zip(complaints, plans, strict=True):
            for kind, at, actor, from_status, to_status in actions:
                lines.append(
                    ComplaintAction(
                        complaint_id=complaint.pk, kind=kind, at=at, actor_id=actor,
                        from_status=from_status, to_status=to_status,
                    )
                )  # fmt: skip
        for start in range(0, len(lines), BATCH * 2):
            ComplaintAction.objects.bulk_create(lines[start : start + BATCH * 2])
        table = Complaint._meta.db_table
        with connection.cursor() as cursor:
            # auto_now_add stamped the load time: a complaint was recorded when it was received.
            cursor.execute(
                f"UPDATE {table} SET created_at = received_at, "
                "updated_at = COALESCE(closed_at, resolved_at, received_at)"
            )
    with connection.cursor() as cursor:
        for model in (Complaint, ComplaintAction):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    t2 = time.perf_counter()
    print(f"  Dealercare: {len(complaints):,} complaints ({t1 - t0:.0f} s), {len(lines):,} log "
          f"lines, VACUUM ANALYZE: {t2 - t0:.0f} s in all", flush=True)  # fmt: skip
    return tsv


def _lifecycle(case, rng, owners):
    """Status, milestones and owner of one case, and its log lines (kind, at, actor, from, to)."""
    received, finished, state = case["created"], case["finished"], case["state"]
    owner = rng.choice(owners)
    recorder = owners[2]  # the CS supervisor records complaints
    actions = [("received", received, recorder, "", "received")]
    fields = {"status": "received"}
    if state == "open":
        statuses, weights, steps = zip(*OPEN_STEPS, strict=True)
        status = rng.choices(statuses, weights)[0]
        reached = dict(zip(statuses, steps, strict=True))[status]
    elif state == "reopened":
        status, reached = "investigating", ("acknowledged", "assigned", "solution_proposed")
    else:
        status = "closed" if state == "closed" else rng.choice(
            ("resolved", "satisfaction_confirmed")
        )  # fmt: skip
        reached = ("acknowledged", "assigned", "solution_proposed", "resolved")
        if status != "resolved":
            reached += ("satisfaction_confirmed",)
        if status == "closed":
            reached += ("closed",)
    end = finished or received + datetime.timedelta(hours=rng.randint(3, 72))
    previous = "received"
    for k, milestone in enumerate(reached):
        at = received + (end - received) * (k + 1) / (len(reached) + 1)
        if milestone == "acknowledged":
            at = received + datetime.timedelta(minutes=rng.randint(5, 150))
        fields[f"{milestone}_at"] = at
        kind = {
            "acknowledged": "acknowledge", "assigned": "assign", "solution_proposed": "propose",
            "resolved": "resolve", "satisfaction_confirmed": "confirm_satisfaction",
            "closed": "close",
        }[milestone]  # fmt: skip
        actions.append((kind, at, owner if k > 1 else recorder, previous, milestone))
        previous = milestone
    fields["status"] = status
    if "assigned" in reached:
        fields["owner_id"] = owner
    if "solution_proposed" in reached:
        fields["solution"] = rng.choice(SOLUTIONS)
    if "resolved" in reached:
        fields["result"] = rng.choice(RESULTS)
        fields["satisfaction"] = rng.choices(
            ("very_satisfied", "satisfied", "neutral", "dissatisfied"), (30, 50, 15, 5)
        )[0]
    if state == "reopened":
        fields["reopened_count"] = 1
        actions.append(("reopen", end, owner, "closed", "investigating"))
    fields["breach_count"] = 1 if rng.random() < 0.04 else 0
    return fields, actions


def set_password(password):
    from dealercare.accounts.models import User

    manager = User.objects.get(username=MANAGER)
    manager.set_password(password)
    manager.save(update_fields=["password"])


def set_scope(*, all_stores):
    """The CS manager's memberships: the store with the most complaints, or every store."""
    from django.db.models import Count

    from dealercare.accounts.models import Store, StoreMembership, User
    from dealercare.complaints.models import Complaint

    manager = User.objects.get(username=MANAGER)
    sizes = dict(
        Complaint.objects.values("store").annotate(n=Count("id")).values_list("store", "n")
    )
    stores = Store.objects.filter(group__code=GROUP_CODE).order_by("id")
    wanted = list(stores) if all_stores else [max(stores, key=lambda s: sizes.get(s.pk, 0))]
    StoreMembership.objects.filter(user=manager).exclude(store__in=wanted).delete()
    for store in wanted:
        StoreMembership.objects.update_or_create(
            user=manager, store=store, defaults={"role": "cs_manager"}
        )
    return [store.pk for store in wanted]


def manager_scope():
    """The CS manager, their store ids and a description of what they see."""
    from dealercare.accounts.models import User
    from dealercare.complaints.models import Complaint

    manager = User.objects.get(username=MANAGER)
    stores = [m.store for m in manager.memberships.select_related("store").order_by("store_id")]
    mine = Complaint.objects.filter(store__in=stores)
    open_ = mine.filter(closed_at__isnull=True).count()
    names = ", ".join(f"{s.code} {s.name}" for s in stores)
    return (
        manager,
        [s.pk for s in stores],
        (
            f"CS manager of {names}: {mine.count():,} of {Complaint.objects.count():,} complaints "
            f"({open_:,} not closed, the default view); django-helpdesk staff user: all tickets "
            f"(its default view: status open or reopened)"
        ),
    )
