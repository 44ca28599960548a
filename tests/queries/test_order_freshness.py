"""Per-order freshness (docs/per-order-freshness.md): a row whose order has events its read
model has not applied says so itself (`behind`), and an order held behind a dead letter is
counted apart instead of making the whole read model stale for every user.

Pipeline work is done in-process with the projector's own functions (no Celery), so each test
decides exactly what is applied, pending, retrying or dead.
"""

from datetime import timedelta

import pytest
from django.db.models import F, Max
from django.utils import timezone

from orders import services
from orders.domain.commands import CancelOrder
from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import ReadModelState
from readmodels.pipeline.projector import catch_up_order, project_messages
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS
from readmodels.projections import PROJECTIONS
from readmodels.read_database import separate_read_database

pytestmark = pytest.mark.django_db


def project_all(order_id) -> None:
    latest = Event.objects.filter(order_id=order_id).aggregate(seq=Max("seq"))["seq"]
    for projection in PROJECTIONS.values():
        catch_up_order(projection, order_id, up_to_seq=latest)


def fail_attempts(read_model: str, order_id, seq: int, attempts: int) -> None:
    """Make `read_model` fail the order's event `seq` `attempts` times (retries made due at
    once instead of waited for); MAX_ATTEMPTS of them dead-letter it."""
    ReadModelState.objects.update_or_create(name=read_model, defaults={"fail_next_event": True})
    message = OutboxMessage.objects.get(
        read_model=read_model, event__order_id=order_id, event__seq=seq
    )
    for _ in range(attempts):
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        project_messages(read_model, [message.pk])


def age_outbox(order_id, seconds: float) -> None:
    """Make the order's unfinished outbox rows `seconds` old, as if they had waited that long."""
    OutboxMessage.objects.filter(event__order_id=order_id).exclude(state=OutboxState.DONE).update(
        created_at=F("created_at") - timedelta(seconds=seconds)
    )


def rows_by_id(body: dict) -> dict[str, dict]:
    return {row["orderId"]: row for row in body["results"]}


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def held_and_healthy_orders(alice, bob, place_order_as, confirm_order_as):
    """alice's order, whose confirmation order_summaries and order_details dead-lettered (an
    hour ago), and her cancellation parked behind it; bob's order, projected everywhere."""
    held = place_order_as(alice).order.order_id
    project_all(held)
    confirm_order_as(alice, held)
    for read_model in ("order_summaries", "order_details"):
        fail_attempts(read_model, held, seq=2, attempts=MAX_ATTEMPTS)
    services.cancel_order(command=CancelOrder(order_id=held, reason="changed mind"), actor=alice)
    project_all(held)  # parks seq 3 behind the dead letter
    age_outbox(held, 3600)
    healthy = place_order_as(bob).order.order_id
    project_all(healthy)
    return held, healthy


def test_a_held_order_marks_its_own_row_and_leaves_the_read_models_freshness_alone(
    alice_client, bob_client, held_and_healthy_orders
):
    # Given: alice's order held behind a dead letter for an hour; bob's order up to date
    held, healthy = held_and_healthy_orders

    # When: each lists their orders and alice opens hers
    alice_list = ok(alice_client.get("/api/orders/"))
    bob_list = ok(bob_client.get("/api/orders/"))
    detail = ok(alice_client.get(f"/api/orders/{held}/"))

    # Then: alice's row says where it stands and why; bob's says nothing
    assert rows_by_id(alice_list)[str(held)]["behind"] == {"seq": 2, "reason": "dead_lettered"}
    assert rows_by_id(bob_list)[str(healthy)].get("behind") is None
    assert detail["order"]["behind"] == {"seq": 2, "reason": "dead_lettered"}
    # ...the detail is the order folded from its events, flagged provisional (the read
    # model's row, still pending, is what ?provisional=false shows)
    assert detail["order"]["provisional"] == {"reason": "dead_lettered", "readModelSeq": 1}
    assert detail["order"]["status"] == "cancelled"
    row_only = ok(alice_client.get(f"/api/orders/{held}/", {"provisional": "false"}))
    assert row_only["order"]["status"] == "pending"
    assert "provisional" not in row_only["order"]
    # ...and neither answer calls the read model stale: nothing else is behind
    for body in (alice_list, bob_list, detail):
        assert (body["metadata"]["lagMs"], body["metadata"]["stale"]) == (0, False)


def test_the_lag_report_and_metrics_count_held_orders_apart(staff_client, held_and_healthy_orders):
    # Given: one order held behind dead letters in order_summaries and order_details
    # When: staff read the lag and scrape the metrics
    rows = {r["readModel"]: r for r in ok(staff_client.get("/api/ops/lag"))["readModels"]}
    metrics = staff_client.get("/metrics").content.decode()

    # Then: held orders and their events are counted apart, the lag covers the others
    for read_model in ("order_summaries", "order_details"):
        row = rows[read_model]
        assert (row["heldOrders"], row["heldEvents"], row["deadLetters"]) == (1, 2, 1)
        assert (row["lagMs"], row["stale"], row["pendingOutbox"]) == (0, False, 0)
    for read_model in ("order_search", "order_analytics"):
        assert (rows[read_model]["heldOrders"], rows[read_model]["heldEvents"]) == (0, 0)
    assert 'orders_read_model_held_orders{read_model="order_summaries"} 1.0' in metrics
    assert 'orders_read_model_held_orders{read_model="order_search"} 0.0' in metrics
    assert 'orders_read_model_lag_seconds{read_model="order_summaries"} 0.0' in metrics


