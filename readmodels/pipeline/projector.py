"""Applies events to a read model with exactly-once effect, in order, per order.

Delivery from the outbox is at-least-once and unordered. This module turns it into
exactly-once, in-order application:

* One transaction per delivery (the orders of one Celery task's batch), serialised per
  (read model, order) by advisory locks on those pairs.
* The read row's `seq` is the tracking position: what has been applied. It is read under the
  order's lock before applying and written with the row, in the same transaction, so it is
  what stops a duplicate: a delivery of an older or equal event is a no-op; a delivery of a
  later one first applies every missing event, read from the event log (gap healing), so no
  event is ever skipped. No other record of applied events is kept.
* The outbox row is done only once the projection really committed. With one database the
  row changes and "outbox row done" commit together. With the read tables in a database of
  their own (READ_DATABASE_URL) no transaction spans both: the rows (and their seq) commit in
  the read database first, then the outbox rows are marked done in the write database. A
  crash between the two leaves the outbox rows unfinished; they are delivered again, and the
  seq read under the lock makes that delivery a no-op that only marks them done.
* The per-order locks live in the write database, in a transaction that is open from before
  the seq is read until after the outbox rows are marked done, so every writer of an order's
  row is serialised across both databases. The read model's shared lock (what a rebuild's
  swap takes exclusively) is also taken in the read database, inside the read transaction.
* A failing event stops its order there (the events before it are kept). The failure is
  recorded by `failures.record_failure` in the same transaction: retry later, or dead letter.
  Later events of that order wait behind it; other orders carry on.

The statements are set-based: a batch costs about nine statements whether it holds one order
or five hundred (what is due, the locks, what holds orders back, rows, events, the new rows,
counters, outbox done, push positions), which is what lets a worker keep up once live traffic
queues up; their text is fixed, so they are prepared once per connection (see
docs/benchmarks.md). If the database refuses a batch's writes (a row that breaks a
constraint), the batch is retried one order per transaction, so that the order at fault
fails alone and the others carry on.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from uuid import UUID

from django.db import DataError, IntegrityError, transaction

from orders.domain.events import DomainEvent
from readmodels.metrics import record_applied
from readmodels.pipeline import failures, push_log
from readmodels.pipeline.counters import add_to_counters
from readmodels.pipeline.crash_points import crash_if_requested
from readmodels.pipeline.demo_controls import Controls, check_fault
from readmodels.pipeline.due_work import due_work
from readmodels.pipeline.event_log import UnreadableEvent, events_between
from readmodels.pipeline.fold import FoldFailed, Gap, applied_seq, fold_event
from readmodels.pipeline.locks import (
    lock_free_orders,
    lock_orders,
    lock_read_model_shared_in_read_database,
)
from readmodels.pipeline.outbox import mark_done_through
from readmodels.pipeline.row_store import load_row, load_rows, save_rows
from readmodels.projections import Projection, get_projection
from readmodels.projections.base import Row
from readmodels.read_database import WRITE_ALIAS, read_alias
from readmodels.signals import order_projected

logger = logging.getLogger(__name__)

# What a database says when it refuses one row's values (as opposed to a lost connection).
ROW_REFUSED = (DataError, IntegrityError)


@dataclass(frozen=True)
class Failure:
    event: DomainEvent | UnreadableEvent
    error: BaseException
    traceback: str


@dataclass(frozen=True)
class CatchUp:
    applied_through: int  # the row's seq after this catch-up
    failure: Failure | None = None
    parked: bool = False


@dataclass(frozen=True)
class Change:
    """One order's row before and after the events applied to it."""

    before: Row | None
    after: Row
    applied: list[DomainEvent]


def project_messages(read_model: str, message_ids: list[int]) -> None:
    """Apply the events behind these outbox rows (what one Celery task delivers), and those
    of other orders already relayed and waiting in the queue behind this task.

    Rows already done, dead, parked or not yet due for a retry are ignored: their delivery
    is a duplicate or early. Taking the queued work along is what makes a busy worker's
    batches grow with its backlog, instead of it paying a task's fixed cost for every event
    of live traffic; the tasks that carry that work then find it done.
    """
    work = due_work(read_model, message_ids)
    if work.targets:
        catch_up_orders(
            get_projection(read_model), work.targets, controls=work.controls, if_free=work.queued
        )


