"""A socket's stream cursor under out-of-order arrival: order.pending comes from the web
process and order.projected from the workers, so a socket often hears position 12 just before
11. The cursor holds 12 back until 11 arrives, without reading the log; only a gap still open
after GAP_WAIT_SECONDS (Redis lost the message) is filled from the log. Before, every message
past a gap cost a database read on the socket's lock, and under load the web process's channel
queues overflowed behind those reads."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from readmodels.pipeline.push_log import Replay
from readmodels.push import resumption
from readmodels.push.resumption import StreamCursor

pytestmark = [pytest.mark.django_db(transaction=True)]


def message(position: int) -> dict:
    return {"type": "order.projected", "position": position}


@pytest.fixture
def log_reads(monkeypatch):
    """The log as read_since would answer it: positions 11 to 13 exist; each read recorded."""
    reads: list[int] = []

    def read_since(stream: str, since: int) -> Replay:
        reads.append(since)
        return Replay(13, [message(p) for p in range(since + 1, 14)])

    monkeypatch.setattr(resumption, "read_since", read_since)
    monkeypatch.setattr(resumption, "GAP_WAIT_SECONDS", 0.05)
    return reads


def cursor_at(position: int) -> tuple[StreamCursor, list[int]]:
    sent: list[int] = []

    async def send(payload: dict) -> None:
        sent.append(payload["position"])

    cursor = StreamCursor(SimpleNamespace(is_staff=True, pk=1), send=send)
    cursor.position = position
    return cursor, sent


async def test_messages_out_of_order_go_out_in_order_without_reading_the_log(log_reads):
    cursor, sent = cursor_at(10)

    await cursor.deliver(message(12))
    await cursor.deliver(message(13))
    assert sent == []  # held: 11 is missing
    await cursor.deliver(message(11))
    await asyncio.sleep(0.1)  # past the gap wait: nothing left to fill

    assert sent == [11, 12, 13]
    assert log_reads == []
    cursor.close()


async def test_a_gap_that_stays_open_is_filled_from_the_log_after_the_wait(log_reads):
    cursor, sent = cursor_at(10)

    await cursor.deliver(message(12))
    assert sent == []
    await asyncio.sleep(0.2)

    assert log_reads == [10]  # one read, once the wait was over
    assert sent == [11, 12, 13]  # the log's 11 to 13, in order; the held 12 not sent twice
    await cursor.deliver(message(12))  # a late duplicate is dropped
    assert sent == [11, 12, 13]
    cursor.close()
