"""Import benchmark: rows/s of a DMS customer file imported into PostgreSQL with full validation.

    .venv/bin/python bench/import_bench.py                   # 1,000,000 rows (make bench-import)
    .venv/bin/python bench/import_bench.py --rows 50000 --iex-rows 5000   # a quick smoke run

In one run, on a fresh database `dealercare_bench_import`:
1. writes the file (bench/import_data.py: customers with vehicles, Chinese headers, the noise of a
   real export and a few rows that must be rejected), or reuses it from bench/out/;
2. imports it through `manage.py import_file --valid-rows-only` (the code path of the web
   import and the task worker: reading, cleaning every cell, natural-key upserts, search keys,
   ownership and consent records, one transaction), timed wall clock;
3. the limit: COPY of exactly the rows the import stored (read back with COPY TO) into the same,
   emptied tables, with their indexes and constraints, in one transaction;
4. the baseline: django-import-export's default import of the first --iex-rows rows into the same
   models, in its own process (bench/import_iex.py), with django-import-export installed in
   bench/.venv-iex (created here when missing; never a dependency of the project).
Every step starts from empty tables. Prints rows/s of each and the ratios.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dealercare_bench_import"
OUT = common.REPO / "bench" / "out"
IEX_VENV = common.REPO / "bench" / ".venv-iex"
IEX_PIN = "django-import-export==4.4.3"
STORE = ("GZ01", "广州天河店", "广州", "广东")
IEX_STORE = ("IEX1", "django-import-export", "广州", "广东")
# Every table the import writes rows of (the job's own rows aside), parents first.
TABLES = ("customers_customer", "customers_vehicle", "customers_vehicleownership",
          "customers_consentrecord", "customers_searchterm")  # fmt: skip


def main():
    args = parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = Path(args.csv or OUT / f"import_{args.rows}_{args.seed}.csv")
    started = time.perf_counter()
    common.ensure_database(args.database_url, drop=True)
    common.setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = common.machine()
    print(f"Import benchmark, {info['date']}")
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['postgres']}, "
          f"Python {info['python']}")  # fmt: skip
    print(f"Load average before the run: {_load()}")
    if not csv_path.exists():
        from bench import import_data

        t0 = time.perf_counter()
        import_data.write_csv(csv_path, args.rows, args.seed)
        print(f"Wrote {csv_path.name} ({csv_path.stat().st_size / 2**20:,.0f} MB) in "
              f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
    else:
        print(f"Reusing {csv_path}")
    make_stores()

    ours = run_import(csv_path, args.rows)
    print(
        f"\n1. Dealercare import (manage.py import_file, full validation): "
        f"{ours['rows']:,} rows in {ours['seconds']:.1f} s = {ours['rate']:,.0f} rows/s"
    )
    print(f"   {ours['summary']}")
    print(f"   stored: {_counts()}; load average {_load()}")
    print(f"   {_cpu_text(ours)}")

    limit = run_copy()
    print(f"\n2. COPY of the same stored rows into the same (emptied) tables: "
          f"{limit['seconds']:.1f} s = {ours['rows'] / limit['seconds']:,.0f} file rows/s "
          f"({limit['detail']})")  # fmt: skip
    limit["rows"] = ours["rows"]
    print(f"   {_cpu_text(limit)}")

    iex = None
    if args.iex_rows:
        _truncate()
        iex = run_iex(csv_path, args.iex_rows, args.database_url)
        print(f"\n3. django-import-export {IEX_PIN.split('==')[1]}, default import of the first "
              f"{iex['rows']:,} rows ({iex['customers']:,} customers, {iex['vehicles']:,} "
              f"vehicles; {iex['errors']} errors): {iex['seconds']:.1f} s = "
              f"{iex['rate']:,.0f} rows/s")  # fmt: skip
        print(f"   {_cpu_text(iex)}")

    print("\nSummary")
    rows = [
        ("Dealercare import", f"{ours['rows']:,}", f"{ours['seconds']:.1f}", f"{ours['rate']:,.0f}",
         "1.00×"),
        ("COPY of the same rows (the limit)", f"{ours['rows']:,}", f"{limit['seconds']:.1f}",
         f"{ours['rows'] / limit['seconds']:,.0f}",
         f"{ours['seconds'] / limit['seconds']:.2f}× faster than ours"),
    ]  # fmt: skip
    if iex:
        rows.append(("django-import-export (default)", f"{iex['rows']:,}", f"{iex['seconds']:.1f}",
                     f"{iex['rate']:,.0f}",
                     f"ours is {ours['rate'] / iex['rate']:,.1f}× faster"))  # fmt: skip
    print(common.table(("", "rows", "seconds", "rows/s", "ratio"), rows))
    cpu = {name: _cpu_per_row(r) for name, r in (("ours", ours), ("copy", limit), ("iex", iex))}
    if cpu["ours"] and cpu["copy"]:
        print(f"\nBy CPU time (Python + PostgreSQL, less sensitive to the machine's other load): "
              f"ours {cpu['ours'] * 1e6:,.0f} µs per row, COPY {cpu['copy'] * 1e6:,.0f} µs "
              f"({cpu['ours'] / cpu['copy']:.2f}× ours)"
              + (f", django-import-export {cpu['iex'] * 1e6:,.0f} µs "
                 f"({cpu['iex'] / cpu['ours']:,.1f}× ours)" if cpu["iex"] else "") + ".")  # fmt: skip
    print(f"\nOur import runs at {ours['seconds'] and limit['seconds'] / ours['seconds']:.0%} of "
          f"COPY's speed" + (f", {ours['rate'] / iex['rate']:,.1f}× django-import-export's."
                             if iex else "."))  # fmt: skip
    print(f"Load average after the run: {_load()}; total run time "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--iex-rows", type=int, default=100_000,
                        help="rows of the django-import-export baseline (0: skip it)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv", default="", help="import this file instead of generating one")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)
    )
    return parser.parse_args()


def cpu_seconds(pid=None):
    """CPU time (user + system) of this process and its ended children, or of process `pid` (a
    PostgreSQL backend on this machine), in seconds; None when it cannot be read. On a shared machine wall clock
    depends on the neighbours' load; CPU time much less."""
    if pid is None:
        import resource

        # The import's cleaning process (a child, ended and joined) counts too.
        own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                              resource.RUSAGE_CHILDREN))  # fmt: skip
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_text(result):
    python, database = result.get("cpu_python"), result.get("cpu_db")
    if python is None:
        return ""
    db = f" + PostgreSQL {database:.1f} s" if database is not None else ""
    per = (python + (database or 0)) / result["rows"] * 1000
    return f"CPU: Python {python:.1f} s{db} = {per:.2f} CPU-s per 1,000 rows"


