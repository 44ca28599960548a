"""What the cdc strategy does with a change a read model cannot apply: what the outbox path does.

Each order's events are applied to each read model on their own (one transaction each), so a
failure is that order's alone. A failure is retried by the retry policy (readmodels.
pipeline.retry_policy: backoff with jitter, 5 attempts); then the first event that cannot be applied
becomes a dead letter, and the consumer acknowledges past it. The dead letter is sequenced:
while it is open, that order's later changes are not applied to that read model (its row stays
at the event before), and the replay brings the order up to date from the event log.

Not poison, and so retried by the consumer's loop without acknowledging: a database that is
away (any database error but a refused row). The consumer sleeps through the backoff, so one
poison change holds the stream for about a second and a half, then lets it flow.

A change made outside the application (plain SQL) has no event in the log: it cannot be
dead-lettered (a dead letter names its event) nor replayed, so it is retried as before.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from functools import partial
from uuid import UUID

from django.db import DatabaseError, transaction
from django.utils import timezone

from orders.domain.events import DomainEvent
from orders.models import Event
from readmodels.metrics import record_projection_error
from readmodels.models import DeadLetter
from readmodels.pipeline import push_log
from readmodels.pipeline.event_log import UnreadableEvent, events_between
from readmodels.pipeline.locks import lock_orders
from readmodels.pipeline.order_owner import customer_of
from readmodels.pipeline.projector import ROW_REFUSED, apply_events, catch_up_order
from readmodels.pipeline.retry_policy import gives_up_after, retry_delay
from readmodels.pipeline.row_store import load_row
from readmodels.projections import Projection
from readmodels.signals import order_dead_lettered

logger = logging.getLogger(__name__)

APPLIED, WAITING, DEAD_LETTERED = "applied", "waiting behind a dead letter", "dead-lettered"


def apply_or_dead_letter(
    projection: Projection,
    order_id: UUID,
    derive: Callable[[], list[DomainEvent]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Apply one order's derived events (`derive()` is retried too) to one read model.

    Returns APPLIED, WAITING (an open dead letter holds the order back) or DEAD_LETTERED.
    Raises the error of a database that is away.
    """

    def attempt() -> str:
        if _behind_open_dead_letter(projection.name, order_id):
            return WAITING
        apply_events(projection, order_id, derive())
        return APPLIED

    def culprit() -> tuple[int, str]:
        return _culprit(projection, order_id, derive)

    return _with_retry_policy(projection, order_id, attempt, culprit, sleep=sleep)


