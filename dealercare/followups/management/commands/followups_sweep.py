"""Create the follow-up tasks that are missing, release abandoned claims and send due SMS (run it
every few minutes from cron or a systemd timer; safe to run twice or after a crash)."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dealercare.accounts.models import Store
from dealercare.followups.messaging import send_due_sms
from dealercare.followups.queue import release_expired_claims
from dealercare.followups.services import sweep


class Command(BaseCommand):
    help = "Create missing follow-up tasks, release expired claims and send due SMS."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code, e.g. GZ01 (default: all stores)")
        parser.add_argument(
            "--since", help="consider events from this date (YYYY-MM-DD; default: the lookback)"
        )
        parser.add_argument("--chunk-size", type=int, help="events per transaction")
        parser.add_argument("--no-sms", action="store_true", help="do not send due SMS")

    def handle(self, *args, store=None, since=None, chunk_size=None, no_sms=False, **options):
        target = None
        if store:
            target = Store.objects.filter(code=store).first()
            if target is None:
                raise CommandError(f"No store with code {store}.")
        start = None
        if since:
            try:
                day = datetime.strptime(since, "%Y-%m-%d").date()  # noqa: DTZ007
            except ValueError as error:
                raise CommandError(f"--since: {error}") from error
            start = timezone.make_aware(datetime.combine(day, time()))
        released = release_expired_claims(store_ids=[target.pk] if target else None)
        result = sweep(store=target, since=start, chunk_size=chunk_size)
        for (code, rule), count in sorted(result.created.items()):
            self.stdout.write(f"{code} {rule}: {count} tasks created")
        self.stdout.write(
            f"created {result.total}, cancelled {result.cancelled}, "
            f"rescheduled {result.rescheduled}, released {released} claims"
        )
        if not no_sms:
            sms = send_due_sms(store=target)
            self.stdout.write(f"SMS sent {sms.sent}, failed {sms.failed}")
