"""Every command reaches its owner and staff over the push socket, also while other requests
hold read-your-writes waits in the same web process and lists are polled."""

from __future__ import annotations

import statistics
import threading
import time

from readmodels.projections import PROJECTIONS

from .clients import ApiClient, PushRecorder

PUSH_DEADLINE_SECONDS = 10


class Background:
    """Read traffic beside the commands: waits on the latest token, and list polling."""

    def __init__(self):
        self.latest: dict[ApiClient, dict] = {}
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.waits = 0

    def start(self, clients: list[ApiClient]) -> None:
        for client in clients:
            for target in (self._wait_for_latest, self._poll_list):
                thread = threading.Thread(target=target, args=(client,), daemon=True)
                thread.start()
                self.threads.append(thread)

    def _wait_for_latest(self, client: ApiClient) -> None:
        while not self.stopping.is_set():
            answer = self.latest.get(client)
            if answer is None:
                time.sleep(0.05)
                continue
            client.get(
                f"/api/orders/{answer['order']['orderId']}/",
                consistencyToken=answer["consistencyToken"],
                waitMs=3000,
            )
            self.waits += 1

    def _poll_list(self, client: ApiClient) -> None:
        while not self.stopping.is_set():
            assert client.get("/api/orders/", pageSize=20).status_code == 200
            time.sleep(0.3)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)


def missing_pushes(socket: PushRecorder, commands: list[tuple[str, int]]) -> list[str]:
    """What this socket should have had about these (order, seq) commands and did not: one
    order.pending per command, and per read model an order.projected at or past its seq (a
    batch that applies two events of an order announces the later one)."""
    missing = []
    for order_id, seq in commands:
        messages = socket.about(order_id)
        if not any(m["type"] == "order.pending" and m["seq"] == seq for m in messages):
            missing.append(f"order.pending {order_id} #{seq}")
        for name in PROJECTIONS:
            if not any(
                m["type"] == "order.projected" and m["readModel"] == name and m["seq"] >= seq
                for m in messages
            ):
                missing.append(f"order.projected {name} {order_id} #{seq}")
    return missing


def report_latency(socket: PushRecorder, commands: list, answered: dict) -> None:
    """Print response → order.projected (order_summaries) for the owner's commands (pytest -s):
    the figure the benchmark reports, here with read-your-writes waits beside."""
    delays = []
    for order_id, seq in commands:
        arrivals = [
            at
            for at, m in socket.messages
            if m.get("type") == "order.projected"
            and m.get("orderId") == order_id
            and m.get("readModel") == "order_summaries"
            and m.get("seq", 0) >= seq
        ]
        if arrivals:
            delays.append(max(0.0, min(arrivals) - answered[order_id, seq]) * 1000)
    if len(delays) >= 2:
        p99 = statistics.quantiles(delays, n=100)[98]
        print(
            f"{socket.client.username}: response → order_summaries pushed, "
            f"p50 {statistics.median(delays):.0f} ms, p99 {p99:.0f} ms, "
            f"{len(commands) - len(delays)} of {len(commands)} missing"
        )


def test_every_command_is_pushed_to_its_owner_and_staff_under_mixed_traffic(people, sockets):
    # Given: two customers and staff, each with a push socket, and read traffic that holds
    # read-your-writes waits and polls lists in the same web process
    alice, bob, staff = people.customer("alice"), people.customer("bob"), people.staff("staff")
    alice_socket, bob_socket, staff_socket = (PushRecorder(c) for c in (alice, bob, staff))
    sockets.extend([alice_socket, bob_socket, staff_socket])
    background = Background()
    background.start([alice, bob])

    # When: they place and change orders a few at a time
    commands: dict[str, list[tuple[str, int]]] = {"alice": [], "bob": []}
    answered: dict[tuple[str, int], float] = {}  # (order, seq) → when its command answered
    try:
        for round_number in range(12):
            for name, client in (("alice", alice), ("bob", bob)):
                placed = client.place()
                order_id = placed["order"]["orderId"]
                commands[name].append((order_id, placed["seq"]))
                answered[order_id, placed["seq"]] = time.monotonic()
                background.latest[client] = placed
                if round_number % 2:
                    confirmed = client.act(order_id, "confirm")
                    commands[name].append((order_id, confirmed["seq"]))
                    answered[order_id, confirmed["seq"]] = time.monotonic()
                    background.latest[client] = confirmed
                if round_number % 4 == 3:
                    shipped = staff.act(order_id, "ship", {"trackingNumber": f"T{round_number}"})
                    commands[name].append((order_id, shipped["seq"]))
                    answered[order_id, shipped["seq"]] = time.monotonic()
            time.sleep(0.2)

        # Then: within the deadline, owners and staff have every push, and nobody else any
        deadline = time.monotonic() + PUSH_DEADLINE_SECONDS
        everything = commands["alice"] + commands["bob"]
        expected = [
            (alice_socket, commands["alice"]),
            (bob_socket, commands["bob"]),
            (staff_socket, everything),
        ]
        while time.monotonic() < deadline and any(missing_pushes(*e) for e in expected):
            time.sleep(0.2)
    finally:
        background.stop()

    report_latency(alice_socket, commands["alice"], answered)
    report_latency(bob_socket, commands["bob"], answered)
    assert background.waits > 0, "no read-your-writes wait ran beside the commands"
    for socket, owned in expected:
        missing = missing_pushes(socket, owned)
        assert not missing, f"{socket.client.username} missed {len(missing)}: {missing[:5]}"
    for socket, others in ((alice_socket, commands["bob"]), (bob_socket, commands["alice"])):
        leaked = [m for order_id, _ in others for m in socket.about(order_id)]
        assert not leaked, f"{socket.client.username} got another customer's pushes: {leaked[:3]}"
