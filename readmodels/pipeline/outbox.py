"""The outbox as the read side works it: the one module that moves outbox rows from state to
state. Others may read the states (lag, freshness, the journey); only these functions write
them.

    pending ──claim──▶ sent ──applied──▶ done
       ▲                 │
       └──retry (later)──┘  failed: retried later, or buried ──▶ dead
                                                        the order's later rows ──▶ parked
    parked ──unpark (after a replay)──▶ pending

Rows are created `pending` in the command's transaction (orders/event_log.py). A row `sent`
but still unfinished after the redelivery timeout is claimed again (at-least-once delivery;
the projector makes duplicates no-ops). Precondition of every function that changes rows:
inside the transaction that makes the change true (the claim's, the projector's, the
replay's, the rebuild's swap).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from django.db import connection
from django.utils import timezone

from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import ReadModelState
from readmodels.pipeline.prepared import prepared_cursor

OUTBOX = OutboxMessage._meta.db_table
EVENTS = Event._meta.db_table
UNFINISHED = [OutboxState.PENDING, OutboxState.SENT]

# ---- claim and send (the relay) -------------------------------------------------------------

# A read model's demo delay (staff's demo controls) holds its rows back here, in the outbox,
# rather than in a worker: a delayed row is not sent before it is due, so it occupies no worker
# process and delays no other read model (nor the periodic jobs queued behind it).
DEMO_DELAY = f"""
    coalesce(
        (SELECT make_interval(secs => delayed.demo_delay_ms / 1000.0)
         FROM {ReadModelState._meta.db_table} AS delayed
         WHERE delayed.name = o.read_model AND delayed.demo_delay_ms > 0),
        interval '0'
    )
"""

# Two claims rather than one query ordered by state: each of these is answered from the
# primary key or its partial index (outbox_pending_idx, outbox_sent_idx), where one query
# putting pending rows first would read and sort every due row (EXPLAIN on 100k rows).
CLAIM_PENDING_SQL = f"""
    SELECT o.id, o.read_model FROM {OUTBOX} AS o
    WHERE o.state = '{OutboxState.PENDING}' AND o.available_at + {DEMO_DELAY} <= now()
    ORDER BY o.id
    LIMIT %s
    FOR UPDATE OF o SKIP LOCKED
"""

CLAIM_REDELIVERIES_SQL = f"""
    SELECT id, read_model FROM {OUTBOX}
    WHERE state = '{OutboxState.SENT}' AND sent_at < now() - make_interval(secs => %s)
    ORDER BY id
    LIMIT %s
    FOR UPDATE SKIP LOCKED
"""

# Seconds until the earliest pending row is due: negative when one is overdue, NULL (None)
# when nothing is pending. (Clamping in SQL with GREATEST(0, …) would turn NULL into 0, an
# answer of "due now" that kept an idle relay polling without pause.)
NEXT_DUE_SQL = f"""
    SELECT EXTRACT(EPOCH FROM min(o.available_at + {DEMO_DELAY}) - now())
    FROM {OUTBOX} AS o WHERE o.state = '{OutboxState.PENDING}'
"""

MARK_SENT_SQL = f"""
    UPDATE {OUTBOX} AS o SET state = '{OutboxState.SENT}', sent_at = now()
    FROM {EVENTS} AS e WHERE o.id = ANY(%s) AND e.position = o.event_id
    RETURNING e.event_id, e.order_id, e.seq
"""


def claim_due_rows(cursor, *, batch_size: int, redelivery_timeout: float) -> list[tuple]:
    """Lock up to `batch_size` due rows, pending ones first; returns (id, read_model) pairs.
    Must run in the transaction that marks them sent: the locks are the claim."""
    claimed = _fetch(cursor, CLAIM_PENDING_SQL, [batch_size])
    if len(claimed) < batch_size:
        left = batch_size - len(claimed)
        claimed += _fetch(cursor, CLAIM_REDELIVERIES_SQL, [redelivery_timeout, left])
    return claimed


def mark_sent(cursor, row_ids: list[int]) -> set[tuple]:
    """Mark claimed rows sent; returns their events' (event_id, order_id, seq)."""
    cursor.execute(MARK_SENT_SQL, [row_ids])
    return set(cursor.fetchall())


def seconds_until_next_due() -> float | None:
    """How long until the next pending row is due (0 if one is overdue); None if none is
    pending. Rows already sent become due again only through the relay's polling."""
    with connection.cursor() as cursor:
        cursor.execute(NEXT_DUE_SQL)
        (seconds,) = cursor.fetchone()
    return None if seconds is None else max(0.0, float(seconds))


def _fetch(cursor, sql: str, params: list) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


# ---- done (the projector, the rebuild) ------------------------------------------------------


