"""order_search: the summary line plus a full-text document over order id, customer name,
product names and tracking number (PostgreSQL computes the tsvector from `document`)."""

from orders.domain.events import OrderPlaced, OrderShipped
from readmodels.models import OrderSearchEntry
from readmodels.projections.base import Row
from readmodels.projections.summaries import SummariesProjection


class SearchProjection(SummariesProjection):
    """Inherits the summary fields' handlers; adds what makes an order findable."""

    name = "order_search"
    max_lag_seconds = 30
    row_model = OrderSearchEntry

    def when_OrderPlaced(self, row: Row, event: OrderPlaced) -> Row:
        words = [str(event.order_id), event.customer_name, *(item.name for item in event.items)]
        return {**super().when_OrderPlaced(row, event), "document": " ".join(words)}

    def when_OrderShipped(self, row: Row, event: OrderShipped) -> Row:
        shipped = super().when_OrderShipped(row, event)
        return {**shipped, "document": f"{row['document']} {event.tracking_number}"}