def catch_up_order(
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
    outcomes = catch_up_orders(
        projection, {order_id: up_to_seq}, controls=controls, replaying=replaying
    )
    return outcomes[order_id]


def catch_up_orders(
    projection: Projection,
    targets: dict[UUID, int],
    *,
    controls: Controls | None = None,
    replaying: bool = False,
    if_free: dict[UUID, int] | None = None,
) -> dict[UUID, CatchUp]:
    """Bring each order's row up to its target seq ({order_id: seq}), in one transaction;
    also the orders of `if_free` that no other transaction is working on right now.

    If the database refuses the batch, each order of the batch as it was merged (the targets
    and the queued orders adopted) is tried again in a transaction of its own, so that only
    the order at fault pays; adopted orders stay "if free" on that second try.
    """
    controls = controls or Controls()
    merged: dict[UUID, int] = {}
    try:
        return _catch_up_in_one_transaction(
            projection, targets, controls, replaying, if_free or {}, merged
        )
    except ROW_REFUSED as error:
        batch = merged or targets
        if len(batch) > 1:
            logger.warning(
                "%s: the database refused a batch of %d orders (%s); one order at a time",
                projection.name,
                len(batch),
                error,
                extra={"read_model": projection.name},
            )
            outcomes: dict[UUID, CatchUp] = {}
            for order_id, seq in sorted(batch.items()):
                alone = {order_id: seq}
                own, adopted = (alone, {}) if order_id in targets else ({}, alone)
                outcomes.update(
                    catch_up_orders(
                        projection, own, controls=controls, replaying=replaying, if_free=adopted
                    )
                )
            return outcomes
        ((order_id, _),) = batch.items()
        return {order_id: _refused(projection, order_id, error, replaying)}


def _catch_up_in_one_transaction(
    projection: Projection,
    targets: dict[UUID, int],
    controls: Controls,
    replaying: bool,
    if_free: dict[UUID, int],
    merged: dict[UUID, int],
) -> dict[UUID, CatchUp]:
    """`merged` receives the orders this batch took on (targets and adopted queued work)."""
    name = projection.name
    outcomes: dict[UUID, CatchUp] = {}
    with transaction.atomic(using=WRITE_ALIAS):
        lock_orders(name, list(targets))
        # Queued work: the orders nobody else holds, and later events of the orders held here.
        free = lock_free_orders(name, [o for o in if_free if o not in targets])
        targets = {
            **{order_id: if_free[order_id] for order_id in free},
            **{order_id: max(seq, if_free.get(order_id, 0)) for order_id, seq in targets.items()},
        }
        merged.update(targets)
        with transaction.atomic(using=read_alias(), savepoint=False):
            changes, failed = _apply_under_lock(projection, targets, controls, replaying, outcomes)
        crash_if_requested(name)  # tests: die between the read commit and the outbox update
        mark_done_through(name, {o: c.applied_through for o, c in outcomes.items() if not c.parked})
        # Late: it locks the push streams. Before the failures: an order's order.projected
        # comes before the order.failed of its next event, in positions as in time.
        _push(name, changes, announce_on=WRITE_ALIAS)
        if not replaying:
            for failure in failed:
                failures.record_failure(name, failure.event, failure.error, failure.traceback)
    return outcomes


def _apply_under_lock(
    projection: Projection,
    targets: dict[UUID, int],
    controls: Controls,
    replaying: bool,
    outcomes: dict[UUID, CatchUp],
) -> tuple[list[Change], list[Failure]]:
    """Inside the read database's transaction: fold the targets' unapplied events onto their
    rows and save them. Fills `outcomes`; returns the changes, for the caller to push, and the
    failures, for the caller to record."""
    name = projection.name
    lock_read_model_shared_in_read_database(name)
    holds = failures.holds_on(name, list(targets)) if not replaying else None
    if holds is not None:
        for order_id in failures.park_orders_behind_dead_letters(name, holds):
            outcomes[order_id] = CatchUp(applied_through=-1, parked=True)
            logger.info(
                "%s: order waits behind a dead letter",
                name,
                extra={"order_id": str(order_id), "read_model": name},
            )
    open_targets = {o: seq for o, seq in targets.items() if o not in outcomes}
    rows = load_rows(projection, list(open_targets))
    ranges = {o: (applied_seq(rows.get(o)), seq) for o, seq in open_targets.items()}
    if holds is not None:
        limits = failures.wait_behind_retries(name, ranges, holds)
        ranges = {o: (applied, limits[o]) for o, (applied, _) in ranges.items()}
    events = events_between(ranges)

    changes, failed = [], []
    for order_id in open_targets:
        before = rows.get(order_id)
        after, applied, failure = _fold(projection, controls, before, events.get(order_id))
        if applied:
            changes.append(Change(before, after, applied))
        if failure:
            failed.append(failure)
        outcomes[order_id] = CatchUp(applied_through=applied_seq(after), failure=failure)

    _save(projection, changes, announce_on=WRITE_ALIAS)
    return changes, failed


def _fold(projection: Projection, controls: Controls, row: Row | None, events: list | None):
    """Apply `events` (in seq order) to `row`, stopping at a gap or at the first failure.
    Returns (row, events applied, failure or None). Does no I/O but the demo fault check."""
    applied: list[DomainEvent] = []
    for event in events or ():
        try:
            if isinstance(event, UnreadableEvent):
                raise event.error
            check_fault(projection.name, controls, event.event_id)
            row = fold_event(projection, row, event)
        except Gap:
            break  # never skip over a missing event; the next delivery will retry
        except FoldFailed as failed:
            return row, applied, Failure(event, failed.error, traceback.format_exc())
        except Exception as error:
            return row, applied, Failure(event, error, traceback.format_exc())
        applied.append(event)
    return row, applied, None


def _refused(projection: Projection, order_id: UUID, error: BaseException, replaying: bool):
    """The database refused this order's new row: its first unapplied event takes the blame
    (retried, then dead-lettered with the database's error), so the order does not loop."""
    trace = traceback.format_exc()
    with transaction.atomic(using=WRITE_ALIAS):
        lock_orders(projection.name, [order_id])
        applied = applied_seq(load_row(projection, order_id))
        next_events = events_between({order_id: (applied, applied + 1)}).get(order_id)
        if not next_events:
            raise error  # nothing left to blame: not a refused event after all
        culprit = next_events[0]
        failure = Failure(culprit, error, trace)
        if not replaying:
            failures.record_failure(projection.name, culprit, error, trace)
    return CatchUp(applied_through=applied, failure=failure)


def apply_events(projection: Projection, order_id: UUID, events: list[DomainEvent]) -> int:
    """Apply events that arrive with their data (derived by CDC, or inline in a command).

    Same guarantees as `catch_up_order`: one transaction, serialised per order, duplicates and
    older events are no-ops, and a gap is healed from the event log before going on.
    A failure raises, rolling the transaction back: the caller decides what retrying means.
    Returns the row's seq afterwards.
    """
    read = read_alias()
    with transaction.atomic(using=WRITE_ALIAS), transaction.atomic(using=read, savepoint=False):
        lock_orders(projection.name, [order_id])
        lock_read_model_shared_in_read_database(projection.name)
        before = load_row(projection, order_id)
        fresh = [event for event in events if event.seq > applied_seq(before)]
        if fresh and fresh[0].seq > applied_seq(before) + 1:
            logger.warning(
                "gap before seq %s; healing from the event log",
                fresh[0].seq,
                extra={"order_id": str(order_id), "read_model": projection.name},
            )
            healed = catch_up_order(
                projection, order_id, up_to_seq=fresh[0].seq - 1, replaying=True
            )
            if healed.failure:
                raise healed.failure.error
            if healed.applied_through != fresh[0].seq - 1:
                raise LookupError(
                    f"cannot heal {projection.name} for order {order_id}: the event log has "
                    f"it only up to seq {healed.applied_through}, {fresh[0].seq - 1} needed"
                )
            before = load_row(projection, order_id)
        after = before
        for event in fresh:
            try:
                after = fold_event(projection, after, event)
            except FoldFailed as failed:
                raise failed.error from None  # the projection's own error, for the caller
        if fresh:
            changes = [Change(before, after, fresh)]
            _save(projection, changes, announce_on=read)
            _push(projection.name, changes, announce_on=read)
        return applied_seq(after)


def _save(projection: Projection, changes: list[Change], *, announce_on: str) -> None:
    """Save the rows (in the read database's transaction); after the commit of the
    transaction on `announce_on`, count them."""
    if not changes:
        return
    name = projection.name
    applied = [event for change in changes for event in change.applied]
    save_rows(projection, [change.after for change in changes])
    add_to_counters(projection.counter_deltas([(c.before, c.after) for c in changes]))
    transaction.on_commit(lambda: record_applied(name, applied), robust=True, using=announce_on)


def _push(name: str, changes: list[Change], *, announce_on: str) -> None:
    """Give the changes' pushes their positions, and announce them after the commit of the
    transaction on `announce_on`. The positions commit with the change (with a read database
    of its own: with the write side's transaction, which commits after the rows), so a lost
    push can be replayed; taking them locks the push streams until that commit, which is why
    this comes last in the transaction."""
    if not changes:
        return
    positions = push_log.record(
        [
            (
                c.after.get("customer_id"),
                push_log.projected_message(c.after["order_id"], c.after["seq"], name),
            )
            for c in changes
        ]
    )
    transaction.on_commit(
        lambda: _announce(name, changes, positions), robust=True, using=announce_on
    )


def _announce(read_model: str, changes: list[Change], positions: list[dict[str, int]]) -> None:
    """After commit: one log line and one `order_projected` signal per order changed."""
    for change, position in zip(changes, positions, strict=True):
        _log_applied(read_model, change.applied)
        row = change.after
        order_projected.send(
            sender=__name__,
            order_id=row["order_id"],
            seq=row["seq"],
            read_model=read_model,
            customer_id=row.get("customer_id"),
            positions=position,
        )


def _log_applied(read_model: str, applied: list[DomainEvent]) -> None:
    first, last = applied[0], applied[-1]
    context = {"order_id": str(last.order_id), "read_model": read_model, "seq": last.seq}
    if first is last:
        context.update(event_id=str(last.event_id), event_type=last.event_type)
    else:
        context["from_seq"] = first.seq
    logger.info(
        "%s applied %s", read_model, ", ".join(e.event_type for e in applied), extra=context
    )
