"""Follow-up benchmark on PostgreSQL: (a) the sweep against one hand-written set-based INSERT,
(b) 50 concurrent agents claiming from a queue of 100,000 tasks.

    .venv/bin/python bench/followups.py                                # full size (make target)
    .venv/bin/python bench/followups.py --vehicles 20000 --visits 60000 --queue 5000

(a) Builds (or reuses) database `dealercare_bench_followups` with N vehicles delivered in the
last 30 days (one customer each) and M finished service visits, all generated with set-based
SQL. Times `services.sweep()` creating every task, then the limit: ONE INSERT ... SELECT over
all events (the calendar-dependent window bounds precomputed per store, rule and day, as the
sweep does per chunk), and checks that both created exactly the same task set.

(b) Fills a queue of Q pending phone tasks in one store and lets A agents (threads spread over
P processes, each thread its own connection) call `queue.claim_next()` until C claims are
made; each claimed task is closed with a plain UPDATE (untimed). Reports claims/s (wall
clock), p50/p99 claim latency and double claims (must be zero).
"""

import argparse
import datetime
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dealercare_bench_followups"
STORES = 10
GROUP_CODE = "bench-fu"
QUEUE_STORE = "QUEUE"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vehicles", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=3_000_000)
    parser.add_argument("--queue", type=int, default=100_000, help="tasks in the claim queue")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2, help="agent threads spread over")
    parser.add_argument("--claims", type=int, default=20_000, help="claims to make in (b)")
    parser.add_argument("--rate", type=int, default=500, help="claims/s of the paced run")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-claims", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="generate the sweep's events and stop (time later, quietly)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    return parser.parse_args()


def main():
    args = parse_args()
    common.ensure_database(args.database_url, drop=args.fresh)
    common.setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = common.machine()
    print(f"{info['date']}  {info['nproc']} CPU {info['cpu']}  RAM {info['ram']}")
    print(f"{info['postgres']}  Python {info['python']}  load {os.getloadavg()[0]:.1f}")
    if args.build_only:
        _group, stores = _group_and_stores(STORES)
        build_events(args, stores, datetime.datetime.now(datetime.UTC).replace(microsecond=0))
        return
    if not args.skip_sweep:
        bench_sweep(args)
    if not args.skip_claims:
        bench_claims(args)


# --- the data -------------------------------------------------------------------------------


def _group_and_stores(count):
    from dealercare.accounts.models import DealerGroup, Store
    from dealercare.followups.services import rules_seed_defaults

    group, _ = DealerGroup.objects.get_or_create(code=GROUP_CODE, defaults={"name": "跟进基准"})
    stores = []
    for i in range(count):
        store, _ = Store.objects.get_or_create(
            group=group, code=f"FU{i:02d}", defaults={"name": f"基准店{i:02d}", "city": "广州"}
        )
        rules_seed_defaults(store)
        stores.append(store)
    return group, stores


