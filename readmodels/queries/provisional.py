"""Provisional rows: the order folded straight from its events when order_details cannot
show the user their own write (docs/screen-consistency.md, "Provisional rows").

Two cases: the order is held behind a dead letter in order_details, or a read-your-writes
wait ran out before order_details reached the caller's token. The answer is then what the
row *will* be: order_details' own projection applied to the order's events from the event
log, flagged `provisional` with the reason and the seq the read model has really reached.
It is replaced by the read model's row as soon as that catches up (the client sees the flag
go on the next read or `order.projected`).

What it costs: one read of the order's events (one query; orders have a handful) and the fold,
only on these answers. The fold stops before an event the projection itself cannot apply
(a real bug rather than a fault of the pipeline), and the answer says how far it got.
"""

from __future__ import annotations

from uuid import UUID

from readmodels.pipeline.event_log import UnreadableEvent, events_between
from readmodels.pipeline.order_owner import customer_of
from readmodels.projections import get_projection

DEAD_LETTERED = "dead_lettered"
NOT_CAUGHT_UP = "not_caught_up"
ALL_EVENTS = 2**31 - 1


def may_see(order_id: UUID, *, customer_id: int | None) -> bool:
    """Whether the event log has this order and the caller may see it (`customer_id` None
    means staff, who see every order)."""
    owner = customer_of(order_id)
    return owner is not None and (customer_id is None or owner == customer_id)


def provisional_view(order_id: UUID, *, customer_id: int | None) -> dict | None:
    """The OrderView folded from the event log, or None when there is no such order (or the
    caller may not see it)."""
    if not may_see(order_id, customer_id=customer_id):
        return None
    projection = get_projection("order_details")
    row = None
    for event in events_between({order_id: (0, ALL_EVENTS)}).get(order_id, ()):
        if isinstance(event, UnreadableEvent):
            break
        try:
            row = projection.apply(row, event)
        except Exception:  # the projection cannot apply it: show what comes before it
            break
    return row["view"] if row else None


def provisional_answer(view: dict, *, reason: str, read_model_seq: int) -> dict:
    """The folded view, flagged: why it is provisional and where the read model really is."""
    return {**view, "provisional": {"reason": reason, "readModelSeq": read_model_seq}}
