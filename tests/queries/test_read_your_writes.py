"""Invariant 7: a query may wait, bounded, for the caller's own write; when the read model
does not catch up in time, the answer says so instead of pretending."""

import time

import pytest

from readmodels.models import ReadModelState
from readmodels.queries import read_your_writes

pytestmark = [pytest.mark.django_db(transaction=True)]

ITEMS = {"items": [{"productId": "widget", "quantity": 2}]}


def place(client) -> dict:
    response = client.post("/api/orders/", ITEMS, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def timed_get(client, path: str, **params):
    started = time.monotonic()
    response = client.get(path, params)
    return response, time.monotonic() - started


@pytest.mark.slow
def test_query_with_token_returns_the_new_state_once_projected(processes, alice_client, catalogue):
    # Given: a pipeline whose order_details projection takes a second
    ReadModelState.objects.create(name="order_details", demo_delay_ms=1000)
    processes.start_worker()
    processes.start_relay()
    placed = place(alice_client)

    # When: alice reads her order back with the command's token, willing to wait
    response, elapsed = timed_get(
        alice_client,
        f"/api/orders/{placed['order']['orderId']}/",
        consistencyToken=placed["consistencyToken"],
        waitMs=5000,
    )

    # Then: the answer waited for the projection and shows her write
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["order"] == placed["order"]
    assert body["metadata"]["consistencyTokenReached"] is True
    assert body["metadata"]["stale"] is False
    assert 0.9 < elapsed < 5


def test_query_with_token_and_stopped_projector_answers_stale_after_the_wait(
    alice_client, catalogue
):
    # Given: no projector running at all
    placed = place(alice_client)

    # When: alice asks for her write, waiting at most 800 ms
    listing, elapsed = timed_get(
        alice_client, "/api/orders/", consistencyToken=placed["consistencyToken"], waitMs=800
    )

    # Then: after the wait she gets what the read model has, marked stale
    assert listing.status_code == 200
    assert 0.75 < elapsed < 3
    assert listing.json()["results"] == []
    assert listing.json()["metadata"]["consistencyTokenReached"] is False
    assert listing.json()["metadata"]["stale"] is True
    detail = alice_client.get(
        f"/api/orders/{placed['order']['orderId']}/",
        {"consistencyToken": placed["consistencyToken"], "waitMs": 300},
    )
    # ...and the detail is her order folded from its events, flagged provisional
    assert detail.status_code == 200
    assert detail.json()["metadata"]["stale"] is True
    assert detail.json()["order"]["provisional"] == {"reason": "not_caught_up", "readModelSeq": 0}
    assert detail.json()["order"]["status"] == "pending"


def test_waiting_rechecks_the_database_rarely(monkeypatch, alice_client, catalogue):
    # Given: a write that will not be projected, and a counter of read-model checks
    placed = place(alice_client)
    checks = []
    real_check = read_your_writes.token_reached_then_release

    def counting_check(*args, **kwargs):
        checks.append(time.monotonic())
        return real_check(*args, **kwargs)

    monkeypatch.setattr(read_your_writes, "token_reached_then_release", counting_check)

    # When: a query waits a full second for it
    alice_client.get(
        "/api/orders/", {"consistencyToken": placed["consistencyToken"], "waitMs": 1000}
    )

    # Then: it checked a handful of times (woken by pushes or a slow re-check), not in a loop
    assert 1 <= len(checks) <= 4