def test_rows_say_pending_then_retrying_while_other_orders_say_nothing(
    alice_client, alice, place_order_as, confirm_order_as
):
    # Given: two projected orders of alice; the first is confirmed, not projected yet
    waiting, other = (place_order_as(alice).order.order_id for _ in range(2))
    project_all(waiting)
    project_all(other)
    confirm_order_as(alice, waiting)

    # When / Then: its row is behind at seq 2, pending; the other row is up to date
    rows = rows_by_id(ok(alice_client.get("/api/orders/")))
    assert rows[str(waiting)]["behind"] == {"seq": 2, "reason": "pending"}
    assert rows[str(other)].get("behind") is None

    # When: an attempt at it fails (a retry is due) / Then: it says retrying
    fail_attempts("order_summaries", waiting, seq=2, attempts=1)
    rows = rows_by_id(ok(alice_client.get("/api/orders/")))
    assert rows[str(waiting)]["behind"] == {"seq": 2, "reason": "retrying"}

    # When: it is applied / Then: the row is up to date
    OutboxMessage.objects.filter(event__order_id=waiting).update(available_at=timezone.now())
    ReadModelState.objects.filter(name="order_summaries").update(poisoned_event_id=None)
    project_all(waiting)
    rows = rows_by_id(ok(alice_client.get("/api/orders/")))
    assert rows[str(waiting)].get("behind") is None
    assert rows[str(waiting)]["status"] == "confirmed"


def test_search_rows_report_the_search_read_models_own_progress(
    alice_client, alice, place_order_as, confirm_order_as
):
    # Given: alice's confirmation applied everywhere but in order_search
    order_id = place_order_as(alice).order.order_id
    project_all(order_id)
    confirm_order_as(alice, order_id)
    for name in ("order_summaries", "order_details", "order_analytics"):
        catch_up_order(PROJECTIONS[name], order_id, up_to_seq=2)

    # When: she lists and searches
    listed = rows_by_id(ok(alice_client.get("/api/orders/")))
    found = rows_by_id(ok(alice_client.get("/api/orders/", {"q": "widget"})))

    # Then: each row speaks for the read model that answered
    assert listed[str(order_id)].get("behind") is None
    assert found[str(order_id)]["behind"] == {"seq": 2, "reason": "pending"}


def test_a_row_that_shows_its_event_is_not_behind_while_the_outbox_row_is_unfinished(
    alice_client, alice, place_order_as, confirm_order_as
):
    """With a read database of its own, a row commits before its outbox rows are marked done
    (a crash between the two leaves them unfinished until their redelivery). A row showing
    seq 2 must not say it is behind at seq 2."""
    # Given: alice's confirmed order projected everywhere, its outbox rows left unfinished
    order_id = place_order_as(alice).order.order_id
    confirm_order_as(alice, order_id)
    project_all(order_id)
    OutboxMessage.objects.filter(event__order_id=order_id).update(state=OutboxState.SENT)

    # When / Then: neither its list row nor its detail says it is behind
    row = rows_by_id(ok(alice_client.get("/api/orders/")))[str(order_id)]
    assert (row["seq"], row.get("behind")) == (2, None)
    detail = ok(alice_client.get(f"/api/orders/{order_id}/"))["order"]
    assert (detail["seq"], detail.get("behind")) == (2, None)


@pytest.mark.skipif(
    not separate_read_database(), reason="needs READ_DATABASE_URL (make test-two-databases)"
)
def test_lag_counts_what_the_read_database_has_not_recorded_not_what_the_outbox_still_says(
    alice_client, alice, place_order_as, confirm_order_as
):
    """Lag is what the write side owes less what the read side recorded. With a read database
    of its own, an order's rows may be committed while its outbox rows are still unfinished
    (a worker killed between the two commits): that order is not owed, and must not make the
    read model stale for everyone until the redelivery."""
    # Given: alice's order projected everywhere, its outbox rows left unfinished a minute ago,
    # and a newer order of hers nobody has projected yet
    shown = place_order_as(alice).order.order_id
    confirm_order_as(alice, shown)
    project_all(shown)
    OutboxMessage.objects.filter(event__order_id=shown).update(state=OutboxState.SENT)
    age_outbox(shown, 60)
    owed = place_order_as(alice).order.order_id

    # When
    metadata = ok(alice_client.get("/api/orders/"))["metadata"]

    # Then: the lag is the newer order's (well under the threshold), not the minute-old rows'
    assert metadata["stale"] is False
    assert metadata["lagMs"] < 5_000
    assert OutboxMessage.objects.filter(event__order_id=owed, state=OutboxState.PENDING)
