"""The Idempotency-Key protocol (API.md): a retried command replays its first answer instead of
running twice; a key is per user, bound to one request body, and expires."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Event, IdempotencyKey
from orders.models import Order as OrderRow

pytestmark = pytest.mark.django_db

PLACE_BODY = {"items": [{"productId": "widget", "quantity": 3}]}


def post_with_key(client, path: str, body: dict, key: str):
    return client.post(path, body, format="json", headers={"Idempotency-Key": key})


def place_with_key(client, key: str, body: dict | None = None):
    return post_with_key(client, "/api/orders/", body or PLACE_BODY, key)


def was_replayed(response) -> bool:
    return response.get("Idempotent-Replayed") == "true"


def test_same_key_and_body_replays_the_first_response_and_writes_once(
    alice_client, catalogue, write_model_counts
):
    """Given alice placed an order with key K, when her client retries the same request with
    K (say, after a timeout), then it gets the very same 201 and no second order exists."""
    first = place_with_key(alice_client, "retry-1")
    after_first = write_model_counts()

    retry = place_with_key(alice_client, "retry-1")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert not was_replayed(first)
    assert was_replayed(retry)
    assert write_model_counts() == after_first
    assert OrderRow.objects.count() == 1
    assert Event.objects.filter(event_type="OrderPlaced").count() == 1


def test_same_body_with_keys_in_another_order_is_the_same_request(alice_client, catalogue):
    """The body is compared as JSON, not as bytes."""
    body = {"items": [{"productId": "widget", "quantity": 3}], "expectedVersion": None}
    reordered = {"expectedVersion": None, "items": [{"quantity": 3, "productId": "widget"}]}
    first = place_with_key(alice_client, "k", body)

    retry = place_with_key(alice_client, "k", reordered)

    assert retry.status_code == 201
    assert retry.json()["order"]["orderId"] == first.json()["order"]["orderId"]


def test_a_retried_change_command_replays_200_instead_of_failing(alice_client, alice_order):
    """Given alice confirmed with key K, when the retry arrives, then it gets the same 200 —
    not the 409 "already confirmed" a second run would give — and one OrderConfirmed exists."""
    path = f"/api/orders/{alice_order.order.order_id}/confirm"
    first = post_with_key(alice_client, path, {}, "confirm-1")

    retry = post_with_key(alice_client, path, {}, "confirm-1")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert Event.objects.filter(event_type="OrderConfirmed").count() == 1


def test_same_key_with_a_different_body_is_422(alice_client, catalogue, write_model_counts):
    """Given key K was used to order 3 widgets, when K comes with 5 widgets, then the server
    refuses (422 idempotency_key_reused) rather than guess which one the client meant."""
    place_with_key(alice_client, "k-1")
    before = write_model_counts()

    response = place_with_key(
        alice_client, "k-1", {"items": [{"productId": "widget", "quantity": 5}]}
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert write_model_counts() == before


def test_same_key_on_another_endpoint_is_422(alice_client, alice_order, write_model_counts):
    """The request's method and path are part of what the key is bound to."""
    order_id = alice_order.order.order_id
    post_with_key(alice_client, f"/api/orders/{order_id}/confirm", {}, "k-2")
    before = write_model_counts()

    response = post_with_key(alice_client, f"/api/orders/{order_id}/deliver", {}, "k-2")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert write_model_counts() == before


def test_keys_are_per_user(alice_client, bob_client, catalogue):
    """Given alice used key K, when bob uses K too, then he gets his own new order, not a
    replay of alice's (which would leak it) nor a 422; and each one's retry replays their own."""
    alices = place_with_key(alice_client, "shared-key")

    bobs = place_with_key(bob_client, "shared-key")

    assert (alices.status_code, bobs.status_code) == (201, 201)
    assert not was_replayed(bobs)
    assert bobs.json()["order"]["orderId"] != alices.json()["order"]["orderId"]
    assert bobs.json()["order"]["customer"] == "Bob Baker"
    assert OrderRow.objects.count() == 2
    alices_retry = place_with_key(alice_client, "shared-key")
    bobs_retry = place_with_key(bob_client, "shared-key")
    assert (was_replayed(alices_retry), was_replayed(bobs_retry)) == (True, True)
    assert alices_retry.json() == alices.json()
    assert bobs_retry.json() == bobs.json()


