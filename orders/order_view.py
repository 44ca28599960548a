"""The OrderView JSON shape of API.md, built from the aggregate for command responses.

The read side's order_details projection serves the very same shape; a test holds the two to
it (a command's response equals the projected detail once the projection has caught up).
"""

from .domain.order import Order


def order_view(order: Order) -> dict:
    return {
        "orderId": str(order.order_id),
        "customer": order.customer_name,
        "status": order.status.value,
        "items": [item.to_json() for item in order.items],
        "itemCount": order.item_count,
        "total": str(order.total),
        "trackingNumber": order.tracking_number or None,
        "cancelReason": order.cancel_reason or None,
        "createdAt": order.created_at.isoformat(),
        "updatedAt": order.updated_at.isoformat(),
        "seq": order.version,
        "timeline": [
            {"status": status.value, "at": at.isoformat()} for status, at in order.timeline
        ],
    }
