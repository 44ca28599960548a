"""Concurrent commands on one order: the row lock serialises them, so exactly one wins and the
others are refused with a business answer (never a 500, never a second event).

Threads each use their own database connection, so these tests commit for real
(transaction=True) and start the threads together on a barrier.
"""

import pytest

from orders import services
from orders.domain.commands import CancelOrder, ConfirmOrder
from orders.domain.errors import InvalidStateTransition, VersionConflict
from orders.domain.status import OrderStatus
from orders.models import Event, OutboxMessage
from orders.models import Order as OrderRow
from orders.subscriptions import READ_MODELS

pytestmark = pytest.mark.usefixtures("outbox_for_every_read_model")

CONTENDERS = 20


def event_types_of(order_id) -> list[str]:
    return list(
        Event.objects.filter(order_id=order_id).order_by("seq").values_list("event_type", flat=True)
    )


def assert_confirmed_exactly_once(order_id) -> None:
    """The log holds one OrderConfirmed, the row agrees, and each event has its outbox rows."""
    assert event_types_of(order_id) == ["OrderPlaced", "OrderConfirmed"]
    row = OrderRow.objects.get(pk=order_id)
    assert (row.status, row.version) == ("confirmed", 2)
    assert OutboxMessage.objects.filter(event__order_id=order_id).count() == 2 * len(READ_MODELS)


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirms_through_the_service_succeed_exactly_once(
    alice, alice_order, confirm_order_as, run_concurrently
):
    """Given a pending order, when 20 threads confirm it at the same instant, then one succeeds
    and the other 19 are refused with InvalidStateTransition (from confirmed)."""
    order_id = alice_order.order.order_id

    outcomes = run_concurrently(CONTENDERS, lambda _: confirm_order_as(alice, order_id))

    successes = [o.result for o in outcomes if o.error is None]
    refusals = [o.error for o in outcomes if o.error is not None]
    assert len(successes) == 1
    assert successes[0].seq == 2
    assert len(refusals) == CONTENDERS - 1
    assert all(isinstance(error, InvalidStateTransition) for error in refusals), refusals
    assert {(e.from_status, e.to_status) for e in refusals} == {
        (OrderStatus.CONFIRMED, OrderStatus.CONFIRMED)
    }
    assert_confirmed_exactly_once(order_id)


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirms_through_the_api_get_one_200_and_nineteen_409(
    alice, alice_order, client_for, run_concurrently
):
    """Given a pending order and 20 browser tabs, when all press "Confirm" at once, then one
    gets 200 and the others 409 invalid_transition saying the order is now confirmed."""
    order_id = alice_order.order.order_id
    clients = [client_for(alice) for _ in range(CONTENDERS)]

    outcomes = run_concurrently(
        CONTENDERS,
        lambda i: clients[i].post(f"/api/orders/{order_id}/confirm", {}, format="json"),
    )

    assert [o.error for o in outcomes] == [None] * CONTENDERS
    responses = [o.result for o in outcomes]
    assert sorted(r.status_code for r in responses) == [200] + [409] * (CONTENDERS - 1)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "invalid_transition"
            assert response.json()["error"]["currentStatus"] == "confirmed"
        else:
            assert response.json()["seq"] == 2
    assert_confirmed_exactly_once(order_id)


@pytest.mark.django_db(transaction=True)
def test_concurrent_different_commands_with_the_same_expected_version_let_one_win(
    staff_user, alice_order, client_for, run_concurrently
):
    """Given a pending order at seq 1, when 10 staff confirm and 10 cancel it at once, all
    saying expectedVersion 1, then exactly one command applies and the other 19 get 409
    version_conflict with currentSeq 2 — none acts on a state it did not see."""
    order_id = alice_order.order.order_id
    clients = [client_for(staff_user) for _ in range(CONTENDERS)]

    def act(i: int):
        if i % 2:
            return clients[i].post(
                f"/api/orders/{order_id}/cancel",
                {"reason": "duplicate", "expectedVersion": 1},
                format="json",
            )
        return clients[i].post(
            f"/api/orders/{order_id}/confirm", {"expectedVersion": 1}, format="json"
        )

    outcomes = run_concurrently(CONTENDERS, act)

    assert [o.error for o in outcomes] == [None] * CONTENDERS
    responses = [o.result for o in outcomes]
    assert sorted(r.status_code for r in responses) == [200] + [409] * (CONTENDERS - 1)
    conflicts = [r.json()["error"] for r in responses if r.status_code == 409]
    assert {(e["code"], e["currentSeq"]) for e in conflicts} == {("version_conflict", 2)}
    assert len(event_types_of(order_id)) == 2
    assert OrderRow.objects.get(pk=order_id).version == 2


# ---- optimistic concurrency without threads -----------------------------------------------


@pytest.mark.django_db
def test_a_stale_expected_version_is_refused_by_the_service(alice, alice_order):
    """Given an order that moved on to seq 2, a command expecting seq 1 raises VersionConflict
    and changes nothing."""
    order_id = alice_order.order.order_id
    services.confirm_order(command=ConfirmOrder(order_id=order_id, expected_version=1), actor=alice)

    with pytest.raises(VersionConflict) as conflict:
        services.cancel_order(
            command=CancelOrder(order_id=order_id, reason="too slow", expected_version=1),
            actor=alice,
        )

    assert (conflict.value.expected, conflict.value.current) == (1, 2)
    assert event_types_of(order_id) == ["OrderPlaced", "OrderConfirmed"]


@pytest.mark.django_db
def test_a_stale_expected_version_gets_409_version_conflict_with_the_current_seq(
    alice_client, alice_order, write_model_counts
):
    """Given alice confirmed her order in one tab (now seq 2), when another tab that still
    shows seq 1 cancels it, then it gets 409 version_conflict with currentSeq 2 and the order
    stays confirmed."""
    order_id = alice_order.order.order_id
    first = alice_client.post(
        f"/api/orders/{order_id}/confirm", {"expectedVersion": 1}, format="json"
    )
    assert first.status_code == 200
    before = write_model_counts()

    second = alice_client.post(
        f"/api/orders/{order_id}/cancel",
        {"reason": "changed my mind", "expectedVersion": 1},
        format="json",
    )

    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["currentSeq"] == 2
    assert error["message"]
    assert write_model_counts() == before
    assert OrderRow.objects.get(pk=order_id).status == "confirmed"


@pytest.mark.django_db
def test_the_current_expected_version_is_accepted(alice_client, alice_order):
    """The check compares with the current seq; it does not refuse everything."""
    order_id = alice_order.order.order_id

    response = alice_client.post(
        f"/api/orders/{order_id}/cancel", {"reason": "oops", "expectedVersion": 1}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["seq"] == 2
