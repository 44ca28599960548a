"""The rebuild's connections: one rebuild per read model at a time, the snapshot it folds,
and batches fetched ahead of the fold."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import psycopg
from django.conf import settings
from django.db import connection, connections
from psycopg import sql

from readmodels.read_database import WRITE_ALIAS
from readmodels.rebuild.errors import RebuildAlreadyRunning, RebuildFailed


class rebuild_guard:
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


def connection_params(alias: str) -> dict:
    """psycopg.connect() arguments for the database of a Django alias (plain values: they are
    handed to the fold workers)."""
    django_connection = connections[alias]
    return {
        key: value
        for key, value in django_connection.get_connection_params().items()
        if key not in ("context", "cursor_factory")
    }


class snapshot_reader:
    """A connection of its own in one REPEATABLE READ READ ONLY transaction: the snapshot the
    bulk phase folds. Given `snapshot` (an id from `export_snapshot`), it imports that
    snapshot, so that several connections read the very same event log.

    It uses psycopg's own (C) loaders rather than Django's, which load timestamps in Python
    (a third of the bulk phase's time). With the session in UTC both give equal values:
    aware datetimes in datetime.timezone.utc, as the ORM returns them (USE_TZ = True).
    """

    def __init__(self, params: dict | None = None, snapshot: str | None = None):
        self.params = params
        self.snapshot = snapshot

    def __enter__(self) -> psycopg.Connection:
        if not settings.USE_TZ:
            raise RebuildFailed("rebuild expects USE_TZ = True (aware UTC timestamps)")
        self.conn = psycopg.connect(**(self.params or connection_params(WRITE_ALIAS)))
        try:
            self.conn.execute("SET TIME ZONE 'UTC'")
            self.conn.commit()
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            self.conn.read_only = True
            if self.snapshot:  # the transaction's first statement, as PostgreSQL requires
                self.conn.execute(
                    sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(self.snapshot))
                )
        except BaseException:
            self.conn.close()
            raise
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


def export_snapshot(reader: psycopg.Connection) -> str:
    """The id under which other connections can import `reader`'s snapshot, for as long as
    its transaction stays open."""
    return reader.execute("SELECT pg_export_snapshot()").fetchone()[0]


class Prefetcher:
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
