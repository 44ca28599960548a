"""What every projection is: a fold of one order's events into that order's read row.

A projection declares its name, its Celery queue, its freshness threshold, the table holding
one row per order (whose `seq` column is the last event applied) and one `when_<EventType>`
method per event. A `when_` method receives the row as it stands (a dict; empty before the
first event) and returns the new row; it does no I/O. Storage, locking, deduplication,
ordering and retries are the projector's job (readmodels/pipeline/projector.py), so the same methods
serve incremental projection and rebuilds alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from orders.domain.events import DomainEvent

if TYPE_CHECKING:  # the tables are named here; the pipeline reads and writes them
    from django.db import models

Row = dict[str, Any]


@dataclass(frozen=True)
class CounterDeltas:
    """What to add to a counter table: per key value, per column, an amount (negative to
    subtract). The pipeline applies it in the transaction that saves the rows."""

    model: type[models.Model]
    key: str
    deltas: dict[Any, dict[str, Any]]


class Projection:
    name: ClassVar[str]
    max_lag_seconds: ClassVar[int]
    row_model: ClassVar[type[models.Model]]
    # Tables derived from the rows (counters), rebuilt from them with `aggregate_sql`.
    aggregate_models: ClassVar[tuple[type[models.Model], ...]] = ()

    @property
    def queue(self) -> str:
        return self.name

    def apply(self, row: Row | None, event: DomainEvent) -> Row:
        """The row after `event`. Precondition: event.seq == (row's seq or 0) + 1."""
        handler = getattr(self, f"when_{event.event_type}", None)
        new_row = dict(row or {})
        if handler is not None:
            new_row = handler(new_row, event)
        new_row["order_id"] = event.order_id
        new_row["seq"] = event.seq
        return new_row

    def counter_deltas(self, changes: list[tuple[Row | None, Row]]) -> list[CounterDeltas]:
        """For projections with aggregate tables: how these rows' changes ((before, after)
        pairs; before is None for a new row) move the counters."""
        return []

    def aggregate_sql(self, row_table: str, aggregate_tables: dict[str, str]) -> list[str]:
        """SQL that fills the aggregate tables from the row table (used by rebuilds)."""
        return []

    def __repr__(self) -> str:
        return f"<projection {self.name}>"
