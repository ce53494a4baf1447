"""The baseline of bench/import_bench.py: django-import-export's default import of a slice of the
same file into the same models (customers, then their vehicles). Run by import_bench.py in its
own process, with django-import-export importable only there:

    .venv/bin/python bench/import_iex.py --csv FILE --rows 100000 --site-packages DIR

django-import-export is not a dependency of Dealercare: `DIR` is the site-packages of
bench/.venv-iex, appended to sys.path after the project's own, so the project's Django is used.

Its default widgets read ISO dates and plain numbers, not 2023年3月5日 or "12,345 km", so the slice
is handed to it already cleaned by Dealercare's converters (outside the timed part, and rows the
converters reject are left out): it is timed on the easier input. Each resource keeps its
defaults (row by row: a SELECT by the import id, then save(); one transaction); the only choices
made are the ones a team must make for these models: customers are identified by mobile, vehicles
by VIN, the owner by mobile, and the store and customer number are given as columns.
"""

import argparse
import csv
import json
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--site-packages", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--store", default="IEX1")
    args = parser.parse_args()
    common.setup_django(args.database_url)
    sys.path.append(args.site_packages)  # after the project's packages: its Django stays

    import tablib
    from import_export import fields, resources, widgets

    from dealercare.accounts.models import Store
    from dealercare.customers.models import Customer, Vehicle
    from dealercare.imports.columns import guess_mapping
    from dealercare.imports.rows import RowBuilder

    store = Store.objects.get(code=args.store)
    customer_fields = ["store", "number", "name", "gender", "mobile", "birth_date", "province",
                       "city", "address", "source", "uscc", "kind", "allow_sms"]  # fmt: skip
    vehicle_fields = ["store", "vin", "plate", "brand", "model_name", "colour", "purchase_date",
                      "mileage_km", "insurance_end", "owner"]  # fmt: skip

    with open(args.csv, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        mapping = guess_mapping("customers", header, {})
        builder = RowBuilder(list(mapping.items()), zoneinfo.ZoneInfo("Asia/Shanghai"))
        customers, vehicles, seen = [], [], {}
        for number, cells in enumerate(reader, 2):
            if number - 1 > args.rows:
                break
            row = builder.build(number, cells)
            c, v = row.customer, row.vehicle
            if row.errors or not c.get("mobile") or not v.get("vin"):
                continue
            if c["mobile"] not in seen:
                seen[c["mobile"]] = f"{store.code}-X{len(seen) + 1:07d}"
                c.setdefault("kind", "company" if c.get("uscc") else "person")
                c.setdefault("source", "dms")
                values = {**c, "store": store.pk, "number": seen[c["mobile"]]}
                customers.append([_cell(values.get(k)) for k in customer_fields])
            values = {**v, "store": store.pk, "owner": c["mobile"]}
            vehicles.append([_cell(values.get(k)) for k in vehicle_fields])
    rows = min(args.rows, number - 1)

    class CustomerResource(resources.ModelResource):
        class Meta:
            model = Customer
            fields = customer_fields
            import_id_fields = ("store", "mobile")

    class VehicleResource(resources.ModelResource):
        owner = fields.Field(
            attribute="owner",
            column_name="owner",
            widget=widgets.ForeignKeyWidget(Customer, "mobile"),
        )

        class Meta:
            model = Vehicle
            fields = vehicle_fields
            import_id_fields = ("store", "vin")

    from django.db import connection

    from bench.import_bench import cpu_seconds

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    cpu0, db0 = cpu_seconds(), cpu_seconds(backend)
    started = time.perf_counter()
    results = []
    for resource, data, names in ((CustomerResource(), customers, customer_fields),
                                  (VehicleResource(), vehicles, vehicle_fields)):  # fmt: skip
        dataset = tablib.Dataset(*data, headers=names)
        result = resource.import_data(dataset, dry_run=False)
        results.append(result)
    elapsed = time.perf_counter() - started
    cpu1, db1 = cpu_seconds(), cpu_seconds(backend)
    errors = sum(len(r.row_errors()) + len(r.invalid_rows) for r in results)
    stored = (
        Customer.objects.filter(store=store).count(),
        Vehicle.objects.filter(store=store).count(),
    )
    print(json.dumps({"rows": rows, "customers": len(customers), "vehicles": len(vehicles),
                      "stored_customers": stored[0], "stored_vehicles": stored[1],
                      "errors": errors, "seconds": elapsed, "cpu_python": cpu1 - cpu0,
                      "cpu_db": None if db0 is None else db1 - db0}))  # fmt: skip


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


if __name__ == "__main__":
    main()
