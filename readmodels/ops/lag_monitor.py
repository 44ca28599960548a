"""The periodic lag monitor: records each read model's lag and says when it crosses its
threshold (a warning) and when it recovers (an info line), once per crossing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState
from orders.subscriptions import strategy_of
from readmodels.models import DeadLetter, LagSample, ReadModelState
from readmodels.projections import PROJECTIONS
from readmodels.queries.freshness import Freshness, freshness
from readmodels.queries.order_freshness import HeldWork, held_work

logger = logging.getLogger(__name__)

SAMPLE_RETENTION = timedelta(hours=1)


@dataclass(frozen=True)
class ReadModelLag:
    freshness: Freshness
    pending_outbox: int
    dead_letters: int
    strategy: str  # how the read model is fed: outbox, inline or cdc (READ_MODEL_STRATEGIES)
    held: HeldWork = HeldWork()


def current_lag() -> list[ReadModelLag]:
    pending = dict(
        OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.SENT])
        .values_list("read_model")
        .annotate(n=Count("id"))
    )
    dead = dict(
        DeadLetter.objects.filter(resolved_at__isnull=True)
        .values_list("read_model")
        .annotate(n=Count("id"))
    )
    held = held_work()
    return [
        ReadModelLag(
            freshness(name),
            pending.get(name, 0),
            dead.get(name, 0),
            strategy_of(name),
            held=held.get(name, HeldWork()),
        )
        for name in PROJECTIONS
    ]


def record_lag() -> list[ReadModelLag]:
    now = timezone.now()
    lags = current_lag()
    LagSample.objects.bulk_create(
        LagSample(
            read_model=lag.freshness.read_model,
            at=now,
            lag_ms=lag.freshness.lag_ms,
            pending_outbox=lag.pending_outbox,
        )
        for lag in lags
    )
    LagSample.objects.filter(at__lt=now - SAMPLE_RETENTION).delete()
    for lag in lags:
        _report_crossing(lag.freshness)
    return lags


def _report_crossing(fresh: Freshness) -> None:
    state, _ = ReadModelState.objects.get_or_create(name=fresh.read_model)
    if fresh.stale == state.over_threshold:
        return
    context = {"read_model": fresh.read_model, "lag_ms": fresh.lag_ms}
    if fresh.stale:
        logger.warning(
            "%s lags %d ms, above its %d s threshold",
            fresh.read_model,
            fresh.lag_ms,
            fresh.max_lag_seconds,
            extra=context,
        )
    else:
        logger.info("%s is back within its threshold", fresh.read_model, extra=context)
    ReadModelState.objects.filter(pk=fresh.read_model).update(over_threshold=fresh.stale)


def recent_samples(read_model: str, minutes: int = 5) -> list[LagSample]:
    since = timezone.now() - timedelta(minutes=minutes)
    return list(LagSample.objects.filter(read_model=read_model, at__gte=since).order_by("at"))
