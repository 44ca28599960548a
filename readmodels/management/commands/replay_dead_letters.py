"""`manage.py replay_dead_letters`: replay dead letters, filtered, in sequence order."""

from datetime import timedelta
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from readmodels.models import DeadLetter
from readmodels.ops.replay import replay_dead_letters
from readmodels.projections import PROJECTIONS


class Command(BaseCommand):
    help = "Replay open dead letters; prints succeeded / failed / skipped."

    def add_arguments(self, parser):
        parser.add_argument("--read-model", choices=sorted(PROJECTIONS))
        parser.add_argument("--event-type", help="e.g. OrderConfirmed")
        parser.add_argument("--order", help="an order id (UUID)")
        parser.add_argument(
            "--max-age-hours", type=float, help="only entries that first failed this recently"
        )
        parser.add_argument("--dry-run", action="store_true", help="list, do not replay")

    def handle(self, *args, read_model, event_type, order, max_age_hours, dry_run, **options):
        entries = DeadLetter.objects.filter(resolved_at__isnull=True)
        if read_model:
            entries = entries.filter(read_model=read_model)
        if event_type:
            entries = entries.filter(event_type=event_type)
        if order:
            try:
                entries = entries.filter(order_id=UUID(order))
            except ValueError as error:
                raise CommandError(f"--order must be an order id (UUID): {error}") from error
        if max_age_hours is not None:
            since = timezone.now() - timedelta(hours=max_age_hours)
            entries = entries.filter(first_failed_at__gte=since)
        for dead in entries.order_by("read_model", "order_id", "seq"):
            self.stdout.write(
                f"#{dead.pk} {dead.read_model} {dead.event_type} seq {dead.seq} "
                f"of {dead.order_id}: {dead.error}"
            )
        if dry_run:
            return
        report = replay_dead_letters(entries)
        for entry_id, reason in report.skipped:
            self.stdout.write(f"skipped #{entry_id}: {reason}")
        for entry_id, error in report.failed:
            self.stdout.write(self.style.ERROR(f"failed #{entry_id}: {error}"))
        self.stdout.write(report.summary())
