"""The django-helpdesk side: its own virtualenv, its database, its tickets, its server."""

import hashlib
import os
import subprocess
import sys
from urllib.parse import urlsplit

from bench import common

HERE = common.REPO / "bench" / "complaints"
PROJECT = HERE / "helpdesk_project"
VENV = common.REPO / "bench" / ".venv-helpdesk"
REQUIREMENTS = PROJECT / "requirements.txt"
STAFF = "bench-staff"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dealercare_bench_helpdesk"


def python():
    return VENV / "bin" / "python"


def ensure_venv():
    """Create bench/.venv-helpdesk and install the pinned requirements when they changed."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / ".bench-requirements"
    if stamp.exists() and stamp.read_text() == wanted and python().exists():
        return False
    print(f"Installing django-helpdesk into {VENV.relative_to(common.REPO)}...", flush=True)
    if not python().exists():
        base = getattr(sys, "_base_executable", None) or sys.executable
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    # Like Python 3.13's venv: the environment ignores itself, whatever the checkout's .gitignore.
    (VENV / ".gitignore").write_text("*\n")
    pip = [str(python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return True


def environment(database_url):
    parts = urlsplit(database_url)
    env = dict(os.environ)
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(key, None)
    env.update(
        DJANGO_SETTINGS_MODULE="helpdesk_project.settings",
        PYTHONPATH=str(HERE),
        HELPDESK_DB_NAME=common.database_name(database_url),
        HELPDESK_DB_HOST=parts.hostname or "127.0.0.1",
        HELPDESK_DB_PORT=str(parts.port or 5432),
        HELPDESK_DB_USER=parts.username or "postgres",
        HELPDESK_DB_PASSWORD=parts.password or "",
    )
    return env


def ticket_count(database_url):
    import psycopg

    try:
        with psycopg.connect(database_url) as conn:
            return conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]
    except psycopg.Error:
        return None


def prepare(args, *, rebuild, cases_path, password):
    """Migrate and load N tickets from the cases file, unless they are there already."""
    url = args.helpdesk_database_url
    if not rebuild and ticket_count(url) == args.complaints:
        print(f"  django-helpdesk: reusing {args.complaints:,} tickets "
              f"({common.database_name(url)})", flush=True)  # fmt: skip
        return
    common.ensure_database(url, drop=True)
    env = environment(url)
    run = [str(python()), "-m"]
    subprocess.run([*run, "django", "migrate", "--verbosity", "0"], env=env, cwd=HERE, check=True)
    subprocess.run(
        [*run, "helpdesk_project.load", "--cases", str(cases_path),
         "--tickets", str(args.complaints), "--seed", str(args.seed), "--password", password],
        env=env, cwd=HERE, check=True,
    )  # fmt: skip


def server_command(port, workers, threads):
    gunicorn = VENV / "bin" / "gunicorn"
    return [str(gunicorn), "helpdesk_project.wsgi", *gunicorn_options(port, workers, threads)]


def gunicorn_options(port, workers, threads):
    """The same for both servers: threaded workers as the README deploys Dealercare."""
    return ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}", "--timeout", "300", "--no-control-socket",
            "--log-level", "warning"]  # fmt: skip


def version():
    """(django-helpdesk, Django) versions installed in the benchmark's virtualenv."""
    code = "from importlib.metadata import version as v; print(v('django-helpdesk'), v('django'))"
    out = subprocess.run([str(python()), "-c", code], capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 else ["?", "?"]
