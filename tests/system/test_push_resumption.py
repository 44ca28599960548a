"""Gap-free push, judged by a client's badges: with one push in five lost on its way to Redis,
Redis flushed under the open socket and the socket gone for 30 s, a client that resumes from
its last position ends with no badge wrong, over 100 orders (docs/push-resumption.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from readmodels.projections import PROJECTIONS
from tests.pipeline.harness import wait_until

from .clients import ApiClient
from .procfile_app import ProcfileApp
from .resuming_client import ResumingPushClient

ORDERS = 100
AWAY_SECONDS = 30


@pytest.fixture(scope="module")
def lossy_app(django_db_setup, tmp_path_factory) -> Iterator[ProcfileApp]:
    """The whole application, its senders losing one push in five (the test hook)."""
    app = ProcfileApp(
        tmp_path_factory.mktemp("lossy"), PUSH_TEST_DROP_ONE_IN="5", PUSH_CHECK_SECONDS="1"
    )
    try:
        app.start()
        yield app
    finally:
        app.stop()


def final_seqs(client: ApiClient, orders: list[str]) -> dict[str, int]:
    return {order: client.get(f"/api/orders/{order}/").json()["order"]["seq"] for order in orders}


def every_read_model_caught_up(client: ApiClient, orders: list[str], done: set[str]) -> bool:
    """Whether each order's journey shows every event applied everywhere (`done` remembers
    the orders already seen through)."""
    for order in orders:
        if order in done:
            continue
        journey = client.get(f"/api/orders/{order}/journey").json()
        if any(leg["state"] != "applied" for e in journey["events"] for leg in e["readModels"]):
            return False
        done.add(order)
    return True


def place_and_act(alice: ApiClient, count: int) -> list[str]:
    """`count` orders; every second one confirmed, every third of those cancelled."""
    orders = []
    for n in range(count):
        order = alice.place()["order"]["orderId"]
        orders.append(order)
        if n % 2 == 0:
            alice.act(order, "confirm")
        if n % 6 == 0:
            alice.act(order, "cancel", {"reason": "changed my mind"})
    return orders


@pytest.mark.slow
def test_no_badge_stays_wrong_after_lost_pushes_a_flushed_redis_and_30_s_away(
    lossy_app, transactional_db, catalogue, django_user_model, password
):
    # Given: alice's resuming client, and senders that lose one push in five
    django_user_model.objects.create_user(username="alice", password=password)
    alice = ApiClient(lossy_app.base_url, "alice", password)
    push = ResumingPushClient(alice)
    orders = place_and_act(alice, ORDERS // 3)

    # When: Redis is flushed under the open socket, and more orders follow
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    orders += place_and_act(alice, ORDERS // 3)
    # ...and the socket is gone for 30 s while the rest are placed
    push.disconnect()
    left_at = time.monotonic()
    orders += place_and_act(alice, ORDERS - len(orders))
    time.sleep(max(0.0, AWAY_SECONDS - (time.monotonic() - left_at)))
    push.connect()

    # Then: once every read model has applied every order, no badge is wrong
    done: set[str] = set()
    wait_until(
        lambda: every_read_model_caught_up(alice, orders, done), timeout=120, what="projections"
    )
    truth = final_seqs(alice, orders)
    deadline = time.monotonic() + 10  # the last replays may still be on their way
    while push.badges.wrong(truth, list(PROJECTIONS)) and time.monotonic() < deadline:
        time.sleep(0.2)
    wrong = push.badges.wrong(truth, list(PROJECTIONS))
    assert not wrong, f"{len(wrong)} of {len(orders)} badges wrong"
    resumed, seconds = push.caught_up[-1]
    assert resumed["replayed"] > 0
    assert push.refetches == [] and push.gaps_seen == 0
    with_position = [json.loads(text) for text in push.received]
    extra = sum(
        len(json.dumps(m)) - len(json.dumps({k: v for k, v in m.items() if k != "position"}))
        for m in with_position
        if m["type"].startswith("order.")
    ) / max(1, sum(m["type"].startswith("order.") for m in with_position))
    print(
        f"\n{len(orders)} orders, 0 badges wrong; resume after {AWAY_SECONDS} s: "
        f"caught up, {resumed['replayed']} changes, in {seconds * 1000:.0f} ms from connect; "
        f"{push.duplicates} duplicates dropped; {extra:.1f} extra bytes per push for its position"
    )
