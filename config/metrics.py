"""GET /metrics: Prometheus text format, for every process of this deployment at once.

Counters and histograms come from the multiprocess directory (config/metrics_dir.py), where
the web server, the relay and the Celery pool processes each keep their own files; the
gauges of shared state are read from the database now (readmodels.ops.collector.ReadSideCollector).

Open to anyone by default, like any scrape target: it exposes counts and durations labelled
by command, outcome, read model and queue, and nothing about any order or customer. With
METRICS_BEARER_TOKEN set, only requests with `Authorization: Bearer <that token>` get it.
A scrape is reused for METRICS_CACHE_SECONDS (config/cached_answer.py), so that requests
from anywhere cost at most one scrape per process per period.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from config.cached_answer import CachedAnswer
from readmodels.ops.collector import ReadSideCollector


def scrape() -> bytes:
    """Everything /metrics serves, rendered in the Prometheus text format."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    registry.register(ReadSideCollector())
    return generate_latest(registry)


recent_scrape: CachedAnswer[bytes] = CachedAnswer(lambda: settings.METRICS_CACHE_SECONDS)


def has_the_token(request) -> bool:
    """True when no token is configured, or the request carries it as a bearer token."""
    expected = settings.METRICS_BEARER_TOKEN
    if not expected:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)


@csrf_exempt  # GET only: any other method gets 405 (not Django's CSRF page)
@require_GET
@never_cache
def metrics_view(request):
    if not has_the_token(request):  # checked first: a refusal costs no scrape
        refusal = HttpResponse(
            "A bearer token is required (METRICS_BEARER_TOKEN).\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        refusal["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refusal
    return HttpResponse(recent_scrape.get(scrape), content_type=CONTENT_TYPE_LATEST)
