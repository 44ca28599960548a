"""The rebuild's questions that involve both the event log (write database) and the shadow
or live rows (read database). With one database each is one statement joining the two;
with READ_DATABASE_URL set no statement can, so the answer is put together here from one
query on each side."""

from __future__ import annotations

from uuid import UUID

from django.db import connections

from readmodels.pipeline import outbox
from readmodels.pipeline.event_log import EVENT_COLUMNS
from readmodels.read_database import WRITE_ALIAS, read_connection, separate_read_database
from readmodels.rebuild.tables import qn


def orders_behind(row_table: str) -> list[UUID]:
    """The orders with events that `row_table`'s rows have not applied."""
    if not separate_read_database():
        with connections[WRITE_ALIAS].cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT e.order_id FROM orders_event AS e"
                f" LEFT JOIN {qn(row_table)} AS s ON s.order_id = e.order_id"
                " WHERE e.seq > coalesce(s.seq, 0)"
            )
            return [order_id for (order_id,) in cursor.fetchall()]
    with connections[WRITE_ALIAS].cursor() as cursor:
        cursor.execute("SELECT order_id, max(seq) FROM orders_event GROUP BY order_id")
        latest = dict(cursor.fetchall())
    applied = _applied_seqs(row_table, list(latest))
    return [order_id for order_id, seq in latest.items() if seq > applied.get(order_id, 0)]


def events_after(order_ids: list[UUID], applied: dict[UUID, int]) -> list[tuple]:
    """These orders' events after their applied seq (0 when absent), ordered by order and
    seq, as rows of EVENT_COLUMNS."""
    with connections[WRITE_ALIAS].cursor() as cursor:
        cursor.execute(
            f"SELECT {EVENT_COLUMNS} FROM orders_event AS e"
            " JOIN unnest(%s::uuid[], %s::int[]) AS t(order_id, applied)"
            "   ON t.order_id = e.order_id"
            " WHERE e.seq > t.applied ORDER BY e.order_id, e.seq",
            [order_ids, [applied.get(order_id, 0) for order_id in order_ids]],
        )
        return cursor.fetchall()


def mark_covered_done(read_model: str, row_table: str) -> int:
    """Outbox rows of `read_model` whose event the rows of `row_table` cover are done
    (pipeline/outbox.py moves them). Returns how many were marked."""
    if not separate_read_database():
        with connections[WRITE_ALIAS].cursor() as cursor:
            return outbox.mark_covered_done(cursor, read_model, row_table)
    return outbox.mark_done_where_applied(read_model, lambda ids: _applied_seqs(row_table, ids))


def _applied_seqs(row_table: str, order_ids: list[UUID]) -> dict[UUID, int]:
    if not order_ids:
        return {}
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT order_id, seq FROM {qn(row_table)} WHERE order_id = ANY(%s)", [order_ids]
        )
        return dict(cursor.fetchall())
