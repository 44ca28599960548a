"""The Order aggregate's rules: its life cycle, the events it records, and item validation.

Pure domain tests: plain objects, no database, a fixed clock.
"""

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from orders.domain.errors import InvalidOrder, InvalidStateTransition
from orders.domain.events import (
    LineItem,
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderPlaced,
    OrderShipped,
    event_from_json,
)
from orders.domain.order import Order
from orders.domain.status import OrderStatus

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CUSTOMER_ID = 42


def item(product_id="widget", quantity=1, unit_price="19.90", name=None) -> LineItem:
    price = Decimal(unit_price) if isinstance(unit_price, str) else unit_price
    return LineItem(
        product_id=product_id, name=name or product_id.title(), quantity=quantity, unit_price=price
    )


def placed_order(items=None) -> Order:
    return Order.place(
        order_id=uuid4(),
        customer_id=CUSTOMER_ID,
        customer_name="Alice Archer",
        items=items if items is not None else [item("widget", 3), item("gadget", 2, "5.25")],
        now=T0,
    )


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# Each action, the status it leads to, and how to perform it.
ACTIONS = {
    "confirm": (OrderStatus.CONFIRMED, lambda o, now: o.confirm(now=now)),
    "ship": (OrderStatus.SHIPPED, lambda o, now: o.ship(tracking_number="TRACK-1", now=now)),
    "deliver": (OrderStatus.DELIVERED, lambda o, now: o.deliver(now=now)),
    "cancel": (OrderStatus.CANCELLED, lambda o, now: o.cancel(reason="changed mind", now=now)),
}

# How to reach each status from a fresh order (written out, not derived from the rules).
PATHS_TO = {
    OrderStatus.PENDING: [],
    OrderStatus.CONFIRMED: ["confirm"],
    OrderStatus.SHIPPED: ["confirm", "ship"],
    OrderStatus.DELIVERED: ["confirm", "ship", "deliver"],
    OrderStatus.CANCELLED: ["cancel"],
}

# The life cycle, written out independently of orders.domain.status so that loosening or
# tightening the rules there makes these tests fail.
ALLOWED = {
    (OrderStatus.PENDING, "confirm"),
    (OrderStatus.PENDING, "cancel"),
    (OrderStatus.CONFIRMED, "ship"),
    (OrderStatus.CONFIRMED, "cancel"),
    (OrderStatus.SHIPPED, "deliver"),
}
REFUSED = sorted(
    (status, action)
    for status in OrderStatus
    for action in ACTIONS
    if (status, action) not in ALLOWED
)


def order_in(status: OrderStatus) -> Order:
    order = placed_order()
    for minute, action in enumerate(PATHS_TO[status], start=1):
        ACTIONS[action][1](order, at(minute))
    assert order.status == status
    return order


def state_of(order: Order) -> dict:
    """Everything the aggregate knows, except the not-yet-saved events."""
    return dataclasses.asdict(dataclasses.replace(order, pending_events=[]))


# ---- placing ------------------------------------------------------------------------------


def test_placing_records_order_placed_as_event_1_with_the_priced_items():
    """Given valid items, when an order is placed, then one OrderPlaced (seq 1) is recorded."""
    items = [item("widget", 3), item("gadget", 2, "5.25")]

    order = placed_order(items)

    assert len(order.pending_events) == 1
    event = order.pending_events[0]
    assert type(event) is OrderPlaced
    assert event.seq == 1
    assert event.order_id == order.order_id
    assert event.occurred_at == T0
    assert event.customer_id == CUSTOMER_ID
    assert event.customer_name == "Alice Archer"
    assert event.items == tuple(items)
    assert order.status == OrderStatus.PENDING
    assert order.version == 1
    assert order.timeline == [(OrderStatus.PENDING, T0)]
    assert order.created_at == order.updated_at == T0


def test_money_is_exact_decimal_arithmetic():
    """Given prices that binary floats cannot represent, the total is still exact."""
    order = placed_order([item("widget", 3, "19.90"), item("gadget", 2, "5.25")])

    assert isinstance(order.total, Decimal)
    assert order.total == Decimal("70.20")
    assert str(order.pending_events[0].total) == "70.20"
    assert all(isinstance(i.unit_price, Decimal) for i in order.items)
    assert order.item_count == 2  # lines, not units


def test_fifty_items_are_allowed():
    """The upper bound itself is valid (51 is not; see below)."""
    order = placed_order([item(f"p{n}") for n in range(50)])

    assert order.item_count == 50


