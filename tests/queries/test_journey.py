"""GET /api/orders/{id}/journey: per event, committed → relayed → applied per read model, with
retries and dead letters on the way, from what the outbox records (docs/per-order-freshness.md).

Pipeline work is done in-process (the relay's claim is imitated by marking rows sent), so
each test decides exactly which leg each event has reached.
"""

from datetime import datetime

import pytest
from django.db.models import Max
from django.utils import timezone

from orders import services
from orders.domain.commands import CancelOrder
from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import DeadLetter, ReadModelState
from readmodels.ops.replay import replay_dead_letters
from readmodels.pipeline.projector import catch_up_order, project_messages
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS
from readmodels.projections import PROJECTIONS

# Real commits: the times compared come from PostgreSQL's now(), which is per transaction.
pytestmark = pytest.mark.django_db(transaction=True)

READ_MODELS = list(PROJECTIONS)


def relay_and_project(order_id) -> None:
    """What the relay and the projectors do: mark the rows sent, then apply every event."""
    OutboxMessage.objects.filter(event__order_id=order_id, state=OutboxState.PENDING).update(
        state=OutboxState.SENT, sent_at=timezone.now()
    )
    latest = Event.objects.filter(order_id=order_id).aggregate(seq=Max("seq"))["seq"]
    for projection in PROJECTIONS.values():
        catch_up_order(projection, order_id, up_to_seq=latest)


def dead_letter(read_model: str, order_id, seq: int) -> None:
    ReadModelState.objects.update_or_create(name=read_model, defaults={"fail_next_event": True})
    message = OutboxMessage.objects.get(
        read_model=read_model, event__order_id=order_id, event__seq=seq
    )
    for _ in range(MAX_ATTEMPTS):
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        project_messages(read_model, [message.pk])


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def legs(event: dict) -> dict[str, dict]:
    assert [leg["readModel"] for leg in event["readModels"]] == READ_MODELS
    return {leg["readModel"]: leg for leg in event["readModels"]}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_the_journey_shows_each_event_committed_relayed_and_applied_in_order(
    alice_client, alice, place_order_as, confirm_order_as
):
    # Given: alice's order placed and projected; its confirmation committed, not relayed yet
    order_id = place_order_as(alice).order.order_id
    relay_and_project(order_id)
    confirm_order_as(alice, order_id)

    # When: she asks for its journey
    body = ok(alice_client.get(f"/api/orders/{order_id}/journey"))

    # Then: both events, oldest first; the first applied everywhere, in time order
    assert body["orderId"] == str(order_id)
    placed, confirmed = body["events"]
    assert (placed["seq"], placed["type"], confirmed["seq"], confirmed["type"]) == (
        1,
        "OrderPlaced",
        2,
        "OrderConfirmed",
    )
    for leg in legs(placed).values():
        assert (leg["state"], leg["strategy"], leg["attempts"], leg["deadLettered"]) == (
            "applied",
            "outbox",
            0,
            False,
        )
        assert at(placed["committedAt"]) <= at(leg["relayedAt"]) <= at(leg["appliedAt"])
    # ...the second is on its way: committed, neither relayed nor applied
    for leg in legs(confirmed).values():
        assert (leg["state"], leg["relayedAt"], leg["appliedAt"]) == ("on_its_way", None, None)


def test_the_journey_shows_retries_a_dead_letter_and_its_replay(
    alice_client, staff_client, alice, place_order_as, confirm_order_as
):
    # Given: order_search dead-lettered alice's confirmation; her cancellation waits behind it
    order_id = place_order_as(alice).order.order_id
    relay_and_project(order_id)
    confirm_order_as(alice, order_id)
    dead_letter("order_search", order_id, seq=2)
    relay_and_project(order_id)
    services.cancel_order(command=CancelOrder(order_id=order_id, reason="late"), actor=alice)
    relay_and_project(order_id)

    # When: she asks for the journey
    _, confirmed, cancelled = ok(alice_client.get(f"/api/orders/{order_id}/journey"))["events"]

    # Then: order_search's legs say dead-lettered after every attempt, and parked behind it
    search = legs(confirmed)["order_search"]
    assert (search["state"], search["attempts"], search["deadLettered"]) == (
        "dead_lettered",
        MAX_ATTEMPTS,
        True,
    )
    assert (search["appliedAt"], search["replayedAt"]) == (None, None)
    assert legs(cancelled)["order_search"]["state"] == "parked"
    assert legs(confirmed)["order_details"]["state"] == "applied"

    # When: staff replay it
    replay_dead_letters(DeadLetter.objects.all())
    _, confirmed, cancelled = ok(alice_client.get(f"/api/orders/{order_id}/journey"))["events"]

    # Then: applied, with its history kept: the attempts and the dead letter, now replayed
    search = legs(confirmed)["order_search"]
    assert (search["state"], search["attempts"], search["deadLettered"]) == (
        "applied",
        MAX_ATTEMPTS,
        True,
    )
    # (the replay applies and resolves it in one transaction: the two times are its own)
    assert abs((at(search["replayedAt"]) - at(search["appliedAt"])).total_seconds()) < 5
    assert legs(cancelled)["order_search"]["state"] == "applied"
    # ...and staff see the same journey
    assert ok(staff_client.get(f"/api/orders/{order_id}/journey"))["events"][1] == confirmed


def test_without_an_outbox_row_an_event_is_applied_when_its_read_row_covers_it(
    alice_client, alice, place_order_as, confirm_order_as
):
    """Done outbox rows are deleted after the retention period (and cdc read models have
    none): the read row's seq, the record of what was applied, still says which events are
    applied; when is no longer known."""
    # Given: alice's order placed and projected, then confirmed and not projected, and every
    # outbox row of order_summaries gone
    order_id = place_order_as(alice).order.order_id
    relay_and_project(order_id)
    confirm_order_as(alice, order_id)
    OutboxMessage.objects.filter(event__order_id=order_id, read_model="order_summaries").delete()

    # When
    placed, confirmed = ok(alice_client.get(f"/api/orders/{order_id}/journey"))["events"]

    # Then: the placement is applied (time unknown); the confirmation's fate is unknown
    summaries = legs(placed)["order_summaries"]
    assert (summaries["state"], summaries["appliedAt"]) == ("applied", None)
    assert legs(confirmed)["order_summaries"]["state"] == "unknown"


def test_the_journey_of_someone_elses_or_no_order_is_not_found(bob_client, alice, place_order_as):
    # Given: alice's order
    order_id = place_order_as(alice).order.order_id

    # When: bob asks for its journey, and for one of an order that does not exist
    theirs = bob_client.get(f"/api/orders/{order_id}/journey")
    nobodys = bob_client.get("/api/orders/00000000-0000-4000-8000-000000000000/journey")

    # Then: the same 404 for both, as for the order itself
    for response in (theirs, nobodys):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_the_journey_needs_a_login(anonymous_client, alice, place_order_as):
    order_id = place_order_as(alice).order.order_id
    assert anonymous_client.get(f"/api/orders/{order_id}/journey").status_code in (401, 403)
