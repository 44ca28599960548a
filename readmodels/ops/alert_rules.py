"""The five alert rules, evaluated against the live database (for GET /api/ops/health).

Prometheus evaluates the same rules from the metrics (ops/prometheus/alerts.yml, kept in step
by tests/ops/test_alert_rules.py); this is the answer without Prometheus, right now:

* HighProjectionLag / CriticalProjectionLag: a read model's lag (readmodels.queries.freshness) above
  10 s / 60 s.
* DeadLetterQueueGrowing: a read model with more than 100 open dead letters.
* OutboxBacklog: a read model with more than 1000 outbox rows pending or in flight.
* ProjectorDown: a read model was handed events (outbox rows sent to Celery more than
  PROJECTOR_GRACE ago, still not applied) while it applied none in the last
  PROJECTOR_WINDOW. Rows still pending (the relay's business) or retrying do not count.

Rules fire per read model; the answer gives the worst read model's value and all of them.
Unlike Prometheus there is no `for:` duration: this is the state at this instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState
from orders.subscriptions import READ_MODELS
from readmodels.ops.lag_monitor import current_lag

WARNING, CRITICAL = "warning", "critical"
OK, FIRING = "ok", "firing"
RUNBOOK = "docs/runbook.md"

PROJECTOR_WINDOW = timedelta(minutes=5)
PROJECTOR_GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    threshold: float
    description: str

    @property
    def runbook_url(self) -> str:
        return f"{RUNBOOK}#{self.name.lower()}"


HIGH_PROJECTION_LAG = Rule(
    "HighProjectionLag", WARNING, 10, "Read model lag in seconds above 10 s."
)
CRITICAL_PROJECTION_LAG = Rule(
    "CriticalProjectionLag", CRITICAL, 60, "Read model lag in seconds above 60 s."
)
DEAD_LETTER_QUEUE_GROWING = Rule(
    "DeadLetterQueueGrowing", WARNING, 100, "Open dead letters of a read model above 100."
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
RULES = (
    HIGH_PROJECTION_LAG,
    CRITICAL_PROJECTION_LAG,
    DEAD_LETTER_QUEUE_GROWING,
    OUTBOX_BACKLOG,
    PROJECTOR_DOWN,
)


@dataclass(frozen=True)
class RuleState:
    rule: Rule
    by_read_model: dict[str, float]

    @property
    def worst_read_model(self) -> str:
        return max(READ_MODELS, key=lambda name: self.by_read_model.get(name, 0))

    @property
    def value(self) -> float:
        return self.by_read_model.get(self.worst_read_model, 0)

    @property
    def firing(self) -> bool:
        return self.value > self.rule.threshold


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
        RuleState(OUTBOX_BACKLOG, _every_read_model(outbox_depth)),
        RuleState(PROJECTOR_DOWN, _every_read_model(unprocessed_by_stopped_projectors())),
    ]


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
