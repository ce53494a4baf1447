"""Warn owners of complaint steps nearing their time limit and escalate breached ones (run every
5-10 minutes from cron or a systemd timer; running it twice notifies once)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from dealercare.accounts.models import Store
from dealercare.complaints.deadlines import check_deadlines


class Command(BaseCommand):
    help = "Warn about complaint time limits nearly reached and escalate breaches."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code, e.g. GZ01 (default: all stores)")
        parser.add_argument(
            "--now",
            help="check as of this instant (ISO 8601 with an offset, e.g. "
            "2026-11-24T10:00:00+08:00): for drills and tests",
        )

    def handle(self, *args, store=None, now=None, **options):
        target = None
        if store:
            target = Store.objects.filter(code=store).first()
            if target is None:
                raise CommandError(f"No store with code {store}.")
        when = None
        if now:
            when = parse_datetime(now)
            if when is None or when.tzinfo is None:
                raise CommandError("--now: give an ISO 8601 date and time with its offset.")
        result = check_deadlines(now=when, store=target)
        self.stdout.write(
            f"warned {result.warned}, breaches {result.breach_total} "
            f"(by level {dict(sorted(result.breaches.items()))}), escalated {result.escalated}, "
            f"notifications {result.notified}"
        )
