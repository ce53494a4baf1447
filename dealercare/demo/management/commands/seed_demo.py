"""Load the demo dataset (华南汽车集团, three stores, staff, customers and their history)."""

import importlib
import importlib.util

from django.core.management.base import BaseCommand, CommandError

from dealercare.accounts.models import DealerGroup
from dealercare.demo.dataset import DEMO_PASSWORD, GROUP_CODE, build_demo

DEMO_HISTORY_APPS = ("followups", "surveys", "csi", "complaints")
SUMMARY_LABELS = (
    ("stores", "Stores"),
    ("staff", "Staff accounts"),
    ("customers", "Customers"),
    ("customers_by_store", "  by store"),
    ("customers_by_kind", "  by kind"),
    ("customers_by_type", "  by type"),
    ("customers_by_lifecycle", "  by lifecycle state"),
    ("customers_by_tier", "  by value tier"),
    ("company_contacts", "Company key contacts"),
    ("tagged_customers", "Tagged customers"),
    ("consent_records", "Consent records"),
    ("refusing_phone", "Customers refusing calls"),
    ("accepting_marketing", "Customers accepting marketing"),
    ("vehicles", "Vehicles"),
    ("new_energy_vehicles", "  new energy"),
    ("ownership_transfers", "  changed owner"),
    ("deliveries", "Deliveries"),
    ("service_visits", "Service visits"),
    ("service_visits_by_type", "  by type"),
    ("open_service_visits", "  in the workshop now"),
    ("inquiries", "Prospect inquiries"),
    ("search_terms", "Search keys"),
)


def _show(value):
    if isinstance(value, dict):
        return ", ".join(f"{key} {count}" for key, count in value.items())
    return str(value)


class Command(BaseCommand):
    help = "Create the demo dealer group with its stores, staff and N customers (deterministic)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=5000, help="how many customers (default 5000)"
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has a dealer group",
        )

    def handle(self, *args, customers, seed, if_empty, **options):
        if customers < 0:
            raise CommandError("--customers must be 0 or more.")
        existing = DealerGroup.objects.order_by("pk").first()
        if existing and if_empty:
            self.stdout.write(
                f"Demo data not loaded: the database already has data (dealer group "
                f"{existing.name}). Delete db.sqlite3 to start over."
            )
            return
        if DealerGroup.objects.filter(code=GROUP_CODE).exists():
            raise CommandError(
                "The demo dealer group already exists. Use a fresh database "
                "(delete db.sqlite3) or pass --if-empty."
            )
        self.stdout.write(f"Loading the demo dataset: {customers} customers, seed {seed}")
        result = build_demo(customers=customers, seed=seed, stdout=self.stdout)
        # The demo's events were bulk-loaded: the sweep creates their follow-up tasks, as it
        # does after any import.
        from dealercare.followups.services import sweep

        swept = sweep()
        self.stdout.write(f"Follow-up tasks created: {swept.total}")
        # Each app's history on top of the archive (worked follow-ups, survey answers,
        # complaints): dealercare/<app>/demo.py's build_history(), in this order.
        for app in DEMO_HISTORY_APPS:
            module_name = f"dealercare.{app}.demo"
            if importlib.util.find_spec(module_name):
                module = importlib.import_module(module_name)
                summary = module.build_history(group=result.group, seed=seed)
                for label, value in summary.items():
                    self.stdout.write(f"{label}: {_show(value)}")
        width = max(len(label) for _key, label in SUMMARY_LABELS)
        self.stdout.write("")
        for key, label in SUMMARY_LABELS:
            self.stdout.write(f"{label:<{width}}  {_show(result.counts[key])}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo dataset loaded in {result.seconds:.1f} s. "
                f"Every demo account's password is {DEMO_PASSWORD}."
            )
        )
