"""The advisory locks that serialise the read side's writers, and their one spelling of keys.

- Per (read model, order), in the projector's transaction: one writer of an order's row at a
  time (projector, replay, CDC), so each applies the events after what the row's seq says.
- Per read model, shared by every projector transaction and taken exclusively by a rebuild's
  swap: the swap waits for the projector transactions in flight and holds back new ones.

Projector, replay, CDC and rebuild take them only through these functions, so the keys can
never drift apart (the rebuild is only correct while it locks what the projector locks).

With the read tables in a database of their own (READ_DATABASE_URL), the per-order locks
stay in the write database: the projector's write-side transaction is open from before it
reads an order's applied seq until after it marks the outbox rows done, so they serialise
every writer of the order's row across both databases. The read model's lock is taken where
the rebuild swaps the tables: in the read database, shared by each projector transaction
there (`lock_read_model_shared_in_read_database`), exclusively by the swap.
"""

from __future__ import annotations

from uuid import UUID

from django.db import connection

from readmodels.pipeline.prepared import prepared_cursor
from readmodels.read_database import read_connection, separate_read_database


def read_model_lock_key(read_model: str) -> str:
    return f"readmodel:{read_model}"


def lock_orders(read_model: str, order_ids: list[UUID]) -> None:
    """Serialise work on each (read model, order); share the read model with other orders.

    The orders' locks are taken in the order of their keys, so two batches that share orders
    wait for each other instead of deadlocking. Precondition: inside a transaction (the locks
    last until it ends).
    """
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0)),"
            " (SELECT count(pg_advisory_xact_lock(hashtext(%s), key)) FROM"
            "   (SELECT DISTINCT hashtext(o) AS key FROM unnest(%s::text[]) AS o ORDER BY key) k)",
            [read_model_lock_key(read_model), read_model, [str(o) for o in order_ids]],
        )


def lock_free_orders(read_model: str, order_ids: list[UUID]) -> set[UUID]:
    """Lock those of these orders that nobody holds, without waiting; returns them.

    Never waiting is what keeps this deadlock-free after `lock_orders`.
    """
    if not order_ids:
        return set()
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            "SELECT o FROM unnest(%s::uuid[]) AS o"
            " WHERE pg_try_advisory_xact_lock(hashtext(%s), hashtext(o::text))",
            [order_ids, read_model],
        )
        return {order_id for (order_id,) in cursor.fetchall()}


def lock_read_model_shared_in_read_database(read_model: str) -> None:
    """In the read database's current transaction, share the read model's lock with other
    projector transactions (a rebuild's swap takes it exclusively there). With one database,
    `lock_orders` has already taken it, in the same transaction."""
    if not separate_read_database():
        return
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))",
            [read_model_lock_key(read_model)],
        )


def lock_read_model_exclusively(cursor, read_model: str) -> None:
    """Wait for every projector transaction of this read model and hold back new ones, until
    the transaction ends (a rebuild's swap). `cursor`: on the read tables' database."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [read_model_lock_key(read_model)]
    )
