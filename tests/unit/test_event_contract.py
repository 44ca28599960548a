"""The JSON form of events is the contract with every consumer (projectors, rebuilds, outside
readers). These tests pin its keys and value types, and its round trip back to an event."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from orders.domain.events import (
    EVENT_TYPES,
    LineItem,
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderPlaced,
    OrderShipped,
    UnknownEventType,
    event_from_json,
)

ORDER_ID = UUID("6f1c1a3e-6a35-4d4b-9a54-2f1f4b0a9e01")
OCCURRED_AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
ENVELOPE_KEYS = {"eventId", "eventType", "orderId", "seq", "occurredAt", "schemaVersion", "data"}


def envelope(seq: int) -> dict:
    return {
        "event_id": UUID(int=seq),
        "order_id": ORDER_ID,
        "seq": seq,
        "occurred_at": OCCURRED_AT,
    }


PLACED = OrderPlaced(
    **envelope(1),
    customer_id=7,
    customer_name="Alice Archer",
    items=(
        LineItem(product_id="widget", name="Widget", quantity=3, unit_price=Decimal("19.90")),
        LineItem(product_id="gadget", name="Gadget", quantity=2, unit_price=Decimal("5.25")),
    ),
)
CONFIRMED = OrderConfirmed(**envelope(2))
SHIPPED = OrderShipped(**envelope(3), tracking_number="1Z999AA10123456784")
DELIVERED = OrderDelivered(**envelope(4))
CANCELLED = OrderCancelled(**envelope(2), reason="Found it cheaper")

# What consumers read from `data`, per event type.
EXPECTED_DATA = {
    "OrderPlaced": {
        "customerId": 7,
        "customerName": "Alice Archer",
        "items": [
            {"productId": "widget", "name": "Widget", "quantity": 3, "unitPrice": "19.90"},
            {"productId": "gadget", "name": "Gadget", "quantity": 2, "unitPrice": "5.25"},
        ],
        "total": "70.20",
    },
    "OrderConfirmed": {},
    "OrderShipped": {"trackingNumber": "1Z999AA10123456784"},
    "OrderDelivered": {},
    "OrderCancelled": {"reason": "Found it cheaper"},
}

ALL_EVENTS = [PLACED, CONFIRMED, SHIPPED, DELIVERED, CANCELLED]
IDS = [type(e).__name__ for e in ALL_EVENTS]


def test_the_five_event_types_are_all_registered():
    """A type missing from the registry could be written but never read back."""
    assert set(EVENT_TYPES) == set(EXPECTED_DATA)


@pytest.mark.parametrize("event", ALL_EVENTS, ids=IDS)
def test_envelope_has_the_agreed_keys_and_types(event):
    """Every event's JSON has the same envelope, in JSON-native types."""
    doc = event.to_json()

    assert set(doc) == ENVELOPE_KEYS
    assert doc["eventType"] == type(event).__name__
    assert doc["eventId"] == str(event.event_id)
    assert doc["orderId"] == str(ORDER_ID)
    assert doc["seq"] == event.seq and isinstance(doc["seq"], int)
    assert doc["schemaVersion"] == 1
    assert datetime.fromisoformat(doc["occurredAt"]) == OCCURRED_AT  # keeps zone and µs


@pytest.mark.parametrize("event", ALL_EVENTS, ids=IDS)
def test_data_carries_the_fields_consumers_rely_on(event):
    """Money is a decimal string, quantities and ids are JSON numbers."""
    assert event.to_json()["data"] == EXPECTED_DATA[type(event).__name__]


@pytest.mark.parametrize("event", ALL_EVENTS, ids=IDS)
def test_json_round_trip_gives_an_equal_event(event):
    """Given an event, when its JSON goes through a real serialiser and back,
    then the JSON is unchanged and event_from_json rebuilds an equal event."""
    doc = event.to_json()

    wire = json.loads(json.dumps(doc))  # raises if anything is not JSON-native

    assert wire == doc
    rebuilt = event_from_json(wire)
    assert type(rebuilt) is type(event)
    assert rebuilt == event


def test_round_trip_keeps_money_as_exact_decimals():
    rebuilt = event_from_json(json.loads(json.dumps(PLACED.to_json())))

    assert isinstance(rebuilt, OrderPlaced)
    assert [i.unit_price for i in rebuilt.items] == [Decimal("19.90"), Decimal("5.25")]
    assert rebuilt.total == Decimal("70.20")


@pytest.mark.parametrize(
    "doc",
    [
        {**CONFIRMED.to_json(), "eventType": "OrderTeleported"},
        {**CONFIRMED.to_json(), "eventType": "orderconfirmed"},
        {key: value for key, value in CONFIRMED.to_json().items() if key != "eventType"},
    ],
    ids=["unknown-type", "wrong-case", "missing-type"],
)
def test_unknown_event_type_is_refused(doc):
    """A consumer must not silently mistake an event it does not know for one it does."""
    with pytest.raises(UnknownEventType):
        event_from_json(doc)
