"""order_details: one order's full view (items, status timeline, tracking number, cancel reason),
stored in exactly the OrderView shape of API.md so that a query serves it unchanged."""

from orders.domain.events import DomainEvent, OrderCancelled, OrderPlaced, OrderShipped
from orders.domain.order import Order
from orders.order_view import order_view
from readmodels.models import OrderDetail
from readmodels.projections.base import Projection, Row


class DetailsProjection(Projection):
    name = "order_details"
    max_lag_seconds = 5
    row_model = OrderDetail

    def when_OrderPlaced(self, row: Row, event: OrderPlaced) -> Row:
        # The command's answer and this row are one shape: built by the same function, from
        # the aggregate the event makes (orders/order_view.py).
        view = order_view(Order.replay([event]))
        return {"customer_id": event.customer_id, "view": view}

    def when_OrderConfirmed(self, row: Row, event: DomainEvent) -> Row:
        return _moved_to(row, "confirmed", event)

    def when_OrderShipped(self, row: Row, event: OrderShipped) -> Row:
        return _moved_to(row, "shipped", event, trackingNumber=event.tracking_number)

    def when_OrderDelivered(self, row: Row, event: DomainEvent) -> Row:
        return _moved_to(row, "delivered", event)

    def when_OrderCancelled(self, row: Row, event: OrderCancelled) -> Row:
        return _moved_to(row, "cancelled", event, cancelReason=event.reason)


def _moved_to(row: Row, status: str, event: DomainEvent, **changes) -> Row:
    at = event.occurred_at.isoformat()
    view = row["view"]
    return {
        **row,
        "view": {
            **view,
            **changes,
            "status": status,
            "updatedAt": at,
            "seq": event.seq,
            "timeline": [*view["timeline"], {"status": status, "at": at}],
        },
    }
