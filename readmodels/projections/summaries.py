"""order_summaries: status, total, item count, customer and dates for the order list."""

from orders.domain.events import OrderPlaced
from readmodels.models import OrderSummary
from readmodels.projections.base import Projection, Row


class SummariesProjection(Projection):
    name = "order_summaries"
    max_lag_seconds = 5
    row_model = OrderSummary

    def when_OrderPlaced(self, row: Row, event: OrderPlaced) -> Row:
        return {
            "customer_id": event.customer_id,
            "customer_name": event.customer_name,
            "status": "pending",
            "item_count": len(event.items),
            "total": event.total,
            "created_at": event.occurred_at,
            "updated_at": event.occurred_at,
        }

    def when_OrderConfirmed(self, row: Row, event) -> Row:
        return {**row, "status": "confirmed", "updated_at": event.occurred_at}

    def when_OrderShipped(self, row: Row, event) -> Row:
        return {**row, "status": "shipped", "updated_at": event.occurred_at}

    def when_OrderDelivered(self, row: Row, event) -> Row:
        return {**row, "status": "delivered", "updated_at": event.occurred_at}

    def when_OrderCancelled(self, row: Row, event) -> Row:
        return {**row, "status": "cancelled", "updated_at": event.occurred_at}
