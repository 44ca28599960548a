"""The unit of work: what a command service needs from storage, as one atomic whole.

A service opens it (`with uow:`), loads or creates the aggregate, acts, hands it back with
`uow.orders.save(...)` and calls `uow.commit()`. Leaving the block without committing, or
with an exception, undoes everything. `DjangoUnitOfWork` is the real one: one database
transaction for the order's state, its events and their outbox rows, and announcements only
once that transaction has committed. Tests pass a fake (tests/unit/fakes.py), so the
services run without a database.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import transaction

from . import event_log, repository
from .announcements import announce_after_commit
from .domain.order import Order
from .models import Product


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    unit_price: Decimal


class AbstractOrders(abc.ABC):
    @abc.abstractmethod
    def load_for_update(self, order_id: UUID, *, actor) -> Order:
        """The order, locked until the unit ends; OrderNotFound if `actor` may not see it."""

    @abc.abstractmethod
    def save(self, order: Order, *, is_new: bool, command: str) -> None:
        """Store the order's state and its pending events (with their outbox rows), and
        announce them once the unit has committed."""


class AbstractCatalogue(abc.ABC):
    @abc.abstractmethod
    def active(self, product_ids: Iterable[str]) -> dict[str, CatalogueEntry]:
        """The active products among these ids."""


class AbstractUnitOfWork(abc.ABC):
    orders: AbstractOrders
    catalogue: AbstractCatalogue

    def __enter__(self) -> AbstractUnitOfWork:
        self.committed = False
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.committed:
            self.rollback()

    def commit(self) -> None:
        self.committed = True
        self._commit()

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


class DjangoOrders(AbstractOrders):
    def load_for_update(self, order_id: UUID, *, actor) -> Order:
        return repository.load_for_update(order_id, actor=actor)

    def save(self, order: Order, *, is_new: bool, command: str) -> None:
        repository.save(order, is_new=is_new)
        event_log.append(order.pending_events)
        announce_after_commit(
            order_id=order.order_id,
            seq=order.version,
            customer_id=order.customer_id,
            event_types=[event.event_type for event in order.pending_events],
            command=command,
        )


class DjangoCatalogue(AbstractCatalogue):
    def active(self, product_ids: Iterable[str]) -> dict[str, CatalogueEntry]:
        return {
            p.product_id: CatalogueEntry(p.name, p.unit_price)
            for p in Product.objects.filter(product_id__in=list(product_ids), active=True)
        }


class DjangoUnitOfWork(AbstractUnitOfWork):
    """One `transaction.atomic()` block: it commits when the block ends after `commit()`,
    and rolls back otherwise. Nests inside an outer transaction as a savepoint."""

    def __init__(self):
        self.orders = DjangoOrders()
        self.catalogue = DjangoCatalogue()

    def __enter__(self) -> DjangoUnitOfWork:
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        return super().__enter__()

    def __exit__(self, *exc_info) -> None:
        super().__exit__(*exc_info)
        self._atomic.__exit__(*exc_info)

    def _commit(self) -> None:
        """Nothing to do yet: Django commits when the atomic block ends."""

    def rollback(self) -> None:
        transaction.set_rollback(True)
