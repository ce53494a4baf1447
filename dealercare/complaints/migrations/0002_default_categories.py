"""Seed 001's five dimensions with their reasons, plus product quality, for every existing store
(new stores get them on first use through services.categories_seed_defaults)."""

from django.db import migrations


def seed(apps, schema_editor):
    from dealercare.complaints.defaults import DEFAULT_CATEGORIES

    Store = apps.get_model("accounts", "Store")
    Category = apps.get_model("complaints", "ComplaintCategory")
    Reason = apps.get_model("complaints", "ComplaintReason")
    for store in Store.objects.all():
        have = set(Category.objects.filter(store=store).values_list("code", flat=True))
        for order, (code, name, reasons) in enumerate(DEFAULT_CATEGORIES):
            if code in have:
                continue
            category = Category.objects.create(store=store, code=code, name=name, order=order)
            Reason.objects.bulk_create(
                Reason(category=category, code=rcode, name=rname, order=i)
                for i, (rcode, rname) in enumerate(reasons)
            )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
