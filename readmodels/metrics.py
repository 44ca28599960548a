"""Read-side Prometheus metrics that processes record as they work: the event pipeline
(relay → projectors), queries and worker heartbeats.

Counters and histograms are multiprocess-safe (see config/metrics_dir.py): the relay and the
Celery pool processes write them to files, and `/metrics` adds them up. Gauges that describe
shared state (outbox depth, dead letters, lag, read store up) are not per process at all:
readmodels/ops/collector.py reads them from PostgreSQL at scrape time. Labels are read model
and queue names only, never order data.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone
from prometheus_client import Counter, Gauge, Histogram

from config.latency_buckets import LATENCY_BUCKETS
from orders.subscriptions import READ_MODELS

logger = logging.getLogger(__name__)

# From an event's commit to its projection: tens of milliseconds when healthy, up to minutes
# when a projector is down. 5, 30 and 300 s are the read models' thresholds (the lag warnings).
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

EVENTS_PUBLISHED = Counter(
    "orders_events_published",
    "Outbox rows the relay handed to Celery, by read model (redeliveries included).",
    ["read_model"],
)
PUBLISH_DURATION = Histogram(
    "orders_publish_duration_seconds",
    "Relay batches: from claiming due outbox rows to their publication being committed.",
    buckets=LATENCY_BUCKETS,
)
EVENTS_PROCESSED = Counter(
    "orders_events_processed",
    "Events applied to a read model (committed), by read model.",
    ["read_model"],
)
PROJECTION_LAG = Histogram(
    "orders_projection_lag_seconds",
    "Per applied event: from the event's commit to the commit of its projection.",
    ["read_model"],
    buckets=LAG_BUCKETS,
)
PROJECTION_ERRORS = Counter(
    "orders_projection_errors",
    "Failed attempts to project: an event a projection could not apply (retried, then dead "
    "lettered) or a projector task that crashed.",
    ["read_model"],
)
QUERIES = Counter("orders_queries", "Query requests answered, by read model.", ["read_model"])
QUERY_DURATION = Histogram(
    "orders_query_duration_seconds",
    "Time to answer a query from its read model (a read-your-writes wait not included).",
    ["read_model"],
    buckets=LATENCY_BUCKETS,
)
WORKER_HEARTBEAT = Gauge(
    "orders_worker_heartbeat_timestamp_seconds",
    "Unix time a worker last took a heartbeat task from this queue.",
    ["queue"],
    multiprocess_mode="max",  # the newest of all processes' (also of pool processes now gone)
)

# Every read model's series exist from the start (at 0): `rate()` and "absent" checks then see
# a projector that has never processed anything, instead of no series at all.
for _name in READ_MODELS:
    for _metric in (EVENTS_PUBLISHED, EVENTS_PROCESSED, PROJECTION_ERRORS, PROJECTION_LAG):
        _metric.labels(_name)


def record_published(by_read_model: dict[str, int], seconds: float) -> None:
    for read_model, count in by_read_model.items():
        EVENTS_PUBLISHED.labels(read_model).inc(count)
    PUBLISH_DURATION.observe(seconds)


def record_applied(read_model: str, events: Iterable) -> None:
    """Count events whose projection has just committed, and observe each one's lag.

    `events` are Event rows (commit time: `recorded_at`) or domain events applied inline or
    by CDC (the best known time: `occurred_at`).
    """
    now = timezone.now()
    events = list(events)
    EVENTS_PROCESSED.labels(read_model).inc(len(events))
    lag = PROJECTION_LAG.labels(read_model)
    for event in events:
        committed: datetime = getattr(event, "recorded_at", None) or event.occurred_at
        lag.observe(max(0.0, (now - committed).total_seconds()))


def record_projection_error(read_model: str) -> None:
    PROJECTION_ERRORS.labels(read_model).inc()


@contextmanager
def counting_errors(read_model: str) -> Iterator[None]:
    """Count an exception escaping a projector task as a projection error, and re-raise."""
    try:
        yield
    except Exception:
        record_projection_error(read_model)
        raise


def record_heartbeat(queue: str, at: float) -> None:
    WORKER_HEARTBEAT.labels(queue).set(at)


def measured_query(view: Callable, read_model_for: Callable[[dict], str]) -> Callable:
    """Wrap a (sync) query view: count it and time it under the read model that answers it."""

    @functools.wraps(view)
    def measured(request, *args, **kwargs):
        read_model = read_model_for(request.GET)
        started = time.perf_counter()
        try:
            return view(request, *args, **kwargs)
        finally:
            QUERIES.labels(read_model).inc()
            QUERY_DURATION.labels(read_model).observe(time.perf_counter() - started)

    return measured