def _cpu_per_row(result):
    if not result or result.get("cpu_python") is None or result.get("cpu_db") is None:
        return None
    return (result["cpu_python"] + result["cpu_db"]) / result["rows"]


def _load():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def make_stores():
    from dealercare.accounts.models import DealerGroup, Store

    group = DealerGroup.objects.create(name="导入基准测试集团", code="bench-import")
    for code, name, city, region in (STORE, IEX_STORE):
        Store.objects.create(group=group, code=code, name=name, city=city, region=region,
                             brand="多品牌")  # fmt: skip


def run_import(csv_path, rows_expected):
    from django.core.management import CommandError, call_command
    from django.db import connection

    out = io.StringIO()
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    cpu0, db0 = cpu_seconds(), cpu_seconds(backend)
    t0 = time.perf_counter()
    try:
        call_command("import_file", str(csv_path), "--store", STORE[0], "--kind", "customers",
                     "--valid-rows-only", "--no-progress", stdout=out, stderr=io.StringIO())  # fmt: skip
    except CommandError as error:
        raise SystemExit(f"The import failed: {error}") from None
    seconds = time.perf_counter() - t0
    cpu1, db1 = cpu_seconds(), cpu_seconds(backend)
    from dealercare.imports.models import ImportJob

    job = ImportJob.objects.latest("pk")
    rows = job.rows_done
    if rows != rows_expected:
        print(f"(the file has {rows:,} data rows)")
    summary = out.getvalue().splitlines()[0]
    return {"rows": rows, "seconds": seconds, "rate": rows / seconds, "summary": summary,
            "cpu_python": cpu1 - cpu0, "cpu_db": None if db0 is None else db1 - db0}  # fmt: skip


def _counts():
    from django.db import connection

    parts = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            parts.append(f"{cursor.fetchone()[0]:,} {table.split('_', 1)[1]}")
    return ", ".join(parts)


def _truncate():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")


def run_copy():
    """Read back what the import stored, empty the tables, COPY it in again (timed)."""
    from django.db import connection

    data = {}
    with connection.cursor() as cursor:
        raw = cursor.connection
        for table in TABLES:
            buffer = io.BytesIO()
            with raw.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    buffer.write(block)
            data[table] = buffer.getvalue()
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        cursor.execute("VACUUM ANALYZE")  # the import started from clean tables too
    connection.close()
    import psycopg

    timings = {}
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        backend = conn.info.backend_pid
        cpu0, db0 = cpu_seconds(), cpu_seconds(backend)
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for table in TABLES:
                t = time.perf_counter()
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    view = memoryview(data[table])
                    for start in range(0, len(view), 1 << 20):
                        copy.write(view[start : start + (1 << 20)])
                timings[table] = time.perf_counter() - t
        t = time.perf_counter()
        conn.commit()  # deferred foreign keys are checked here
        timings["commit"] = time.perf_counter() - t
        seconds = time.perf_counter() - t0
        cpu1, db1 = cpu_seconds(), cpu_seconds(backend)
    detail = ", ".join(f"{name.split('_', 1)[-1]} {s:.1f} s" for name, s in timings.items())
    return {"seconds": seconds, "detail": detail, "cpu_python": cpu1 - cpu0,
            "cpu_db": None if db0 is None else db1 - db0}  # fmt: skip


def ensure_iex():
    """bench/.venv-iex with django-import-export; return its site-packages directory."""
    pip = IEX_VENV / "bin" / "pip"
    if not pip.exists():
        print(f"Creating {IEX_VENV.relative_to(common.REPO)} for {IEX_PIN}...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(IEX_VENV)], check=True)
    found = list(IEX_VENV.glob("lib/python3*/site-packages/import_export"))
    if not found:
        subprocess.run([str(pip), "install", "-q", IEX_PIN], check=True)
        found = list(IEX_VENV.glob("lib/python3*/site-packages/import_export"))
    return found[0].parent


def run_iex(csv_path, rows, database_url):
    from django.db import connections

    connections.close_all()
    site = ensure_iex()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("import_iex.py")), "--csv", str(csv_path),
         "--rows", str(rows), "--site-packages", str(site), "--database-url", database_url,
         "--store", IEX_STORE[0]],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rate"] = result["rows"] / result["seconds"]
    return result


if __name__ == "__main__":
    main()
