"""The shipped dimensions, scoring models and questionnaires (seed 000 §1, seed 001)."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from dealercare.surveys.defaults import ensure_defaults

    ensure_defaults(
        Dimension=apps.get_model("surveys", "Dimension"),
        ScoringModel=apps.get_model("surveys", "ScoringModel"),
        Questionnaire=apps.get_model("surveys", "Questionnaire"),
        QuestionnaireVersion=apps.get_model("surveys", "QuestionnaireVersion"),
        Section=apps.get_model("surveys", "Section"),
        Item=apps.get_model("surveys", "Item"),
        now=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
