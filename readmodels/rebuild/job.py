"""Rebuilds a read model from the event log while the live one keeps answering queries.

The new tables are built beside the live ones and swapped in by renaming:

1. Shadow tables `<table>__rebuild` (row table and aggregate tables) are created like the live
   ones (columns, defaults, generated columns, check constraints), without indexes.
2. Bulk phase: one REPEATABLE READ snapshot of the event log is streamed, ordered by
   (order_id, seq), through server-side cursors; each order's events are folded with the
   projection and the rows are written with a binary COPY — one order-id range per core,
   in worker processes sharing the snapshot (bulk_fold.py). Indexes are built afterwards
   (much faster than maintaining them row by row) and the table is analysed.
3. Catch-up: events committed after the snapshot are found by an anti-join of the event log
   against the shadow rows and folded onto them; first without locks, then once more inside
   the swap transaction, which holds the read model's advisory lock exclusively. That lock
   waits for in-flight projector transactions of this read model and holds back new ones
   (projector.py takes it shared), so every event a projector has applied to the live table
   is in the shadow table before it goes live.
4. Swap, in the same transaction: the aggregate tables are filled from the shadow rows, each
   live table is renamed `<table>__old`, each shadow table takes the live name, and the
   indexes take their live names, so that the next rebuild (and Django migrations) find the
   names they expect. Outbox rows of this read model whose event the new rows cover are
   marked done, dead and parked ones included (the rebuild applied their event); their dead
   letters stay open, for the replay to resolve as "covered by the rebuild". ReadModelState
   records the rebuild. After commit the old tables are
   dropped. Queries wait only for the renames.

With the read tables in a database of their own (READ_DATABASE_URL), the event log is read
from the write database and the shadow tables are built in the read one; the swap and its
exclusive lock happen there, and the outbox rows are marked done in the write database
after the swap committed (a crash between the two leaves them for the projector, whose
delivery is then a no-op that marks them done).

Events committed after the last catch-up are not lost: their outbox rows are still pending,
and the projector applies them to the new tables as usual.

A failing fold (a projection bug) aborts the rebuild with RebuildFailed naming the event; the
shadow tables are dropped and the live read model is left untouched.

Preconditions: called outside any transaction (`rebuild` commits several times); the row and
aggregate tables have no foreign keys, triggers or sequence-backed columns (none of the read
models has; `copy_indexes` refuses foreign keys); projection rows hold values psycopg can
write as they are (JSON columns are wrapped in Jsonb here).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import replace
from uuid import UUID

import psycopg
from django.db import DatabaseError, OperationalError, connections, transaction
from django.utils import timezone

from readmodels.models import ReadModelState
from readmodels.pipeline.locks import lock_read_model_exclusively
from readmodels.projections import PROJECTIONS, Projection
from readmodels.read_database import WRITE_ALIAS, read_alias, read_connection
from readmodels.rebuild.across_databases import events_after, mark_covered_done, orders_behind
from readmodels.rebuild.bulk_fold import (
    FoldRange,
    fold_in_parallel,
    fold_range,
    fold_row,
    fold_workers,
    split_order_ids,
)
from readmodels.rebuild.connections import (
    connection_params,
    export_snapshot,
    rebuild_guard,
    snapshot_reader,
)
from readmodels.rebuild.errors import RebuildFailed, UnknownReadModel
from readmodels.rebuild.report import ProgressCallback, RebuildProgress, RebuildReport
from readmodels.rebuild.row_codec import RowCodec
from readmodels.rebuild.tables import (
    copy_grants,
    copy_indexes,
    qn,
    rename_into_place,
    table_names,
)

CATCH_UP_ORDERS = 2_000  # orders whose rows are loaded and upserted together
UNLOCKED_PASSES = 5  # catch-up passes before the locked one, while each finds enough to do
SMALL_CATCH_UP = 1_000  # events: a pass this small means the locked pass will be short
SWAP_LOCK_TIMEOUT = "5s"  # how long the renames may wait for running queries, per attempt
SWAP_ATTEMPTS = 5


def read_model_names() -> list[str]:
    return list(PROJECTIONS)


def rebuild(name: str, progress: ProgressCallback | None = None) -> RebuildReport:
    """Rebuild read model `name` from the event log and swap it in. Raises RebuildFailed."""
    try:
        projection = PROJECTIONS[name]
    except KeyError:
        raise UnknownReadModel(
            f"unknown read model {name!r}; valid names: {', '.join(PROJECTIONS)}"
        ) from None
    if any(connections[alias].in_atomic_block for alias in {WRITE_ALIAS, read_alias()}):
        raise RebuildFailed("rebuild commits on its own; call it outside transaction.atomic()")
    return _Rebuild(projection, progress or (lambda _: None)).run()


# ---- the steps ----------------------------------------------------------------------------


class _Rebuild:
    def __init__(self, projection: Projection, progress: ProgressCallback):
        self.projection = projection
        self.name = projection.name
        self.progress = progress
        self.codec = RowCodec(projection.row_model)
        self.row_table = table_names(projection.row_model)
        self.aggregate_tables = [table_names(model) for model in projection.aggregate_models]
        self.tables = [self.row_table, *self.aggregate_tables]
        self.index_names: dict[str, dict[str, str]] = {}  # live table → {shadow: live} names
        self.report = RebuildReport(read_model=self.name)

    def run(self) -> RebuildReport:
        started = time.monotonic()
        with rebuild_guard(self.name):
            try:
                self._drop(table.shadow for table in self.tables)
                self._drop(table.old for table in self.tables)
                self._bulk()
                self._catch_up_unlocked()
                self._swap()
            except DatabaseError as error:
                self._drop_quietly(table.shadow for table in self.tables)
                raise RebuildFailed(
                    f"rebuild of {self.name} failed: {error}. The live read model is unchanged."
                ) from error
            except BaseException:
                self._drop_quietly(table.shadow for table in self.tables)
                raise
            self._drop(table.old for table in self.tables)
        self.report.seconds = time.monotonic() - started
        self.progress(RebuildProgress(self.name, "done", self.report.events, self.report.events, 0))
        return self.report

    # -- bulk phase

    def _bulk(self) -> None:
        started = time.monotonic()
        connection = read_connection()
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    f"CREATE TABLE {qn(table.shadow)}"
                    f" (LIKE {qn(table.live)} INCLUDING ALL EXCLUDING INDEXES)"
                )
                copy_grants(cursor, table)
            for table in self.aggregate_tables:
                self.index_names[table.live] = copy_indexes(cursor, table)
        # committed: the folds write into the shadow row table from connections of their own
        events, orders = self._fold_snapshot()
        self.report.bulk_seconds = time.monotonic() - started
        started = time.monotonic()
        self.progress(RebuildProgress(self.name, "indexing", 0, 0, 0.0))
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            self.index_names[self.row_table.live] = copy_indexes(cursor, self.row_table)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {qn(self.row_table.shadow)}")
        self.report.index_seconds = time.monotonic() - started
        self.report.bulk_events = events
        self.report.events += events
        self.report.orders = orders

    def _fold_snapshot(self) -> tuple[int, int]:
        """Fold every event of one snapshot into the shadow row table (bulk_fold.py): split
        by order_id across worker processes where there are cores and events enough for them.
        Returns (events, orders)."""
        with snapshot_reader() as reader:
            total = reader.execute("SELECT count(*) FROM orders_event").fetchone()[0]
            started = time.monotonic()
            self.progress(RebuildProgress(self.name, "folding", 0, total, 0.0))
            workers = self.report.fold_workers = fold_workers(total)
            snapshot = export_snapshot(reader)
            ranges = [
                FoldRange(
                    read_model=self.name,
                    shadow=self.row_table.shadow,
                    snapshot=snapshot,
                    event_log_params=connection_params(WRITE_ALIAS),
                    shadow_params=connection_params(read_alias()),
                    low=low,
                    high=high,
                )
                for low, high in split_order_ids(workers)
            ]
            folded = 0

            def progress(done: int) -> None:
                elapsed = time.monotonic() - started
                self.progress(RebuildProgress(self.name, "folding", done, total, elapsed))

            def count(events: int) -> None:
                nonlocal folded
                folded += events
                progress(folded)

            if workers > 1:
                return fold_in_parallel(ranges, progress)
            return fold_range(ranges[0], count)

    # -- catch-up

    def _catch_up_unlocked(self) -> None:
        for _ in range(UNLOCKED_PASSES):
            with transaction.atomic(using=read_alias()):
                applied = self._catch_up_pass()
            if applied <= SMALL_CATCH_UP:
                return

    def _catch_up_pass(self) -> int:
        """Fold onto the shadow rows every event they lack. Returns the number applied.

        First the orders with such events (an anti-join on (order_id, seq), which the index on
        them answers without reading the events), then their events, a chunk of orders at a
        time. Precondition: inside a transaction.
        """
        started = time.monotonic()
        self.progress(RebuildProgress(self.name, "catching up", 0, 0, 0.0))
        order_ids = sorted(orders_behind(self.row_table.shadow))
        applied = 0
        for start in range(0, len(order_ids), CATCH_UP_ORDERS):
            applied += self._fold_onto_shadow(order_ids[start : start + CATCH_UP_ORDERS])
            self.progress(
                RebuildProgress(self.name, "catching up", applied, 0, time.monotonic() - started)
            )
        self.report.passes.append(applied)
        self.report.catch_up_events += applied
        self.report.events += applied
        return applied

    def _fold_onto_shadow(self, order_ids: list[UUID]) -> int:
        """Apply to these orders' shadow rows the events they lack; upsert the rows."""
        shadow = qn(self.row_table.shadow)
        codec = self.codec
        with read_connection().cursor() as cursor:
            cursor.execute(
                f"SELECT {codec.column_list} FROM {shadow} WHERE order_id = ANY(%s)",
                [order_ids],
            )
            rows = {values[0]: codec.from_values(values) for values in cursor.fetchall()}
            events = events_after(order_ids, {o: row["seq"] for o, row in rows.items()})
            new_rows, new_orders = {}, 0
            for order_id, seq, event_type, occurred_at, data, event_id in events:
                row = new_rows.get(order_id) or rows.get(order_id)
                new_orders += row is None
                new_rows[order_id] = fold_row(
                    self.projection, row, order_id, seq, event_type, occurred_at, data, event_id
                )
            if not new_rows:
                return 0
            updates = ", ".join(
                f"{qn(column)} = EXCLUDED.{qn(column)}"
                for column in codec.columns
                if column != codec.pk
            )
            cursor.executemany(
                f"INSERT INTO {shadow} ({codec.column_list})"
                f" VALUES ({', '.join(['%s'] * len(codec.columns))})"
                f" ON CONFLICT ({qn(codec.pk)}) DO UPDATE SET {updates}",
                [codec.to_values(row) for row in new_rows.values()],
            )
        self.report.orders += new_orders
        return len(events)

    # -- swap

    def _swap(self) -> None:
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            started = time.monotonic()
            before = replace(self.report, passes=list(self.report.passes))
            try:
                with (
                    transaction.atomic(using=WRITE_ALIAS),
                    transaction.atomic(using=read_alias(), savepoint=False),
                ):
                    self._swap_once()
            except OperationalError as error:
                waited_too_long = isinstance(
                    error.__cause__,
                    psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected,
                )
                if not waited_too_long or attempt == SWAP_ATTEMPTS:
                    raise RebuildFailed(
                        f"rebuild of {self.name}: could not swap the tables in: {error}"
                    ) from error
                self.report = before  # rolled back: forget what that attempt counted
                continue
            # Separate databases: the swap committed; now the write side's records.
            with transaction.atomic(using=WRITE_ALIAS):
                self._record_swap()
            self.report.swap_seconds = time.monotonic() - started
            return

    def _swap_once(self) -> None:
        """In the read database's transaction (with one database, the only one)."""
        self.progress(RebuildProgress(self.name, "swapping", 0, 0, 0.0))
        with read_connection().cursor() as cursor:
            lock_read_model_exclusively(cursor, self.name)
        self._catch_up_pass()
        with read_connection().cursor() as cursor:
            live_to_shadow = {table.live: table.shadow for table in self.aggregate_tables}
            for statement in self.projection.aggregate_sql(self.row_table.shadow, live_to_shadow):
                cursor.execute(statement)
            self.progress(RebuildProgress(self.name, "renaming", 0, 0, 0.0))
            cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            for table in self.tables:
                rename_into_place(cursor, table, self.index_names[table.live])
        if read_alias() == WRITE_ALIAS:
            self._record_swap()  # one database: in the swap's own transaction, under its lock

    def _record_swap(self) -> None:
        """Outbox rows the new rows cover are done; ReadModelState records the rebuild."""
        if self.report.rebuilt_at is not None:
            return  # recorded in the swap's transaction
        self.report.outbox_marked_done = mark_covered_done(self.name, self.row_table.live)
        now = timezone.now()
        state, _ = ReadModelState.objects.get_or_create(name=self.name)
        state.last_rebuild_at = now
        state.last_rebuild_events = self.report.events
        state.save(update_fields=["last_rebuild_at", "last_rebuild_events"])
        self.report.rebuilt_at = now

    # -- housekeeping

    def _drop(self, tables: Iterable[str]) -> None:
        with read_connection().cursor() as cursor:
            for name in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {qn(name)}")

    def _drop_quietly(self, tables: Iterable[str]) -> None:
        """Cleanup after a failure; the original error is what the caller must see."""
        with contextlib.suppress(Exception):  # the next rebuild drops leftovers first
            self._drop(tables)
