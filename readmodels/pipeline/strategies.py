"""Wiring of the synchronisation strategies on the read side, checked at start-up.

The strategy names and the per-read-model setting live in orders/subscriptions.py (the write
side needs them to decide which outbox rows to write). Here: refusing a configuration that
cannot work, and registering the inline projector.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from orders.domain.events import DomainEvent
from orders.subscriptions import (
    INLINE,
    READ_MODELS,
    STRATEGIES,
    read_models_using,
    register_inline_projector,
)


def check_strategies() -> None:
    """Raise ImproperlyConfigured, naming the read model and the setting, for a bad config."""
    for name, strategy in settings.READ_MODEL_STRATEGIES.items():
        if name not in READ_MODELS:
            raise ImproperlyConfigured(
                f"READ_MODEL_STRATEGIES names an unknown read model {name!r}; "
                f"known: {', '.join(READ_MODELS)}."
            )
        if strategy not in STRATEGIES:
            raise ImproperlyConfigured(
                f"READ_MODEL_STRATEGIES gives {name} the unknown strategy {strategy!r}; "
                f"choose one of {', '.join(STRATEGIES)}."
            )
    if read_models_using(INLINE) and _separate_read_database():
        raise ImproperlyConfigured(
            f"{', '.join(read_models_using(INLINE))} uses the inline strategy "
            "(READ_MODEL_STRATEGIES), which updates read tables in the command's own "
            "transaction, but READ_DATABASE_URL puts the read tables in another database. "
            "Use the outbox or cdc strategy, or unset READ_DATABASE_URL."
        )


def _separate_read_database() -> bool:
    read = settings.DATABASES.get("read")
    if read is None:
        return False
    write = settings.DATABASES["default"]
    return any(read.get(key) != write.get(key) for key in ("HOST", "PORT", "NAME"))


def apply_to_inline_read_models(events: Sequence[DomainEvent]) -> None:
    """Apply a command's events to every inline read model, inside its transaction."""
    from readmodels.pipeline.projector import apply_events
    from readmodels.projections import get_projection

    by_order: dict = defaultdict(list)
    for event in events:
        by_order[event.order_id].append(event)
    for name in read_models_using(INLINE):
        for order_id, order_events in by_order.items():
            apply_events(get_projection(name), order_id, order_events)


def wire_strategies() -> None:
    check_strategies()
    register_inline_projector(apply_to_inline_read_models)
