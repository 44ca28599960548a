"""The alert rules, evaluated against the live database (for GET /api/ops/health).

Prometheus evaluates the same rules from the metrics (ops/prometheus/alerts.yml, kept in step
by tests/ops/test_alert_rules.py); this is the answer without Prometheus, right now:

* HighProjectionLag / CriticalProjectionLag: a read model's lag (readmodels.queries.freshness) above
  its own threshold (its `maxLagSeconds`: 5, 5, 30 or 300 s; exactly when its queries say
  `stale`) / above CRITICAL_LAG_FACTOR times it. The reference's global 10 s / 60 s would
  page for order_analytics while its queries say fresh, and miss order_summaries going stale.
* DeadLetterQueueGrowing: a read model with more than 100 open dead letters.
* NewDeadLetter: a read model with a dead letter opened in the last NEW_DEAD_LETTER_WINDOW.
* OutboxBacklog: a read model with more than 1000 outbox rows pending or in flight.
* ProjectorDown: a read model was handed events (outbox rows sent to Celery more than
  PROJECTOR_GRACE ago, still not applied) while it applied none in the last
  PROJECTOR_WINDOW. Rows still pending (the relay's business) or retrying do not count.
* CdcWalRetained: the CDC replication slot retains more than half the WAL PostgreSQL lets it
  (max_slot_wal_keep_size; beyond it the slot is invalidated), or more than 1 GiB when that
  is unbounded. A value of each read model on cdc.

Rules fire per read model; the answer gives the worst read model's value (the one furthest
over its threshold) and all of them. Unlike Prometheus there is no `for:` duration: this is
the state at this instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState
from orders.subscriptions import CDC, READ_MODELS, read_models_using
from readmodels.cdc.state import slot_wal
from readmodels.models import DeadLetter
from readmodels.ops.lag_monitor import current_lag
from readmodels.projections import get_projection

WARNING, CRITICAL = "warning", "critical"
OK, FIRING = "ok", "firing"
RUNBOOK = "docs/runbook.md"

PROJECTOR_WINDOW = timedelta(minutes=5)
PROJECTOR_GRACE = timedelta(seconds=60)
NEW_DEAD_LETTER_WINDOW = timedelta(minutes=5)
# Critical lag is this many times the read model's own threshold: the reference's 60 s / 10 s.
CRITICAL_LAG_FACTOR = 6


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    threshold: float  # the same for every read model, or (of_max_lag) a multiple of its own
    description: str
    of_max_lag: bool = False

    @property
    def runbook_url(self) -> str:
        return f"{RUNBOOK}#{self.name.lower()}"

    def threshold_for(self, read_model: str) -> float:
        if self.of_max_lag:
            return self.threshold * get_projection(read_model).max_lag_seconds
        return self.threshold


HIGH_PROJECTION_LAG = Rule(
    "HighProjectionLag",
    WARNING,
    1,
    "Read model lag in seconds above the read model's own threshold (maxLagSeconds).",
    of_max_lag=True,
)
CRITICAL_PROJECTION_LAG = Rule(
    "CriticalProjectionLag",
    CRITICAL,
    CRITICAL_LAG_FACTOR,
    f"Read model lag in seconds above {CRITICAL_LAG_FACTOR} times the read model's own "
    "threshold (maxLagSeconds).",
    of_max_lag=True,
)
DEAD_LETTER_QUEUE_GROWING = Rule(
    "DeadLetterQueueGrowing", WARNING, 100, "Open dead letters of a read model above 100."
)
NEW_DEAD_LETTER = Rule(
    "NewDeadLetter",
    WARNING,
    0,
    "Dead letters of a read model opened in the last 5 minutes: any at all.",
)
OUTBOX_BACKLOG = Rule(
    "OutboxBacklog", WARNING, 1000, "Outbox rows pending or in flight for a read model above 1000."
)
PROJECTOR_DOWN = Rule(
    "ProjectorDown",
    CRITICAL,
    0,
    "Events handed to a read model's projector and not applied, while it applied none "
    "in the last 5 minutes.",
)
CDC_WAL_RETAINED = Rule(
    "CdcWalRetained",
    WARNING,
    0.5,
    "WAL retained by the CDC replication slot above half of PostgreSQL's "
    "max_slot_wal_keep_size (above 1 GiB when it is unbounded), for the read models on cdc.",
)
# With no bound set, CdcWalRetained warns above this much retained WAL instead.
UNBOUNDED_WAL_WARNING_BYTES = 1024**3


RULES = (
    HIGH_PROJECTION_LAG,
    CRITICAL_PROJECTION_LAG,
    DEAD_LETTER_QUEUE_GROWING,
    NEW_DEAD_LETTER,
    OUTBOX_BACKLOG,
    PROJECTOR_DOWN,
    CDC_WAL_RETAINED,
)


@dataclass(frozen=True)
class RuleState:
    rule: Rule
    by_read_model: dict[str, float]
    # Thresholds known only at evaluation time (CdcWalRetained: from the server's setting).
    measured_thresholds: dict[str, float] | None = None

    @property
    def thresholds(self) -> dict[str, float]:
        return {name: self._threshold(name) for name in READ_MODELS}

    def _threshold(self, read_model: str) -> float:
        if self.measured_thresholds is not None:
            return self.measured_thresholds[read_model]
        return self.rule.threshold_for(read_model)

    @property
    def worst_read_model(self) -> str:
        """The read model furthest over (or nearest to) its threshold."""
        return max(READ_MODELS, key=self._severity_of)

    @property
    def value(self) -> float:
        return self.by_read_model.get(self.worst_read_model, 0)

    @property
    def threshold(self) -> float:
        return self._threshold(self.worst_read_model)

    @property
    def firing(self) -> bool:
        return self.value > self.threshold

    def _severity_of(self, read_model: str) -> float:
        value = self.by_read_model.get(read_model, 0)
        threshold = self._threshold(read_model)
        return value / threshold if threshold else value


def evaluate() -> list[RuleState]:
    """Every rule's state now, in the order of RULES."""
    lags = current_lag()
    lag_seconds = {lag.freshness.read_model: lag.freshness.lag_ms / 1000 for lag in lags}
    dead_letters = {lag.freshness.read_model: lag.dead_letters for lag in lags}
    outbox_depth = {lag.freshness.read_model: lag.pending_outbox for lag in lags}
    return [
        RuleState(HIGH_PROJECTION_LAG, _every_read_model(lag_seconds)),
        RuleState(CRITICAL_PROJECTION_LAG, _every_read_model(lag_seconds)),
        RuleState(DEAD_LETTER_QUEUE_GROWING, _every_read_model(dead_letters)),
        RuleState(NEW_DEAD_LETTER, _every_read_model(dead_letters_opened_lately())),
        RuleState(OUTBOX_BACKLOG, _every_read_model(outbox_depth)),
        RuleState(PROJECTOR_DOWN, _every_read_model(unprocessed_by_stopped_projectors())),
        cdc_wal_retained(),
    ]