@pytest.mark.parametrize(
    ("items", "field", "message_part"),
    [
        ([], "items", "between 1 and 50"),
        ([item(f"p{n}") for n in range(51)], "items", "between 1 and 50"),
        ([item(quantity=0)], "items[0]", "Quantity must be between 1"),
        ([item(quantity=1001)], "items[0]", "Quantity must be between 1"),
        ([item(quantity=-1)], "items[0]", "Quantity must be between 1"),
        ([item(quantity=1.5)], "items[0]", "whole number"),
        ([item(unit_price="0")], "items[0]", "Unit price must be a positive"),
        ([item(unit_price="0.00")], "items[0]", "Unit price must be a positive"),
        ([item(unit_price="-5.00")], "items[0]", "Unit price must be a positive"),
        ([item(unit_price=19.9)], "items[0]", "Unit price must be a positive decimal"),
        ([item(product_id="")], "items[0]", "product id is required"),
        ([item("widget"), item("gadget"), item("widget")], "items[2]", "only once"),
    ],
    ids=[
        "no-items",
        "51-items",
        "quantity-0",
        "quantity-1001",
        "quantity-negative",
        "quantity-fraction",
        "price-0",
        "price-0.00",
        "price-negative",
        "price-float",
        "product-id-missing",
        "duplicate-product",
    ],
)
def test_invalid_items_are_refused_naming_the_field(items, field, message_part):
    """Given items that break a rule, placing raises InvalidOrder for exactly that field."""
    with pytest.raises(InvalidOrder) as refused:
        placed_order(items)

    assert list(refused.value.fields) == [field]
    assert any(message_part in message for message in refused.value.fields[field])


def test_every_broken_item_is_reported_at_once():
    """The customer sees all problems in one answer, one entry per offending field."""
    items = [item("widget", 0), item("gadget", 2), item("gizmo", 1, "0")]

    with pytest.raises(InvalidOrder) as refused:
        placed_order(items)

    assert set(refused.value.fields) == {"items[0]", "items[2]"}
    assert "Quantity" in refused.value.fields["items[0]"][0]
    assert "Unit price" in refused.value.fields["items[2]"][0]


# ---- allowed transitions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "action", "event_type", "end"),
    [
        (OrderStatus.PENDING, "confirm", OrderConfirmed, OrderStatus.CONFIRMED),
        (OrderStatus.CONFIRMED, "ship", OrderShipped, OrderStatus.SHIPPED),
        (OrderStatus.SHIPPED, "deliver", OrderDelivered, OrderStatus.DELIVERED),
        (OrderStatus.PENDING, "cancel", OrderCancelled, OrderStatus.CANCELLED),
        (OrderStatus.CONFIRMED, "cancel", OrderCancelled, OrderStatus.CANCELLED),
    ],
)
def test_allowed_transition_records_exactly_one_event_with_the_next_seq(
    start, action, event_type, end
):
    """Given an order in `start`, when `action` runs, then exactly one event of the right type
    is recorded with seq = previous version + 1, and the order moves to `end`."""
    order = order_in(start)
    previous_version = order.version
    previous_events = list(order.pending_events)
    now = at(60)

    ACTIONS[action][1](order, now)

    assert order.pending_events[:-1] == previous_events
    assert len(order.pending_events) == len(previous_events) + 1
    event = order.pending_events[-1]
    assert type(event) is event_type
    assert event.seq == previous_version + 1
    assert event.order_id == order.order_id
    assert event.occurred_at == now
    assert order.version == event.seq
    assert order.status == end
    assert order.timeline[-1] == (end, now)


def test_shipping_records_the_tracking_number():
    """Given a confirmed order, shipping records the (trimmed) tracking number."""
    order = order_in(OrderStatus.CONFIRMED)

    order.ship(tracking_number="  1Z999AA10123456784 ", now=at(60))

    event = order.pending_events[-1]
    assert isinstance(event, OrderShipped)
    assert event.tracking_number == "1Z999AA10123456784"
    assert order.tracking_number == "1Z999AA10123456784"


@pytest.mark.parametrize("start", [OrderStatus.PENDING, OrderStatus.CONFIRMED])
def test_cancelling_records_the_reason(start):
    """Given a pending or confirmed order, cancelling records the (trimmed) reason."""
    order = order_in(start)

    order.cancel(reason=" Found it cheaper ", now=at(60))

    event = order.pending_events[-1]
    assert isinstance(event, OrderCancelled)
    assert event.reason == "Found it cheaper"
    assert order.cancel_reason == "Found it cheaper"


