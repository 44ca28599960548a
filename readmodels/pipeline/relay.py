"""The outbox relay: claims due outbox rows and hands them to Celery, one queue per read model.

A claim is `SELECT … FOR UPDATE SKIP LOCKED` in a transaction that also marks the rows sent
and publishes them, so two relays never send the same batch, and a publish that fails rolls
the claim back. "Sent" is not "done": a row still unfinished `redelivery_timeout` after it was
sent (lost message, killed worker, flushed Redis) is due again. Duplicates that this creates
are harmless; the projector applies each event once.

Pending rows (not sent yet, or set back for a retry after a failure) are claimed first, and
sent rows past the timeout only fill what is left of a batch: a relay that takes longer than
the redelivery timeout to get through a backlog (say, with no worker running) sends all of it
before it sends anything again.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from readmodels.metrics import record_published
from readmodels.pipeline.outbox import claim_due_rows, mark_sent, seconds_until_next_due
from readmodels.pipeline.tasks import project

logger = logging.getLogger(__name__)

# The shortest wait between two passes. A row can be due and still not claimable (another
# relay holds it): without a floor, the loop would ask again at once, as fast as it can.
MIN_WAIT_SECONDS = 0.05


@dataclass(frozen=True)
class RelayBatch:
    sent: int
    by_read_model: dict[str, int]


def relay_once(*, batch_size: int | None = None, redelivery_timeout: float | None = None):
    """Claim one batch of due rows, mark them sent and publish them. Returns what was sent."""
    batch_size = batch_size or settings.OUTBOX_RELAY_BATCH_SIZE
    timeout = (
        settings.OUTBOX_REDELIVERY_SECONDS if redelivery_timeout is None else redelivery_timeout
    )
    claimed_at = time.perf_counter()  # for the publish duration metric
    with transaction.atomic():
        with connection.cursor() as cursor:
            claimed = claim_due_rows(cursor, batch_size=batch_size, redelivery_timeout=timeout)
            if not claimed:
                return RelayBatch(0, {})
            events = mark_sent(cursor, [row_id for row_id, _ in claimed])
        ids_by_model: dict[str, list[int]] = defaultdict(list)
        for row_id, read_model in claimed:
            ids_by_model[read_model].append(row_id)
        for read_model, ids in ids_by_model.items():
            project.apply_async(args=[read_model, ids], queue=read_model)
    batch = RelayBatch(len(claimed), {name: len(ids) for name, ids in ids_by_model.items()})
    record_published(batch.by_read_model, time.perf_counter() - claimed_at)
    _log_batch(batch, events)
    return batch


def _log_batch(batch: RelayBatch, events: set[tuple]) -> None:
    """One line per batch, with counts per read model; with the event's and order's ids when
    the whole batch is one event (the usual case when commands come one at a time). The ids
    come back from the claim's UPDATE, so logging costs no query."""
    if not logger.isEnabledFor(logging.INFO):
        return
    context = {"sent": batch.sent, "by_read_model": batch.by_read_model}
    if len(events) == 1:
        ((event_id, order_id, seq),) = events
        context.update(event_id=str(event_id), order_id=str(order_id), seq=seq)
    logger.info("relayed %d outbox rows (%d events)", batch.sent, len(events), extra=context)


def wait_before_next_pass(due_in: float | None, poll_interval: float) -> float:
    """The relay's sleep: until the next row is due, at most the polling interval, and never
    less than MIN_WAIT_SECONDS (a NOTIFY still wakes it at once)."""
    wait = poll_interval if due_in is None else min(poll_interval, due_in)
    return max(wait, MIN_WAIT_SECONDS)


class Relay:
    """The long-running loop: relay until idle, then sleep until woken by NOTIFY, until the
    next retry is due, or for the polling interval, whichever comes first.

    `connect_listener` opens a connection that LISTENs for the wake-up; it is called again
    whenever that connection breaks (say, PostgreSQL restarted), so the relay outlives it.

    `linger` (seconds) batches steady traffic: a wake-up within `linger` of the last rows
    sent waits until that much time has passed, so the commits in between share one claim
    and one task per read model, instead of each paying a task of its own. A relay that
    has sent nothing for `linger` claims at once: a lone command never waits.
    """

    def __init__(
        self, *, connect_listener, poll_interval: float, batch_size: int, linger: float = 0.0
    ):
        self.connect_listener = connect_listener
        self.listen = None
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.linger = linger
        self.last_sent = -linger  # monotonic time of the last claim that sent rows
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.linger_after_last_send()
                while self.running and relay_once(batch_size=self.batch_size).sent:
                    self.last_sent = time.monotonic()
                due_in = seconds_until_next_due()
            except Exception:
                logger.exception("relay failed; retrying after the polling interval")
                connection.close()
                due_in = None
            self.wait_for_notify(wait_before_next_pass(due_in, self.poll_interval))

    def linger_after_last_send(self) -> None:
        wait = self.last_sent + self.linger - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def wait_for_notify(self, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            self.listen = self.listen or self.connect_listener()
            for _ in self.listen.notifies(timeout=seconds, stop_after=1):
                pass
            # Drain wake-ups that piled up meanwhile: one pass of relaying serves them all.
            for _ in self.listen.notifies(timeout=0, stop_after=1000):
                pass
        except Exception:
            logger.warning("lost the LISTEN connection; polling until it is back", exc_info=True)
            self.listen = None
            time.sleep(seconds)
