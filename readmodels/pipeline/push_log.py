"""Positions for push messages: each user's stream is recorded in the database, so that a
client that missed messages (a dropped push, Redis flushed, a laptop asleep) gets them again.

Two kinds of stream: "customer:<id>" carries that customer's orders, "staff" carries every
order. A message gets the next position in each stream it belongs to, in the transaction
that causes it (a projector's, or a small one right after a command commits), and is kept in
`push_log` at that position for `PUSH_LOG_RETENTION_SECONDS`.

Positions are contiguous (1, 2, 3…) and in commit order per stream: a stream's row in
`push_streams` is locked from the moment a transaction takes positions until it commits. Every
writer locks the staff stream first, so writers never wait for each other in a cycle; the cost
is that the tails of the transactions that push (taking positions, their last statement, and
committing) run one at a time. docs/push-resumption.md has the figures.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from readmodels.models import PushLogEntry, PushStream
from readmodels.pipeline.prepared import prepared_cursor

STAFF_STREAM = "staff"


def customer_stream(customer_id: int) -> str:
    return f"customer:{customer_id}"


def streams_of(customer_id: int | None) -> list[str]:
    """The streams a message about this customer's order belongs to, staff first (lock order)."""
    if customer_id is None:
        return [STAFF_STREAM]
    return [STAFF_STREAM, customer_stream(customer_id)]


def pending_message(order_id, seq: int, read_models: list[str]) -> dict:
    return {"type": "order.pending", "orderId": str(order_id), "seq": seq, "behind": read_models}


def projected_message(order_id, seq: int, read_model: str) -> dict:
    return {
        "type": "order.projected",
        "orderId": str(order_id),
        "seq": seq,
        "readModel": read_model,
    }


def failed_message(order_id, seq: int, read_model: str) -> dict:
    return {"type": "order.failed", "orderId": str(order_id), "seq": seq, "readModel": read_model}


def _connection():
    return connections[router.db_for_write(PushStream)]


# One statement: take `wanted` positions in each stream (one row at a time, staff first: the
# upsert locks the rows in this order) and log each entry at its stream's first free position
# plus its `nth` - 1. Returns each stream's new last position.
RECORD_SQL = """
    WITH wanted AS (
        SELECT * FROM unnest(%(streams)s::text[], %(wanted)s::bigint[]) WITH ORDINALITY
            AS w(stream, wanted, n)
    ), taken AS (
        INSERT INTO push_streams AS s (stream, last_position)
        SELECT stream, wanted FROM wanted ORDER BY n
        ON CONFLICT (stream) DO UPDATE SET last_position = s.last_position + EXCLUDED.last_position
        RETURNING stream, last_position
    ), logged AS (
        INSERT INTO push_log (stream, position, message, recorded_at)
        SELECT e.stream, t.last_position - w.wanted + e.nth, e.message, now()
        FROM unnest(%(entry_streams)s::text[], %(entry_nths)s::bigint[], %(messages)s::jsonb[])
            AS e(stream, nth, message)
        JOIN taken AS t USING (stream) JOIN wanted AS w USING (stream)
    )
    SELECT stream, last_position FROM taken
"""


def record(messages: list[tuple[int | None, dict]]) -> list[dict[str, int]]:
    """Give each (customer id, public message) its positions and keep it in the log; returns,
    per message, {stream: position}. Call inside the transaction that causes the messages, as
    late in it as possible: the streams' rows stay locked until it ends."""
    if not messages:
        return []
    wanted: Counter[str] = Counter()
    entries: list[tuple[str, int, str]] = []  # (stream, nth in that stream, message)
    nths: list[dict[str, int]] = []  # per message: {stream: nth}
    for customer_id, message in messages:
        text = json.dumps(message)
        nths.append({})
        for stream in streams_of(customer_id):
            wanted[stream] += 1
            nths[-1][stream] = wanted[stream]
            entries.append((stream, wanted[stream], text))
    order = sorted(wanted, key=lambda stream: (stream != STAFF_STREAM, stream))
    with prepared_cursor(_connection()) as cursor:
        cursor.execute(
            RECORD_SQL,
            {
                "streams": order,
                "wanted": [wanted[stream] for stream in order],
                "entry_streams": [stream for stream, _, _ in entries],
                "entry_nths": [nth for _, nth, _ in entries],
                "messages": [text for _, _, text in entries],
            },
        )
        before = {stream: last - wanted[stream] for stream, last in cursor.fetchall()}
    return [{stream: before[stream] + nth for stream, nth in taken.items()} for taken in nths]


@dataclass(frozen=True)
class Replay:
    """What a client that saw `since` missed: `messages` in order (each with its position), or
    `refetch` set when the log cannot tell (too far back, or a position the stream never had)."""

    position: int  # the stream's last position
    messages: list[dict]
    refetch: str | None = None


def read_since(stream: str, since: int, limit: int | None = None) -> Replay:
    """The messages of `stream` after position `since`, up to the stream's end."""
    limit = settings.PUSH_REPLAY_LIMIT if limit is None else limit
    last = last_position(stream)
    if since > last:
        return Replay(last, [], refetch="unknown_position")
    if since == last:
        return Replay(last, [])
    if last - since > limit:
        return Replay(last, [], refetch="too_far_back")
    entries = list(
        PushLogEntry.objects.using(router.db_for_read(PushLogEntry))
        .filter(stream=stream, position__gt=since, position__lte=last)
        .order_by("position")
        .values_list("position", "message")
    )
    if len(entries) != last - since:
        return Replay(last, [], refetch="too_far_back")  # pruned by the retention job
    return Replay(last, [{**message, "position": position} for position, message in entries])


def last_position(stream: str) -> int:
    return (
        PushStream.objects.using(router.db_for_read(PushStream))
        .filter(stream=stream)
        .values_list("last_position", flat=True)
        .first()
    ) or 0


def delete_old_entries() -> int:
    """Forget messages older than the retention: a client that far behind is told to refetch."""
    cutoff = timezone.now() - timedelta(seconds=settings.PUSH_LOG_RETENTION_SECONDS)
    deleted, _ = PushLogEntry.objects.filter(recorded_at__lt=cutoff).delete()
    return deleted