def _run(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _scalar(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def build_events(args, stores, now):
    """N customers, each with a vehicle delivered in the last 30 days, and M finished visits of
    those vehicles (in the last 30 days too); generated in SQL, skipped when already there."""
    have = _scalar("SELECT count(*) FROM operations_delivery")
    visits = _scalar("SELECT count(*) FROM operations_servicevisit")
    if have == args.vehicles and visits == args.visits:
        print(f"Reusing {have:,} deliveries and {visits:,} service visits")
        return
    started = time.perf_counter()
    for table in ("followups_followuptask", "operations_servicevisit", "operations_delivery",
                  "customers_vehicle", "customers_customer"):  # fmt: skip
        _run(f"TRUNCATE {table} CASCADE")
    params = {"n": args.vehicles, "m": args.visits, "now": now, "stores": [s.pk for s in stores]}
    # Stores round robin; 1 in 20 customers VIP, 1 in 25 enterprise; 1 in 50 refuse calls, 1 in
    # 500 refuse everything (the task exists, closed as no consent).
    _run(
        """
        INSERT INTO customers_customer (id, created_at, updated_at, number, kind, name, gender,
            mobile, phone_other, wechat, email, province, city, address, occupation,
            purchase_purpose, source, uscc, customer_type, value_tier, lifecycle_state,
            allow_phone, allow_sms, allow_marketing, notes, store_id)
        SELECT i, %(now)s, %(now)s, 'B' || lpad(i::text, 9, '0'), 'person', '客户' || i, 'male',
               '13' || lpad(i::text, 9, '0'), '', '', '', '广东', '广州', '', '', '', 'import',
               '', CASE WHEN i %% 20 = 0 THEN 'vip' WHEN i %% 25 = 0 THEN 'enterprise'
                        ELSE 'general' END,
               '', 'active', i %% 50 <> 0 AND i %% 500 <> 0, i %% 500 <> 0, false, '',
               (%(stores)s::bigint[])[1 + i %% array_length(%(stores)s::bigint[], 1)]
        FROM generate_series(1, %(n)s) i
        """,
        params,
    )
    _run(
        """
        INSERT INTO customers_vehicle (id, created_at, updated_at, vin, plate, brand,
            model_name, colour, fuel_type, store_id, owner_id)
        SELECT id, %(now)s, %(now)s, 'LBV' || lpad(id::text, 14, '0'), '粤A' || id, '大众',
               '迈腾', '', 'petrol', store_id, id
        FROM customers_customer
        """,
        params,
    )
    # Delivered at any minute of the last 30 days (so some at night, some on holidays).
    _run(
        """
        INSERT INTO operations_delivery (id, created_at, updated_at, delivered_at, order_no,
            consultant_name, status, source, note, customer_id, store_id, vehicle_id)
        SELECT id, %(now)s, %(now)s,
               %(now)s::timestamptz - make_interval(mins => ((id * 7919) %% (30 * 24 * 60))::int),
               'SO' || id, '', 'delivered', 'import', '', id, store_id, id
        FROM customers_vehicle
        """,
        params,
    )
    _run(
        """
        INSERT INTO operations_servicevisit (id, created_at, updated_at, repair_order_no,
            visit_type, advisor_name, technician_name, fault_description, work_summary,
            date_in, date_out, labour_amount, parts_amount, status, source, customer_id,
            store_id, vehicle_id)
        SELECT j, %(now)s, %(now)s, 'RO' || j, 'maintenance', '', '', '', '',
               out_at - interval '3 hours', out_at, 0, 0, 'finished', 'import', v.id,
               v.store_id, v.id
        FROM (
            SELECT j, 1 + (j - 1) %% %(n)s AS vehicle_id,
                   %(now)s::timestamptz - make_interval(mins => ((j::bigint * 104729) %% (30 * 24 * 60))::int)
                       AS out_at
            FROM generate_series(1, %(m)s) j
        ) gen JOIN customers_vehicle v ON v.id = gen.vehicle_id
        """,
        params,
    )
    for table in ("customers_customer", "customers_vehicle", "operations_delivery",
                  "operations_servicevisit"):  # fmt: skip
        _run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
             f"(SELECT max(id) FROM {table}))")  # fmt: skip
        _run(f"VACUUM ANALYZE {table}")
    print(f"Generated {args.vehicles:,} deliveries and {args.visits:,} service visits "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip


# --- (a) the sweep against one set-based statement --------------------------------------------

# The limit: every task of every store, rule and event in one INSERT ... SELECT, the window
# arithmetic of services._INSERT_SQL applied to all events at once (bounds per store, rule and
# local date from rules.window_day_bounds, exactly what the sweep precomputes per chunk).
_LIMIT_SQL = """
WITH bounds(store_id, rule_id, day, day_open, day_due) AS (
    SELECT * FROM unnest(%(b_store)s::bigint[], %(b_rule)s::bigint[], %(b_day)s::date[],
                         %(b_open)s::timestamp[], %(b_due)s::timestamp[])
),
ev AS (
    SELECT r.id AS rule_id, r.kind, r.channel AS preferred, r.earliest_hours, 'delivery' AS
           event_type, e.id, e.store_id, e.customer_id, e.vehicle_id, e.delivered_at AS event_at,
           c.customer_type, c.allow_phone, c.allow_sms, s.timezone AS tz,
           s.calling_hours_start AS cstart, s.calling_hours_end AS cend
    FROM operations_delivery e
    JOIN customers_customer c ON c.id = e.customer_id
    JOIN accounts_store s ON s.id = e.store_id
    JOIN followups_followuprule r ON r.store_id = e.store_id AND r.event = 'delivery'
         AND r.is_active AND (r.customer_types = '[]'::jsonb
                              OR r.customer_types ? c.customer_type)
    WHERE e.status = 'delivered' AND e.delivered_at >= %(since)s
    UNION ALL
    SELECT r.id, r.kind, r.channel, r.earliest_hours, 'service_visit', e.id, e.store_id,
           e.customer_id, e.vehicle_id, e.date_out, c.customer_type, c.allow_phone,
           c.allow_sms, s.timezone, s.calling_hours_start, s.calling_hours_end
    FROM operations_servicevisit e
    JOIN customers_customer c ON c.id = e.customer_id
    JOIN accounts_store s ON s.id = e.store_id
    JOIN followups_followuprule r ON r.store_id = e.store_id
         AND r.event = 'service_visit_finished' AND r.is_active
         AND (r.customer_types = '[]'::jsonb OR r.customer_types ? c.customer_type)
    WHERE e.status = 'finished' AND e.date_out IS NOT NULL AND e.date_out >= %(since)s
),
raw AS (
    SELECT ev.*, d.day_due,
           CASE WHEN ev.earliest_hours IS NOT NULL
                THEN (ev.event_at + make_interval(hours => ev.earliest_hours)) AT TIME ZONE ev.tz
                ELSE GREATEST(d.day_open, ev.event_at AT TIME ZONE ev.tz) END AS opens_raw
    FROM ev JOIN bounds d ON d.rule_id = ev.rule_id
                         AND d.day = (ev.event_at AT TIME ZONE ev.tz)::date
),
opened AS (
    SELECT raw.*,
           CASE WHEN opens_raw::time < cstart THEN opens_raw::date + cstart
                WHEN opens_raw::time >= cend THEN opens_raw::date + 1 + cstart
                ELSE opens_raw END AS opens
    FROM raw
),
windowed AS (SELECT opened.*, COALESCE(day_due, opens::date + cend) AS due_raw FROM opened)
INSERT INTO followups_followuptask (
    created_at, updated_at, store_id, rule_id, customer_id, vehicle_id, event_type, event_id,
    event_at, kind, channel, priority, window_start, due_at, status, attempts_count, outcome,
    closed_at, satisfaction
)
SELECT %(now)s, %(now)s, store_id, rule_id, customer_id, vehicle_id, event_type, id, event_at,
       kind,
       CASE WHEN preferred = 'phone' THEN
                CASE WHEN allow_phone THEN 'phone' WHEN allow_sms THEN 'sms' ELSE 'phone' END
            ELSE CASE WHEN allow_sms THEN 'sms' WHEN allow_phone THEN 'phone' ELSE 'sms' END
       END,
       CASE WHEN customer_type = 'vip' THEN 0 ELSE 1 END,
       opens AT TIME ZONE tz,
       (CASE WHEN due_raw <= opens THEN opens::date + cend ELSE due_raw END) AT TIME ZONE tz,
       CASE WHEN allow_phone OR allow_sms THEN 'pending' ELSE 'cancelled' END,
       0,
       CASE WHEN allow_phone OR allow_sms THEN '' ELSE 'no_consent' END,
       CASE WHEN allow_phone OR allow_sms THEN NULL ELSE %(now)s::timestamptz END, ''
FROM windowed
ON CONFLICT (rule_id, event_type, event_id) DO NOTHING
"""

_TASK_KEY = ("rule_id, event_type, event_id, store_id, customer_id, vehicle_id, event_at, kind, "
             "channel, priority, window_start, due_at, status, outcome")  # fmt: skip


def _limit_params(stores, since, now):
    from dealercare.followups import rules
    from dealercare.followups.models import FollowUpRule
    from dealercare.followups.services import store_schedule

    columns = {"b_store": [], "b_rule": [], "b_day": [], "b_open": [], "b_due": []}
    for store in stores:
        schedule = store_schedule(store)
        first = common_local_date(since, schedule.tz) - datetime.timedelta(days=1)
        last = common_local_date(now, schedule.tz)
        for rule in FollowUpRule.objects.filter(store=store, is_active=True):
            day = first
            while day <= last:
                opens, due = rules.window_day_bounds(
                    day, rule.window_rule(), calling_hours=schedule.calling_hours,
                    calendar=schedule.calendar,
                )  # fmt: skip
                for key, value in zip(columns, (store.pk, rule.pk, day, opens, due), strict=True):
                    columns[key].append(value)
                day += datetime.timedelta(days=1)
    return {**columns, "since": since, "now": now}


def common_local_date(moment, tz):
    return moment.astimezone(tz).date()


def bench_sweep(args):
    from django.db import connection

    from dealercare.followups import services

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    _group, stores = _group_and_stores(STORES)
    build_events(args, stores, now)
    since = now - datetime.timedelta(days=31)
    _run("TRUNCATE followups_followuptask CASCADE")
    print(f"\n(a) sweep: {args.vehicles:,} deliveries + {args.visits:,} service visits, "
          f"{len(stores)} stores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    started = time.perf_counter()
    result = services.sweep(since=since, now=now)
    sweep_seconds = time.perf_counter() - started
    created = result.total
    _run("DROP TABLE IF EXISTS bench_sweep_tasks")
    _run(f"CREATE TABLE bench_sweep_tasks AS SELECT {_TASK_KEY} FROM followups_followuptask")
    _run("TRUNCATE followups_followuptask CASCADE")
    _run("VACUUM ANALYZE followups_followuptask")
    params = _limit_params(stores, since, now)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(_LIMIT_SQL, params)
        limit_rows = cursor.rowcount
    limit_seconds = time.perf_counter() - started
    missing = _scalar(f"SELECT count(*) FROM (SELECT {_TASK_KEY} FROM bench_sweep_tasks EXCEPT "
                      f"SELECT {_TASK_KEY} FROM followups_followuptask) d")  # fmt: skip
    extra = _scalar(f"SELECT count(*) FROM (SELECT {_TASK_KEY} FROM followups_followuptask "
                    f"EXCEPT SELECT {_TASK_KEY} FROM bench_sweep_tasks) d")  # fmt: skip
    ratio = sweep_seconds / limit_seconds
    print(common.table(
        ["", "tasks", "seconds", "tasks/s"],
        [["services.sweep()", f"{created:,}", f"{sweep_seconds:.1f}",
          f"{created / sweep_seconds:,.0f}"],
         ["one INSERT ... SELECT (limit)", f"{limit_rows:,}", f"{limit_seconds:.1f}",
          f"{limit_rows / limit_seconds:,.0f}"]],
    ))  # fmt: skip
    same = missing == 0 and extra == 0 and created == limit_rows
    print(
        f"ratio sweep / limit: {ratio:.2f}x (target <= 3x)  "
        f"same task set: {'yes' if same else f'NO ({missing} missing, {extra} extra)'}"
    )
    _run("DROP TABLE bench_sweep_tasks")
    _run("TRUNCATE followups_followuptask CASCADE")


# --- (b) concurrent claims ------------------------------------------------------------------


def _queue_world(args):
    """The queue store, its agents, and Q pending phone tasks (fake event ids) open now."""
    from dealercare.accounts.models import DealerGroup, Store, StoreMembership, User
    from dealercare.followups.models import FollowUpRule
    from dealercare.followups.services import rules_seed_defaults

    group = DealerGroup.objects.get(code=GROUP_CODE) if DealerGroup.objects.filter(
        code=GROUP_CODE).exists() else _group_and_stores(0)[0]  # fmt: skip
    store, _ = Store.objects.get_or_create(
        group=group, code=QUEUE_STORE, defaults={"name": "排队基准店", "city": "广州"}
    )
    # Calls are allowed around the clock here: the benchmark must not depend on the hour.
    Store.objects.filter(pk=store.pk).update(
        calling_hours_start=datetime.time(0, 0), calling_hours_end=datetime.time(23, 59, 59)
    )
    rules_seed_defaults(store)
    rule = FollowUpRule.objects.get(store=store, code="service_followup")
    agents = []
    for i in range(args.agents):
        user, _ = User.objects.get_or_create(username=f"bench_agent_{i:02d}")
        StoreMembership.objects.get_or_create(user=user, store=store,
                                              defaults={"role": "followup_agent"})  # fmt: skip
        agents.append(user.pk)
    customers = _scalar("SELECT count(*) FROM customers_customer WHERE store_id = %s", [store.pk])
    if customers < 1000:
        _run(
            """
            INSERT INTO customers_customer (created_at, updated_at, number, kind, name, gender,
                mobile, phone_other, wechat, email, province, city, address, occupation,
                purchase_purpose, source, uscc, customer_type, value_tier, lifecycle_state,
                allow_phone, allow_sms, allow_marketing, notes, store_id)
            SELECT now(), now(), 'Q' || lpad(i::text, 6, '0'), 'person', '排队客户' || i,
                   'female', '159' || lpad(i::text, 8, '0'), '', '', '', '', '', '', '', '',
                   'import', '', CASE WHEN i %% 20 = 0 THEN 'vip' ELSE 'general' END, '',
                   'active', true, true, false, '', %s
            FROM generate_series(1, 1000) i
            """,
            [store.pk],
        )
    _run("DELETE FROM followups_followupattempt WHERE task_id IN (SELECT id FROM "
         "followups_followuptask WHERE store_id = %s)", [store.pk])  # fmt: skip
    _run("DELETE FROM followups_followuptask WHERE store_id = %s", [store.pk])
    # Q tasks of 1,000 customers (1 in 20 VIP), open since yesterday, due from a day ago to two
    # days ahead: the queue index orders them as in production.
    _run(
        """
        INSERT INTO followups_followuptask (created_at, updated_at, store_id, rule_id,
            customer_id, event_type, event_id, event_at, kind, channel, priority, window_start,
            due_at, status, attempts_count, outcome, satisfaction)
        SELECT now(), now(), %(store)s, %(rule)s, c.id, 'service_visit', i,
               now() - interval '3 days', 'service_followup', 'phone',
               CASE WHEN c.customer_type = 'vip' THEN 0 ELSE 1 END,
               now() - interval '1 day',
               now() + make_interval(mins => ((i::bigint * 7919) %% 4320 - 1440)::int), 'pending', 0, '', ''
        FROM generate_series(1, %(q)s) i
        JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, customer_type
              FROM customers_customer WHERE store_id = %(store)s) c ON c.n = i %% 1000
        """,
        {"store": store.pk, "rule": rule.pk, "q": args.queue},
    )
    _run("VACUUM ANALYZE followups_followuptask")
    return store.pk, agents


def _agent_process(database_url, agent_ids, quota, start_at, queue_out, interval=0.0):
    """One process: a thread per agent claiming until the shared quota is used up."""
    common.setup_django(database_url)
    from django.db import connection

    from dealercare.accounts.models import User
    from dealercare.followups import queue

    remaining = [quota]
    lock = threading.Lock()
    results = []

    def work(agent_id, offset):
        agent = User.objects.get(pk=agent_id)
        claims, latencies = [], []
        warm = queue.claim_next(agent)  # warm up: connection, access cache
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE followups_followuptask SET status = 'done', closed_at = now() "
                "WHERE claimed_by_id = %s AND status = 'claimed'",
                [agent_id],
            )
        while time.time() < start_at:
            time.sleep(0.001)
        # Paced (interval > 0): each agent claims on its own schedule, as agents who spend time
        # on each call do; closed loop (0): each claims again as soon as it is done.
        due = start_at + offset
        while True:
            if interval:
                pause = due - time.time()
                if pause > 0:
                    time.sleep(pause)
                due += interval
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            began = time.perf_counter()
            task = queue.claim_next(agent)
            latencies.append(time.perf_counter() - began)
            if task is None:
                break
            claims.append(task.pk)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE followups_followuptask SET status = 'done', "
                               "closed_at = now() WHERE id = %s", [task.pk])  # fmt: skip
        connection.close()
        results.append((claims, latencies, time.time(), warm is not None))

    threads = [threading.Thread(target=work, args=(a, interval * i / len(agent_ids)))
               for i, a in enumerate(agent_ids)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue_out.put(results)


def bench_claims(args):
    from django.db import connection

    print(
        f"\n(b) claims: {args.agents} agents in {args.processes} processes, queue of "
        f"{args.queue:,} tasks, {args.claims:,} claims per run"
    )
    rows = []
    for label, rate in (
        ("as fast as they can (closed loop)", 0),
        (f"paced at {args.rate}/s", args.rate),
    ):
        store_id, agents = _queue_world(args)
        connection.close()
        rows.append([label, *_claim_run(args, store_id, agents, rate)])
    print(common.table(
        ["agents claiming", "claims", "seconds", "claims/s", "p50 ms", "p99 ms",
         "double claims", "load"], [row[:-1] for row in rows],
    ))  # fmt: skip
    best = max(row[-1]["rate"] for row in rows)
    paced_p99 = rows[1][-1]["p99"]
    ok = all(row[-1]["exact"] for row in rows)
    print(
        f"targets: >= 500 claims/s {'met' if best >= 500 else 'MISSED'} ({best:,.0f}), "
        f"p99 < 50 ms at {args.rate}/s {'met' if paced_p99 < 50 else 'MISSED'} "
        f"({paced_p99:.1f} ms), zero double claims {'met' if ok else 'MISSED'}"
    )


def _claim_run(args, store_id, agents, rate):
    """One run of the agents; its figures as table cells plus a dict for the verdict."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start_at = time.time() + 8  # every process set up and warmed before the clock starts
    interval = args.agents / rate if rate else 0.0
    per_process = [agents[i :: args.processes] for i in range(args.processes)]
    quotas = [args.claims * len(p) // len(agents) for p in per_process]
    processes = [
        context.Process(
            target=_agent_process, args=(args.database_url, ids, quota, start_at, out, interval)
        )  # fmt: skip
        for ids, quota in zip(per_process, quotas, strict=True)
    ]
    for process in processes:
        process.start()
    results = [row for _ in processes for row in out.get()]
    for process in processes:
        process.join()
    claims = [pk for row in results for pk in row[0]]
    latencies = [lat for row in results for lat in row[1]]
    wall = max(row[2] for row in results) - start_at
    doubles = len(claims) - len(set(claims))
    warmed = sum(1 for row in results if row[3])
    done = -warmed + _scalar("SELECT count(*) FROM followups_followuptask WHERE store_id = %s "
                             "AND status = 'done'", [store_id])  # fmt: skip
    p50, p99 = (common.percentile(latencies, p) * 1000 for p in (50, 99))
    claims_per_s = len(claims) / wall
    figures = {"rate": claims_per_s, "p99": p99, "exact": doubles == 0 and done == len(claims)}
    return [
        f"{len(claims):,}",
        f"{wall:.1f}",
        f"{claims_per_s:,.0f}",
        f"{p50:.1f}",
        f"{p99:.1f}",
        doubles,
        f"{os.getloadavg()[0]:.1f}",
        figures,
    ]


if __name__ == "__main__":
    main()
