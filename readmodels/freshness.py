"""How fresh a read model is, computed from the work it still owes.

`data_as_of` is the instant up to which every committed event is reflected: the commit time
of the oldest event the read model has not applied yet (pending, in flight, retrying, dead
or parked), or now when it owes nothing. Lag is now minus that. So an idle system has zero
lag, and a stopped projector's lag keeps growing even when no new events arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState

from .projections import get_projection

UNAPPLIED = [OutboxState.PENDING, OutboxState.SENT, OutboxState.DEAD, OutboxState.PARKED]


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
    oldest = OutboxMessage.objects.filter(read_model=read_model, state__in=UNAPPLIED).aggregate(
        at=Min("created_at")
    )["at"]
    data_as_of = min(oldest, now) if oldest else now
    return Freshness(
        read_model=read_model,
        data_as_of=data_as_of,
        lag_ms=int((now - data_as_of).total_seconds() * 1000),
        max_lag_seconds=projection.max_lag_seconds,
    )
