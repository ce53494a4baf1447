"""Rebuild every customer's search keys (after an upgrade changes how names are read)."""

from django.core.management.base import BaseCommand

from dealercare.customers.models import Customer
from dealercare.customers.services import rebuild_search_terms

BATCH = 1000


class Command(BaseCommand):
    help = "Recompute the search keys (name, pinyin, initials, phones, plates, VINs) of customers."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code, e.g. GZ01 (default: all stores)")

    def handle(self, *args, store=None, **options):
        customers = Customer.objects.order_by("pk")
        if store:
            customers = customers.filter(store__code=store)
        ids = list(customers.values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            rebuild_search_terms(ids[start : start + BATCH])
        self.stdout.write(f"Search keys rebuilt for {len(ids)} customers.")
