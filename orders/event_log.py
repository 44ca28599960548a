"""Appends events to the log, writes the outbox rows owed to each subscribing read model, and
runs the inline projections (read models that use the inline strategy).

Precondition for `append`: called inside the command's transaction, so the events, the outbox
rows and the order's new state commit together or not at all.
"""

from collections.abc import Sequence

from django.db import connection
from psycopg.types.json import Jsonb

from .domain.events import DomainEvent
from .subscriptions import outbox_subscribers_of, run_inline_projectors

# One statement, one round trip: the events, and for each the outbox rows of its subscribers
# (`owed`), which need the positions PostgreSQL gives the events. A concurrent writer of the
# same order collides on (order_id, seq) here and the whole command rolls back.
APPEND_SQL = """
    WITH appended AS (
        INSERT INTO orders_event
               (event_id, order_id, seq, event_type, schema_version, occurred_at, data)
        SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::int[], %s::text[], %s::smallint[],
                             %s::timestamptz[], %s::jsonb[])
        RETURNING position, event_type
    )
    INSERT INTO orders_outboxmessage (event_id, read_model, state, attempts, last_error)
    SELECT appended.position, owed.read_model, 'pending', 0, ''
    FROM appended
    JOIN unnest(%s::text[], %s::text[]) AS owed(event_type, read_model)
      ON owed.event_type = appended.event_type
    ORDER BY appended.position
"""


def append(events: Sequence[DomainEvent]) -> None:
    owed = [
        (event_type, read_model)
        for event_type in {event.event_type for event in events}
        for read_model in outbox_subscribers_of(event_type)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            APPEND_SQL,
            [
                [event.event_id for event in events],
                [event.order_id for event in events],
                [event.seq for event in events],
                [event.event_type for event in events],
                [event.schema_version for event in events],
                [event.occurred_at for event in events],
                [Jsonb(event.data()) for event in events],
                [event_type for event_type, _ in owed],
                [read_model for _, read_model in owed],
            ],
        )
    run_inline_projectors(events)
