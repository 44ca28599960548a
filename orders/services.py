"""One function per command. Each runs in ONE transaction: load (locked), act, save the order,
append its events and their outbox rows. Announcements happen only after commit.

Callers pass keyword-only arguments: the command and the acting user.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import uuid4

from django.db import transaction
from django.utils import timezone

from . import event_store, repository
from .announcements import announce_after_commit
from .consistency_token import ConsistencyToken
from .domain.commands import CancelOrder, ConfirmOrder, DeliverOrder, PlaceOrder, ShipOrder
from .domain.errors import InvalidOrder, VersionConflict
from .domain.events import LineItem
from .domain.order import Order
from .models import Product


@dataclass(frozen=True)
class CommandResult:
    order: Order
    seq: int

    @property
    def consistency_token(self) -> str:
        return ConsistencyToken(order_id=self.order.order_id, seq=self.seq).encode()


def place_order(*, command: PlaceOrder, actor) -> CommandResult:
    with transaction.atomic():
        return _save(new_order(command, actor), is_new=True, command=command)


def new_order(command: PlaceOrder, actor) -> Order:
    """The aggregate a PlaceOrder creates, its items priced from the catalogue."""
    return Order.place(
        order_id=uuid4(),
        customer_id=actor.pk,
        customer_name=actor.get_full_name() or actor.get_username(),
        items=price_items(command),
        now=timezone.now(),
    )


def confirm_order(*, command: ConfirmOrder, actor) -> CommandResult:
    return _change(command, actor, lambda order, now: order.confirm(now=now))


def ship_order(*, command: ShipOrder, actor) -> CommandResult:
    return _change(
        command,
        actor,
        lambda order, now: order.ship(tracking_number=command.tracking_number, now=now),
    )


def deliver_order(*, command: DeliverOrder, actor) -> CommandResult:
    return _change(command, actor, lambda order, now: order.deliver(now=now))


def cancel_order(*, command: CancelOrder, actor) -> CommandResult:
    return _change(command, actor, lambda order, now: order.cancel(reason=command.reason, now=now))


def price_items(command: PlaceOrder) -> list[LineItem]:
    """Price each requested item from the active catalogue; clients never send prices."""
    wanted = [item.product_id for item in command.items]
    catalogue = {
        p.product_id: p for p in Product.objects.filter(product_id__in=wanted, active=True)
    }
    unknown = {
        f"items[{index}].productId": ["Unknown product."]
        for index, item in enumerate(command.items)
        if item.product_id not in catalogue
    }
    if unknown:
        raise InvalidOrder(unknown)
    return [
        LineItem(
            product_id=item.product_id,
            name=catalogue[item.product_id].name,
            quantity=item.quantity,
            unit_price=catalogue[item.product_id].unit_price,
        )
        for item in command.items
    ]


def _change(command, actor, act: Callable[[Order, object], None]) -> CommandResult:
    with transaction.atomic():
        order = repository.load_for_update(command.order_id, actor=actor)
        if command.expected_version is not None and command.expected_version != order.version:
            raise VersionConflict(expected=command.expected_version, current=order.version)
        act(order, timezone.now())
        return _save(order, is_new=False, command=command)


def _save(order: Order, *, is_new: bool, command) -> CommandResult:
    """Persist state, events and outbox rows. Precondition: inside the command's transaction."""
    repository.save(order, is_new=is_new)
    event_store.append(order.pending_events)
    announce_after_commit(
        order_id=order.order_id,
        seq=order.version,
        customer_id=order.customer_id,
        event_types=[event.event_type for event in order.pending_events],
        command=type(command).__name__,
    )
    return CommandResult(order=order, seq=order.version)
