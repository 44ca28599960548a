"""Two test cases of the reference text, written out by name: events of one order delivered
out of order (seq 5, then 10, then 7) end in the fold of all ten, and a refused command leaves
every read model unchanged, not only the write tables.

In-process against the real PostgreSQL, with the projector's own entry point (no Celery)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import connection

from orders import event_log
from orders.domain.events import LineItem, OrderPlaced, OrderShipped
from orders.models import Event, OutboxMessage
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.row_store import writable_columns
from readmodels.projections import PROJECTIONS
from tests.pipeline.harness import assert_read_models_match_event_log

pytestmark = pytest.mark.django_db(transaction=True)


def ten_events_of_one_order(customer) -> list:
    """An OrderPlaced and nine OrderShipped, each with its own tracking number and time, so
    that a skipped, repeated or reordered event would show in every read model. Ten events
    are more than the order state machine allows, so they go straight into the log (with
    their outbox rows); projections are plain folds and do not check transitions."""
    order_id, start = uuid4(), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    placed = OrderPlaced(
        event_id=uuid4(),
        order_id=order_id,
        seq=1,
        occurred_at=start,
        customer_id=customer.pk,
        customer_name="Alice Archer",
        items=(LineItem(product_id="widget", name="Widget", quantity=2, unit_price=Decimal(3)),),
    )
    shipped = [
        OrderShipped(
            event_id=uuid4(),
            order_id=order_id,
            seq=seq,
            occurred_at=start + timedelta(minutes=seq),
            tracking_number=f"T-{seq}",
        )
        for seq in range(2, 11)
    ]
    events = [placed, *shipped]
    event_log.append(events)
    return events


def fold(read_model: str, events: list) -> dict:
    """The row a plain fold of these events gives, in the columns the table stores."""
    projection, row = PROJECTIONS[read_model], None
    for event in events:
        row = projection.apply(row, event)
    return {column: row[column] for column in writable_columns(projection.row_model)}


def stored(read_model: str, order_id) -> dict:
    model = PROJECTIONS[read_model].row_model
    return model.objects.values(*writable_columns(model)).get(pk=order_id)


def deliver(order_id, seq: int) -> None:
    """Deliver one event's outbox row to every read model, as its Celery task would."""
    for read_model in PROJECTIONS:
        (message_id,) = OutboxMessage.objects.filter(
            read_model=read_model, event__order_id=order_id, event__seq=seq
        ).values_list("id", flat=True)
        project_messages(read_model, [message_id])


@pytest.mark.usefixtures("outbox_for_every_read_model")
def test_out_of_order_deliveries_5_then_10_then_7_end_as_the_fold_of_1_to_10(alice):
    """The reference's "out-of-order events" case: deliver seq 5, then 10, then 7 of one
    order. Nothing is skipped (5 first heals 1–4 from the event log, 10 heals 6–9) and the
    late 7 changes nothing."""
    # Given: one order with ten events in the log, none applied yet
    events = ten_events_of_one_order(alice)
    order_id = events[0].order_id

    # When: seq 5 arrives first
    deliver(order_id, 5)

    # Then: every read model holds the fold of 1..5
    for name in PROJECTIONS:
        assert stored(name, order_id) == normalised(fold(name, events[:5])), name

    # When: seq 10 arrives, then the late seq 7
    deliver(order_id, 10)
    after_ten = {name: stored(name, order_id) for name in PROJECTIONS}
    deliver(order_id, 7)

    # Then: the row is the fold of 1..10, and seq 7 changed nothing
    for name in PROJECTIONS:
        assert stored(name, order_id) == normalised(fold(name, events)), name
        assert stored(name, order_id) == after_ten[name], name
        assert stored(name, order_id)["seq"] == 10
    details = stored("order_details", order_id)["view"]
    assert [step["status"] for step in details["timeline"]] == ["pending"] + ["shipped"] * 9
    assert_read_models_match_event_log()


def normalised(row: dict) -> dict:
    """The fold's values as the database gives them back (a Decimal total, a JSON view)."""
    return {k: (Decimal(v) if k == "total" else v) for k, v in row.items()}


# ---- a refused command ----------------------------------------------------------------------


def every_read_table() -> dict[str, list[tuple]]:
    """Every row of every read model's tables (rows and counters), in a stable order."""
    tables = {
        model._meta.db_table
        for projection in PROJECTIONS.values()
        for model in (projection.row_model, *projection.aggregate_models)
    }
    snapshot = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            snapshot[table] = cursor.fetchall()
    return snapshot


def project_everything_owed() -> None:
    for read_model in PROJECTIONS:
        owed = OutboxMessage.objects.filter(read_model=read_model).exclude(state="done")
        project_messages(read_model, list(owed.values_list("id", flat=True)))


@pytest.mark.parametrize("strategy", ["outbox", "inline"])
def test_a_refused_command_leaves_every_read_model_unchanged(
    strategy,
    settings,
    alice,
    alice_client,
    bob_client,
    staff_client,
    place_order_as,
    confirm_order_as,
):
    """The reference's "refused command" case, checked on the read side: a command the write
    model refuses adds no event, so no read model may change, whatever the strategy."""
    # Given: alice's order, confirmed and projected into every read model
    settings.READ_MODEL_STRATEGIES = {name: strategy for name in PROJECTIONS}
    order_id = place_order_as(alice).order.order_id
    confirm_order_as(alice, order_id)
    project_everything_owed()
    before, events_before = every_read_table(), Event.objects.count()
    assert before["order_summaries"], "the order should be projected"

    # When: commands are refused for every reason the write model has
    refusals = [
        bob_client.post(f"/api/orders/{order_id}/cancel", {"reason": "mine now"}, "json"),
        staff_client.post(f"/api/orders/{order_id}/deliver", {}, "json"),
        alice_client.post(f"/api/orders/{order_id}/cancel", {"reason": ""}, "json"),
        alice_client.post(
            f"/api/orders/{order_id}/cancel", {"reason": "late", "expectedVersion": 1}, "json"
        ),
        alice_client.post(
            "/api/orders/", {"items": [{"productId": "nope", "quantity": 1}]}, "json"
        ),
    ]
    project_everything_owed()

    # Then: each was refused, nothing reached the event log, and no read table changed
    assert [r.status_code for r in refusals] == [404, 409, 400, 409, 400]
    assert Event.objects.count() == events_before
    assert every_read_table() == before
