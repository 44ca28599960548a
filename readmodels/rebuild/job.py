"""Rebuilds a read model from the event log while the live one keeps answering queries.

The new tables are built beside the live ones and swapped in by renaming:

1. Shadow tables `<table>__rebuild` (row table and aggregate tables) are created like the live
   ones (columns, defaults, generated columns, check constraints), without indexes.
2. Bulk phase: one REPEATABLE READ snapshot of the event log is streamed, ordered by
   (order_id, seq), through a server-side cursor; each order's events are folded with the
   projection and the rows are written with one COPY. Indexes are built afterwards (much
   faster than maintaining them row by row) and the table is analysed.
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

Events committed after the last catch-up are not lost: their outbox rows are still pending,
and the projector applies them to the new tables as usual.

A failing fold (a projection bug) aborts the rebuild with RebuildFailed naming the event; the
shadow tables are dropped and the live read model is left untouched.

Preconditions: called outside any transaction (`rebuild` commits several times); the row and
aggregate tables have no foreign keys, triggers or sequence-backed columns (none of the read
models has; `_copy_indexes` refuses foreign keys); projection rows hold values psycopg can
write as they are (JSON columns are wrapped in Jsonb here).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from operator import itemgetter
from typing import Any, TextIO
from uuid import UUID

import psycopg
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, models, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb

from readmodels.models import ReadModelState
from readmodels.pipeline.event_log import EVENT_COLUMNS, event_from_row
from readmodels.pipeline.row_store import writable_columns
from readmodels.projections import PROJECTIONS, Projection
from readmodels.projections.base import Row

SHADOW_SUFFIX = "__rebuild"
OLD_SUFFIX = "__old"
FETCH_SIZE = 10_000  # events per round trip of the server-side cursor
CATCH_UP_ORDERS = 2_000  # orders whose rows are loaded and upserted together
UNLOCKED_PASSES = 5  # catch-up passes before the locked one, while each finds enough to do
SMALL_CATCH_UP = 1_000  # events: a pass this small means the locked pass will be short
SWAP_LOCK_TIMEOUT = "5s"  # how long the renames may wait for running queries, per attempt
SWAP_ATTEMPTS = 5


class RebuildFailed(Exception):
    """The rebuild did not happen; the live read model is unchanged."""


class UnknownReadModel(RebuildFailed, ValueError):
    pass


class RebuildAlreadyRunning(RebuildFailed):
    pass


class EventFoldFailed(RebuildFailed):
    """The projection could not apply an event (a projection bug, or an unknown event)."""

    def __init__(self, read_model: str, order_id, seq: int, event_type: str, error: BaseException):
        self.read_model = read_model
        self.order_id = order_id
        self.seq = seq
        self.event_type = event_type
        self.error = error
        super().__init__(
            f"rebuild of {read_model} aborted: event {event_type} #{seq} of order {order_id} "
            f"failed to apply: {type(error).__name__}: {error}. The live read model is "
            "unchanged; fix the projection and rebuild again."
        )


class EventLogGap(RebuildFailed):
    pass


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
    if connection.in_atomic_block:
        raise RebuildFailed("rebuild commits on its own; call it outside transaction.atomic()")
    return _Rebuild(projection, progress or (lambda _: None)).run()


# ---- the steps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    live: str
    shadow: str
    old: str


class _Rebuild:
    def __init__(self, projection: Projection, progress: ProgressCallback):
        self.projection = projection
        self.name = projection.name
        self.progress = progress
        self.codec = _RowCodec(projection.row_model)
        self.row_table = _table(projection.row_model)
        self.aggregate_tables = [_table(model) for model in projection.aggregate_models]
        self.tables = [self.row_table, *self.aggregate_tables]
        self.index_names: dict[str, dict[str, str]] = {}  # live table → {shadow: live} names
        self.report = RebuildReport(read_model=self.name)

    def run(self) -> RebuildReport:
        started = time.monotonic()
        with _rebuild_guard(self.name):
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
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    f"CREATE TABLE {qn(table.shadow)}"
                    f" (LIKE {qn(table.live)} INCLUDING ALL EXCLUDING INDEXES)"
                )
                _copy_grants(cursor, table)
            for table in self.aggregate_tables:
                self.index_names[table.live] = _copy_indexes(cursor, table)
            with _snapshot_reader() as reader:
                events, orders = self._fold_snapshot(reader, cursor.cursor)
            self.report.bulk_seconds = time.monotonic() - started
            started = time.monotonic()
            self.progress(RebuildProgress(self.name, "indexing", 0, 0, 0.0))
            self.index_names[self.row_table.live] = _copy_indexes(cursor, self.row_table)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {qn(self.row_table.shadow)}")
        self.report.index_seconds = time.monotonic() - started
        self.report.bulk_events = events
        self.report.events += events
        self.report.orders = orders

    def _fold_snapshot(self, reader: psycopg.Connection, writer: psycopg.Cursor) -> tuple[int, int]:
        """Fold every event of the snapshot and COPY the rows. Returns (events, orders).

        The hot loop of the rebuild: one pass over the sorted events, no query per order,
        rows streamed to PostgreSQL by a binary COPY as each order ends.
        """
        total = reader.execute("SELECT count(*) FROM orders_event").fetchone()[0]
        started = time.monotonic()
        self.progress(RebuildProgress(self.name, "folding", 0, total, 0.0))
        apply = self.projection.apply
        make_event = event_from_row
        to_values = self.codec.to_values

        def write(row: Row) -> None:
            try:
                write_row(to_values(row))
            except (psycopg.Error, TypeError, ValueError, KeyError) as error:
                raise RebuildFailed(
                    f"rebuild of {self.name} aborted: the row of order {row.get('order_id')} "
                    f"could not be written: {type(error).__name__}: {error}. The live read "
                    "model is unchanged."
                ) from error

        done = orders = 0
        current, row, last_seq = None, None, 0
        shadow = self.row_table.shadow
        types = _column_types(writer, shadow, self.codec.columns)
        copy_sql = f"COPY {qn(shadow)} ({self.codec.column_list}) FROM STDIN (FORMAT BINARY)"
        reader.execute("SET LOCAL cursor_tuple_fraction = 1")  # the whole result is read
        with (
            reader.cursor(name="rebuild_snapshot", binary=True) as events,
            writer.copy(copy_sql, writer=QueuedLibpqWriter(writer)) as copy,
        ):
            copy.set_types(types)
            write_row = copy.write_row
            events.execute(
                f"SELECT {EVENT_COLUMNS} FROM orders_event AS e ORDER BY e.order_id, e.seq"
            )
            with _Prefetcher(events, FETCH_SIZE) as batches:
                for batch in batches:
                    for order_id, seq, event_type, occurred_at, data, event_id in batch:
                        if order_id.int != current:
                            if row is not None:
                                write(row)
                                orders += 1
                            current, row, last_seq = order_id.int, None, 0
                        if seq != last_seq + 1:
                            raise _gap(self.name, order_id, last_seq, seq)
                        try:
                            row = apply(row, make_event(order_id, seq, event_type,
                                                        occurred_at, data, event_id))  # fmt: skip
                        except Exception as error:
                            raise EventFoldFailed(
                                self.name, order_id, seq, event_type, error
                            ) from error
                        last_seq = seq
                    done += len(batch)
                    self.progress(
                        RebuildProgress(
                            self.name, "folding", done, total, time.monotonic() - started
                        )
                    )
            if row is not None:
                write(row)
                orders += 1
        return done, orders

    # -- catch-up

    def _catch_up_unlocked(self) -> None:
        for _ in range(UNLOCKED_PASSES):
            with transaction.atomic():
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
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT e.order_id FROM orders_event AS e"
                f" LEFT JOIN {qn(self.row_table.shadow)} AS s ON s.order_id = e.order_id"
                " WHERE e.seq > coalesce(s.seq, 0)"
            )
            order_ids = sorted(order_id for (order_id,) in cursor.fetchall())
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
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {codec.column_list} FROM {shadow} WHERE order_id = ANY(%s)",
                [order_ids],
            )
            rows = {values[0]: codec.from_values(values) for values in cursor.fetchall()}
            cursor.execute(
                f"SELECT {EVENT_COLUMNS} FROM orders_event AS e"
                f" LEFT JOIN {shadow} AS s ON s.order_id = e.order_id"
                " WHERE e.order_id = ANY(%s) AND e.seq > coalesce(s.seq, 0)"
                " ORDER BY e.order_id, e.seq",
                [order_ids],
            )
            events = cursor.fetchall()
            new_rows, new_orders = {}, 0
            for order_id, seq, event_type, occurred_at, data, event_id in events:
                row = new_rows.get(order_id) or rows.get(order_id)
                new_orders += row is None
                last_seq = row["seq"] if row else 0
                if seq != last_seq + 1:
                    raise _gap(self.name, order_id, last_seq, seq)
                try:
                    event = event_from_row(order_id, seq, event_type, occurred_at, data, event_id)
                    new_rows[order_id] = self.projection.apply(row, event)
                except Exception as error:
                    raise EventFoldFailed(self.name, order_id, seq, event_type, error) from error
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
                with transaction.atomic():
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
            self.report.swap_seconds = time.monotonic() - started
            return

    def _swap_once(self) -> None:
        self.progress(RebuildProgress(self.name, "swapping", 0, 0, 0.0))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"readmodel:{self.name}"]
            )
        self._catch_up_pass()
        with connection.cursor() as cursor:
            live_to_shadow = {table.live: table.shadow for table in self.aggregate_tables}
            for statement in self.projection.aggregate_sql(self.row_table.shadow, live_to_shadow):
                cursor.execute(statement)
            self.report.outbox_marked_done = _mark_covered_done(
                cursor, self.name, self.row_table.shadow
            )
            self.progress(RebuildProgress(self.name, "renaming", 0, 0, 0.0))
            cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            for table in self.tables:
                _rename_into_place(cursor, table, self.index_names[table.live])
        now = timezone.now()
        state, _ = ReadModelState.objects.get_or_create(name=self.name)
        state.last_rebuild_at = now
        state.last_rebuild_events = self.report.events
        state.save(update_fields=["last_rebuild_at", "last_rebuild_events"])
        self.report.rebuilt_at = now

    # -- housekeeping

    def _drop(self, tables: Iterable[str]) -> None:
        with connection.cursor() as cursor:
            for name in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {qn(name)}")

    def _drop_quietly(self, tables: Iterable[str]) -> None:
        """Cleanup after a failure; the original error is what the caller must see."""
        with contextlib.suppress(Exception):  # the next rebuild drops leftovers first
            self._drop(tables)


def qn(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _table(model: type[models.Model]) -> _Table:
    live = model._meta.db_table
    return _Table(live=live, shadow=_suffixed(live, SHADOW_SUFFIX), old=_suffixed(live, OLD_SUFFIX))


def _suffixed(name: str, suffix: str) -> str:
    """`name + suffix`, shortened with a hash to fit PostgreSQL's 63-byte identifiers."""
    if len(name) + len(suffix) <= 63:
        return name + suffix
    digest = hashlib.md5(name.encode()).hexdigest()[:8]
    return f"{name[: 63 - len(suffix) - 9]}_{digest}{suffix}"


