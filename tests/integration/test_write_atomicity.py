"""Invariant 1, atomic write: a command's order row, events and outbox rows commit together, and
the announcements (NOTIFY to the relay, the `order_committed` signal) happen only after the
commit — never for a transaction that rolled back.

These tests commit for real (transaction=True): on_commit callbacks and NOTIFY only fire on a
real COMMIT. A separate psycopg connection LISTENs, as the relay does.
"""

from collections.abc import Iterator

import psycopg
import pytest
from django.db import DataError, connection

from orders import event_log, services, unit_of_work
from orders.announcements import OUTBOX_CHANNEL, order_committed
from orders.domain.commands import DeliverOrder, PlaceOrder, RequestedItem
from orders.domain.errors import InvalidStateTransition
from orders.models import Order as OrderRow
from orders.subscriptions import READ_MODELS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("outbox_for_every_read_model"),
]

QUIET_PERIOD = 0.3  # seconds to wait for a NOTIFY that must not come


class SavingFailed(Exception):
    pass


@pytest.fixture
def listener() -> Iterator[psycopg.Connection]:
    """A separate connection LISTENing on the relay's channel, like the outbox relay."""
    settings = connection.settings_dict
    conn = psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
    yield conn
    conn.close()


def received_notifications(conn: psycopg.Connection, *, timeout: float) -> list:
    """All notifications that arrive within `timeout` seconds (at most a few)."""
    return list(conn.notifies(timeout=timeout, stop_after=5))


@pytest.fixture
def announcements() -> Iterator[list[dict]]:
    """Records every `order_committed` signal sent while the test runs."""
    received: list[dict] = []

    def receiver(sender, **kwargs):
        received.append({**kwargs, "in_transaction": connection.in_atomic_block})

    order_committed.connect(receiver, weak=False)
    yield received
    order_committed.disconnect(receiver)


def place_order_command() -> PlaceOrder:
    return PlaceOrder(
        items=(
            RequestedItem(product_id="widget", quantity=3),
            RequestedItem(product_id="gadget", quantity=2),
        )
    )


# ---- ways a save can fail part-way --------------------------------------------------------


# Each returns the error the command then fails with.


def fail_before_events(monkeypatch) -> type[Exception]:
    """The order and item rows are written, then appending to the event log fails."""

    def append(events):
        raise SavingFailed("event log unavailable")

    monkeypatch.setattr(event_log, "append", append)
    return SavingFailed


def fail_writing_outbox(monkeypatch) -> type[Exception]:
    """The events are inserted, then PostgreSQL refuses their outbox rows (a read model name
    longer than its column) in the same statement."""
    monkeypatch.setattr(event_log, "outbox_subscribers_of", lambda event_type: ["x" * 100])
    return DataError


def fail_after_everything_is_written(monkeypatch) -> type[Exception]:
    """Everything is written and the announcement registered, then the transaction fails."""
    real_announce = unit_of_work.announce_after_commit

    def announce_then_fail(**kwargs):
        real_announce(**kwargs)
        raise SavingFailed("failure just before commit")

    monkeypatch.setattr(unit_of_work, "announce_after_commit", announce_then_fail)
    return SavingFailed


@pytest.mark.parametrize(
    "break_saving",
    [fail_before_events, fail_writing_outbox, fail_after_everything_is_written],
    ids=["events-fail", "outbox-fails", "fails-after-all-writes"],
)
def test_a_save_failing_part_way_writes_and_announces_nothing(
    break_saving,
    monkeypatch,
    alice,
    catalogue,
    listener,
    announcements,
    write_model_counts,
):
    """Given saving breaks after the order row is written, when alice places an order, then
    the command fails and there is no order, item, event or outbox row, no signal, no NOTIFY."""
    empty = write_model_counts()
    error = break_saving(monkeypatch)

    with pytest.raises(error):
        services.place_order(command=place_order_command(), actor=alice)

    assert write_model_counts() == empty
    assert all(count == 0 for count in empty.values())
    assert announcements == []
    assert received_notifications(listener, timeout=QUIET_PERIOD) == []


def test_a_failing_change_leaves_the_order_as_it_was(
    monkeypatch, alice, alice_order, confirm_order_as, listener, announcements, write_model_counts
):
    """Given a pending order, when confirming it fails while saving, then the order row is
    still pending at seq 1 and nothing about the confirmation is stored or announced."""
    received_notifications(listener, timeout=0.1)  # drain the placement's NOTIFY
    announcements.clear()
    before = write_model_counts()
    fail_before_events(monkeypatch)

    with pytest.raises(SavingFailed):
        confirm_order_as(alice, alice_order.order.order_id)

    stored = OrderRow.objects.get(pk=alice_order.order.order_id)
    assert (stored.status, stored.version, stored.confirmed_at) == ("pending", 1, None)
    assert write_model_counts() == before
    assert announcements == []
    assert received_notifications(listener, timeout=QUIET_PERIOD) == []


def test_a_successful_command_announces_once_after_commit(
    alice, catalogue, listener, announcements, write_model_counts
):
    """Given a relay listening, when alice places an order, then the order, its event and one
    outbox row per read model are stored, and exactly one NOTIFY and one signal are sent —
    after the commit: at that moment another connection can already see the order."""
    seen_by_another_connection = []

    def check_visibility(sender, order_id, **kwargs):
        row = listener.execute(
            "SELECT status, version FROM orders_order WHERE id = %s", [order_id]
        ).fetchone()
        seen_by_another_connection.append(row)

    order_committed.connect(check_visibility, weak=False)
    try:
        result = services.place_order(command=place_order_command(), actor=alice)
    finally:
        order_committed.disconnect(check_visibility)

    assert write_model_counts() == {
        "orders": 1,
        "order_items": 2,
        "events": 1,
        "outbox": len(READ_MODELS),
    }
    notifications = received_notifications(listener, timeout=QUIET_PERIOD)
    assert [n.channel for n in notifications] == [OUTBOX_CHANNEL]
    assert len(announcements) == 1
    assert announcements[0] == {
        "signal": order_committed,
        "order_id": result.order.order_id,
        "seq": 1,
        "customer_id": alice.pk,
        "read_models": sorted(READ_MODELS),
        "in_transaction": False,
    }
    assert seen_by_another_connection == [("pending", 1)]


def test_a_refused_command_announces_nothing(
    staff_user, alice_order, listener, announcements, write_model_counts
):
    """Given a pending order, when staff try to deliver it (not allowed), then nothing is
    written and nothing announced."""
    received_notifications(listener, timeout=0.1)  # drain the placement's NOTIFY
    announcements.clear()
    before = write_model_counts()

    with pytest.raises(InvalidStateTransition):
        services.deliver_order(
            command=DeliverOrder(order_id=alice_order.order.order_id), actor=staff_user
        )

    assert write_model_counts() == before
    assert announcements == []
    assert received_notifications(listener, timeout=QUIET_PERIOD) == []
