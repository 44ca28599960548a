"""Applies events to a read model with exactly-once effect, in order, per order.

Delivery from the outbox is at-least-once and unordered. This module turns it into
exactly-once, in-order application:

* One transaction per (read model, order), serialised by an advisory lock on that pair.
* The read row's `seq` says what has been applied. A delivery of an older or equal event is
  a no-op; a delivery of a later one first applies every missing event, read from the event
  log (gap healing), so no event is ever skipped.
* The row change, the dedupe records and "outbox row done" commit together: the outbox row
  is done only once the projection really committed.
* A failing event stops its order there (the events before it are kept). The failure is
  recorded by `failures.record_failure` in the same transaction: retry later, or dead letter.
  Later events of that order wait behind it; other orders carry on.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from orders.domain.events import DomainEvent, event_from_json
from orders.models import Event, OutboxMessage, OutboxState

from . import failures
from .demo_controls import Controls, apply_delay, check_fault, controls_for
from .metrics import record_applied
from .models import ProcessedEvent
from .projections import Projection, get_projection
from .row_store import load_row, save_row
from .signals import order_projected

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    event: Event
    error: BaseException
    traceback: str


@dataclass(frozen=True)
class CatchUp:
    applied_through: int  # the row's seq after this catch-up
    failure: Failure | None = None
    parked: bool = False


def project_messages(read_model: str, message_ids: list[int]) -> None:
    """Apply the events behind these outbox rows (what one Celery task delivers).

    Rows already done, dead, parked or not yet due for a retry are ignored: their delivery
    is a duplicate or early.
    """
    projection = get_projection(read_model)
    due = (
        OutboxMessage.objects.filter(id__in=message_ids, read_model=read_model)
        .filter(state__in=[OutboxState.PENDING, OutboxState.SENT])
        .exclude(state=OutboxState.PENDING, available_at__gt=timezone.now())
        .values_list("event__order_id", "event__seq")
    )
    targets: dict[UUID, int] = defaultdict(int)
    for order_id, seq in due:
        targets[order_id] = max(targets[order_id], seq)
    if not targets:
        return
    controls = controls_for(read_model)
    apply_delay(controls)
    for order_id, seq in sorted(targets.items()):
        catch_up(projection, order_id, up_to_seq=seq, controls=controls)


def catch_up(
    projection: Projection,
    order_id: UUID,
    *,
    up_to_seq: int,
    controls: Controls | None = None,
    replaying: bool = False,
) -> CatchUp:
    """Bring one order's row in `projection` up to `up_to_seq`, in one transaction.

    `replaying` is for dead letter replay: it ignores the open dead letter and retry times
    that otherwise make later events wait, and leaves failure handling to the caller.
    """
    controls = controls or Controls()
    name = projection.name
    with transaction.atomic():
        _lock(name, order_id)
        if not replaying and failures.has_open_dead_letter(name, order_id):
            failures.park_behind_dead_letter(name, order_id)
            logger.info(
                "%s: order waits behind a dead letter",
                name,
                extra={"order_id": str(order_id), "read_model": name, "seq": up_to_seq},
            )
            return CatchUp(applied_through=-1, parked=True)

        before = load_row(projection, order_id)
        applied_seq = before["seq"] if before else 0
        if not replaying:
            up_to_seq = failures.wait_behind_retries(name, order_id, applied_seq, up_to_seq)

        row, applied, failure = before, [], None
        for event in Event.objects.filter(
            order_id=order_id, seq__gt=applied_seq, seq__lte=up_to_seq
        ).order_by("seq"):
            if event.seq != applied_seq + len(applied) + 1:
                break  # never skip over a missing event; the next delivery will retry
            try:
                check_fault(name, controls, event.event_id)
                row = projection.apply(row, event_from_json(event.to_json()))
            except Exception as error:
                failure = Failure(event, error, traceback.format_exc())
                break
            applied.append(event)

        if applied:
            _save(projection, before, row, applied)
        through = row["seq"] if row else 0
        _mark_done(name, order_id, through)
        if failure and not replaying:
            failures.record_failure(name, failure.event, failure.error, failure.traceback)
        return CatchUp(applied_through=through, failure=failure)


def apply_events(projection: Projection, order_id: UUID, events: list[DomainEvent]) -> int:
    """Apply events that arrive with their data (derived by CDC, or inline in a command).

    Same guarantees as `catch_up`: one transaction, serialised per order, duplicates and
    older events are no-ops, and a gap is healed from the event log before going on.
    A failure raises, rolling the transaction back: the caller decides what retrying means.
    Returns the row's seq afterwards.
    """
    with transaction.atomic():
        _lock(projection.name, order_id)
        before = load_row(projection, order_id)
        applied_seq = before["seq"] if before else 0
        fresh = [event for event in events if event.seq > applied_seq]
        if fresh and fresh[0].seq > applied_seq + 1:
            logger.warning(
                "gap before seq %s; healing from the event log",
                fresh[0].seq,
                extra={"order_id": str(order_id), "read_model": projection.name},
            )
            healed = catch_up(projection, order_id, up_to_seq=fresh[0].seq - 1, replaying=True)
            if healed.failure:
                raise healed.failure.error
            if healed.applied_through != fresh[0].seq - 1:
                raise LookupError(
                    f"cannot heal {projection.name} for order {order_id}: the event log has "
                    f"it only up to seq {healed.applied_through}, {fresh[0].seq - 1} needed"
                )
            before = load_row(projection, order_id)
        row = before
        for event in fresh:
            row = projection.apply(row, event)
        if fresh:
            _save(projection, before, row, fresh)
        return row["seq"] if row else 0


def _save(projection: Projection, before, row, applied: list) -> None:
    ProcessedEvent.objects.bulk_create(
        [ProcessedEvent(read_model=projection.name, event_id=e.event_id) for e in applied],
        ignore_conflicts=True,
    )
    save_row(projection, row)
    projection.after_save(before, row)
    transaction.on_commit(lambda: record_applied(projection.name, applied), robust=True)
    transaction.on_commit(lambda: _log_applied(projection.name, applied), robust=True)
    transaction.on_commit(
        lambda: order_projected.send(
            sender=__name__,
            order_id=row["order_id"],
            seq=row["seq"],
            read_model=projection.name,
            customer_id=row.get("customer_id"),
        ),
        robust=True,
    )


def _log_applied(read_model: str, applied: list) -> None:
    """One line per order and committed catch-up: the events (Event rows or DomainEvents)."""
    first, last = applied[0], applied[-1]
    context = {"order_id": str(last.order_id), "read_model": read_model, "seq": last.seq}
    if first is last:
        context.update(event_id=str(last.event_id), event_type=last.event_type)
    else:
        context["from_seq"] = first.seq
    logger.info(
        "%s applied %s", read_model, ", ".join(e.event_type for e in applied), extra=context
    )


def _lock(read_model: str, order_id: UUID) -> None:
    """Serialise work on one (read model, order); share the read model with other orders.

    The shared lock on the read model lets a rebuild take it exclusively for its final swap.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0)),"
            " pg_advisory_xact_lock(hashtext(%s), hashtext(%s))",
            [f"readmodel:{read_model}", read_model, str(order_id)],
        )


def _mark_done(read_model: str, order_id: UUID, through_seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE orders_outboxmessage AS o SET state = 'done', done_at = now()
            FROM orders_event AS e
            WHERE o.event_id = e.position AND e.order_id = %s AND e.seq <= %s
              AND o.read_model = %s AND o.state <> 'done'
            """,
            [order_id, through_seq, read_model],
        )
