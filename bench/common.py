"""Shared plumbing of the benchmarks: a dedicated PostgreSQL database, Django setup, the machine
description and latency statistics. Benchmarks are scripts, never part of the test suite."""

import datetime
import math
import os
import platform
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealercare_bench"


def database_name(url):
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url):
    """The same server, database `postgres`: where CREATE / DROP DATABASE are run."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def ensure_database(url, *, drop=False):
    """Create the benchmark database if missing (dropping it first when `drop`); True if new."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if drop and "bench" not in name:
        # The benchmark rebuilds its database from scratch: never do that to a real one.
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def setup_django(database_url):
    """Django with the production settings (DEBUG off, persistent connections) on `database_url`."""
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("SECURE_COOKIES", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import warnings

    import django

    # WhiteNoise warns that collectstatic has not run: the benchmark serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def machine():
    """nproc, CPU model, RAM, PostgreSQL version and the date, for the header of a report."""
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    ram_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": f"{ram_gb:.1f} GB" if ram_gb else "?",
        "postgres": f"PostgreSQL {pg_version} (shared_buffers {shared_buffers})",
        "python": platform.python_version(),
    }


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def table(headers, rows):
    """A plain-text table, columns right-aligned except the first."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [_pad(c, widths[i], left=(i == 0)) for i, c in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text):
    # CJK characters take two columns in a terminal.
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _pad(text, width, *, left):
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text
