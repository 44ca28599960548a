"""A demo delay on one read model holds back only that read model: the others keep their
usual commit → applied time, and the lag monitor keeps sampling on schedule (a worker
process asleep in a delay used to leave holes of 5 to 9 s in the samples)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from .clients import PushRecorder

DELAY_MS = 5000
DELAYED = ("order_summaries", "order_details")
UNDELAYED = ("order_search", "order_analytics")


def applied_after(socket: PushRecorder, answered_at: float, order_id: str, seq: int, name: str):
    arrival = socket.arrival(order_id, seq, name)
    return None if arrival is None else arrival - answered_at


def test_a_delay_on_some_read_models_leaves_the_others_and_lag_sampling_on_time(people, sockets):
    # Given: staff delays two read models by 5 s through the demo controls
    staff = people.staff("staff")
    alice = people.customer("alice")
    socket = PushRecorder(alice)
    sockets.append(socket)
    reply = staff.http.put(
        f"{staff.base_url}/api/ops/demo",
        json={"projectionDelayMs": dict.fromkeys(DELAYED, DELAY_MS)},
        headers={"X-CSRFToken": staff.http.cookies.get("csrftoken")},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text

    # When: alice places orders while the delay holds
    began = datetime.now(UTC)
    placed = []
    for _ in range(6):
        answer = alice.place()
        placed.append((time.monotonic(), answer["order"]["orderId"], answer["seq"]))
        time.sleep(0.3)
    time.sleep(DELAY_MS / 1000 + 3)

    # Then: the other read models applied them as fast as ever; the delayed ones did wait
    for name in UNDELAYED:
        times = [applied_after(socket, at, order_id, seq, name) for at, order_id, seq in placed]
        assert None not in times, f"{name} missed pushes: {times}"
        print(f"{name}: response → pushed, median {statistics.median(times) * 1000:.0f} ms")
        assert statistics.median(times) < 1.5, f"{name} waited behind the delay: {times}"
    for name in DELAYED:
        times = [applied_after(socket, at, order_id, seq, name) for at, order_id, seq in placed]
        assert None not in times, f"{name} missed pushes: {times}"
        assert min(times) > DELAY_MS / 1000 - 0.5, f"{name} did not wait for its delay: {times}"

    # And: lag samples kept their interval (LAG_SAMPLE_SECONDS, 2 s) throughout the delay
    lag = staff.get("/api/ops/lag").json()
    for read_model in lag["readModels"]:
        stamps = sorted(datetime.fromisoformat(s["at"]) for s in read_model["history"])
        during = [began, *(s for s in stamps if s >= began), datetime.now(UTC)]
        gaps = [(b - a).total_seconds() for a, b in zip(during, during[1:], strict=False)]
        assert max(gaps) < 4.5, f"{read_model['readModel']}: a hole in the lag samples: {gaps}"
