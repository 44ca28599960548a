"""Derive domain events from the row changes of one committed transaction.

Row images are coarser than domain events, so meaning is inferred: an inserted order row is
an OrderPlaced (with the item rows inserted beside it); a status change from pending to
confirmed is an OrderConfirmed, and so on. The order row's `version` is the event's sequence
number, so derived events slot into the same exactly-once, in-order projector as outbox ones.
A change made by plain SQL is seen too — provided it bumps `version`, as every write must.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from orders.domain.events import (
    DomainEvent,
    LineItem,
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderPlaced,
    OrderShipped,
)
from readmodels.cdc.pgoutput import RowChange

logger = logging.getLogger(__name__)

ORDERS_TABLE = "orders_order"
ITEMS_TABLE = "orders_orderitem"
# Derived events get stable ids, so that a change read twice is recognised as one event.
DERIVED_EVENT_NAMESPACE = UUID("6f1e0b8e-3a7c-4d7e-9a55-6c0b5f1d2e11")

STATUS_EVENTS = {
    "confirmed": (OrderConfirmed, "confirmed_at"),
    "shipped": (OrderShipped, "shipped_at"),
    "delivered": (OrderDelivered, "delivered_at"),
    "cancelled": (OrderCancelled, "cancelled_at"),
}


def derive_events(changes: list[RowChange]) -> list[DomainEvent]:
    items: dict[str, list[dict]] = {}
    for change in changes:
        if change.table == ITEMS_TABLE and change.new is not None and change.old is None:
            items.setdefault(change.new["order_id"], []).append(change.new)
    events = []
    for change in changes:
        if change.table != ORDERS_TABLE or change.new is None:
            continue
        if change.old is None:
            events.append(_placed(change.new, items.get(change.new["id"], [])))
        elif change.old["status"] != change.new["status"]:
            if change.new["status"] not in STATUS_EVENTS:
                logger.warning(
                    "no event matches a status change to %r; ignored",
                    change.new["status"],
                    extra={"order_id": change.new["id"]},
                )
                continue
            events.append(_status_changed(change.new))
    return sorted(events, key=lambda event: (str(event.order_id), event.seq))


def _envelope(row: dict, at_column: str) -> dict:
    order_id = UUID(row["id"])
    seq = int(row["version"])
    return {
        "event_id": uuid.uuid5(DERIVED_EVENT_NAMESPACE, f"{order_id}:{seq}"),
        "order_id": order_id,
        "seq": seq,
        "occurred_at": datetime.fromisoformat(row[at_column] or row["updated_at"]),
    }


def _placed(row: dict, item_rows: list[dict]) -> OrderPlaced:
    return OrderPlaced(
        **_envelope(row, "created_at"),
        customer_id=int(row["customer_id"]),
        customer_name=row["customer_name"],
        items=tuple(
            LineItem(
                product_id=item["product_id"],
                name=item["product_name"],
                quantity=int(item["quantity"]),
                unit_price=Decimal(item["unit_price"]),
            )
            for item in sorted(item_rows, key=lambda item: int(item["line_no"]))
        ),
    )


def _status_changed(row: dict) -> DomainEvent:
    event_cls, at_column = STATUS_EVENTS[row["status"]]
    data = {}
    if event_cls is OrderShipped:
        data["tracking_number"] = row["tracking_number"]
    if event_cls is OrderCancelled:
        data["reason"] = row["cancel_reason"]
    return event_cls(**_envelope(row, at_column), **data)
