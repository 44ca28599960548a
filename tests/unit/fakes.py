"""An in-memory unit of work for service tests: no database, and a record of what a real one
would have stored and announced."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from orders.domain.errors import OrderNotFound
from orders.domain.events import DomainEvent
from orders.domain.order import Order
from orders.unit_of_work import (
    AbstractCatalogue,
    AbstractOrders,
    AbstractUnitOfWork,
    CatalogueEntry,
)


@dataclass
class Actor:
    """The bits of a Django user the services read."""

    pk: int
    username: str = "alice"
    full_name: str = ""
    is_staff: bool = False

    def get_full_name(self) -> str:
        return self.full_name

    def get_username(self) -> str:
        return self.username


class FakeOrders(AbstractOrders):
    def __init__(self):
        self.stored: dict[UUID, Order] = {}  # what is committed
        self.events: list[DomainEvent] = []  # the event log, committed
        self.announced: list[tuple[UUID, int, str]] = []  # after commit only
        self._staged: list[tuple[Order, str]] = []

    def load_for_update(self, order_id: UUID, *, actor) -> Order:
        order = self.stored.get(order_id)
        if order is None or (not actor.is_staff and order.customer_id != actor.pk):
            raise OrderNotFound(order_id)
        return copy.deepcopy(order)

    def save(self, order: Order, *, is_new: bool, command: str) -> None:
        self._staged.append((order, command))

    def commit(self) -> None:
        for order, command in self._staged:
            self.events.extend(order.pending_events)
            # As a fresh load from the tables would be: state, no events pending.
            self.stored[order.order_id] = copy.deepcopy(order)
            self.stored[order.order_id].pending_events = []
            self.announced.append((order.order_id, order.version, command))
        self._staged.clear()

    def rollback(self) -> None:
        self._staged.clear()


class FakeCatalogue(AbstractCatalogue):
    def __init__(self, prices: dict[str, str]):
        self.entries = {
            product_id: CatalogueEntry(product_id.title(), Decimal(price))
            for product_id, price in prices.items()
        }

    def active(self, product_ids: Iterable[str]) -> dict[str, CatalogueEntry]:
        return {p: self.entries[p] for p in product_ids if p in self.entries}


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self, prices: dict[str, str] | None = None):
        self.orders = FakeOrders()
        self.catalogue = FakeCatalogue(prices or {"widget": "19.90", "gadget": "5.25"})
        self.commits = 0

    def _commit(self) -> None:
        self.orders.commit()
        self.commits += 1

    def rollback(self) -> None:
        self.orders.rollback()
