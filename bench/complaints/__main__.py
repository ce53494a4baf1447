"""Complaint list benchmark (issue #6): Dealercare against django-helpdesk, over HTTP.

    .venv/bin/python -m bench.complaints                        # 100,000 of each (make bench-complaints)
    .venv/bin/python -m bench.complaints --complaints 5000 --customers 5000 --requests 50

Builds (or reuses) two PostgreSQL databases on the same server:
  dealercare_bench_complaints  bench/search.py's dealer group (5 stores, N customers with their
                               vehicles and search keys) and N complaints with their log lines,
                               on the customers of every store; one CS manager (cs_manager role)
                               of the largest store;
  dealercare_bench_helpdesk    django-helpdesk (latest release, own virtualenv
                               bench/.venv-helpdesk) holding the same N cases as tickets in four
                               queues, with the follow-ups helpdesk writes, and a staff user.
Both apps are served by gunicorn (gthread, same workers and threads, DEBUG off) on free ports;
a client logs in through each login form and times, interleaved in the same loop:
  - the complaint list, default view, as the CS manager, and its search (?q=);
  - helpdesk's staff ticket list (/tickets/) and its search (/tickets/?q=): the page AND the
    DataTables JSON request the page makes for its first page of rows (what a user waits for).
The target: our p95 at most one third of django-helpdesk's.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench import common  # noqa: E402
from bench.complaints import baseline, corpus, ours  # noqa: E402, F401
from bench.complaints.client import Session  # noqa: E402
from bench.complaints.servers import Server, free_port  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealercare_bench_complaints"
OUT = common.REPO / "bench" / "out"
PASSWORD = "bench-Complaints-2026"  # noqa: S105  (a throwaway benchmark login)
NUMBER = re.compile(r"\b[A-Z]{2}\d{2}-T\d{6}\b")
DATATABLES_URL = re.compile(r'"url":\s*"(/datatables_ticket_list/[^"]+)"')
PAGE_LENGTH = re.compile(r"data-page-length='(\d+)'")
HX_LOAD = re.compile(r"<[^>]*hx-get=\"([^\"]+)\"[^>]*hx-trigger=\"[^\"]*\bload\b[^>]*>")


def main():
    args = parse_args()
    started = time.perf_counter()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.complaints.settings_dc"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    baseline.ensure_venv()
    new_db = common.ensure_database(args.database_url, drop=args.fresh)
    common.setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = common.machine()
    hd_version, hd_django = baseline.version()
    print(f"Complaint list benchmark, {info['date']}")
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['postgres']}")
    print(f"Dealercare: database {common.database_name(args.database_url)}; django-helpdesk "
          f"{hd_version} (Django {hd_django}): database "
          f"{common.database_name(args.helpdesk_database_url)}")  # fmt: skip

    cases_path = OUT / f"complaints-cases-{args.complaints}.tsv"
    rebuild = args.fresh or not (ours.dataset_ready(args) and cases_path.exists())
    if rebuild:
        if not new_db:
            print("Building the Dealercare dataset from scratch...", flush=True)
            from django.db import connections

            connections.close_all()
            common.ensure_database(args.database_url, drop=True)
            call_command("migrate", verbosity=0)
        ours.build_customers(args)
        now = _now()
        tsv = ours.build_complaints(args, PASSWORD, now)
        OUT.mkdir(parents=True, exist_ok=True)
        cases_path.write_text("".join(tsv), encoding="utf-8")
    else:
        print(f"  Dealercare: reusing {args.complaints:,} complaints (--fresh rebuilds)")
        ours.set_password(PASSWORD)
    baseline.prepare(args, rebuild=rebuild, cases_path=cases_path, password=PASSWORD)

    ours.set_scope(all_stores=args.all_stores)
    manager, store_ids, scope = ours.manager_scope()
    list_path = _list_path()
    terms = search_terms(args, store_ids)
    form_extra = {"store": ""} if len(store_ids) > 1 else {}
    print(f"Scope: {scope}")
    print("Collecting static files (the manifest the pages link through)...", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.profile:
        profile(manager, list_path, terms, form_extra, explain=args.explain)

    from django.db import connections

    connections.close_all()
    results = run(args, list_path, terms, form_extra)
    print()
    print(report(args, results, list_path))
    print(f"Total run time: {time.perf_counter() - started:.0f} s")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--complaints", type=int, default=100_000,
                        help="complaints on our side = tickets on django-helpdesk's")  # fmt: skip
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--stores", type=int, default=5, choices=range(3, 11))
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per view")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per view first")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers of each server (and loader processes)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--helpdesk-database-url",
        default=os.environ.get("BENCH_HELPDESK_DATABASE_URL", baseline.DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild both datasets")
    parser.add_argument("--all-stores", action="store_true",
                        help="the CS manager manages every store (sees all N complaints)")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="print the SQL of our list and search (count, time) first")  # fmt: skip
    parser.add_argument("--explain", action="store_true",
                        help="with --profile: EXPLAIN ANALYZE of each statement")  # fmt: skip
    return parser.parse_args()


def _now():
    import datetime

    # Whole minutes: the dataset is the same for a given day and size.
    now = datetime.datetime.now(datetime.UTC)
    return now.replace(second=0, microsecond=0)


def _list_path():
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("complaints:list")
    except NoReverseMatch:
        raise SystemExit("URL complaints:list does not exist (yet): nothing to measure.") from None


def search_terms(args, store_ids):
    """What the CS manager types: a complainant's full name or plate, from the manager's store
    (the same text is in the matching django-helpdesk ticket's title)."""
    import random

    from dealercare.complaints.models import Complaint

    rows = list(
        Complaint.objects.filter(store_id__in=store_ids)
        .order_by("id")
        .values_list("customer__name", "vehicle__plate")
    )
    rng = random.Random(f"{args.seed}:search")
    rng.shuffle(rows)
    out = []
    for i in range(args.warmup + args.requests):
        name, plate = rows[i % len(rows)]
        out.append(("plate", plate) if i % 2 and plate else ("name", name))
    return out


def search_form(term, extra=None):
    """The list's filter form as the browser submits it: the term, status "All" (the customer's
    whole history, as django-helpdesk's search covers every status), the other filters blank
    (`extra`: the store select, shown to a user of several stores)."""
    return {"q": term, **(extra or {}), "status": "", "severity": "", "department": ""}


# --- measuring ------------------------------------------------------------------------------------


class Sample:
    def __init__(self, parts, rows, matched, size):
        self.parts, self.rows, self.matched, self.size = parts, rows, matched, size

    @property
    def ms(self):
        return sum(self.parts.values())


def _ok(response, what):
    if response.status != 200:
        raise SystemExit(f"{what}: HTTP {response.status}\n{response.text[:2000]}")
    return response


def ours_view(session, path, params=None):
    page = _ok(session.get(path, params), f"GET {path} {params or ''}")
    parts, body = {"page": page.ms}, page.text
    for k, url in enumerate(HX_LOAD.findall(body)):
        # A part of the page loaded by HTMX as soon as it shows: the user waits for it too.
        part = _ok(session.get(url.replace("&amp;", "&"), headers={"HX-Request": "true"}), url)
        parts[f"hx{k}"] = part.ms
        body += part.text
    rows = len(set(NUMBER.findall(body)))
    return Sample(parts, rows, rows, len(body.encode()))


def helpdesk_view(session, params=None):
    page = _ok(session.get("/tickets/", params), f"GET /tickets/ {params or ''}")
    url = DATATABLES_URL.search(page.text)
    if not url:
        raise SystemExit("django-helpdesk's ticket list has no DataTables URL")
    length = PAGE_LENGTH.search(page.text)
    data = _ok(
        session.get(url.group(1), datatables_params(int(length.group(1)) if length else 25),
                    headers={"X-Requested-With": "XMLHttpRequest",
                             "Accept": "application/json, text/javascript, */*; q=0.01"}),
        url.group(1),
    )  # fmt: skip
    payload = json.loads(data.body)
    return Sample(
        {"page": page.ms, "data": data.ms},
        len(payload["data"]),
        payload["recordsFiltered"],
        len(page.body) + len(data.body),
    )


DATATABLES_COLUMNS = ("id", "ticket", "priority", "queue", "status", "created", "due_date",
                      "assigned_to", "submitter", "last_followup", "time_spent", "kbitem")  # fmt: skip


def datatables_params(length):
    """What DataTables (serverSide, order: []) sends for the first page of ticket_list.html."""
    params = {"draw": 1}
    for i, name in enumerate(DATATABLES_COLUMNS):
        params.update({
            f"columns[{i}][data]": name, f"columns[{i}][name]": "",
            f"columns[{i}][searchable]": "true", f"columns[{i}][orderable]": str(i > 0).lower(),
            f"columns[{i}][search][value]": "", f"columns[{i}][search][regex]": "false",
        })  # fmt: skip
    params.update({"start": 0, "length": length, "search[value]": "", "search[regex]": "false"})
    params["_"] = int(time.time() * 1000)
    return params


def run(args, list_path, terms, form_extra):
    """Both servers up, log in, then every view in turn (rotating order), warm-up first."""
    from dealercare.complaints.models import Complaint  # noqa: F401  (Django is set up)

    workers, threads = args.workers, args.threads
    our_port, hd_port = free_port(), free_port()
    our_env = dict(os.environ)
    our_env.update(
        DJANGO_SETTINGS_MODULE="bench.complaints.settings_dc", DATABASE_URL=args.database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )  # fmt: skip
    our_server = Server(
        "Dealercare",
        [str(common.REPO / ".venv" / "bin" / "gunicorn"), "config.wsgi",
         *baseline.gunicorn_options(our_port, workers, threads)],
        env=our_env, cwd=common.REPO, port=our_port, log_path=OUT / "complaints-gunicorn.log",
    )  # fmt: skip
    hd_server = Server(
        "django-helpdesk",
        baseline.server_command(hd_port, workers, threads),
        env=baseline.environment(args.helpdesk_database_url), cwd=baseline.HERE, port=hd_port,
        log_path=OUT / "complaints-helpdesk-gunicorn.log",
    )  # fmt: skip
    print(f"Servers: gunicorn gthread, {workers} workers x {threads} threads each, DEBUG off; "
          f"Dealercare on :{our_port}, django-helpdesk on :{hd_port}", flush=True)  # fmt: skip
    with our_server, hd_server:
        mine, theirs = Session(our_port), Session(hd_port)
        mine.login("/login/", ours.MANAGER, PASSWORD)
        theirs.login("/login/", baseline.STAFF, PASSWORD)
        views = {
            "ours_list": lambda i: ours_view(mine, list_path),
            "hd_list": lambda i: helpdesk_view(theirs),
            "ours_search": lambda i: ours_view(
                mine, list_path, search_form(terms[i][1], form_extra)
            ),
            "hd_search": lambda i: helpdesk_view(theirs, {"q": terms[i][1]}),
        }
        results = {name: [] for name in views}
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        order = list(views)
        total = args.warmup + args.requests
        for i in range(total):
            for name in order[i % 4 :] + order[: i % 4]:
                sample = views[name](i)
                if i >= args.warmup:
                    results[name].append(sample)
            if (i + 1) % 50 == 0:
                print(f"  {i + 1}/{total} rounds, {time.perf_counter() - t0:.0f} s", flush=True)
        load_after = os.getloadavg()
    results["_load"] = (load_before, load_after)
    results["_terms"] = terms[args.warmup :]
    return results


# --- the report -----------------------------------------------------------------------------------


def _stats(values):
    return {
        "p50": common.percentile(values, 50),
        "p95": common.percentile(values, 95),
        "p99": common.percentile(values, 99),
        "max": max(values),
    }


def report(args, results, list_path):
    headers = ["view", "n", "rows", "matched", "p50 ms", "p95 ms", "p99 ms", "max ms", "KB"]
    rows = []
    p95 = {}

    def add(label, samples, part=None):
        times = [s.parts[part] if part else s.ms for s in samples]
        st = _stats(times)
        rows.append([
            label, len(samples), f"{sum(s.rows for s in samples) / len(samples):.0f}",
            f"{sum(s.matched for s in samples) / len(samples):,.0f}",
            f"{st['p50']:.1f}", f"{st['p95']:.1f}", f"{st['p99']:.1f}", f"{st['max']:.1f}",
            f"{sum(s.size for s in samples) / len(samples) / 1024:.0f}" if not part else "",
        ])  # fmt: skip
        return st["p95"]

    p95["ours_list"] = add(f"Dealercare complaint list  GET {list_path}", results["ours_list"])
    p95["hd_list_page"] = add("django-helpdesk  GET /tickets/ (page)", results["hd_list"], "page")
    p95["hd_list_data"] = add("django-helpdesk  DataTables JSON", results["hd_list"], "data")
    p95["hd_list"] = add("django-helpdesk  page + JSON", results["hd_list"])
    p95["ours_search"] = add("Dealercare search  ?q=&status=", results["ours_search"])
    p95["hd_search_page"] = add("django-helpdesk  /tickets/?q= (page)", results["hd_search"],
                                "page")  # fmt: skip
    p95["hd_search_data"] = add("django-helpdesk  DataTables JSON", results["hd_search"], "data")
    p95["hd_search"] = add("django-helpdesk  page + JSON", results["hd_search"])
    before, after = results["_load"]
    kinds = sorted({k for k, _t in results["_terms"]})
    lines = [common.table(headers, rows)]
    lines.append(
        "rows = rows on the first page; matched = rows the view matched in all (helpdesk: "
        "recordsFiltered; ours: rows shown). Search terms: "
        + ", ".join(kinds)
        + " of complainants of the manager's store, the same term on both sides each round; "
        "ours with status All, like helpdesk's search (every status)."
    )
    for key, label in (("list", "Default list"), ("search", "Search")):
        ratio = p95[f"ours_{key}"] / p95[f"hd_{key}"]
        verdict = "met" if ratio <= 1 / 3 else "NOT met"
        lines.append(
            f"{label}: our p95 / django-helpdesk p95 (page + JSON) = "
            f"{p95[f'ours_{key}']:.1f} / {p95[f'hd_{key}']:.1f} ms = {ratio:.3f} "
            f"(target <= 0.333: {verdict}); against its JSON request alone "
            f"{p95[f'ours_{key}'] / p95[f'hd_{key}_data']:.3f}, its page alone "
            f"{p95[f'ours_{key}'] / p95[f'hd_{key}_page']:.3f}"
        )
    mem = _memory()
    lines.append(
        f"Machine: nproc {os.cpu_count()}, {mem}; load average (1/5/15 min) before "
        f"{before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f}, after "
        f"{after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f} (other processes share these CPUs)."
    )
    return "\n".join(lines)


def _memory():
    try:
        info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        total = int(info["MemTotal"].split()[0]) / 2**20
        free = int(info["MemAvailable"].split()[0]) / 2**20
        return f"memory {total:.1f} GB ({free:.1f} GB available)"
    except (OSError, KeyError, ValueError):
        return "memory ?"


# --- profiling ------------------------------------------------------------------------------------


def profile(manager, list_path, terms, form_extra, *, explain):
    """Our list and search in-process: the SQL statements, their count and time (and plans)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(manager)
    cases = [
        ("default list", {}),
        *[(f"search {k} {t}", search_form(t, form_extra)) for k, t in terms[:2]],
    ]
    for label, params in cases:
        client.get(list_path, params)  # warm
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            response = client.get(list_path, params)
            ms = (time.perf_counter() - t) * 1000
        sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        print(f"\n=== {label}: HTTP {response.status_code}, {ms:.1f} ms in-process, "
              f"{len(captured)} queries, {sql_ms:.1f} ms SQL")  # fmt: skip
        ranked = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        for q in ranked[: 5 if explain else 3]:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
            if explain and q["sql"].lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                    print("\n".join("      " + r[0] for r in cursor.fetchall()))


if __name__ == "__main__":
    main()
