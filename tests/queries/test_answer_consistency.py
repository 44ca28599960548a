"""One consistent point per screen (docs/screen-consistency.md): every query answer says
whether it is complete, behind or degraded for what it shows, the seq its read model reached
for each order shown, and the user's push stream position it already reflects; the detail of
an order that order_details cannot show yet is the order folded from its events, flagged
provisional.

Pipeline work is done in-process with the projector's own functions (no Celery)."""

import pytest

from readmodels.models import DeadLetter
from readmodels.ops.replay import replay_dead_letters
from readmodels.pipeline.push_log import customer_stream, last_position

from . import test_order_freshness
from .test_order_freshness import ok, project_all

# The fixture of the per-order freshness tests: alice's order held behind dead letters.
held_and_healthy_orders = test_order_freshness.held_and_healthy_orders

pytestmark = pytest.mark.django_db


def test_an_answer_about_projected_orders_is_complete(alice_client, alice, place_order_as):
    # Given: alice's order, applied by every read model
    order_id = place_order_as(alice).order.order_id
    project_all(order_id)

    # When: she reads her list, the order and the analytics
    answers = [
        ok(alice_client.get(path))
        for path in ("/api/orders/", f"/api/orders/{order_id}/", "/api/analytics/")
    ]

    # Then: each is complete, the rows' answers say where they reached
    assert [a["metadata"]["completeness"] for a in answers] == ["complete"] * 3
    assert answers[0]["metadata"]["reached"] == {str(order_id): 1}
    assert answers[1]["metadata"]["reached"] == {str(order_id): 1}


def test_an_answer_showing_an_order_with_events_on_their_way_is_behind(
    alice_client, alice, place_order_as, confirm_order_as
):
    # Given: alice's order applied at seq 1, its confirmation (seq 2) not applied yet
    order_id = place_order_as(alice).order.order_id
    project_all(order_id)
    confirm_order_as(alice, order_id)

    # When: she reads her list
    listing = ok(alice_client.get("/api/orders/"))

    # Then: it is behind, and says the list reached seq 1 of that order
    assert listing["metadata"]["completeness"] == "behind"
    assert listing["metadata"]["reached"] == {str(order_id): 1}


def test_an_answer_showing_an_order_held_behind_a_dead_letter_is_degraded(
    alice_client, held_and_healthy_orders
):
    held, _ = held_and_healthy_orders
    assert ok(alice_client.get("/api/orders/"))["metadata"]["completeness"] == "degraded"
    assert ok(alice_client.get(f"/api/orders/{held}/"))["metadata"]["completeness"] == "degraded"


def test_the_stream_position_of_an_answer_covers_the_pushes_before_it(
    alice_client, alice, place_order_as
):
    """Every push up to `streamPosition` is reflected in the answer: a client applies only the
    pushes after it on top of what it rendered."""
    # Given: an order placed and applied by every read model, each with its push
    order_id = place_order_as(alice).order.order_id
    project_all(order_id)
    pushed = last_position(customer_stream(alice.pk))

    # When: alice reads her list
    listing = ok(alice_client.get("/api/orders/"))

    # Then: the answer is at the last of those pushes, and shows the order as they say
    assert pushed > 1
    assert listing["metadata"]["streamPosition"] == pushed
    assert listing["results"][0]["seq"] == 1


def test_a_dead_lettered_order_is_shown_folded_from_its_events_until_replayed(
    alice_client, held_and_healthy_orders
):
    # Given: alice's order whose confirmation order_details dead-lettered, then cancelled
    held, _ = held_and_healthy_orders

    # When: she opens it
    detail = ok(alice_client.get(f"/api/orders/{held}/"))["order"]

    # Then: she sees her own writes (cancelled, seq 3), flagged provisional and why
    assert (detail["status"], detail["seq"]) == ("cancelled", 3)
    assert detail["provisional"] == {"reason": "dead_lettered", "readModelSeq": 1}
    assert [step["status"] for step in detail["timeline"]] == ["pending", "confirmed", "cancelled"]

    # When: staff replay the dead letters / Then: the read model's own row replaces it
    replay_dead_letters(DeadLetter.objects.filter(resolved_at__isnull=True))
    project_all(held)
    detail = ok(alice_client.get(f"/api/orders/{held}/"))["order"]
    assert (detail["status"], detail["seq"]) == ("cancelled", 3)
    assert "provisional" not in detail and "behind" not in detail


def test_no_one_else_sees_a_provisional_order_or_learns_of_it(bob_client, held_and_healthy_orders):
    held, _ = held_and_healthy_orders
    answer = bob_client.get(f"/api/orders/{held}/")
    assert answer.status_code == 404
    assert answer.json()["metadata"]["completeness"] == "complete"
