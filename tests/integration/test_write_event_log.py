"""Invariant 2, the event log is the truth: every command appends its events (seq 1, 2, 3… per
order, a growing global position) with one outbox row per read model, and replaying the log
rebuilds exactly the state stored in the order tables."""

import dataclasses
from uuid import uuid4

import pytest
from django.db import IntegrityError, transaction

from orders import repository, services
from orders.domain.commands import CancelOrder, ConfirmOrder, DeliverOrder, ShipOrder
from orders.domain.events import event_from_json
from orders.domain.order import Order
from orders.models import Event, OutboxMessage, OutboxState
from orders.models import Order as OrderRow
from orders.subscriptions import READ_MODELS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox_for_every_read_model")]


def run_commands(actor, order_id, steps: list[str]) -> list:
    """Run the named commands in turn; return the events each one recorded, in order."""
    commands = {
        "confirm": lambda: services.confirm_order(
            command=ConfirmOrder(order_id=order_id), actor=actor
        ),
        "ship": lambda: services.ship_order(
            command=ShipOrder(order_id=order_id, tracking_number="1Z-42"), actor=actor
        ),
        "deliver": lambda: services.deliver_order(
            command=DeliverOrder(order_id=order_id), actor=actor
        ),
        "cancel": lambda: services.cancel_order(
            command=CancelOrder(order_id=order_id, reason="out of stock"), actor=actor
        ),
    }
    recorded = []
    for step in steps:
        recorded.extend(commands[step]().order.pending_events)
    return recorded


def log_of(order_id) -> list[Event]:
    return list(Event.objects.filter(order_id=order_id).order_by("seq"))


def state_of(order: Order) -> dict:
    return dataclasses.asdict(dataclasses.replace(order, pending_events=[]))


PATHS = {
    "delivered": ["confirm", "ship", "deliver"],
    "cancelled-after-confirm": ["confirm", "cancel"],
}


@pytest.mark.parametrize("steps", PATHS.values(), ids=PATHS.keys())
def test_each_command_appends_its_events_in_sequence(staff_user, alice_order, steps):
    """Given a placed order, when commands run, then the log holds exactly the recorded events,
    numbered 1…n for the order, in a growing global position, each readable as its event."""
    order_id = alice_order.order.order_id
    recorded = list(alice_order.order.pending_events) + run_commands(staff_user, order_id, steps)

    log = log_of(order_id)

    assert [row.seq for row in log] == list(range(1, len(steps) + 2))
    positions = [row.position for row in log]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert [event_from_json(row.to_json()) for row in log] == recorded


@pytest.mark.parametrize("steps", PATHS.values(), ids=PATHS.keys())
def test_replaying_the_log_gives_the_state_in_the_order_tables(staff_user, alice_order, steps):
    """The order tables are a cache of the log: folding the log reproduces them exactly."""
    order_id = alice_order.order.order_id
    run_commands(staff_user, order_id, steps)
    row = OrderRow.objects.get(pk=order_id)
    stored = repository.to_aggregate(row, list(row.items.all()))

    replayed = Order.replay(event_from_json(e.to_json()) for e in log_of(order_id))

    assert state_of(replayed) == state_of(stored)


def test_every_event_owes_one_pending_outbox_row_to_each_read_model(alice, alice_order):
    run_commands(alice, alice_order.order.order_id, ["confirm"])

    for event in log_of(alice_order.order.order_id):
        rows = OutboxMessage.objects.filter(event=event)
        assert sorted(r.read_model for r in rows) == sorted(READ_MODELS)
        assert {r.state for r in rows} == {OutboxState.PENDING}


def test_later_commands_never_rewrite_earlier_events(alice, alice_order):
    """Append-only: confirming and cancelling leave event 1 exactly as it was."""
    order_id = alice_order.order.order_id
    before = Event.objects.get(order_id=order_id, seq=1).to_json()

    run_commands(alice, order_id, ["confirm", "cancel"])

    assert Event.objects.get(order_id=order_id, seq=1).to_json() == before


def test_the_log_refuses_a_second_event_with_the_same_order_and_seq(alice_order):
    """The unique (order, seq) pair makes two writers of the same version collide."""
    first = Event.objects.get(order_id=alice_order.order.order_id, seq=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            event_id=uuid4(),
            order_id=first.order_id,
            seq=1,
            event_type="OrderConfirmed",
            schema_version=1,
            occurred_at=first.occurred_at,
            data={},
        )
