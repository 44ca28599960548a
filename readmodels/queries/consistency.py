"""Read-your-writes: has a read model applied an order up to a consistency token's seq?"""

from __future__ import annotations

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