def catch_up_or_dead_letter(
    projection: Projection,
    order_id: UUID,
    *,
    up_to_seq: int,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Bring an order up to `up_to_seq` from the event log (after a replay), with the same
    retry policy and dead letter as the consumer's changes. The events before a failing one
    are kept (`catch_up_order` commits them), as on the outbox path."""
    failed: list = []

    def attempt() -> str:
        outcome = catch_up_order(projection, order_id, up_to_seq=up_to_seq, replaying=True)
        if outcome.failure is not None:
            failed[:] = [outcome.failure.event]
            raise outcome.failure.error
        return APPLIED

    def culprit() -> tuple[int, str]:
        if failed:
            return failed[0].seq, failed[0].event_type
        return _first_unapplied(projection, order_id)

    return _with_retry_policy(
        projection, order_id, attempt, culprit, sleep=sleep, own_transaction=False
    )


def _with_retry_policy(
    projection, order_id, attempt, culprit, *, sleep=time.sleep, own_transaction=True
) -> str:
    """Run `attempt` (in a transaction holding the order's lock, unless it brings its own)
    until it succeeds, or the retry policy is spent: then dead-letter `culprit()`."""
    first_failed_at = None
    attempts = 0
    while True:
        try:
            if not own_transaction:
                return attempt()
            with transaction.atomic():
                lock_orders(projection.name, [order_id])
                return attempt()
        except Exception as error:
            if isinstance(error, DatabaseError) and not isinstance(error, ROW_REFUSED):
                raise  # the database is away: not this change's fault
            trace = traceback.format_exc()
            attempts += 1
            first_failed_at = first_failed_at or timezone.now()
            record_projection_error(projection.name)
            context = {"order_id": str(order_id), "read_model": projection.name}
            if not gives_up_after(attempts):
                delay = retry_delay(attempts)
                logger.info(
                    "CDC projection failed, retry in %.0f ms: %s: %s",
                    delay * 1000,
                    type(error).__name__,
                    error,
                    extra={**context, "attempts": attempts},
                )
                sleep(delay)
                continue
            seq, event_type = culprit()
            if not _open_dead_letter(
                projection.name, order_id, seq, event_type, error, trace, attempts, first_failed_at
            ):
                raise
            return DEAD_LETTERED


def _behind_open_dead_letter(read_model: str, order_id: UUID) -> bool:
    return DeadLetter.objects.filter(
        read_model=read_model, order_id=order_id, resolved_at__isnull=True
    ).exists()


def _culprit(
    projection: Projection, order_id: UUID, derive: Callable[[], list[DomainEvent]]
) -> tuple[int, str]:
    """(seq, event type) of the first event that cannot be applied: folded again in memory,
    from the row as it stands (the event log fills a gap before the derived events). When
    each folds (the database refused the row) or the change cannot even be turned into
    events, the first unapplied event takes the blame."""
    try:
        events = derive()
    except Exception:  # noqa: BLE001 - a change that cannot be derived: blame the next event
        return _first_unapplied(projection, order_id)
    row = load_row(projection, order_id)
    applied = _seq(row)
    fresh = [event for event in events if event.seq > applied]
    healed = []
    if fresh and fresh[0].seq > applied + 1:
        healed = events_between({order_id: (applied, fresh[0].seq - 1)}).get(order_id, [])
    for event in [*healed, *fresh]:
        try:
            if isinstance(event, UnreadableEvent):
                raise event.error
            row = projection.apply(row, event)
        except Exception:  # noqa: BLE001 - finding the event that fails is the point
            return event.seq, event.event_type
    return _first_unapplied(projection, order_id)


def _first_unapplied(projection: Projection, order_id: UUID) -> tuple[int, str]:
    """The order's first event (in the log) that the read model has not applied."""
    applied = _seq(load_row(projection, order_id))
    following = events_between({order_id: (applied, applied + 1)}).get(order_id)
    if not following:
        return applied + 1, "unknown"  # not in the log: cannot be dead-lettered
    return following[0].seq, following[0].event_type


def _open_dead_letter(
    read_model, order_id, seq, event_type, error, trace, attempts, first_failed_at
) -> bool:
    """Open the dead letter of the order's event `seq`. False when the log has no such event
    (a change made outside the application), which cannot be dead-lettered."""
    event = Event.objects.filter(order_id=order_id, seq=seq).first()
    context = {"order_id": str(order_id), "read_model": read_model, "seq": seq}
    if event is None:
        logger.error(
            "CDC: the change of seq %s has no event in the log; it cannot be dead-lettered",
            seq,
            extra=context,
        )
        return False
    with transaction.atomic():
        lock_orders(read_model, [order_id])
        DeadLetter.objects.create(
            read_model=read_model,
            event=event,
            order_id=order_id,
            seq=seq,
            event_type=event_type,
            error=f"{type(error).__name__}: {error}",
            traceback=trace,
            attempts=attempts,
            first_failed_at=first_failed_at,
            last_failed_at=timezone.now(),
        )
        # As on the outbox path: the owner's spinner becomes a message at once, recorded at
        # its position in the push log (docs/push-resumption.md).
        owner = customer_of(order_id)
        (positions,) = push_log.record(
            [(owner, push_log.failed_message(order_id, seq, read_model))]
        )
        transaction.on_commit(
            partial(
                order_dead_lettered.send,
                sender=__name__,
                order_id=order_id,
                seq=seq,
                read_model=read_model,
                customer_id=owner,
                positions=positions,
            )
        )
    logger.warning(
        "dead letter: %s gave up on event",
        read_model,
        extra={**context, "event_id": str(event.event_id), "event_type": event_type},
    )
    return True


def _seq(row) -> int:
    return row["seq"] if row else 0
