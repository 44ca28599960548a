"""What a rebuild reports: progress while it runs, and a summary when it is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RebuildProgress:
    read_model: str
    phase: str  # "folding", "indexing", "catching up", "swapping", "renaming", "done"
    done: int  # events folded so far in this phase
    total: int  # events expected in this phase (0 if unknown)
    elapsed: float  # seconds since the phase started


@dataclass
class RebuildReport:
    read_model: str
    events: int = 0  # events folded: bulk phase plus catch-ups
    orders: int = 0  # rows in the new row table
    seconds: float = 0.0
    bulk_events: int = 0
    bulk_seconds: float = 0.0  # snapshot read, fold and COPY
    fold_workers: int = 1  # processes folding the snapshot at once (bulk_fold.py)
    index_seconds: float = 0.0  # index build and ANALYZE after the COPY
    catch_up_events: int = 0
    swap_seconds: float = 0.0  # the locked transaction: last catch-up, aggregates, renames
    outbox_marked_done: int = 0
    rebuilt_at: Any = None
    passes: list[int] = field(default_factory=list)  # events per catch-up pass

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"{self.read_model}: {self.events:,} events, {self.orders:,} orders, "
            f"{self.seconds:.1f} s, {self.events_per_second:,.0f} events/s"
        )


ProgressCallback = Callable[[RebuildProgress], None]
