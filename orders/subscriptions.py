"""Which read models receive which events: the outbox writes one row per (event, subscriber).

Declared here, on the write side, as plain names, so that orders/ never imports readmodels/.
Every read model subscribes to every event type: each keeps a per-order "last applied
sequence number", and a subscriber that skipped some of an order's events could not tell a
gap from an event it never wanted.
"""

from collections.abc import Callable, Sequence

from django.conf import settings

from .domain.events import EVENT_TYPES, DomainEvent

READ_MODELS: tuple[str, ...] = (
    "order_summaries",
    "order_details",
    "order_search",
    "order_analytics",
)

SUBSCRIPTIONS: dict[str, frozenset[str]] = {
    read_model: frozenset(EVENT_TYPES) for read_model in READ_MODELS
}


def subscribers_of(event_type: str) -> list[str]:
    return [name for name, types in SUBSCRIPTIONS.items() if event_type in types]


# ---- synchronisation strategies ------------------------------------------------------------
# How each read model is kept in step with the write model (docs/sync-strategies.md):
#   outbox  an outbox row per event, relayed to a Celery projector (the default)
#   inline  projected inside the command's own transaction (strong consistency)
#   cdc     derived from the write tables' WAL by the CDC consumer; the app publishes nothing
OUTBOX, INLINE, CDC = "outbox", "inline", "cdc"
STRATEGIES = (OUTBOX, INLINE, CDC)


def strategy_of(read_model: str) -> str:
    return settings.READ_MODEL_STRATEGIES.get(read_model, OUTBOX)


def outbox_subscribers_of(event_type: str) -> list[str]:
    return [name for name in subscribers_of(event_type) if strategy_of(name) == OUTBOX]


def read_models_using(strategy: str) -> list[str]:
    return [name for name in READ_MODELS if strategy_of(name) == strategy]


# Inline projection runs inside the command's transaction. The read side registers how (the
# write side must not import it); an exception raised here rolls the whole command back.
_inline_projectors: list[Callable[[Sequence[DomainEvent]], None]] = []


def register_inline_projector(project: Callable[[Sequence[DomainEvent]], None]) -> None:
    if project not in _inline_projectors:
        _inline_projectors.append(project)


def run_inline_projectors(events: Sequence[DomainEvent]) -> None:
    """Run the projectors the read side registered for inline read models (none: nothing)."""
    for project in _inline_projectors:
        project(events)
