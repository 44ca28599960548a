"""What happens when a projection fails: retry with backoff, then the dead letter queue.

The queue is *sequenced*: once an event of an order is dead, that order's later events for the
same read model are parked behind it (not retried in a loop), while other orders keep
flowing. Every function here runs inside the projector's transaction.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from orders.announcements import wake_relay
from orders.models import Event, OutboxMessage, OutboxState
from readmodels.metrics import record_projection_error
from readmodels.models import DeadLetter
from readmodels.pipeline import outbox, push_log
from readmodels.pipeline.order_owner import customer_of
from readmodels.pipeline.prepared import prepared_cursor
from readmodels.pipeline.retry_policy import gives_up_after, retry_delay
from readmodels.signals import order_dead_lettered

logger = logging.getLogger(__name__)


# Under the orders' locks: their open dead letters, and the first of their rows that waits for
# its retry time. One statement for both checks, since each delivery makes them.
HOLDS_SQL = f"""
    SELECT d.order_id, NULL::int, NULL::timestamptz FROM {DeadLetter._meta.db_table} AS d
    WHERE d.read_model = %(read_model)s AND d.order_id = ANY(%(orders)s)
      AND d.resolved_at IS NULL
    UNION ALL (
        SELECT DISTINCT ON (e.order_id) e.order_id, e.seq, o.available_at
        FROM {OutboxMessage._meta.db_table} AS o
        JOIN {Event._meta.db_table} AS e ON e.position = o.event_id
        WHERE o.read_model = %(read_model)s AND e.order_id = ANY(%(orders)s)
          AND o.state = '{OutboxState.PENDING}' AND o.available_at > %(now)s
        ORDER BY e.order_id, e.seq
    )
"""


@dataclass(frozen=True)
class Holds:
    """What holds orders back: an open dead letter, or a row waiting for its retry time."""

    dead_lettered: set[UUID]
    waiting: dict[UUID, tuple[int, datetime]]  # the first waiting row's seq and retry time


def holds_on(read_model: str, order_ids: list[UUID]) -> Holds:
    """Precondition: the orders' locks are held (lock_orders), so that no failure of theirs
    is recorded in between."""
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            HOLDS_SQL, {"read_model": read_model, "orders": order_ids, "now": timezone.now()}
        )
        rows = cursor.fetchall()
    dead = {order_id for order_id, seq, _ in rows if seq is None}
    waiting = {order_id: (seq, at) for order_id, seq, at in rows if seq is not None}
    return Holds(dead, waiting)


def park_orders_behind_dead_letters(read_model: str, holds: Holds) -> set[UUID]:
    """The orders that have an open dead letter; their unfinished rows are parked.

    No query when none has (the usual case).
    """
    outbox.park(read_model, holds.dead_lettered)
    return holds.dead_lettered


def wait_behind_retries(
    read_model: str, ranges: dict[UUID, tuple[int, int]], holds: Holds
) -> dict[UUID, int]:
    """How far each order may go, for {order: (applied seq, wanted seq)}: if an event in that
    range waits for its retry time, the order stops before it, and the events after it are
    rescheduled with it. No query when nothing waits (the usual case)."""
    limits = {order_id: up_to for order_id, (_, up_to) in ranges.items()}
    for order_id, (seq, retry_at) in holds.waiting.items():
        if order_id not in ranges:
            continue
        applied, up_to = ranges[order_id]
        if applied < seq <= up_to:
            outbox.reschedule_after(read_model, order_id, seq, retry_at)
            limits[order_id] = seq - 1
    return limits


def record_failure(read_model: str, event, error: BaseException, trace: str) -> None:
    """Count a failed attempt at `event` (a domain event, or anything with its event_id,
    order_id, seq and event_type); schedule its retry or move it to the dead letters."""
    record_projection_error(read_model)
    now = timezone.now()
    message = (
        OutboxMessage.objects.select_for_update(of=("self",))
        .select_related("event")
        .get(event__event_id=event.event_id, read_model=read_model)
    )
    message.attempts += 1
    message.first_failed_at = message.first_failed_at or now
    message.last_error = f"{type(error).__name__}: {error}"
    context = {
        "event_id": str(event.event_id),
        "order_id": str(event.order_id),
        "read_model": read_model,
        "seq": event.seq,
        "event_type": event.event_type,
        "attempts": message.attempts,
    }
    if gives_up_after(message.attempts):
        outbox.bury(message)
        DeadLetter.objects.create(
            read_model=read_model,
            event=message.event,
            order_id=event.order_id,
            seq=event.seq,
            event_type=event.event_type,
            error=message.last_error,
            traceback=trace,
            attempts=message.attempts,
            first_failed_at=message.first_failed_at,
            last_failed_at=now,
        )
        logger.warning("dead letter: %s gave up on event", read_model, extra=context)
        # The owner's spinner becomes a message at once, not when someone replays it.
        owner = customer_of(event.order_id)
        push = push_log.failed_message(event.order_id, event.seq, read_model)
        (positions,) = push_log.record([(owner, push)])
        transaction.on_commit(
            partial(
                order_dead_lettered.send,
                sender=__name__,
                order_id=event.order_id,
                seq=event.seq,
                read_model=read_model,
                customer_id=owner,
                positions=positions,
            )
        )
    else:
        delay = retry_delay(message.attempts)
        outbox.retry_later(message, now + timedelta(seconds=delay))
        transaction.on_commit(wake_relay)  # so the relay sleeps only until this retry is due
        logger.info(
            "projection failed, retry in %.0f ms: %s",
            delay * 1000,
            message.last_error,
            extra=context,
        )