# ---- events and rows ----------------------------------------------------------------------


class _Prefetcher:
    """Iterates over a cursor's batches, fetching the next ones in a thread while the caller
    folds the current one: the server produces the next batch and the network carries it
    while the fold runs, instead of the fold waiting for each round trip."""

    def __init__(self, cursor: psycopg.ServerCursor, size: int, depth: int = 2):
        self.cursor, self.size = cursor, size
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._fetch, name="rebuild-prefetch", daemon=True)

    def __enter__(self) -> Iterator[list[tuple]]:
        self.thread.start()
        return self._batches()

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()

    def _batches(self) -> Iterator[list[tuple]]:
        while True:
            item = self.queue.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item

    def _fetch(self) -> None:
        try:
            while not self.stopping.is_set():
                batch = self.cursor.fetchmany(self.size)
                self._put(batch)
                if not batch:
                    return
        except BaseException as error:  # handed to the folding thread, which raises it
            self._put(error)

    def _put(self, item) -> None:
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


def _gap(read_model: str, order_id, last_seq: int, seq: int) -> EventLogGap:
    return EventLogGap(
        f"rebuild of {read_model} aborted: the event log of order {order_id} jumps from "
        f"seq {last_seq} to {seq}. The live read model is unchanged."
    )


class _RowCodec:
    """Converts projection rows to COPY/INSERT values and loaded values back to rows."""

    def __init__(self, model: type[models.Model]):
        self.columns = writable_columns(model)
        self.column_list = ", ".join(map(qn, self.columns))
        self.pk = model._meta.pk.attname
        assert self.columns[0] == self.pk == "order_id", "row tables are keyed by order_id"
        self._get = itemgetter(*self.columns)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self._json = [
            (i, fields[c])
            for i, c in enumerate(self.columns)
            if isinstance(fields[c], models.JSONField)
        ]
        self._dumps = {
            i: partial(json.dumps, cls=f.encoder) if f.encoder else json.dumps
            for i, f in self._json
        }
        if not self._json:
            self.to_values = self._plain_values

    def _plain_values(self, row: Row) -> tuple:
        return self._get(row)

    def to_values(self, row: Row) -> list:
        values = list(self._get(row))
        for i, _ in self._json:
            values[i] = Jsonb(values[i], dumps=self._dumps[i])
        return values

    def from_values(self, values: tuple) -> Row:
        row = dict(zip(self.columns, values, strict=True))
        for i, json_field in self._json:
            value = values[i]
            if isinstance(value, str | bytes):
                row[self.columns[i]] = json.loads(value, cls=json_field.decoder)
        return row


