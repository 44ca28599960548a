"""Who owns an order, as the read side may learn it: from the order's first event.

The read side never reads the write tables, and an order's read rows may not exist yet (its
first event is exactly what failed, say). The event log always knows: OrderPlaced names the
customer.
"""

from __future__ import annotations

from uuid import UUID

from orders.models import Event


def customer_of(order_id: UUID) -> int | None:
    """The customer who placed the order, or None for an order the event log does not hold."""
    data = (
        Event.objects.filter(order_id=order_id, seq=1, event_type="OrderPlaced")
        .values_list("data", flat=True)
        .first()
    )
    return int(data["customerId"]) if data else None
