"""Commands: what a user asks the system to do, in the imperative.

A command carries only what the caller may decide. Prices are not in it: the service prices
items from the catalogue. `expected_version` is the order's sequence number the caller last
saw; when given, a mismatch is refused (optimistic concurrency).
"""

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class RequestedItem:
    product_id: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class PlaceOrder:
    items: tuple[RequestedItem, ...]


@dataclass(frozen=True, kw_only=True)
class ConfirmOrder:
    order_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class ShipOrder:
    order_id: UUID
    tracking_number: str
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class DeliverOrder:
    order_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class CancelOrder:
    order_id: UUID
    reason: str
    expected_version: int | None = None