# ---- refused transitions ------------------------------------------------------------------


def test_the_refused_list_covers_every_other_pair():
    """Guards the parametrisation below: 5 statuses × 4 actions − 5 allowed = 15 refused."""
    assert len(REFUSED) == 15


@pytest.mark.parametrize(("start", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_refused_transition_raises_naming_from_and_to(start, action):
    """Given an order in `start`, when a disallowed `action` runs, then InvalidStateTransition
    names both statuses and nothing is recorded or changed."""
    order = order_in(start)
    before = state_of(order)
    events_before = list(order.pending_events)
    target = ACTIONS[action][0]

    with pytest.raises(InvalidStateTransition) as refused:
        ACTIONS[action][1](order, at(60))

    assert refused.value.from_status == start
    assert refused.value.to_status == target
    assert str(refused.value) == f"cannot go from {start.value} to {target.value}"
    assert order.pending_events == events_before
    assert state_of(order) == before


@pytest.mark.parametrize("tracking_number", ["", "   ", None])
def test_shipping_without_tracking_number_is_invalid(tracking_number):
    """Given a confirmed order, shipping with no tracking number is refused, nothing recorded."""
    order = order_in(OrderStatus.CONFIRMED)
    before = state_of(order)

    with pytest.raises(InvalidOrder) as refused:
        order.ship(tracking_number=tracking_number, now=at(60))

    assert list(refused.value.fields) == ["trackingNumber"]
    assert state_of(order) == before
    assert len(order.pending_events) == 2


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_cancelling_without_reason_is_invalid(reason):
    """Given a pending order, cancelling with no reason is refused, nothing recorded."""
    order = order_in(OrderStatus.PENDING)
    before = state_of(order)

    with pytest.raises(InvalidOrder) as refused:
        order.cancel(reason=reason, now=at(60))

    assert list(refused.value.fields) == ["reason"]
    assert state_of(order) == before
    assert len(order.pending_events) == 1


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (lambda o: o.ship(tracking_number="x" * 201, now=at(60)), "trackingNumber"),
        (lambda o: o.cancel(reason="x" * 201, now=at(60)), "reason"),
    ],
    ids=["tracking-number", "reason"],
)
def test_overlong_text_is_invalid(action, field):
    """Text fields hold at most 200 characters (the column width)."""
    order = order_in(OrderStatus.CONFIRMED)

    with pytest.raises(InvalidOrder) as refused:
        action(order)

    assert list(refused.value.fields) == [field]


# ---- history ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(OrderStatus))
def test_replaying_the_recorded_events_rebuilds_the_same_state(status):
    """Given an order taken to `status` by commands, when its events are replayed,
    then the rebuilt order equals the original, field by field."""
    order = order_in(status)

    rebuilt = Order.replay(order.pending_events)

    assert state_of(rebuilt) == state_of(order)
    assert rebuilt.pending_events == []
    assert (rebuilt.status, rebuilt.version) == (status, len(PATHS_TO[status]) + 1)
    assert rebuilt.items == order.items and rebuilt.customer_id == CUSTOMER_ID
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    assert rebuilt.tracking_number == ("TRACK-1" if shipped else "")
    cancelled = status == OrderStatus.CANCELLED
    assert rebuilt.cancel_reason == ("changed mind" if cancelled else "")
    assert [s for s, _ in rebuilt.timeline] == [OrderStatus.PENDING] + [
        ACTIONS[a][0] for a in PATHS_TO[status]
    ]


def test_replaying_events_read_back_from_json_rebuilds_the_same_state():
    """The stored JSON form carries everything the aggregate needs (Decimal money included)."""
    order = order_in(OrderStatus.CONFIRMED)
    order.cancel(reason="no longer needed", now=at(30))

    rebuilt = Order.replay(event_from_json(e.to_json()) for e in order.pending_events)

    assert state_of(rebuilt) == state_of(order)
    assert isinstance(rebuilt.total, Decimal)
    assert rebuilt.total == Decimal("70.20")


def test_replay_refuses_a_gap_in_the_history():
    """Events must be applied 1, 2, 3…: a missing event is an error, never skipped."""
    events = order_in(OrderStatus.SHIPPED).pending_events

    with pytest.raises(ValueError, match="event 3 applied to order at version 1"):
        Order.replay([events[0], events[2]])


def test_replay_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        Order.replay([])
