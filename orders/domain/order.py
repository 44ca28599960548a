"""The Order aggregate: the only place where order rules live.

A command method checks the rule, then *records* an event; recording applies the event to the
aggregate's own state and keeps it in `pending_events` for the service to persist. Applying
is also how an order is rebuilt from its history (`Order.replay`), so the state after a
command and the state after replaying its events cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from .errors import InvalidOrder, InvalidStateTransition
from .events import (
    DomainEvent,
    LineItem,
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderPlaced,
    OrderShipped,
)
from .status import ALLOWED_TRANSITIONS, OrderStatus

MAX_ITEMS = 50
MAX_QUANTITY = 1000
MAX_TEXT = 200
# The customer's display name as orders keep it. Django's full name can be 301 characters
# (150 + space + 150); a longer one is shortened with an ellipsis, never a refused order.
MAX_CUSTOMER_NAME = 150


@dataclass
class Order:
    order_id: UUID
    customer_id: int = 0
    customer_name: str = ""
    items: tuple[LineItem, ...] = ()
    status: OrderStatus = OrderStatus.PENDING
    tracking_number: str = ""
    cancel_reason: str = ""
    version: int = 0
    timeline: list[tuple[OrderStatus, datetime]] = field(default_factory=list)
    pending_events: list[DomainEvent] = field(default_factory=list, repr=False)

    # ---- commands -------------------------------------------------------------------------

    @classmethod
    def place(
        cls,
        *,
        order_id: UUID,
        customer_id: int,
        customer_name: str,
        items: Sequence[LineItem],
        now: datetime,
    ) -> Order:
        check_items(items)
        order = cls(order_id=order_id)
        order._record(
            OrderPlaced,
            now,
            customer_id=customer_id,
            customer_name=shortened(customer_name.strip(), MAX_CUSTOMER_NAME),
            items=tuple(items),
        )
        return order

    def confirm(self, *, now: datetime) -> None:
        self._require_transition(OrderStatus.CONFIRMED)
        self._record(OrderConfirmed, now)

    def ship(self, *, tracking_number: str, now: datetime) -> None:
        self._require_transition(OrderStatus.SHIPPED)
        tracking_number = (tracking_number or "").strip()
        _require_text("trackingNumber", tracking_number, "A tracking number is required to ship.")
        self._record(OrderShipped, now, tracking_number=tracking_number)

    def deliver(self, *, now: datetime) -> None:
        self._require_transition(OrderStatus.DELIVERED)
        self._record(OrderDelivered, now)

    def cancel(self, *, reason: str, now: datetime) -> None:
        self._require_transition(OrderStatus.CANCELLED)
        reason = (reason or "").strip()
        _require_text("reason", reason, "A reason is required to cancel.")
        self._record(OrderCancelled, now, reason=reason)

    # ---- derived values -------------------------------------------------------------------

    @property
    def total(self) -> Decimal:
        return sum((item.subtotal for item in self.items), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        """Number of distinct products (lines), not of units."""
        return len(self.items)

    @property
    def created_at(self) -> datetime | None:
        return self.timeline[0][1] if self.timeline else None

    @property
    def updated_at(self) -> datetime | None:
        return self.timeline[-1][1] if self.timeline else None

    # ---- history --------------------------------------------------------------------------

    @classmethod
    def replay(cls, events: Iterable[DomainEvent]) -> Order:
        """Fold an order's history, in sequence order, into its current state."""
        order: Order | None = None
        for event in events:
            order = order or cls(order_id=event.order_id)
            order._apply(event)
        if order is None:
            raise ValueError("an order needs at least its OrderPlaced event")
        return order

    def _record(self, event_cls: type[DomainEvent], now: datetime, **data) -> None:
        event = event_cls(
            event_id=uuid4(), order_id=self.order_id, seq=self.version + 1, occurred_at=now, **data
        )
        self._apply(event)
        self.pending_events.append(event)

    def _apply(self, event: DomainEvent) -> None:
        if event.seq != self.version + 1:
            raise ValueError(f"event {event.seq} applied to order at version {self.version}")
        match event:
            case OrderPlaced():
                self.customer_id = event.customer_id
                self.customer_name = event.customer_name
                self.items = event.items
                self.status = OrderStatus.PENDING
            case OrderConfirmed():
                self.status = OrderStatus.CONFIRMED
            case OrderShipped():
                self.status = OrderStatus.SHIPPED
                self.tracking_number = event.tracking_number
            case OrderDelivered():
                self.status = OrderStatus.DELIVERED
            case OrderCancelled():
                self.status = OrderStatus.CANCELLED
                self.cancel_reason = event.reason
        self.timeline.append((self.status, event.occurred_at))
        self.version = event.seq

    def _require_transition(self, target: OrderStatus) -> None:
        if target not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidStateTransition(from_status=self.status, to_status=target)


def check_items(items: Sequence[LineItem]) -> None:
    """Raise InvalidOrder naming each broken rule; an order has 1 to 50 valid, distinct items."""
    problems: dict[str, list[str]] = {}
    if not 1 <= len(items) <= MAX_ITEMS:
        problems["items"] = [f"An order has between 1 and {MAX_ITEMS} items."]
    seen: set[str] = set()
    for index, item in enumerate(items):
        messages = []
        if not item.product_id:
            messages.append("A product id is required.")
        elif item.product_id in seen:
            messages.append("Each product may appear only once; raise its quantity instead.")
        seen.add(item.product_id)
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
            messages.append("Quantity must be a whole number.")
        elif not 1 <= item.quantity <= MAX_QUANTITY:
            messages.append(f"Quantity must be between 1 and {MAX_QUANTITY}.")
        if not isinstance(item.unit_price, Decimal) or not item.unit_price > 0:
            messages.append("Unit price must be a positive decimal amount.")
        if messages:
            problems[f"items[{index}]"] = messages
    if problems:
        raise InvalidOrder(problems)


def _require_text(field_name: str, value: str, message: str) -> None:
    if not value:
        raise InvalidOrder({field_name: [message]})
    if len(value) > MAX_TEXT:
        raise InvalidOrder({field_name: [f"At most {MAX_TEXT} characters."]})


def shortened(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its start and "…" within `limit`."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
