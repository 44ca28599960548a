"""`manage.py run_cdc`: the change data capture consumer (see readmodels/cdc/consumer.py)."""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orders.subscriptions import CDC, read_models_using
from readmodels.cdc.consumer import CdcConsumer, WalLevelTooLow, drop_slot_if_unused, ensure_slot


class Command(BaseCommand):
    help = "Project write-table changes from the WAL into the read models that use CDC."

    def add_arguments(self, parser):
        parser.add_argument("--poll-interval", type=float, default=settings.CDC_POLL_SECONDS)
        parser.add_argument(
            "--heartbeat-interval", type=float, default=settings.CDC_HEARTBEAT_SECONDS
        )

    def handle(self, *args, poll_interval, heartbeat_interval, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        read_models = read_models_using(CDC)
        if not read_models:
            if drop_slot_if_unused():
                self.stdout.write("cdc: no read model uses cdc; dropped its replication slot")
            self.stdout.write("cdc: no read model uses cdc (READ_MODEL_STRATEGIES); idle")
            while not stopping:
                time.sleep(1)
            return
        try:
            slot = ensure_slot()
        except WalLevelTooLow as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"cdc: reading slot {slot} for {', '.join(read_models)}")
        CdcConsumer(heartbeat_seconds=heartbeat_interval).run(
            poll_seconds=poll_interval, should_stop=lambda: bool(stopping)
        )
        self.stdout.write("cdc: stopped")
