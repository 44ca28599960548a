"""What one delivery to a projector asks it to do, read in one statement: the orders and seqs of
the delivered outbox rows that are due, the relayed rows queued behind them, and staff's demo
controls for the read model.

A projector task pays this statement once, whatever it holds; three separate look-ups were a
good part of a one-row task's fixed cost (docs/benchmarks.md). It runs before the projector's
transaction, like the look-ups it replaces: everything it returns is only a wish list, checked
again under the orders' locks (the row's seq, dead letters, retry times).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from django.conf import settings
from django.db import connection
from django.utils import timezone

from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import ReadModelState
from readmodels.pipeline.demo_controls import Controls
from readmodels.pipeline.prepared import prepared_cursor

OUTBOX = OutboxMessage._meta.db_table
EVENTS = Event._meta.db_table

# Due: sent, or pending and past its retry time (a pending row's delivery is early otherwise).
# "Now" is this process's clock, which set the retry times (outbox.retry_later); the
# database's now() would be when an enclosing transaction began.
# Queued: the oldest relayed, unfinished rows of the read model (outbox_model_idx); read only
# when something is due. The controls come along on every row (there is at most one per order).
DUE_WORK_SQL = f"""
    WITH due AS (
        SELECT e.order_id, e.seq FROM {OUTBOX} AS o JOIN {EVENTS} AS e ON e.position = o.event_id
        WHERE o.id = ANY(%(ids)s::bigint[]) AND o.read_model = %(read_model)s
          AND (o.state = '{OutboxState.SENT}'
               OR (o.state = '{OutboxState.PENDING}' AND o.available_at <= %(now)s))
    ), queued AS (
        SELECT e.order_id, e.seq FROM (
            SELECT event_id, created_at FROM {OUTBOX}
            WHERE read_model = %(read_model)s AND state = '{OutboxState.SENT}'
              AND EXISTS (SELECT FROM due)
            ORDER BY created_at LIMIT %(queued_limit)s
        ) AS o JOIN {EVENTS} AS e ON e.position = o.event_id
    ), work AS (
        SELECT true AS delivered, order_id, seq FROM due
        UNION ALL SELECT false, order_id, seq FROM queued
    )
    SELECT w.delivered, w.order_id, w.seq,
           c.demo_delay_ms, c.fail_next_event, c.poisoned_event_id
    FROM work AS w LEFT JOIN {ReadModelState._meta.db_table} AS c ON c.name = %(read_model)s
"""


@dataclass(frozen=True)
class DueWork:
    targets: dict[UUID, int] = field(default_factory=dict)  # {order: latest due seq}
    queued: dict[UUID, int] = field(default_factory=dict)  # {order: latest queued seq}
    controls: Controls = Controls()


def due_work(read_model: str, message_ids: list[int]) -> DueWork:
    """The work behind these outbox rows of `read_model`; no targets if none is due (a
    duplicate or early delivery). Queued work is limited by PROJECTOR_QUEUED_WORK_LIMIT."""
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            DUE_WORK_SQL,
            {
                "ids": list(message_ids),
                "read_model": read_model,
                "queued_limit": settings.PROJECTOR_QUEUED_WORK_LIMIT,
                "now": timezone.now(),
            },
        )
        rows = cursor.fetchall()
    if not rows:
        return DueWork()
    targets: dict[UUID, int] = defaultdict(int)
    queued: dict[UUID, int] = defaultdict(int)
    for delivered, order_id, seq, *_ in rows:
        latest = targets if delivered else queued
        latest[order_id] = max(latest[order_id], seq)
    delay_ms, fail_next_event, poisoned_event_id = rows[0][3:]
    controls = Controls(delay_ms or 0, bool(fail_next_event), poisoned_event_id)
    return DueWork(dict(targets), dict(queued), controls)
