"""How fresh a read model is, computed from the work it still owes.

`data_as_of` is the instant up to which every committed event is reflected. For the outbox
strategy: the commit time of the oldest event the read model has not applied yet and can
still apply (pending, in flight or retrying), or now when it owes nothing. Orders held behind
a dead letter are left out: they wait for staff, not for the pipeline, and one of them must
not mark every user's answers stale (readmodels/queries/order_freshness.py reports them per order).
Inline read models are never behind; a CDC read model is as fresh as the last moment its
consumer found the replication slot drained. Lag is now minus that. So an idle system has zero
lag, and a stopped projector's lag keeps growing even when no new events arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min
from django.utils import timezone

from orders.models import Event
from orders.subscriptions import CDC, INLINE, strategy_of
from readmodels.projections import get_projection
from readmodels.queries.order_freshness import oldest_progressing


@dataclass(frozen=True)
class Freshness:
    read_model: str
    data_as_of: datetime
    lag_ms: int
    max_lag_seconds: int

    @property
    def stale(self) -> bool:
        return self.lag_ms > self.max_lag_seconds * 1000


def freshness(read_model: str) -> Freshness:
    projection = get_projection(read_model)
    now = timezone.now()
    data_as_of = min(_applied_up_to(read_model, now), now)
    return Freshness(
        read_model=read_model,
        data_as_of=data_as_of,
        lag_ms=int((now - data_as_of).total_seconds() * 1000),
        max_lag_seconds=projection.max_lag_seconds,
    )


def _applied_up_to(read_model: str, now: datetime) -> datetime:
    """The instant before which every committed event is reflected, per strategy."""
    strategy = strategy_of(read_model)
    if strategy == INLINE:
        return now  # projected in the command's own transaction: never behind
    if strategy == CDC:
        from readmodels.cdc.state import caught_up_at  # the consumer records how far it has read

        # A consumer that never caught up is as stale as the oldest event.
        first_event = Event.objects.aggregate(at=Min("recorded_at"))["at"]
        return caught_up_at() or first_event or now
    return oldest_progressing(read_model) or now
