"""Appends events to the log, writes the outbox rows owed to each subscribing read model, and
runs the inline projections (read models that use the inline strategy).

Precondition for `append`: called inside the command's transaction, so the events, the outbox
rows and the order's new state commit together or not at all.
"""

from collections.abc import Sequence

from .domain.events import DomainEvent
from .models import Event, OutboxMessage
from .subscriptions import outbox_subscribers_of, project_inline


def append(events: Sequence[DomainEvent]) -> list[Event]:
    rows = Event.objects.bulk_create(
        Event(
            event_id=event.event_id,
            order_id=event.order_id,
            seq=event.seq,
            event_type=event.event_type,
            schema_version=event.schema_version,
            occurred_at=event.occurred_at,
            data=event.data(),
        )
        for event in events
    )
    OutboxMessage.objects.bulk_create(
        OutboxMessage(event=row, read_model=read_model)
        for row in rows
        for read_model in outbox_subscribers_of(row.event_type)
    )
    project_inline(events)
    return rows