# ---- connections, locks and DDL -----------------------------------------------------------


class _rebuild_guard:
    """One rebuild per read model at a time (a session-level advisory lock)."""

    def __init__(self, name: str):
        self.key = f"readmodel-rebuild:{name}"
        self.name = name

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [self.key])
            if not cursor.fetchone()[0]:
                raise RebuildAlreadyRunning(f"a rebuild of {self.name} is already running")

    def __exit__(self, exc_type, *exc):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [self.key])
        except Exception:
            if exc_type is None:
                raise
            # a broken connection took the session lock with it; the original error matters


class _snapshot_reader:
    """A second connection in one REPEATABLE READ READ ONLY transaction: the snapshot the bulk
    phase folds.

    It uses psycopg's own (C) loaders rather than Django's, which load timestamps in Python
    (a third of the bulk phase's time). With the session in UTC both give equal values:
    aware datetimes in datetime.timezone.utc, as the ORM returns them (USE_TZ = True).
    """

    def __enter__(self) -> psycopg.Connection:
        if not settings.USE_TZ:
            raise RebuildFailed("rebuild expects USE_TZ = True (aware UTC timestamps)")
        connection.ensure_connection()
        params = {
            key: value
            for key, value in connection.get_connection_params().items()
            if key not in ("context", "cursor_factory")
        }
        self.conn = psycopg.connect(**params)
        try:
            self.conn.execute("SET TIME ZONE 'UTC'")
            self.conn.commit()
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            self.conn.read_only = True
        except BaseException:
            self.conn.close()
            raise
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


