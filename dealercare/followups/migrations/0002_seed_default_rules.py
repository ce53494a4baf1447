"""Give every existing store the default follow-up rules of DOMAIN §3 (new stores get them lazily,
from services.store_rules, the first time an event or the sweep needs them)."""

from django.db import migrations


def seed(apps, schema_editor):
    from dealercare.followups.defaults import default_rule_rows

    Store = apps.get_model("accounts", "Store")
    FollowUpRule = apps.get_model("followups", "FollowUpRule")
    rows = default_rule_rows()
    for store in Store.objects.all():
        existing = set(FollowUpRule.objects.filter(store=store).values_list("code", flat=True))
        FollowUpRule.objects.bulk_create(
            [FollowUpRule(store=store, **row) for row in rows if row["code"] not in existing]
        )


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
