"""One step of every fold of events into a read row, for the projector, the CDC path and the
rebuild alike: an event applies only right after the row's seq (never over a gap), and a
projection that cannot apply it says which event it was.

What a gap or a failure means is each caller's: the projector stops the order there and
heals or retries later, a rebuild aborts, the CDC path rolls back.
"""

from __future__ import annotations

from orders.domain.events import DomainEvent
from readmodels.projections import Projection
from readmodels.projections.base import Row


class Gap(Exception):
    """The event is not the row's next one: `seq` came after `applied_seq`."""

    def __init__(self, applied_seq: int, seq: int):
        super().__init__(f"seq {seq} does not follow the row's seq {applied_seq}")
        self.applied_seq = applied_seq
        self.seq = seq


class FoldFailed(Exception):
    """The projection could not apply `event`; `__cause__` is its error."""

    def __init__(self, event: DomainEvent, error: BaseException):
        super().__init__(f"{event.event_type} #{event.seq}: {type(error).__name__}: {error}")
        self.event = event
        self.error = error


def applied_seq(row: Row | None) -> int:
    """The seq of the last event the row reflects (0 before the first)."""
    return row["seq"] if row else 0


def fold_event(projection: Projection, row: Row | None, event: DomainEvent) -> Row:
    """The row after `event`. Raises Gap or FoldFailed and leaves `row` as it was."""
    if event.seq != applied_seq(row) + 1:
        raise Gap(applied_seq(row), event.seq)
    try:
        return projection.apply(row, event)
    except Exception as error:
        raise FoldFailed(event, error) from error
