"""Read-your-writes: has a read model applied an order up to a consistency token's seq?"""

from __future__ import annotations

from django.db import connections

from orders.consistency_token import ConsistencyToken
from readmodels.projections import get_projection


def token_reached(read_model: str, token: ConsistencyToken, *, customer_id: int | None) -> bool:
    """True once the read model's row for the token's order has seq >= the token's.

    `customer_id` limits the check to that customer's orders (None for staff), so a token
    reveals nothing about orders the caller may not see.
    """
    rows = get_projection(read_model).row_model.objects.filter(
        pk=token.order_id, seq__gte=token.seq
    )
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows.exists()


def token_reached_then_release(
    read_model: str, token: ConsistencyToken, *, customer_id: int | None
) -> bool:
    """token_reached, then give this thread's database connections back (to the web server's
    pool), so that a request waiting between checks holds none: otherwise a few waits of one
    user, seconds each, would take the whole pool and starve everyone else's requests."""
    try:
        return token_reached(read_model, token, customer_id=customer_id)
    finally:
        release_connections()


def release_connections() -> None:
    """Close this thread's database connections: with a pool, that returns them to it. One
    inside a transaction (a test's, say) is left alone: closing it would end the transaction."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()
