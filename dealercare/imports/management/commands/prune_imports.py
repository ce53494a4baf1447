"""manage.py prune_imports [--days 30]: forget the files and rejected rows of old imports.

Schedule it daily (cron or a systemd timer) next to the other housekeeping commands.
"""

from django.core.management.base import BaseCommand

from dealercare.imports import services


class Command(BaseCommand):
    help = (
        "Delete the stored files and rejected-row lists of imports untouched for N days "
        "(default: setting IMPORT_UPLOAD_RETENTION_DAYS, 30)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, **options):
        files, rows = services.prune_uploads(days=options["days"])
        self.stdout.write(f"Deleted {files} stored import files and {rows} rejected rows.")
