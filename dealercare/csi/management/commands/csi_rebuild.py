"""Recompute the CSI rollups from the survey answers (all stores, or some)."""

import time

from django.core.management.base import BaseCommand

from dealercare.accounts.models import Store
from dealercare.csi.services import rollup_rebuild


class Command(BaseCommand):
    help = "Rebuild the CSI answer rollups from the raw answers (set-based SQL)."

    def add_arguments(self, parser):
        parser.add_argument("--store", action="append", default=[], help="store code (repeatable)")

    def handle(self, *args, store, **options):
        store_ids = None
        if store:
            found = dict(Store.objects.filter(code__in=store).values_list("code", "id"))
            missing = sorted(set(store) - set(found))
            if missing:
                self.stderr.write(f"Unknown store code(s): {', '.join(missing)}")
                return
            store_ids = list(found.values())
        started = time.perf_counter()
        rows = rollup_rebuild(store_ids)
        self.stdout.write(f"{rows} rollup rows written in {time.perf_counter() - started:.1f} s")
