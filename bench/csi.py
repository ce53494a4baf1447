"""CSI dashboard benchmark: the dashboard from the rollups vs a from-scratch aggregate.

    .venv/bin/python bench/csi.py                     # 10,000,000 answers (make bench-csi)
    .venv/bin/python bench/csi.py --answers 100000    # a quick run

Builds (or reuses) the database `dealercare_bench_csi`: one dealer group of 100 stores, their
staff, a year of survey responses (service and sales questionnaires, internal and external)
and their answers, all generated set-based in PostgreSQL (INSERT ... SELECT generate_series),
then the rollups (`csi_rebuild`'s SQL). It then times the CSI dashboard for a month and a
quarter, for the group and for one store: the page (GET /csi/, rendering included) and the
dashboard selector from the rollups, and in the same run the same dashboard aggregated from the
raw answers. Every figure (overall, dimensions, items, level counts, trend, store and breakdown
rankings, key drivers) must be exactly equal (Fractions) between the two, or the run fails.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dealercare_bench_csi"
GROUP_CODE = "bench-csi"
STORES = 100
ADVISORS, TECHNICIANS, CONSULTANTS = 10, 8, 10
CUSTOMERS_PER_STORE = 50
REGIONS = ("华南", "华东", "华北", "华中", "西南", "西北", "东北")
MODELS = ("迈腾", "帕萨特", "速腾", "朗逸", "宝来", "途观L", "探岳", "ID.4", "凯美瑞", "卡罗拉",
          "雅阁", "思域")  # fmt: skip
CUSTOMER_TYPES = ("general", "vip", "enterprise")
DAY = "2026-11-15"  # the benchmark's "today": the month 2026-11 and the quarter 2026-Q4
REPEAT = 5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build the dataset and stop (time it later, on a quiet machine)",
    )
    return parser.parse_args()


def main():
    args = parse_args()
    started = time.perf_counter()
    new_db = common.ensure_database(args.database_url, drop=args.fresh)
    common.setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = common.machine()
    print(f"CSI dashboard benchmark, {info['date']}")
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['postgres']}")
    print(f"Load average at start: {' '.join(f'{x:.2f}' for x in _loadavg())}")
    print(f"Database: {common.database_name(args.database_url)}{' (new)' if new_db else ''}")
    have = _answer_count()
    if abs(have - args.answers) > args.answers * 0.1:
        if have:
            print(f"Existing data ({have:,} answers) does not match: rebuilding the database.")
            from django.db import connections

            connections.close_all()
            common.ensure_database(args.database_url, drop=True)
            call_command("migrate", verbosity=0)
        build(args.answers)
    else:
        print(f"Reusing {have:,} answers.")
    if args.build_only:
        print(f"Built in {time.perf_counter() - started:.0f} s; not timed (--build-only).")
        return
    from django.conf import settings
    from django.test.utils import override_settings

    # The page is rendered without collectstatic: plain static URLs, no manifest.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        report()
    print(f"Total run time: {time.perf_counter() - started:.0f} s")


def _loadavg():
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return [0.0, 0.0, 0.0]


def _answer_count():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'surveys_answer'")
        row = cursor.fetchone()
        estimate = row[0] if row else 0
        if estimate and estimate > 0:
            return estimate
        cursor.execute("SELECT count(*) FROM surveys_answer")
        return cursor.fetchone()[0]


# --- the dataset ------------------------------------------------------------------------------


def build(answers):
    from django.db import connection, transaction

    from dealercare.accounts.models import DealerGroup, Store, StoreMembership, User
    from dealercare.customers.models import Customer
    from dealercare.surveys.models import QuestionnaireVersion

    t0 = time.perf_counter()
    group = DealerGroup.objects.create(name="基准测试集团", code=GROUP_CODE)
    stores = Store.objects.bulk_create(
        Store(
            group=group,
            code=f"B{i:03d}",
            name=f"基准{i:03d}店",
            city="广州",
            region=REGIONS[i % len(REGIONS)],
        )  # fmt: skip
        for i in range(STORES)
    )
    User.objects.create(username="bench_admin", dealer_group=group, is_group_admin=True)
    staff = []
    for store in stores:
        for role, count in (("service_advisor", ADVISORS), ("technician", TECHNICIANS),
                            ("sales_consultant", CONSULTANTS)):  # fmt: skip
            for n in range(count):
                staff.append((store, role, User(username=f"{store.code}_{role}{n}",
                                                display_name=f"{store.code}{role[:3]}{n}")))  # fmt: skip
    User.objects.bulk_create([u for _s, _r, u in staff])
    StoreMembership.objects.bulk_create(
        StoreMembership(user=u, store=s, role=r) for s, r, u in staff
    )
    Customer.objects.bulk_create(
        Customer(
            store=store,
            number=f"{store.code}-{n:06d}",
            name=f"客户{n}",
            mobile=f"139{si:03d}{n:05d}",
        )  # fmt: skip
        for si, store in enumerate(stores)
        for n in range(CUSTOMERS_PER_STORE)
    )
    versions = {
        code: QuestionnaireVersion.objects.get(
            questionnaire__store__isnull=True, questionnaire__code=code, status="published"
        )
        for code in ("service", "sales")
    }
    per_response = {
        code: v.items.filter(kind__in=("score", "yes_no")).count() for code, v in versions.items()
    }
    mean = per_response["service"] * 0.6 + per_response["sales"] * 0.4
    responses = max(1, round(answers / mean))
    print(f"Generating {responses:,} responses (~{answers:,} answers) in {STORES} stores ...")
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("SET LOCAL synchronous_commit = off")
        # The generated rows reference existing ids by construction: skip the deferred foreign
        # key triggers, which would otherwise check ~50 million references at COMMIT.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            CREATE TEMP TABLE bench_staff AS
            SELECT m.store_id, m.role, u.id AS user_id,
                   row_number() OVER (PARTITION BY m.store_id, m.role ORDER BY u.id) - 1 AS n
            FROM accounts_storemembership m JOIN accounts_user u ON u.id = m.user_id
            """
        )
        cursor.execute("CREATE INDEX ON bench_staff (store_id, role, n)")
        cursor.execute("ANALYZE bench_staff")
        cursor.execute(
            """
            CREATE TEMP TABLE bench_store AS
            SELECT id AS store_id, row_number() OVER (ORDER BY id) - 1 AS n,
                   (random() * 1.6 - 0.8) AS quality
            FROM accounts_store WHERE group_id = %s
            """,
            [group.pk],
        )
        cursor.execute(
            """
            CREATE TEMP TABLE bench_customer AS
            SELECT store_id, min(id) AS first_id, count(*) AS how_many
            FROM customers_customer GROUP BY store_id
            """
        )
        # One row per response: store, business, day, people, model, customer type, source.
        cursor.execute(
            """
            INSERT INTO surveys_surveyresponse (
                created_at, updated_at, store_id, questionnaire_version_id, customer_id, channel,
                source, business, answered_at, event_type, advisor_id, technician_id,
                consultant_id, vehicle_model, customer_type, region, needs_recovery,
                external_ref, scoring_model_code, comment)
            SELECT now(), now(), s.store_id,
                   CASE WHEN g.service THEN %(service_version)s ELSE %(sales_version)s END,
                   c.first_id + (g.i %% c.how_many),
                   CASE WHEN g.external THEN 'external' ELSE 'phone' END,
                   CASE WHEN g.external THEN 'external' ELSE 'internal' END,
                   CASE WHEN g.service THEN 'service' ELSE 'sales' END,
                   timestamptz '2025-12-01 02:00+00' + (g.i %% 365) * interval '1 day'
                       + (g.i %% 600) * interval '1 minute',
                   '',
                   CASE WHEN g.service THEN (SELECT user_id FROM bench_staff b WHERE
                        b.store_id = s.store_id AND b.role = 'service_advisor'
                        AND b.n = g.i %% %(advisors)s) END,
                   CASE WHEN g.service THEN (SELECT user_id FROM bench_staff b WHERE
                        b.store_id = s.store_id AND b.role = 'technician'
                        AND b.n = g.i %% %(technicians)s) END,
                   CASE WHEN NOT g.service THEN (SELECT user_id FROM bench_staff b WHERE
                        b.store_id = s.store_id AND b.role = 'sales_consultant'
                        AND b.n = g.i %% %(consultants)s) END,
                   (%(models)s::text[])[1 + (g.i * 7) %% %(model_count)s],
                   (%(types)s::text[])[1 + (g.i * 13) %% 3],
                   (%(regions)s::text[])[1 + (s.n + g.i %% 2) %% %(region_count)s],
                   false, '', '', ''
            FROM (SELECT i, (i %% 5) < 3 AS service, (i %% 10) = 7 AS external
                  FROM generate_series(0, %(last)s) AS i) g
            JOIN bench_store s ON s.n = g.i %% %(stores)s
            JOIN bench_customer c ON c.store_id = s.store_id
            """,
            {
                "service_version": versions["service"].pk,
                "sales_version": versions["sales"].pk,
                "advisors": ADVISORS,
                "technicians": TECHNICIANS,
                "consultants": CONSULTANTS,
                "models": list(MODELS),
                "model_count": len(MODELS),
                "types": list(CUSTOMER_TYPES),
                "regions": list(REGIONS),
                "region_count": len(REGIONS),
                "last": responses - 1,
                "stores": STORES,
            },  # fmt: skip
        )
        print(f"  responses: {time.perf_counter() - t0:.0f} s")
        # Every score and check item of the response's version: mostly 8-10, some low answers,
        # each store a little better or worse than the others.
        cursor.execute(
            """
            INSERT INTO surveys_answer (response_id, item_id, score, yes_no, choice, text,
                                        store_id, answered_on, dimension_id, business, source)
            SELECT r.id, i.id,
                   CASE WHEN i.kind = 'score' THEN LEAST(10, GREATEST(1,
                        8 + floor(random() * 3)::int + round(s.quality)::int
                        - CASE WHEN random() < 0.07 THEN 1 + floor(random() * 6)::int ELSE 0 END))
                   END,
                   CASE WHEN i.kind = 'yes_no' THEN random() < 0.85 END,
                   '', '', r.store_id, (r.answered_at AT TIME ZONE 'Asia/Shanghai')::date,
                   i.dimension_id, r.business, r.source
            FROM surveys_surveyresponse r
            JOIN bench_store s ON s.store_id = r.store_id
            JOIN surveys_item i ON i.version_id = r.questionnaire_version_id
                AND i.kind IN ('score', 'yes_no')
            """
        )
        print(f"  answers: {time.perf_counter() - t0:.0f} s")
        # The response's overall score: here the mean of its 1-10 answers x 10, one decimal.
        cursor.execute(
            """
            UPDATE surveys_surveyresponse r SET overall_score = a.overall,
                   scoring_model_code = CASE WHEN r.business = 'service' THEN 'service-5d-v1'
                                             ELSE 'sales-5d-v1' END
            FROM (SELECT response_id, round(avg(score) * 10, 1) AS overall
                  FROM surveys_answer WHERE score IS NOT NULL GROUP BY response_id) a
            WHERE a.response_id = r.id
            """
        )
        print(f"  overall scores: {time.perf_counter() - t0:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    t1 = time.perf_counter()
    from dealercare.csi.services import rollup_rebuild

    rows = rollup_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE csi_answerrollup")
    print(f"  rollups: {rows:,} rows in {time.perf_counter() - t1:.0f} s")
    print(f"Dataset built in {time.perf_counter() - t0:.0f} s")


# --- the measurement --------------------------------------------------------------------------


def exact_figures(d):
    """Every exact figure of a dashboard, to compare rollups with raw answers."""

    def fig(f):
        survey = f.survey
        return (
            f.overall,
            tuple((x.dimension, x.score, x.answers) for x in survey.dimensions) if survey else (),
            tuple(sorted((code, s.counts) for code, s in f.items.items())),
            tuple(sorted((code, c.yes, c.no) for code, c in f.checks.items())),
            f.pooled.counts,
        )

    return {
        "current": fig(d.current),
        "previous": fig(d.previous),
        "sources": {k: fig(v) for k, v in d.by_source.items()},
        "trend": [(p.label, fig(f)) for p, f in d.trend],
        "stores": [(r.key, r.rank, fig(r.figures)) for r in d.by_store],
        "breakdown": sorted((str(r.key), r.rank, fig(r.figures)) for r in d.by_breakdown),
        "findings": [(f.item, str(f.standing), f.reasons) for f in d.findings],
        "drivers": [
            (x.item, x.rank, x.correlation.sign, x.correlation.r_squared, x.pairs)
            for x in d.drivers
        ],  # fmt: skip
    }


def timed(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return result, times


def report():
    import datetime

    from django.test import Client

    from dealercare.accounts.models import Store, User
    from dealercare.csi import selectors

    user = User.objects.get(username="bench_admin")
    store = Store.objects.filter(group__code=GROUP_CODE).order_by("code").first()
    day = datetime.date.fromisoformat(DAY)
    client = Client()
    client.force_login(user)
    rows = []
    failures = []
    for kind in ("month", "quarter"):
        for scope, chosen in (("group (100 stores)", None), (f"one store ({store.code})", store)):
            params = {"period": kind, "day": DAY}
            if chosen:
                params["store"] = chosen.pk

            def page(params=params):
                response = client.get("/csi/", params)
                assert response.status_code == 200, response.status_code
                return response

            _page, page_times = timed(page, REPEAT)

            def rolled(kind=kind, chosen=chosen):
                return selectors.dashboard(user, period_kind=kind, day=day, store=chosen)

            def raw(kind=kind, chosen=chosen):
                return selectors.dashboard(user, period_kind=kind, day=day, store=chosen, raw=True)

            from_rollups, rollup_times = timed(rolled, REPEAT)
            from_raw, raw_times = timed(raw, 1)
            same = exact_figures(from_rollups) == exact_figures(from_raw)
            if not same:
                failures.append(f"{kind} {scope}")
            page_median = statistics.median(page_times)
            rows.append((
                f"{kind}, {scope}",
                f"{from_rollups.current.answers:,}",
                f"{page_median * 1000:.0f} ms",
                f"{statistics.median(rollup_times) * 1000:.0f} ms",
                f"{raw_times[0] * 1000:.0f} ms",
                f"{raw_times[0] / statistics.median(rollup_times):.0f}x",
                "exact" if same else "DIFFERENT",
                "yes" if page_median < 1 else "NO",
            ))  # fmt: skip
    print()
    print(common.table(
        ("dashboard", "1-10 answers", "page (median)", "rollups (median)",
         "from scratch", "ratio", "figures", "< 1 s"),
        rows,
    ))  # fmt: skip
    print(f"Load average at end: {' '.join(f'{x:.2f}' for x in _loadavg())}")
    if failures:
        raise SystemExit(f"Rollup figures differ from the raw answers: {failures}")


if __name__ == "__main__":
    main()
