"""Faults under load, judged by the client's own record: worker pool processes killed, Redis
flushed, the application's database connections cut, and relay, worker and web restarted,
all while customers and staff keep commanding. Afterwards every read model must agree with
what the clients know they did: nothing lost, nothing counted twice."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter

import redis
from django.conf import settings
from django.db import connection

from .clients import ApiClient

LOAD_SECONDS = 24


class ClientRecord:
    """What the clients know: each order's status from the last definite answer about it."""

    def __init__(self):
        self.status: dict[str, str] = {}
        self.lock = threading.Lock()

    def note(self, answer: dict) -> None:
        with self.lock:
            self.status[answer["order"]["orderId"]] = answer["order"]["status"]

    def by_status(self) -> Counter:
        return Counter(self.status.values())


def customer_load(client: ApiClient, record: ClientRecord, stop: threading.Event, seed: int):
    rng = random.Random(seed)
    mine: list[str] = []
    while not stop.is_set():
        placed = client.place(quantity=rng.randint(1, 3))
        record.note(placed)
        mine.append(placed["order"]["orderId"])
        if len(mine) > 1 and rng.random() < 0.7:
            order_id = mine.pop(rng.randrange(len(mine) - 1))
            if rng.random() < 0.6:
                record.note(client.act(order_id, "confirm"))
            else:
                record.note(client.act(order_id, "cancel", {"reason": "changed my mind"}))
        time.sleep(0.1)


def staff_load(staff: ApiClient, record: ClientRecord, stop: threading.Event):
    """Ships what customers confirmed, now and then."""
    while not stop.is_set():
        with record.lock:
            confirmed = [o for o, status in record.status.items() if status == "confirmed"]
        if confirmed:
            record.note(staff.act(confirmed[0], "ship", {"trackingNumber": "TRACK-1"}))
        time.sleep(0.7)


def cut_database_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def read_models_agree(staff: ApiClient, record: ClientRecord) -> list[str]:
    """Where the read models (asked over HTTP, as staff) differ from the clients' record."""
    differences = []
    listed: dict[str, str] = {}
    page = 1
    while True:
        body = staff.get("/api/orders/", pageSize=100, page=page).json()
        listed.update({row["orderId"]: row["status"] for row in body["results"]})
        if not body["next"]:
            break
        page += 1
    if listed != record.status:
        wrong = {o: (listed.get(o), s) for o, s in record.status.items() if listed.get(o) != s}
        extra = set(listed) - set(record.status)
        differences.append(f"order_summaries: {len(wrong)} wrong {list(wrong.items())[:3]}")
        differences.extend([f"order_summaries: unknown orders {extra}"] if extra else [])
    for order_id, status in record.status.items():
        detail = staff.get(f"/api/orders/{order_id}/")
        if detail.status_code != 200 or detail.json()["order"]["status"] != status:
            differences.append(f"order_details: {order_id} is not {status}")
            break
    by_status = staff.get("/api/analytics/").json()["byStatus"]
    counts = {row["status"]: row["orderCount"] for row in by_status}
    expected = dict(record.by_status())
    if {s: n for s, n in counts.items() if n} != expected:
        differences.append(f"order_analytics: {counts} != {expected}")
    return differences


def test_faults_under_load_converge_to_what_the_clients_did(app, people):
    # Given: two customers and staff commanding without pause
    alice, bob, staff = people.customer("alice"), people.customer("bob"), people.staff("staff")
    record = ClientRecord()
    stop = threading.Event()
    load = [
        threading.Thread(target=customer_load, args=(alice, record, stop, 1), daemon=True),
        threading.Thread(target=customer_load, args=(bob, record, stop, 2), daemon=True),
        threading.Thread(target=staff_load, args=(staff, record, stop), daemon=True),
    ]
    for thread in load:
        thread.start()

    # When: faults strike one after another under that load
    faults = [
        ("SIGKILL the worker's pool processes", lambda: _kill(app.pool_processes())),
        ("Redis flushed", lambda: redis.Redis.from_url(settings.REDIS_URL).flushdb()),
        ("the app's database connections cut", cut_database_connections),
        ("relay restarted", lambda: app.restart("relay")),
        ("worker restarted", lambda: app.restart("worker")),
        ("web restarted", lambda: app.restart("web")),
    ]
    try:
        for _what, strike in faults:
            time.sleep(LOAD_SECONDS / (len(faults) + 1))
            strike()
        time.sleep(LOAD_SECONDS / (len(faults) + 1))
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=90)

    # Then: the read models converge to the clients' record
    assert len(record.status) > 20, "too little load to mean anything"
    deadline = time.monotonic() + 90
    while (differences := read_models_agree(staff, record)) and time.monotonic() < deadline:
        time.sleep(1)
    assert not differences, f"the read models disagree with the clients: {differences}"


def _kill(processes) -> None:
    assert processes, "the worker has no pool processes to kill"
    for process in processes:
        process.send_signal(signal.SIGKILL)
