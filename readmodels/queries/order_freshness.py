"""Freshness per order: which orders a read model still owes events, and why.

A read model's lag (readmodels/queries/freshness.py) covers the orders that can make progress. An
order whose event was dead-lettered cannot: its later events are parked behind it until staff
replay it. Such an order is *held*; it is reported on its own rows (`behind`) and counted
apart in the lag report, instead of marking the whole read model stale for everyone.

`behind` of a row: the first event of that order the read model has not applied (`seq`), and
why (`reason`): `dead_lettered` when the order is held behind a dead letter, `retrying` when
an attempt at it failed and a retry is due, else `pending` (on its way through the relay and
the projector). Only the outbox strategy records this work; inline read models are never
behind, and a CDC read model's work is not recorded per order (its rows say nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, Min, OuterRef

from orders.models import OutboxMessage, OutboxState
from readmodels.models import DeadLetter
from readmodels.projections import get_projection
from readmodels.read_database import separate_read_database

PENDING, RETRYING, DEAD_LETTERED = "pending", "retrying", "dead_lettered"
# Work a read model still owes: on its way, or held behind a dead letter.
UNAPPLIED = [OutboxState.PENDING, OutboxState.SENT, OutboxState.DEAD, OutboxState.PARKED]
HELD = [OutboxState.DEAD, OutboxState.PARKED]


@dataclass(frozen=True)
class Behind:
    seq: int
    reason: str

    def to_json(self) -> dict:
        return {"seq": self.seq, "reason": self.reason}


def behind_by_order(
    read_model: str, order_ids: Iterable[UUID], *, applied: Mapping[UUID, int] | None = None
) -> dict[UUID, Behind]:
    """The orders among these that `read_model` has not caught up with. One query.

    `applied`: the seq each order's row shows, when the caller has the rows. An unfinished
    outbox row whose event the row already shows is not owed: with a read database of its
    own the row commits before its outbox rows are marked done (a crash between the two
    leaves them so until their redelivery), and the row must not contradict itself."""
    order_ids = list(order_ids)
    applied = applied or {}
    if not order_ids:
        return {}
    rows = (
        OutboxMessage.objects.filter(
            read_model=read_model, event__order_id__in=order_ids, state__in=UNAPPLIED
        )
        .order_by("event__order_id", "event__seq")
        .values_list("event__order_id", "event__seq", "state", "attempts")
    )
    found: dict[UUID, Behind] = {}
    held: set[UUID] = set()
    for order_id, seq, state, attempts in rows:
        if seq <= applied.get(order_id, 0):
            continue
        if state in HELD:
            held.add(order_id)
        if order_id not in found:  # the first unapplied event is where the order stands
            found[order_id] = Behind(seq, RETRYING if attempts else PENDING)
    held |= _orders_with_open_dead_letters(read_model, [o for o in found if o not in held])
    return {
        order_id: Behind(behind.seq, DEAD_LETTERED) if order_id in held else behind
        for order_id, behind in found.items()
    }


def progressing_work(read_model: str):
    """Outbox rows of `read_model` that can still be applied: pending or in flight, of orders
    with no open dead letter there (an order's newest events may still be on their way to
    being parked behind one)."""
    open_dead_letter = DeadLetter.objects.filter(
        read_model=read_model, order_id=OuterRef("event__order_id"), resolved_at__isnull=True
    )
    return OutboxMessage.objects.filter(
        read_model=read_model, state__in=[OutboxState.PENDING, OutboxState.SENT]
    ).exclude(Exists(open_dead_letter))


@dataclass(frozen=True)
class HeldWork:
    orders: int = 0
    events: int = 0


def held_work() -> dict[str, HeldWork]:
    """Per read model: orders held behind an open dead letter, and the events they hold (the
    dead ones and those parked behind them)."""
    orders = dict(
        DeadLetter.objects.filter(resolved_at__isnull=True)
        .values_list("read_model")
        .annotate(n=Count("order_id", distinct=True))
    )
    events = dict(
        OutboxMessage.objects.filter(state__in=HELD)
        .values_list("read_model")
        .annotate(n=Count("id"))
    )
    return {name: HeldWork(orders.get(name, 0), events.get(name, 0)) for name in {*orders, *events}}


# How many of the oldest unfinished rows `oldest_progressing` checks against the read rows.
OLDEST_CHECKED = 50


def oldest_progressing(read_model: str):
    """Commit time of the oldest event `read_model` can still apply, or None.

    What the write side still owes (the outbox), less what the read side has recorded (the
    rows' seq): with a read database of its own, a row commits before its outbox rows are
    marked done, and an event the row already shows is not owed. Only the oldest rows are
    checked; if all of them are shown, the answer errs on the stale side."""
    if not separate_read_database():
        return progressing_work(read_model).aggregate(at=Min("created_at"))["at"]
    oldest = list(
        progressing_work(read_model)
        .order_by("created_at")
        .values_list("event__order_id", "event__seq", "created_at")[:OLDEST_CHECKED]
    )
    rows = get_projection(read_model).row_model.objects
    shown = dict(
        rows.filter(pk__in={order_id for order_id, _, _ in oldest}).values_list("pk", "seq")
    )
    for order_id, seq, created_at in oldest:
        if seq > shown.get(order_id, 0):
            return created_at
    return oldest[-1][2] if len(oldest) == OLDEST_CHECKED else None


def _orders_with_open_dead_letters(read_model: str, order_ids: list[UUID]) -> set[UUID]:
    if not order_ids:
        return set()
    return set(
        DeadLetter.objects.filter(
            read_model=read_model, order_id__in=order_ids, resolved_at__isnull=True
        ).values_list("order_id", flat=True)
    )
