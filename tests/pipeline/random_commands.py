"""Random traffic for the pipeline's property tests: orders placed by random customers, then
random commands on them, with deliveries interleaved (Hypothesis draws every choice)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from uuid import UUID

from hypothesis import strategies as st

from orders import services
from orders.domain.commands import CancelOrder, ConfirmOrder, DeliverOrder, ShipOrder
from orders.domain.errors import InvalidStateTransition

ACTIONS = {
    "confirm": lambda order_id: ConfirmOrder(order_id=order_id),
    "ship": lambda order_id: ShipOrder(order_id=order_id, tracking_number="TRACK-1"),
    "deliver": lambda order_id: DeliverOrder(order_id=order_id),
    "cancel": lambda order_id: CancelOrder(order_id=order_id, reason="changed my mind"),
}
SERVICES = {
    "confirm": services.confirm_order,
    "ship": services.ship_order,
    "deliver": services.deliver_order,
    "cancel": services.cancel_order,
}


def place_and_command_at_random(
    data,
    *,
    customers: list,
    staff,
    place_order_as,
    orders: tuple[int, int],
    commands: tuple[int, int],
    after_each: Callable[[], None],
) -> list[UUID]:
    """Place between `orders` orders, then run between `commands` commands on them as staff
    (refused transitions included); `after_each` runs after every place and every command.
    Returns the orders' ids."""
    order_ids = []
    for _ in range(data.draw(st.integers(*orders), label="orders")):
        customer = data.draw(st.sampled_from(customers), label="customer")
        order_ids.append(place_order_as(customer).order.order_id)
        after_each()
    for _ in range(data.draw(st.integers(*commands), label="commands")):
        order_id = data.draw(st.sampled_from(order_ids), label="order")
        action = data.draw(st.sampled_from(sorted(ACTIONS)), label="action")
        with contextlib.suppress(InvalidStateTransition):
            SERVICES[action](command=ACTIONS[action](order_id), actor=staff)
        after_each()
    return order_ids