def mark_done_through(read_model: str, through: dict[UUID, int]) -> None:
    """Mark done every unfinished row of these orders up to their applied seq."""
    if not through:
        return
    order_ids = list(through)
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            f"""
            UPDATE {OUTBOX} AS o SET state = '{OutboxState.DONE}', done_at = now()
            FROM {EVENTS} AS e, unnest(%s::uuid[], %s::int[]) AS t(order_id, through)
            WHERE o.event_id = e.position AND e.order_id = t.order_id AND e.seq <= t.through
              AND o.read_model = %s AND o.state <> '{OutboxState.DONE}'
            """,
            [order_ids, [through[o] for o in order_ids], read_model],
        )


def mark_covered_done(cursor, read_model: str, row_table: str) -> int:
    """Rows of `read_model` whose event the rows of `row_table` cover are done, whatever state
    they were in (a rebuild applied their event), dead and parked ones included. Returns how
    many. Their dead letters stay open, for the replay to resolve as covered by the rebuild."""
    cursor.execute(
        f"""
        UPDATE {OUTBOX} AS o SET state = '{OutboxState.DONE}', done_at = now()
        FROM {EVENTS} AS e, "{row_table}" AS r
        WHERE o.event_id = e.position AND r.order_id = e.order_id AND e.seq <= r.seq
          AND o.read_model = %s AND o.state <> '{OutboxState.DONE}'
        """,
        [read_model],
    )
    return cursor.rowcount


def mark_done_where_applied(read_model: str, applied_seqs: Callable[[list[UUID]], dict]) -> int:
    """`mark_covered_done` for rows in another database (READ_DATABASE_URL), where no
    statement can join them: the unfinished rows of `read_model` are listed here,
    `applied_seqs(order_ids)` says how far each order's row has applied, and the rows it
    covers are done. Returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, e.order_id, e.seq FROM {OUTBOX} AS o"
            f" JOIN {EVENTS} AS e ON o.event_id = e.position"
            f" WHERE o.read_model = %s AND o.state <> '{OutboxState.DONE}'",
            [read_model],
        )
        unfinished = cursor.fetchall()
        applied = applied_seqs(list({order_id for _, order_id, _ in unfinished}))
        covered = [id_ for id_, order_id, seq in unfinished if seq <= applied.get(order_id, 0)]
        if not covered:
            return 0
        cursor.execute(
            f"UPDATE {OUTBOX} SET state = '{OutboxState.DONE}', done_at = now()"
            f" WHERE id = ANY(%s) AND state <> '{OutboxState.DONE}'",
            [covered],
        )
        return cursor.rowcount


# ---- failures: retry, bury, park and unpark -------------------------------------------------


def unfinished_after(read_model: str, order_id: UUID, seq: int):
    """The order's rows after `seq` that are still on their way (pending or sent)."""
    return OutboxMessage.objects.filter(
        read_model=read_model, event__order_id=order_id, event__seq__gt=seq, state__in=UNFINISHED
    )


def retry_later(message: OutboxMessage, at: datetime) -> None:
    """Set a failed row back to pending until `at`, and the order's later rows with it (they
    must not overtake it). Saves the row's state with its failure bookkeeping."""
    message.state = OutboxState.PENDING
    message.available_at = at
    unfinished_after(message.read_model, message.event.order_id, message.event.seq).update(
        state=OutboxState.PENDING, available_at=at
    )
    _save_failure(message)


def reschedule_after(read_model: str, order_id: UUID, seq: int, at: datetime) -> None:
    """The order's rows after `seq` wait until `at`, when its row `seq` is retried."""
    unfinished_after(read_model, order_id, seq).update(state=OutboxState.PENDING, available_at=at)


def bury(message: OutboxMessage) -> None:
    """A row the retry policy gave up on: dead, and the order's later rows parked behind it.
    Saves the row's state with its failure bookkeeping."""
    message.state = OutboxState.DEAD
    unfinished_after(message.read_model, message.event.order_id, message.event.seq).update(
        state=OutboxState.PARKED
    )
    _save_failure(message)


def park(read_model: str, order_ids: set[UUID]) -> None:
    """These orders wait behind a dead letter: their unfinished rows are parked."""
    if order_ids:
        OutboxMessage.objects.filter(
            read_model=read_model, event__order_id__in=order_ids, state__in=UNFINISHED
        ).update(state=OutboxState.PARKED)


def unpark(read_model: str, order_id: UUID) -> int:
    """Hand what waited behind a resolved dead letter back to the relay, due now."""
    return OutboxMessage.objects.filter(
        read_model=read_model, event__order_id=order_id, state=OutboxState.PARKED
    ).update(state=OutboxState.PENDING, available_at=timezone.now(), attempts=0)


def _save_failure(message: OutboxMessage) -> None:
    message.save(
        update_fields=["attempts", "first_failed_at", "last_error", "state", "available_at"]
    )
