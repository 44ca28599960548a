"""Moves the Order aggregate in and out of the write-model tables (orders and items).

The aggregate knows nothing of rows; this module knows nothing of rules.
"""

from uuid import UUID

from .domain.errors import OrderNotFound
from .domain.events import LineItem
from .domain.order import Order
from .domain.status import OrderStatus
from .models import Order as OrderRow
from .models import OrderItem
from .visibility import customer_scope

# Which timestamp column records each status; their non-empty values make the timeline.
STATUS_COLUMNS = {
    OrderStatus.PENDING: "created_at",
    OrderStatus.CONFIRMED: "confirmed_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


def load_for_update(order_id: UUID, *, actor) -> Order:
    """Load and row-lock an order the actor may command; others' orders look absent.

    Precondition: inside a transaction (the lock lasts until it ends).
    """
    rows = OrderRow.objects.select_for_update(of=("self",))
    if (customer_id := customer_scope(actor)) is not None:
        rows = rows.filter(customer_id=customer_id)
    row = rows.filter(pk=order_id).first()
    if row is None:
        raise OrderNotFound(order_id)
    return to_aggregate(row, list(row.items.all()))


def to_aggregate(row: OrderRow, item_rows: list[OrderItem]) -> Order:
    timeline = [
        (status, getattr(row, column))
        for status, column in STATUS_COLUMNS.items()
        if getattr(row, column) is not None
    ]
    return Order(
        order_id=row.id,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        items=tuple(
            LineItem(
                product_id=item.product_id,
                name=item.product_name,
                quantity=item.quantity,
                unit_price=item.unit_price,
            )
            for item in item_rows
        ),
        status=OrderStatus(row.status),
        tracking_number=row.tracking_number,
        cancel_reason=row.cancel_reason,
        version=row.version,
        timeline=sorted(timeline, key=lambda entry: entry[1]),
    )


def save(order: Order, *, is_new: bool) -> None:
    """Write the aggregate's current state. Items never change after placing."""
    columns = {
        "customer_id": order.customer_id,
        "customer_name": order.customer_name,
        "status": order.status.value,
        "tracking_number": order.tracking_number,
        "cancel_reason": order.cancel_reason,
        "version": order.version,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        **{STATUS_COLUMNS[status]: at for status, at in order.timeline},
    }
    if is_new:
        OrderRow.objects.create(id=order.order_id, **columns)
        OrderItem.objects.bulk_create(
            OrderItem(
                order_id=order.order_id,
                line_no=line_no,
                product_id=item.product_id,
                product_name=item.name,
                quantity=item.quantity,
                unit_price=item.unit_price,
            )
            for line_no, item in enumerate(order.items, start=1)
        )
    else:
        OrderRow.objects.filter(pk=order.order_id).update(**columns)
