"""What happens when a projection fails: retry with backoff, then the dead letter queue.

The queue is *sequenced*: once an event of an order is dead, that order's later events for the
same read model are parked behind it (not retried in a loop), while other orders keep
flowing. Every function here runs inside the projector's transaction.
"""

import logging
from datetime import timedelta
from functools import partial
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from orders.announcements import wake_relay
from orders.models import OutboxMessage, OutboxState
from readmodels.metrics import record_projection_error
from readmodels.models import DeadLetter
from readmodels.pipeline import outbox, push_log
from readmodels.pipeline.order_owner import customer_of
from readmodels.pipeline.retry_policy import gives_up_after, retry_delay
from readmodels.signals import order_dead_lettered

logger = logging.getLogger(__name__)


def park_orders_behind_dead_letters(read_model: str, order_ids: list[UUID]) -> set[UUID]:
    """The orders among these that have an open dead letter; their unfinished rows are parked.

    One query when none has (the usual case).
    """
    blocked = set(
        DeadLetter.objects.filter(
            read_model=read_model, order_id__in=order_ids, resolved_at__isnull=True
        ).values_list("order_id", flat=True)
    )
    outbox.park(read_model, blocked)
    return blocked


def wait_behind_retries(read_model: str, ranges: dict[UUID, tuple[int, int]]) -> dict[UUID, int]:
    """How far each order may go, for {order: (applied seq, wanted seq)}: if an event in that
    range waits for its retry time, the order stops before it, and the events after it are
    rescheduled with it. One query when nothing waits (the usual case)."""
    waiting = (
        OutboxMessage.objects.filter(
            read_model=read_model,
            event__order_id__in=list(ranges),
            state=OutboxState.PENDING,
            available_at__gt=timezone.now(),
        )
        .order_by("event__order_id", "event__seq")
        .distinct("event__order_id")
        .values_list("event__order_id", "event__seq", "available_at")
    )
    limits = {order_id: up_to for order_id, (_, up_to) in ranges.items()}
    for order_id, seq, retry_at in waiting:
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
