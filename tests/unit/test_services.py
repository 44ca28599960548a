"""Command services through a fake unit of work: what each command stores, commits and
announces, and what it refuses, with no database."""

from decimal import Decimal
from uuid import uuid4

import pytest

from orders import services
from orders.domain.commands import (
    CancelOrder,
    ConfirmOrder,
    PlaceOrder,
    RequestedItem,
    ShipOrder,
)
from orders.domain.errors import (
    InvalidOrder,
    InvalidStateTransition,
    OrderNotFound,
    VersionConflict,
)
from orders.domain.status import OrderStatus

from .fakes import Actor, FakeUnitOfWork

ALICE = Actor(pk=1, username="alice", full_name="Alice Archer")
BOB = Actor(pk=2, username="bob")
STAFF = Actor(pk=3, username="staff", is_staff=True)


def place(uow, actor=ALICE, *items: tuple[str, int]):
    command = PlaceOrder(
        items=tuple(RequestedItem(product_id=p, quantity=q) for p, q in items or [("widget", 2)])
    )
    return services.place_order(command=command, actor=actor, uow=uow)


def test_placing_stores_the_order_and_its_event_priced_from_the_catalogue():
    # Given: a catalogue with widgets at 19.90
    uow = FakeUnitOfWork()

    # When: alice places an order for two
    result = place(uow, ALICE, ("widget", 2))

    # Then: it is stored once, committed, announced, priced by the server
    stored = uow.orders.stored[result.order.order_id]
    assert (stored.status, stored.total, stored.customer_name) == (
        OrderStatus.PENDING,
        Decimal("39.80"),
        "Alice Archer",
    )
    assert [e.event_type for e in uow.orders.events] == ["OrderPlaced"]
    assert uow.orders.announced == [(result.order.order_id, 1, "PlaceOrder")]
    assert uow.commits == 1
    assert result.seq == 1 and result.consistency_token


def test_a_customer_without_a_full_name_is_named_by_username():
    result = place(FakeUnitOfWork(), BOB)
    assert result.order.customer_name == "bob"


def test_an_unknown_product_is_refused_and_nothing_is_stored():
    uow = FakeUnitOfWork()

    with pytest.raises(InvalidOrder) as refused:
        place(uow, ALICE, ("widget", 1), ("unobtainium", 1))

    assert refused.value.fields == {"items[1].productId": ["Unknown product."]}
    assert (uow.orders.stored, uow.orders.events, uow.orders.announced) == ({}, [], [])


def test_confirming_appends_one_event_at_the_next_seq():
    uow = FakeUnitOfWork()
    placed = place(uow)

    result = services.confirm_order(
        command=ConfirmOrder(order_id=placed.order.order_id), actor=ALICE, uow=uow
    )

    assert result.seq == 2
    assert [(e.event_type, e.seq) for e in uow.orders.events] == [
        ("OrderPlaced", 1),
        ("OrderConfirmed", 2),
    ]
    assert uow.orders.stored[placed.order.order_id].status == OrderStatus.CONFIRMED


def test_another_customers_order_looks_absent_and_staff_see_every_order():
    uow = FakeUnitOfWork()
    placed = place(uow, ALICE)
    confirm = ConfirmOrder(order_id=placed.order.order_id)

    with pytest.raises(OrderNotFound):
        services.confirm_order(command=confirm, actor=BOB, uow=uow)
    assert services.confirm_order(command=confirm, actor=STAFF, uow=uow).seq == 2


def test_a_stale_expected_version_is_a_conflict_and_changes_nothing():
    uow = FakeUnitOfWork()
    placed = place(uow)
    services.confirm_order(
        command=ConfirmOrder(order_id=placed.order.order_id), actor=ALICE, uow=uow
    )

    with pytest.raises(VersionConflict) as conflict:
        services.cancel_order(
            command=CancelOrder(order_id=placed.order.order_id, reason="no", expected_version=1),
            actor=ALICE,
            uow=uow,
        )

    assert (conflict.value.expected, conflict.value.current) == (1, 2)
    assert len(uow.orders.events) == 2
    assert uow.orders.stored[placed.order.order_id].status == OrderStatus.CONFIRMED


def test_a_refused_transition_rolls_the_unit_back():
    # Given: a placed order that was never confirmed
    uow = FakeUnitOfWork()
    placed = place(uow)

    # When: someone tries to ship it
    with pytest.raises(InvalidStateTransition):
        services.ship_order(
            command=ShipOrder(order_id=placed.order.order_id, tracking_number="T-1"),
            actor=STAFF,
            uow=uow,
        )

    # Then: nothing more was stored, committed or announced
    assert len(uow.orders.events) == 1
    assert uow.commits == 1
    assert uow.orders.announced == [(placed.order.order_id, 1, "PlaceOrder")]


def test_an_unknown_order_is_not_found():
    with pytest.raises(OrderNotFound):
        services.confirm_order(
            command=ConfirmOrder(order_id=uuid4()), actor=STAFF, uow=FakeUnitOfWork()
        )
