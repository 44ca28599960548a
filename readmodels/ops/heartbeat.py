"""Worker heartbeats: proof that each projector queue is being consumed.

Celery beat sends a `readmodels.ops.heartbeat` task to every projector queue every few seconds
(settings.CELERY_BEAT_SCHEDULE); the worker that takes one writes the time into Redis under
its queue's key. A queue whose heartbeat is old has no worker taking from it (or beat is not
running, or the worker is stuck behind a long backlog on that queue).
"""

from __future__ import annotations

import time

import redis
from django.conf import settings

from readmodels.metrics import record_heartbeat
from readmodels.projections import PROJECTIONS

KEY_PREFIX = "orders:worker-heartbeat:"
KEY_TTL_SECONDS = 24 * 3600  # long enough to say "no heartbeat for N s" for a whole day


def redis_client(url: str | None = None, timeout: float = 1.0) -> redis.Redis:
    return redis.Redis.from_url(
        url or settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )


def projector_queues() -> list[str]:
    return sorted({projection.queue for projection in PROJECTIONS.values()})


def beat(queue: str, *, client: redis.Redis | None = None, now: float | None = None) -> None:
    """Record that a worker took a heartbeat from `queue` (in Redis and as a metric)."""
    now = time.time() if now is None else now
    client = client or redis_client(timeout=2.0)
    client.set(KEY_PREFIX + queue, repr(now), ex=KEY_TTL_SECONDS)
    record_heartbeat(queue, now)


def last_heartbeats(client: redis.Redis) -> dict[str, float | None]:
    """Unix time of each projector queue's latest heartbeat (None: none recorded)."""
    queues = projector_queues()
    values = client.mget([KEY_PREFIX + queue for queue in queues])
    return {queue: None if v is None else float(v) for queue, v in zip(queues, values, strict=True)}


def forget(client: redis.Redis) -> None:
    """Delete every heartbeat (tests start from "no worker has ever run")."""
    client.delete(*(KEY_PREFIX + queue for queue in projector_queues()))