def test_an_expired_key_is_treated_as_new(alice, alice_client, catalogue):
    """Given key K expired, when alice uses K again, then the command runs again."""
    first = place_with_key(alice_client, "old-key")
    IdempotencyKey.objects.filter(user=alice, key="old-key").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    again = place_with_key(alice_client, "old-key")

    assert again.status_code == 201
    assert not was_replayed(again)
    assert again.json()["order"]["orderId"] != first.json()["order"]["orderId"]
    assert OrderRow.objects.count() == 2
    assert IdempotencyKey.objects.filter(user=alice, key="old-key").count() == 1


def test_an_unexpired_key_is_still_remembered(alice, alice_client, catalogue):
    """The counterpart of the expiry test: a key just short of expiry still replays."""
    place_with_key(alice_client, "fresh-key")
    IdempotencyKey.objects.filter(user=alice, key="fresh-key").update(
        expires_at=timezone.now() + timedelta(seconds=30)
    )

    again = place_with_key(alice_client, "fresh-key")

    assert was_replayed(again)
    assert OrderRow.objects.count() == 1


def test_a_refused_command_replays_its_409(alice, staff_client, alice_order, confirm_order_as):
    """Given staff tried to ship alice's pending order with key K (409), and the order has
    since been confirmed, when the retry with K arrives, then it gets the original 409 again —
    the command is not run a second time, so the order is not shipped behind anyone's back."""
    order_id = alice_order.order.order_id
    path = f"/api/orders/{order_id}/ship"
    refused = post_with_key(staff_client, path, {"trackingNumber": "T-1"}, "ship-1")
    confirm_order_as(alice, order_id)

    retry = post_with_key(staff_client, path, {"trackingNumber": "T-1"}, "ship-1")

    assert refused.status_code == 409
    assert refused.json()["error"]["currentStatus"] == "pending"
    assert retry.status_code == 409
    assert retry.json() == refused.json()
    assert was_replayed(retry)
    assert OrderRow.objects.get(pk=order_id).status == "confirmed"
    assert not Event.objects.filter(event_type="OrderShipped").exists()


def test_invalid_input_is_not_remembered(alice_client, catalogue):
    """A request refused before the command ran (bad input) does not use up its key: the
    corrected request with the same key goes through."""
    bad = place_with_key(alice_client, "k-3", {"items": []})

    fixed = place_with_key(alice_client, "k-3")

    assert (bad.status_code, fixed.status_code) == (400, 201)


def test_a_retry_while_the_first_request_runs_is_409_request_in_progress(
    alice, alice_client, catalogue, write_model_counts
):
    """Given the first request with key K is still running (its key is claimed but has no
    answer yet), when a retry arrives, then it gets 409 request_in_progress, not a second run."""
    place_with_key(alice_client, "slow-key")
    IdempotencyKey.objects.filter(user=alice, key="slow-key").update(
        state=IdempotencyKey.State.IN_PROGRESS, response_status=None, response_body=None
    )
    before = write_model_counts()

    retry = place_with_key(alice_client, "slow-key")

    assert retry.status_code == 409
    assert retry.json()["error"]["code"] == "request_in_progress"
    assert write_model_counts() == before


@pytest.mark.parametrize(
    ("key", "status"),
    [("k" * 255, 201), ("k" * 256, 400), ("", 400)],
    ids=["255-chars", "256-chars", "empty"],
)
def test_the_key_is_1_to_255_characters(
    alice_client, catalogue, write_model_counts, idempotency_key_count, key, status
):
    before = write_model_counts()

    response = place_with_key(alice_client, key)

    assert response.status_code == status
    if status == 400:
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert "Idempotency-Key" in error["fields"]
        assert write_model_counts() == before
        assert idempotency_key_count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_requests_with_one_key_place_one_order(
    alice, catalogue, client_for, run_concurrently
):
    """Given a client that fires the same place-order request 20 times at once with one key
    (a retry storm), then exactly one order is placed, and every answer is that order's 201
    (original or replayed) or 409 request_in_progress — never a second order or a 500."""
    clients = [client_for(alice) for _ in range(20)]

    outcomes = run_concurrently(20, lambda i: place_with_key(clients[i], "storm-key"))

    assert [o.error for o in outcomes] == [None] * 20
    responses = [o.result for o in outcomes]
    assert OrderRow.objects.count() == 1
    assert Event.objects.count() == 1
    order_id = str(OrderRow.objects.get().pk)
    created = [r for r in responses if r.status_code == 201]
    in_progress = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_progress) == 20
    assert len(created) >= 1
    assert {r.json()["order"]["orderId"] for r in created} == {order_id}
    assert sum(not was_replayed(r) for r in created) == 1
    assert {r.json()["error"]["code"] for r in in_progress} <= {"request_in_progress"}
