"""Read-your-writes waits cannot starve a web server: a waiting request holds no database
connection between its checks, and a user has at most READ_YOUR_WRITES_MAX_WAITS_PER_USER
waits at once (beyond that a query answers at once, unwaited). Against a real uvicorn web
process with its real connection pool, as a user would meet it."""

import json
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import Client

from tests.e2e.live_system import LiveSystem

pytestmark = [pytest.mark.django_db(transaction=True)]

WAIT_MS = 3000
POOL_SIZE = 4  # smaller than the default 8, so that a handful of held connections is all of it
CONCURRENT_WAITS = 20


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def timed_get(base_url: str, path: str, cookie: str) -> tuple[int, float, dict]:
    request = urllib.request.Request(base_url + path, headers={"Cookie": f"sessionid={cookie}"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status, body = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    elapsed = time.monotonic() - started
    try:
        return status, elapsed, json.loads(body)
    except ValueError:
        return status, elapsed, {"raw": body[:200].decode(errors="replace")}


@pytest.fixture
def web(tmp_path: Path, settings):
    system = LiveSystem(tmp_path)
    try:
        system.start_web(DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE=str(POOL_SIZE))
        yield system
    finally:
        system.stop_all()


def test_twenty_waits_of_one_customer_leave_other_customers_answered(
    web, alice, bob, place_order_as, settings
):
    """Given alice's new order that no worker will project (so every wait for it runs its
    full 3 s) and a web server whose pool holds 4 connections, when alice sends 20 waiting
    reads at once while bob keeps listing his orders, then every one of bob's queries answers
    200 promptly throughout; alice gets 200 for all 20, each saying the token was not
    reached, and only READ_YOUR_WRITES_MAX_WAITS_PER_USER of them waited at all."""
    token = place_order_as(alice).consistency_token
    place_order_as(bob)
    alice_cookie, bob_cookie = session_cookie(alice), session_cookie(bob)
    waiting_read = f"/api/orders/?consistencyToken={token}&waitMs={WAIT_MS}"
    alice_done = threading.Event()
    bobs: list[tuple[int, float, dict]] = []

    def bob_keeps_listing() -> None:
        give_up_at = time.monotonic() + 60  # a starved server: report it, do not hang
        while (not alice_done.is_set() or len(bobs) < 10) and time.monotonic() < give_up_at:
            bobs.append(timed_get(web.base_url, "/api/orders/", bob_cookie))
            time.sleep(0.05)

    with ThreadPoolExecutor(max_workers=CONCURRENT_WAITS + 1) as pool:
        bob_running = pool.submit(bob_keeps_listing)
        time.sleep(0.2)  # bob is answered before alice starts, too
        alices = list(
            pool.map(
                lambda _: timed_get(web.base_url, waiting_read, alice_cookie),
                range(CONCURRENT_WAITS),
            )
        )
        alice_done.set()
        bob_running.result(timeout=120)

    bob_statuses = [status for status, _, _ in bobs]
    bob_slowest = max(elapsed for _, elapsed, _ in bobs)
    assert bob_statuses == [200] * len(bobs), [body for s, _, body in bobs if s != 200][:3]
    assert bob_slowest < 2.0, f"bob waited {bob_slowest:.1f} s for a list of his orders"
    assert [status for status, _, _ in alices] == [200] * CONCURRENT_WAITS, alices[:3]
    assert all(body["metadata"]["consistencyTokenReached"] is False for _, _, body in alices)
    assert all(body["metadata"]["stale"] is True for _, _, body in alices)
    waited = sorted(elapsed for _, elapsed, _ in alices if elapsed >= WAIT_MS / 1000 * 0.9)
    answered_at_once = [elapsed for _, elapsed, _ in alices if elapsed < 2.0]
    assert len(waited) == settings.READ_YOUR_WRITES_MAX_WAITS_PER_USER, waited
    assert len(answered_at_once) == CONCURRENT_WAITS - len(waited)
