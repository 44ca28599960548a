"""Prometheus gauges of shared state, computed from PostgreSQL at each scrape: outbox depth,
dead letters, lag and each read model's threshold, the CDC slot's retained WAL, and whether
the read store answers. config/metrics.py registers the collector with /metrics' registry.

The counters and histograms that processes record as they work are in readmodels/metrics.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from orders.subscriptions import READ_MODELS
from readmodels.cdc.state import slot_wal
from readmodels.models import DeadLetter
from readmodels.ops.lag_monitor import current_lag
from readmodels.projections import PROJECTIONS

logger = logging.getLogger(__name__)


class ReadSideCollector:
    """Gauges of shared state, computed from the database at each scrape.

    Each family is computed on its own (in a savepoint when inside a transaction): one that
    fails is left out, so a scrape never fails, and `orders_read_store_up` says 0 when the
    read tables cannot be queried.
    """

    def describe(self):
        return []  # nothing to compute at registration: the database is read at scrape time

    def collect(self):
        lags = _safely("outbox, dead letter and lag gauges", current_lag)
        if lags is not None:
            yield _by_read_model(
                "orders_outbox_depth",
                "Outbox rows waiting for the relay or in flight (pending or sent).",
                {lag.freshness.read_model: lag.pending_outbox for lag in lags},
            )
            yield _by_read_model(
                "orders_dead_letter_queue_depth",
                "Open (unresolved) dead letters, by read model.",
                {lag.freshness.read_model: lag.dead_letters for lag in lags},
            )
            yield _by_read_model(
                "orders_read_model_held_orders",
                "Orders held behind an open dead letter: their events wait for a replay, and "
                "are left out of the lag.",
                {lag.freshness.read_model: lag.held.orders for lag in lags},
            )
            yield _by_read_model(
                "orders_read_model_lag_seconds",
                "How far behind the read model is: now minus the commit time of the oldest "
                "event it can still apply (0 when it owes nothing; orders held behind a dead "
                "letter are left out).",
                {lag.freshness.read_model: lag.freshness.lag_ms / 1000 for lag in lags},
            )
        yield _by_read_model(
            "orders_read_model_max_lag_seconds",
            "The read model's own freshness threshold (maxLagSeconds): above it its queries "
            "say stale, and the lag alerts compare against it.",
            {name: projection.max_lag_seconds for name, projection in PROJECTIONS.items()},
        )
        opened = _safely("dead letter count", _dead_letters_ever_opened)
        if opened is not None:
            total = CounterMetricFamily(
                "orders_dead_letters",
                "Dead letters ever opened, resolved ones included (they are never deleted), "
                "by read model. increase() over a window is the new dead letters.",
                labels=["read_model"],
            )
            for read_model in READ_MODELS:
                total.add_metric([read_model], float(opened.get(read_model, 0)))
            yield total
        yield from _cdc_slot_gauges()
        up = GaugeMetricFamily(
            "orders_read_store_up", "1 when every read table can be queried, else 0."
        )
        up.add_metric([], 1.0 if _safely("read store probe", _probe_read_tables) else 0.0)
        yield up


def _cdc_slot_gauges():
    """The CDC slot's retained WAL and its bound, when the slot exists (cdc strategy)."""
    wal = _safely("CDC slot's retained WAL", slot_wal)
    if wal is None:
        return
    retained = GaugeMetricFamily(
        "orders_cdc_retained_wal_bytes",
        "WAL the CDC replication slot keeps from being recycled (on the primary's disk).",
    )
    retained.add_metric([], float(wal.retained_bytes))
    yield retained
    if wal.limit_bytes is not None:
        limit = GaugeMetricFamily(
            "orders_cdc_wal_keep_limit_bytes",
            "PostgreSQL's max_slot_wal_keep_size: beyond it the slot is invalidated.",
        )
        limit.add_metric([], float(wal.limit_bytes))
        yield limit


def _dead_letters_ever_opened() -> dict[str, int]:
    return dict(DeadLetter.objects.values_list("read_model").annotate(n=Count("id")))


def _probe_read_tables() -> bool:
    for projection in PROJECTIONS.values():
        projection.row_model.objects.exists()
    return True


def _safely(what: str, compute: Callable):
    try:
        with transaction.atomic():
            return compute()
    except Exception:
        logger.warning("metrics: could not compute the %s", what, exc_info=True)
        return None


def _by_read_model(name: str, documentation: str, values: dict[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["read_model"])
    for read_model in READ_MODELS:
        family.add_metric([read_model], float(values.get(read_model, 0)))
    return family
