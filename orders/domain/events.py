"""Domain events: what happened to an order, in the past tense.

An event is a small frozen dataclass. Its envelope (event id, order id, the order's sequence
number, occurred-at, schema version) is the same for every type; its data is its own. The JSON
form produced by `to_json` is the contract with every consumer (projectors, rebuilds, outside
readers), so it changes only with a new schema version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class LineItem:
    product_id: str
    name: str
    quantity: int
    unit_price: Decimal

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity

    def to_json(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "name": self.name,
            "quantity": self.quantity,
            "unitPrice": str(self.unit_price),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LineItem:
        return cls(
            product_id=doc["productId"],
            name=doc["name"],
            quantity=int(doc["quantity"]),
            unit_price=Decimal(doc["unitPrice"]),
        )


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    event_id: UUID
    order_id: UUID
    seq: int
    occurred_at: datetime

    schema_version: ClassVar[int] = 1

    @property
    def event_type(self) -> str:
        return type(self).__name__

    def data(self) -> dict[str, Any]:
        """The type-specific part of the JSON form. Events without data return {}."""
        return {}

    @classmethod
    def data_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Inverse of `data`: constructor arguments from the JSON data."""
        return {}

    def to_json(self) -> dict[str, Any]:
        return json_envelope(self, data=self.data())


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(DomainEvent):
    customer_id: int
    customer_name: str
    items: tuple[LineItem, ...]

    @property
    def total(self) -> Decimal:
        return sum((item.subtotal for item in self.items), Decimal("0.00"))

    def data(self) -> dict[str, Any]:
        return {
            "customerId": self.customer_id,
            "customerName": self.customer_name,
            "items": [item.to_json() for item in self.items],
            "total": str(self.total),
        }

    @classmethod
    def data_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "customer_id": int(data["customerId"]),
            "customer_name": data["customerName"],
            "items": tuple(LineItem.from_json(item) for item in data["items"]),
        }


@dataclass(frozen=True, kw_only=True)
class OrderConfirmed(DomainEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class OrderShipped(DomainEvent):
    tracking_number: str

    def data(self) -> dict[str, Any]:
        return {"trackingNumber": self.tracking_number}

    @classmethod
    def data_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"tracking_number": data["trackingNumber"]}


@dataclass(frozen=True, kw_only=True)
class OrderDelivered(DomainEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(DomainEvent):
    reason: str

    def data(self) -> dict[str, Any]:
        return {"reason": self.reason}

    @classmethod
    def data_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"reason": data["reason"]}


def json_envelope(event, *, data: dict[str, Any]) -> dict[str, Any]:
    """An event's JSON form: the envelope every event shares around its own `data`. The one
    place that spells it, for domain events and stored event rows alike (both have these
    attributes)."""
    return {
        "eventId": str(event.event_id),
        "eventType": event.event_type,
        "orderId": str(event.order_id),
        "seq": event.seq,
        "occurredAt": event.occurred_at.isoformat(),
        "schemaVersion": event.schema_version,
        "data": data,
    }


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.__name__: cls
    for cls in (OrderPlaced, OrderConfirmed, OrderShipped, OrderDelivered, OrderCancelled)
}


class UnknownEventType(ValueError):
    pass


def event_from_json(doc: dict[str, Any]) -> DomainEvent:
    """Rebuild an event from its JSON form (the inverse of `DomainEvent.to_json`)."""
    try:
        event_cls = EVENT_TYPES[doc["eventType"]]
    except KeyError:
        raise UnknownEventType(f"unknown event type {doc.get('eventType')!r}") from None
    return event_cls(
        event_id=UUID(str(doc["eventId"])),
        order_id=UUID(str(doc["orderId"])),
        seq=int(doc["seq"]),
        occurred_at=datetime.fromisoformat(doc["occurredAt"]),
        **event_cls.data_fields(doc.get("data") or {}),
    )
