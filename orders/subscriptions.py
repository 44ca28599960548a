"""Which read models receive which events: the outbox writes one row per (event, subscriber).

Declared here, on the write side, as plain names, so that orders/ never imports readmodels/.
Every read model subscribes to every event type: each keeps a per-order "last applied
sequence number", and a subscriber that skipped some of an order's events could not tell a
gap from an event it never wanted.
"""

from .domain.events import EVENT_TYPES

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
