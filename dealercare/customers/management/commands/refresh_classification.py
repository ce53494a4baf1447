"""Re-derive lifecycle states and value tiers (run nightly: time alone moves customers on)."""

from django.core.management.base import BaseCommand

from dealercare.accounts.models import Store
from dealercare.customers.services import refresh_classification


class Command(BaseCommand):
    help = "Recompute lifecycle state and value tier of every customer (or one store's)."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code, e.g. GZ01 (default: all stores)")

    def handle(self, *args, store=None, **options):
        stores = Store.objects.filter(is_active=True)
        if store:
            stores = stores.filter(code=store)
        for s in stores:
            changed = refresh_classification(store=s)
            self.stdout.write(f"{s.code}: {changed} customers reclassified")
