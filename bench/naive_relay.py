"""The reference text's outbox processor, as the freshness and relay baseline.

Its design, run in the same harness: poll the outbox every 100 ms (a fixed sleep after every
pass, no LISTEN/NOTIFY wake-up), claim at most 100 rows, and publish one Celery task per row.
It reuses the real relay's claim and the real projector task, so the comparison is
about the delivery design only.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.naive_relay
"""

from __future__ import annotations

import os
import signal
import time

POLL_SECONDS = 0.1
BATCH_SIZE = 100


def relay_naively_once(batch_size: int = BATCH_SIZE) -> int:
    """Claim up to `batch_size` due rows, mark them sent, publish one task each."""
    from django.conf import settings
    from django.db import connection, transaction

    from readmodels.pipeline.relay import claim_due_rows
    from readmodels.pipeline.tasks import project

    with transaction.atomic(), connection.cursor() as cursor:
        claimed = claim_due_rows(
            cursor, batch_size=batch_size, redelivery_timeout=settings.OUTBOX_REDELIVERY_SECONDS
        )
        if not claimed:
            return 0
        cursor.execute(
            "UPDATE orders_outboxmessage SET state = 'sent', sent_at = now() WHERE id = ANY(%s)",
            [[row_id for row_id, _ in claimed]],
        )
        for row_id, read_model in claimed:
            project.apply_async(args=[read_model, [row_id]], queue=read_model)
    return len(claimed)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection

    running = [True]

    def stop(*_):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"naive relay: polling every {POLL_SECONDS * 1000:.0f} ms", flush=True)
    while running[0]:
        try:
            relay_naively_once()
        except Exception as error:  # keep polling, like the reference loop
            print(f"naive relay: {error}", flush=True)
            connection.close()
        time.sleep(POLL_SECONDS)
    print("naive relay: stopped", flush=True)


if __name__ == "__main__":
    main()
