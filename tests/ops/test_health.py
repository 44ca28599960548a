"""GET /healthz: PostgreSQL, Redis and a recent worker heartbeat on every projector queue;
200 when all are fine, 503 naming the part that is not. Open to anyone (load balancers)."""

import signal
import sys
import time

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

from readmodels.ops.heartbeat import beat, projector_queues
from readmodels.projections import PROJECTIONS
from tests.pipeline.harness import wait_until

pytestmark = pytest.mark.django_db


def healthz():
    response = Client().get("/healthz")  # anonymous, like a load balancer
    return response.status_code, response.json()


def fresh_heartbeats(client, *, age: float = 0) -> None:
    for queue in projector_queues():
        beat(queue, client=client, now=time.time() - age)


def test_all_well_is_200_ok(heartbeat_redis):
    fresh_heartbeats(heartbeat_redis)

    status, body = healthz()

    assert status == 200
    assert body == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok", "worker": "ok"}}


def test_no_worker_ever_is_503_naming_the_worker(heartbeat_redis):
    status, body = healthz()

    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["worker"].startswith("no heartbeat yet")


def test_a_stale_heartbeat_is_503_saying_how_stale(heartbeat_redis, settings):
    # Given: the worker stopped taking heartbeats 42 s ago, and one queue is still fresh
    settings.HEALTH_WORKER_STALE_SECONDS = 30
    fresh_heartbeats(heartbeat_redis, age=42)
    beat("order_summaries", client=heartbeat_redis)

    status, body = healthz()

    assert status == 503
    assert body["checks"]["worker"] == (
        "no heartbeat for 42 s (order_analytics, order_details, order_search)"
    )


def test_redis_down_is_503_naming_redis_without_leaking_its_address(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    status, body = healthz()

    assert status == 503
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["redis"].startswith("down: ")
    assert body["checks"]["worker"] != "ok"
    assert "127.0.0.1" not in str(body)


def test_postgres_down_is_503_naming_postgres(heartbeat_redis, monkeypatch):
    fresh_heartbeats(heartbeat_redis)

    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("config.health.connections", {"default": Unreachable()})

    status, body = healthz()

    assert status == 503
    assert body["checks"] == {
        "postgres": "down: OperationalError",
        "redis": "ok",
        "worker": "ok",
    }


def test_beat_sends_a_heartbeat_to_every_projector_queue():
    heartbeats = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "readmodels.heartbeat"
    ]
    routed = {(tuple(entry["args"]), entry["options"]["queue"]) for entry in heartbeats}
    assert routed == {((p.queue,), p.queue) for p in PROJECTIONS.values()}
    assert all(entry["schedule"] < settings.HEALTH_WORKER_STALE_SECONDS for entry in heartbeats)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_beat_and_worker_keep_it_healthy_until_the_worker_stops(
    processes, heartbeat_redis, settings, scrape, tmp_path
):
    # Given: a real worker, and a real beat sending heartbeats twice a second
    settings.HEALTH_WORKER_STALE_SECONDS = 3
    worker = processes.start_worker()
    processes._start(  # the harness has no beat of its own; this one is stopped with the rest
        "beat",
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "warning",
         "-s", str(tmp_path / "beat-schedule")],
        HEARTBEAT_SECONDS="0.5",
    )  # fmt: skip

    # Then: healthy once the worker has taken a heartbeat from every queue
    wait_until(lambda: healthz()[0] == 200, timeout=30, what="/healthz to say 200")
    beats = scrape()
    for queue in projector_queues():
        at = beats.value("orders_worker_heartbeat_timestamp_seconds", queue=queue)
        assert time.time() - 30 < at <= time.time()

    # When: the worker dies
    processes.kill(worker, signal.SIGKILL)

    # Then: the heartbeats go stale and /healthz names the worker
    wait_until(lambda: healthz()[0] == 503, timeout=20, what="/healthz to say 503")
    status, body = healthz()
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["worker"].startswith("no heartbeat for ")
