"""`manage.py run_relay`: the outbox relay process (see readmodels/pipeline/relay.py)."""

import signal

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand

from orders.announcements import OUTBOX_CHANNEL
from readmodels.pipeline.relay import Relay


class Command(BaseCommand):
    help = "Relay outbox rows to the Celery projectors until stopped (Ctrl-C)."

    def add_arguments(self, parser):
        parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds")
        parser.add_argument("--batch-size", type=int, default=settings.OUTBOX_RELAY_BATCH_SIZE)
        parser.add_argument(
            "--linger-ms",
            type=float,
            default=settings.OUTBOX_RELAY_LINGER_MS,
            help="under steady traffic, claim at most once per this many milliseconds",
        )

    def handle(self, *args, poll_interval, batch_size, linger_ms, **options):
        relay = Relay(
            connect_listener=listen_for_wake_ups,
            poll_interval=poll_interval,
            batch_size=batch_size,
            linger=linger_ms / 1000,
        )

        def stop(*_):
            relay.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"relay: listening on {OUTBOX_CHANNEL}, polling every {poll_interval}s")
        relay.run()
        self.stdout.write("relay: stopped")


def listen_for_wake_ups() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    listen = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    )
    listen.execute(f"LISTEN {OUTBOX_CHANNEL}")
    return listen
