"""GET /metrics: Prometheus text format, for every process of this deployment at once.

Counters and histograms come from the multiprocess directory (config/metrics_dir.py), where
the web server, the relay and the Celery pool processes each keep their own files; the
gauges of shared state are read from the database now (readmodels.metrics.ReadSideCollector).

Open to anyone, like any scrape target: it exposes counts and durations labelled by command,
outcome, read model and queue, and nothing about any order or customer.
"""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from readmodels.metrics import ReadSideCollector


def scrape() -> bytes:
    """Everything /metrics serves, rendered in the Prometheus text format."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    registry.register(ReadSideCollector())
    return generate_latest(registry)


@csrf_exempt  # GET only: any other method gets 405 (not Django's CSRF page)
@require_GET
@never_cache
def metrics_view(request):
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
