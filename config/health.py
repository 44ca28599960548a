"""GET /healthz: can this deployment serve? For load balancers and uptime checks; open to all.

Three checks, each "ok" or a short reason: PostgreSQL answers `SELECT 1` (each database: the
read one too when READ_DATABASE_URL gives the read tables their own), Redis answers PING,
and every projector queue had a worker heartbeat within HEALTH_WORKER_STALE_SECONDS
(readmodels/ops/heartbeat.py). 200 when all pass, 503 otherwise, with the failing part named:

    {"status": "unhealthy",
     "checks": {"postgres": "ok", "redis": "ok", "worker": "no heartbeat for 42 s (order_search)"}}

Reasons carry an error's type, never its message (which may name hosts); details are logged.
The answer is reused for HEALTH_CACHE_SECONDS (config/cached_answer.py): probes from anywhere
cost at most one round of checks per process per period.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from config.cached_answer import CachedAnswer
from readmodels.ops.heartbeat import last_heartbeats, redis_client

logger = logging.getLogger(__name__)

OK = "ok"


def check_postgres() -> str:
    for alias in settings.DATABASES:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as error:
            reason = _down(f"postgres ({alias})", error)
            return reason if alias == "default" else f"{reason} (read database)"
    return OK


def check_redis(client) -> str:
    try:
        client.ping()
    except Exception as error:
        return _down("redis", error)
    return OK


def check_worker(client, *, now: float | None = None) -> str:
    """ "ok" when every projector queue's heartbeat is fresh; else how stale the worst is."""
    try:
        beats = last_heartbeats(client)
    except Exception as error:
        return f"unknown: heartbeats unreadable ({type(error).__name__})"
    now = time.time() if now is None else now
    stale_after = settings.HEALTH_WORKER_STALE_SECONDS
    missing = sorted(queue for queue, at in beats.items() if at is None)
    if missing:
        return f"no heartbeat yet ({', '.join(missing)})"
    ages = {queue: now - at for queue, at in beats.items()}
    stale = sorted(queue for queue, age in ages.items() if age > stale_after)
    if stale:
        worst = max(ages[queue] for queue in stale)
        return f"no heartbeat for {worst:.0f} s ({', '.join(stale)})"
    return OK


def health_checks() -> dict[str, str]:
    client = redis_client(settings.REDIS_URL)
    try:
        return {
            "postgres": check_postgres(),
            "redis": check_redis(client),
            "worker": check_worker(client),
        }
    finally:
        client.close()


recent_checks: CachedAnswer[dict[str, str]] = CachedAnswer(lambda: settings.HEALTH_CACHE_SECONDS)


@csrf_exempt  # GET only: any other method gets 405 (not Django's CSRF page)
@require_GET
@never_cache
def healthz(request):
    checks = recent_checks.get(health_checks)
    healthy = all(result == OK for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks},
        status=200 if healthy else 503,
    )


def _down(part: str, error: BaseException) -> str:
    logger.warning("health check: %s is down", part, exc_info=error)
    return f"down: {type(error).__name__}"
