"""The bulk phase's fold: every event of the snapshot, in (order_id, seq) order, folded into
rows that a binary COPY writes into the shadow row table.

The order_id space is split into ranges, one per fold. Each fold is independent (an order's
events are all in one range) and runs on connections of its own: one that imports the
rebuild's exported snapshot (so every fold reads the same event log) and one that COPYs into
the shadow table and commits. With more than one range the folds run in forked worker
processes, one per core: the fold is Python, so threads would share one core.

Fork copies the parent's locks as they are at that instant, which is safe only when no other
thread can be holding one: a process with other threads (a web server running a rebuild from
the admin) folds in one range, in-process.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from uuid import UUID

import psycopg
from psycopg.copy import QueuedLibpqWriter

from readmodels.pipeline.event_log import EVENT_COLUMNS, event_from_row
from readmodels.pipeline.fold import FoldFailed, Gap, fold_event
from readmodels.projections import PROJECTIONS, Projection
from readmodels.projections.base import Row
from readmodels.rebuild.connections import Prefetcher, snapshot_reader
from readmodels.rebuild.errors import EventFoldFailed, RebuildFailed, event_log_gap
from readmodels.rebuild.row_codec import RowCodec
from readmodels.rebuild.tables import column_types, qn

FETCH_SIZE = 10_000  # events per round trip of the server-side cursor
PARALLEL_MIN_EVENTS = 50_000  # below this, forking costs more than a second core saves
MAX_FOLD_WORKERS = 4  # each holds two connections
PROGRESS_SECONDS = 1.0  # how often folds in worker processes report their progress


@dataclass(frozen=True)
class FoldRange:
    """One fold of the bulk phase: the events of orders with low <= order_id < high (None:
    unbounded) in the exported snapshot, written into `shadow`."""

    read_model: str
    shadow: str
    snapshot: str  # pg_export_snapshot() of the rebuild's snapshot transaction
    event_log_params: dict  # psycopg.connect() arguments: the write database
    shadow_params: dict  # and the read database
    low: UUID | None = None
    high: UUID | None = None


def fold_workers(events: int) -> int:
    """How many folds to run at once for a snapshot of `events` events."""
    if events < PARALLEL_MIN_EVENTS or threading.active_count() > 1:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_FOLD_WORKERS))


def split_order_ids(count: int) -> list[tuple[UUID | None, UUID | None]]:
    """`count` ranges of equal width covering every UUID (order ids are random: uuid4)."""
    bounds = [UUID(int=(i << 128) // count) for i in range(1, count)]
    return list(zip([None, *bounds], [*bounds, None], strict=True))


def fold_in_parallel(ranges: list[FoldRange], progress: Callable[[int], None]) -> tuple[int, int]:
    """Fold each range in a forked process of its own. Returns (events, orders).

    `progress` is told every second how many events the workers have folded so far. The
    first failure is raised as the fold raised it (RebuildFailed); the folds still running
    finish, and their rows go with the shadow table the caller drops."""
    context = get_context("fork")
    folded = context.Value("q", 0)  # shared with the workers (inherited: they are forked)
    with ProcessPoolExecutor(
        len(ranges), mp_context=context, initializer=_start_worker, initargs=(folded,)
    ) as pool:
        futures = [pool.submit(_fold_in_worker, task) for task in ranges]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=PROGRESS_SECONDS, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # a failed fold raises here
            progress(folded.value)
        results = [future.result() for future in futures]
    return sum(events for events, _ in results), sum(orders for _, orders in results)


_folded = None  # in a worker process: the events folded by all workers, shared


def _start_worker(folded) -> None:
    """A worker's start: it counts into `folded` and runs without the cyclic garbage
    collector. The fold makes no cycles, and each collection would walk every object
    inherited from the parent (about a sixth of the workers' CPU time, measured)."""
    global _folded
    _folded = folded
    gc.disable()


def _fold_in_worker(task: FoldRange) -> tuple[int, int]:
    def count(events: int) -> None:
        with _folded.get_lock():
            _folded.value += events

    return fold_range(task, count)


def fold_range(task: FoldRange, progress: Callable[[int], None]) -> tuple[int, int]:
    """Fold one range of the snapshot and COPY its rows (committed). Returns (events, orders).

    The hot loop of the rebuild: one pass over the sorted events, no query per order, each
    row streamed to PostgreSQL as its order ends. `progress` is told after each batch how many
    events it held.
    """
    projection = PROJECTIONS[task.read_model]
    codec = RowCodec(projection.row_model)
    to_values = codec.to_values
    where, bounds = _range_condition(task)
    done = orders = 0
    current, row = None, None
    with (
        snapshot_reader(task.event_log_params, task.snapshot) as reader,
        psycopg.connect(**task.shadow_params) as writer,
        writer.cursor() as cursor,
    ):
        reader.execute("SET LOCAL cursor_tuple_fraction = 1")  # the whole result is read
        types = column_types(cursor, task.shadow, codec.columns)
        copy_sql = f"COPY {qn(task.shadow)} ({codec.column_list}) FROM STDIN (FORMAT BINARY)"
        with (
            reader.cursor(name="rebuild_snapshot", binary=True) as events,
            cursor.copy(copy_sql, writer=QueuedLibpqWriter(cursor)) as copy,
        ):
            copy.set_types(types)
            write_row = copy.write_row

            def write(row: Row) -> None:
                try:
                    write_row(to_values(row))
                except (psycopg.Error, TypeError, ValueError, KeyError) as error:
                    raise RebuildFailed(
                        f"rebuild of {task.read_model} aborted: the row of order "
                        f"{row.get('order_id')} could not be written: {type(error).__name__}: "
                        f"{error}. The live read model is unchanged."
                    ) from error

            events.execute(
                f"SELECT {EVENT_COLUMNS} FROM orders_event AS e{where} ORDER BY e.order_id, e.seq",
                bounds,
            )
            with Prefetcher(events, FETCH_SIZE) as batches:
                for batch in batches:
                    for order_id, seq, event_type, occurred_at, data, event_id in batch:
                        if order_id.int != current:
                            if row is not None:
                                write(row)
                                orders += 1
                            current, row = order_id.int, None
                        row = fold_row(
                            projection, row, order_id, seq, event_type, occurred_at, data, event_id
                        )
                    done += len(batch)
                    progress(len(batch))
            if row is not None:
                write(row)
                orders += 1
    return done, orders


def _range_condition(task: FoldRange) -> tuple[str, list[UUID]]:
    """The WHERE clause selecting the range's events (answered by the (order_id, seq) index)."""
    conditions, bounds = [], []
    if task.low is not None:
        conditions.append("e.order_id >= %s")
        bounds.append(task.low)
    if task.high is not None:
        conditions.append("e.order_id < %s")
        bounds.append(task.high)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), bounds


def fold_row(
    projection: Projection, row, order_id, seq, event_type, occurred_at, data, event_id
) -> Row:
    """The row after one event of the log (pipeline/fold.py); a gap or a failing projection
    aborts the rebuild, naming the event."""
    try:
        event = event_from_row(order_id, seq, event_type, occurred_at, data, event_id)
        return fold_event(projection, row, event)
    except Gap as gap:
        raise event_log_gap(projection.name, order_id, gap.applied_seq, gap.seq) from None
    except FoldFailed as failed:
        raise EventFoldFailed(
            projection.name, order_id, seq, event_type, failed.error
        ) from failed.error
    except Exception as error:  # an event the log holds but that cannot be read
        raise EventFoldFailed(projection.name, order_id, seq, event_type, error) from error
