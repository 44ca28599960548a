"""One function per command. Each runs in ONE unit of work (orders/unit_of_work.py): load
(locked), act, save the order with its events and their outbox rows, commit. Announcements
happen only after commit.

Callers pass keyword-only arguments: the command, the acting user and, optionally, the unit
of work (a fresh DjangoUnitOfWork when none is given; tests pass a fake).
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import uuid4

from django.utils import timezone

from .consistency_token import ConsistencyToken
from .domain.commands import CancelOrder, ConfirmOrder, DeliverOrder, PlaceOrder, ShipOrder
from .domain.errors import InvalidOrder, VersionConflict
from .domain.events import LineItem
from .domain.order import Order
from .unit_of_work import AbstractCatalogue, AbstractUnitOfWork, DjangoUnitOfWork


@dataclass(frozen=True)
class CommandResult:
    order: Order
    seq: int

    @property
    def consistency_token(self) -> str:
        return ConsistencyToken(order_id=self.order.order_id, seq=self.seq).encode()


def place_order(
    *, command: PlaceOrder, actor, uow: AbstractUnitOfWork | None = None
) -> CommandResult:
    with uow or DjangoUnitOfWork() as unit:
        order = new_order(command, actor, unit.catalogue)
        return _save(unit, order, is_new=True, command=command)


def new_order(command: PlaceOrder, actor, catalogue: AbstractCatalogue) -> Order:
    """The aggregate a PlaceOrder creates, its items priced from the catalogue."""
    return Order.place(
        order_id=uuid4(),
        customer_id=actor.pk,
        customer_name=actor.get_full_name() or actor.get_username(),
        items=price_items(command, catalogue),
        now=timezone.now(),
    )


def confirm_order(
    *, command: ConfirmOrder, actor, uow: AbstractUnitOfWork | None = None
) -> CommandResult:
    return _change(uow, command, actor, lambda order, now: order.confirm(now=now))


def ship_order(
    *, command: ShipOrder, actor, uow: AbstractUnitOfWork | None = None
) -> CommandResult:
    return _change(
        uow,
        command,
        actor,
        lambda order, now: order.ship(tracking_number=command.tracking_number, now=now),
    )


def deliver_order(
    *, command: DeliverOrder, actor, uow: AbstractUnitOfWork | None = None
) -> CommandResult:
    return _change(uow, command, actor, lambda order, now: order.deliver(now=now))


def cancel_order(
    *, command: CancelOrder, actor, uow: AbstractUnitOfWork | None = None
) -> CommandResult:
    return _change(
        uow, command, actor, lambda order, now: order.cancel(reason=command.reason, now=now)
    )


def price_items(command: PlaceOrder, catalogue: AbstractCatalogue) -> list[LineItem]:
    """Price each requested item from the active catalogue; clients never send prices."""
    products = catalogue.active(item.product_id for item in command.items)
    unknown = {
        f"items[{index}].productId": ["Unknown product."]
        for index, item in enumerate(command.items)
        if item.product_id not in products
    }
    if unknown:
        raise InvalidOrder(unknown)
    return [
        LineItem(
            product_id=item.product_id,
            name=products[item.product_id].name,
            quantity=item.quantity,
            unit_price=products[item.product_id].unit_price,
        )
        for item in command.items
    ]


def _change(
    uow: AbstractUnitOfWork | None, command, actor, act: Callable[[Order, object], None]
) -> CommandResult:
    with uow or DjangoUnitOfWork() as unit:
        order = unit.orders.load_for_update(command.order_id, actor=actor)
        if command.expected_version is not None and command.expected_version != order.version:
            raise VersionConflict(expected=command.expected_version, current=order.version)
        act(order, timezone.now())
        return _save(unit, order, is_new=False, command=command)


def _save(unit: AbstractUnitOfWork, order: Order, *, is_new: bool, command) -> CommandResult:
    """Persist state, events and outbox rows, and commit the unit."""
    unit.orders.save(order, is_new=is_new, command=type(command).__name__)
    unit.commit()
    return CommandResult(order=order, seq=order.version)