def _column_types(cursor, table: str, columns: list[str]) -> list[int]:
    """The type oids of `columns` of `table`, for a binary COPY."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    oids = dict(cursor.fetchall())
    return [oids[column] for column in columns]


def _copy_indexes(cursor, table: _Table) -> dict[str, str]:
    """Give the shadow table the live table's indexes and index-backed constraints, under
    temporary names. Returns {shadow index name: live index name}."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid), c.oid IS NOT NULL,
               pg_get_constraintdef(c.oid)
        FROM pg_index AS x
        JOIN pg_class AS i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint AS c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
        WHERE x.indrelid = %s::regclass
        ORDER BY i.relname
        """,
        [table.live],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT count(*) FROM pg_constraint"
        " WHERE contype = 'f' AND %s::regclass IN (conrelid, confrelid)",
        [table.live],
    )
    if cursor.fetchone()[0]:
        raise RebuildFailed(f"{table.live} has foreign keys; rebuild does not support them")
    names = {}
    for live_name, index_def, is_constraint, constraint_def in indexes:
        shadow_name = _suffixed(live_name, SHADOW_SUFFIX)
        names[shadow_name] = live_name
        if is_constraint:
            cursor.execute(
                f"ALTER TABLE {qn(table.shadow)} ADD CONSTRAINT {qn(shadow_name)} {constraint_def}"
            )
            continue
        match = re.fullmatch(
            r"CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)", index_def, re.S
        )
        if not match:
            raise RebuildFailed(f"cannot copy index {live_name} of {table.live}: {index_def}")
        unique, method = match.group(1) or "", match.group(2)
        cursor.execute(f"CREATE {unique}INDEX {qn(shadow_name)} ON {qn(table.shadow)} {method}")
    return names


def _copy_grants(cursor, table: _Table) -> None:
    """Grant on the shadow table what is granted on the live one (say, to a read-only role
    of the query side): CREATE TABLE ... LIKE does not copy privileges."""
    cursor.execute(
        """
        SELECT acl.privilege_type,
               CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                    ELSE quote_ident(pg_get_userbyid(acl.grantee)) END,
               acl.is_grantable
        FROM pg_class AS c, aclexplode(c.relacl) AS acl
        WHERE c.oid = %s::regclass AND acl.grantee <> c.relowner
        """,
        [table.live],
    )
    for privilege, grantee, grantable in cursor.fetchall():
        option = " WITH GRANT OPTION" if grantable else ""
        cursor.execute(f"GRANT {privilege} ON {qn(table.shadow)} TO {grantee}{option}")


def _index_names(cursor, table_name: str) -> list[str]:
    cursor.execute(
        "SELECT i.relname FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass",
        [table_name],
    )
    return sorted(name for (name,) in cursor.fetchall())


def _rename_into_place(cursor, table: _Table, shadow_to_live: dict[str, str]) -> None:
    """live → old, shadow → live, and the shadow's indexes take the live indexes' names.

    Precondition: inside the swap transaction (the renames are visible only together)."""

    def rename(kind: str, old: str, new: str) -> None:
        cursor.execute(f"ALTER {kind} {qn(old)} RENAME TO {qn(new)}")

    rename("TABLE", table.live, table.old)  # waits for running queries of the live table
    live_indexes = _index_names(cursor, table.old)
    if sorted(shadow_to_live.values()) != live_indexes:
        raise RebuildFailed(
            f"the indexes of {table.live} changed during the rebuild "
            f"({live_indexes} instead of {sorted(shadow_to_live.values())}); rebuild again"
        )
    for live_name in live_indexes:
        rename("INDEX", live_name, _suffixed(live_name, OLD_SUFFIX))
    for shadow_name, live_name in shadow_to_live.items():
        rename("INDEX", shadow_name, live_name)
    rename("TABLE", table.shadow, table.live)


def _mark_covered_done(cursor, read_model: str, row_table: str) -> int:
    """Outbox rows of `read_model` whose event the rebuilt rows cover are done, whatever state
    they were in: the rebuild applied their event. Dead letters are left open for the replay
    to resolve as "covered by the rebuild"."""
    cursor.execute(
        f"""
        UPDATE orders_outboxmessage AS o SET state = 'done', done_at = now()
        FROM orders_event AS e, {qn(row_table)} AS r
        WHERE o.event_id = e.position AND r.order_id = e.order_id AND e.seq <= r.seq
          AND o.read_model = %s AND o.state IN ('pending', 'sent', 'dead', 'parked')
        """,
        [read_model],
    )
    return cursor.rowcount


# ---- console progress ---------------------------------------------------------------------


class ConsoleProgress:
    """Renders RebuildProgress: a carriage-return line on a terminal (at most `per_second`
    updates), otherwise one line per 10 % of the events."""

    def __init__(self, stream: TextIO = sys.stderr, *, per_second: float = 4.0):
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = 1.0 / per_second
        self.last_shown = 0.0
        self.last_decile = -1
        self.line_open = False
        self.announced: set[tuple[str, str]] = set()

    def __call__(self, p: RebuildProgress) -> None:
        if p.phase != "folding":
            self._end_line()
            message = {
                "indexing": "building the indexes",
                "catching up": "catching up with events committed since the snapshot",
                "swapping": "last catch-up under the read model's lock, swapping in",
            }.get(p.phase)
            if message and (p.read_model, p.phase) not in self.announced:
                self.announced.add((p.read_model, p.phase))
                self.stream.write(f"{p.read_model}: {message}\n")
                self.stream.flush()
            return
        if p.done == 0:
            self.last_decile = -1
        if self.tty:
            now = time.monotonic()
            if now - self.last_shown < self.interval and p.done < p.total:
                return
            self.last_shown = now
            self.stream.write("\r" + _progress_line(p) + "\x1b[K")
            self.line_open = True
        else:
            decile = 10 * p.done // p.total if p.total else 10
            if decile == self.last_decile:
                return
            self.last_decile = decile
            self.stream.write(_progress_line(p) + "\n")
        self.stream.flush()

    def _end_line(self) -> None:
        if self.line_open:
            self.stream.write("\n")
            self.stream.flush()
            self.line_open = False


def _progress_line(p: RebuildProgress) -> str:
    if p.done == 0:
        return f"{p.read_model}: folding {p.total:,} events"
    rate = p.done / p.elapsed if p.elapsed > 0 else 0.0
    percent = 100 * p.done / p.total if p.total else 100.0
    left = (p.total - p.done) / rate if rate else None
    left_text = f"{_duration(left)} left" if left is not None else "time left unknown"
    return (
        f"{p.read_model}: {p.done:,}/{p.total:,} events ({percent:.0f}%), "
        f"{rate:,.0f} events/s, {left_text}"
    )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