def cdc_wal_retained() -> RuleState:
    """The CDC slot's retained WAL, as a value of each read model on cdc (they share it)."""
    wal = slot_wal() if read_models_using(CDC) else None
    limit = wal.limit_bytes if wal else None
    threshold = limit * CDC_WAL_RETAINED.threshold if limit else UNBOUNDED_WAL_WARNING_BYTES
    retained = {name: wal.retained_bytes for name in read_models_using(CDC)} if wal else {}
    return RuleState(
        CDC_WAL_RETAINED, _every_read_model(retained), dict.fromkeys(READ_MODELS, threshold)
    )


def dead_letters_opened_lately() -> dict[str, int]:
    """Per read model: dead letters opened in the last NEW_DEAD_LETTER_WINDOW (resolved or
    not: Prometheus sees the same as an increase of orders_dead_letters_total)."""
    since = timezone.now() - NEW_DEAD_LETTER_WINDOW
    return dict(
        DeadLetter.objects.filter(created_at__gte=since)
        .values_list("read_model")
        .annotate(n=Count("id"))
    )


def unprocessed_by_stopped_projectors() -> dict[str, int]:
    """Per read model: events handed over more than PROJECTOR_GRACE ago and not applied yet,
    when the read model applied no event at all in the last PROJECTOR_WINDOW; else 0."""
    now = timezone.now()
    counts = (
        OutboxMessage.objects.filter(
            Q(state=OutboxState.SENT)
            | Q(state=OutboxState.DONE, done_at__gte=now - PROJECTOR_WINDOW)
        )
        .values("read_model")
        .annotate(
            handed_over=Count(
                "id", filter=Q(state=OutboxState.SENT, created_at__lte=now - PROJECTOR_GRACE)
            ),
            applied=Count("id", filter=Q(state=OutboxState.DONE)),
        )
    )
    return {row["read_model"]: row["handed_over"] if row["applied"] == 0 else 0 for row in counts}


def _every_read_model(values: dict[str, float]) -> dict[str, float]:
    return {name: values.get(name, 0) for name in READ_MODELS}
