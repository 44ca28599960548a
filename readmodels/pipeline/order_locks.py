"""The projector's locks, in the write database: one per (read model, order), and the read
model's own, taken shared (a rebuild's swap takes it exclusively).

They live in the write database whatever READ_DATABASE_URL says: the projector's write-side
transaction is open from before it reads an order's applied seq until after it marks that
order's outbox rows done, so the locks there serialise every writer of the order's rows
across both databases. Precondition: inside a transaction on the write database.
"""

from __future__ import annotations

from uuid import UUID

from django.db import connection


def lock_orders(read_model: str, order_ids: list[UUID]) -> None:
    """Serialise work on each (read model, order); share the read model with other orders.

    The shared lock on the read model lets a rebuild take it exclusively for its final swap.
    The orders' locks are taken in the order of their keys, so two batches that share orders
    wait for each other instead of deadlocking.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0)),"
            " (SELECT count(pg_advisory_xact_lock(hashtext(%s), key)) FROM"
            "   (SELECT DISTINCT hashtext(o) AS key FROM unnest(%s::text[]) AS o ORDER BY key) k)",
            [f"readmodel:{read_model}", read_model, [str(order_id) for order_id in order_ids]],
        )


def lock_free_ones(read_model: str, order_ids: list[UUID]) -> set[UUID]:
    """Lock those of these orders that nobody holds, without waiting; returns them.

    Never waiting is what keeps this deadlock-free after `lock_orders`.
    """
    if not order_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o FROM unnest(%s::uuid[]) AS o"
            " WHERE pg_try_advisory_xact_lock(hashtext(%s), hashtext(o::text))",
            [order_ids, read_model],
        )
        return {order_id for (order_id,) in cursor.fetchall()}
