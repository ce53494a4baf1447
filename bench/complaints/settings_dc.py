"""Dealercare as deployed (config.settings.prod), its collected static files kept under bench/out.

The list page links its CSS and JS through the manifest storage, so `collectstatic` must have
run (as in any deployment); the benchmark collects into its own folder so it never touches the
checkout's staticfiles/.
"""

from config.settings.prod import *  # noqa: F403
from config.settings.prod import BASE_DIR

STATIC_ROOT = BASE_DIR / "bench" / "out" / "complaints-static"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "bench.complaints.staticstorage.BenchStaticStorage"},
}
