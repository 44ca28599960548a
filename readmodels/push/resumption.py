"""A socket's place in its user's push stream: what makes the stream gap-free.

Redis delivers pushes at most once. The database has every one of them at its position
(readmodels/pipeline/push_log.py), so a socket forwards its stream strictly in position order:

* on (re)connect with `since`, it replays from the log what the client missed, then says
  `caught_up` with how many it replayed; with no `since` it says where the stream is;
* a live message past a gap (Redis lost the ones between) is preceded by the missing ones,
  read from the log; a live message already sent (replayed first) is dropped;
* every PUSH_CHECK_SECONDS it asks the log whether the stream moved past what it sent (the
  lost message was the last one, or Redis lost the socket's group membership), and sends the
  rest;
* when the log cannot say (too far back, or a position this stream never had) it says
  `refetch`, and the client loads what it shows again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from readmodels.pipeline.push_log import (
    STAFF_STREAM,
    Replay,
    customer_stream,
    last_position,
    read_since,
)

logger = logging.getLogger(__name__)

INVALID = -1  # a `since` that is not a position: answered with refetch


def requested_since(scope: dict) -> int | None:
    """The `since` of the socket's query string: None when absent, INVALID when malformed."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("since")
    if not values:
        return None
    return _position(values[0])


def resume_request(text: str | None) -> int | None:
    """The position of a client's `{"type": "resume", "since": N}`, else None."""
    try:
        request = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(request, dict) or request.get("type") != "resume":
        return None
    return _position(request.get("since"))


def _position(value) -> int:
    try:
        position = int(value)
    except (TypeError, ValueError):
        return INVALID
    return position if position >= 0 else INVALID


class StreamCursor:
    def __init__(self, user, send: Callable[[dict], Awaitable[None]]):
        self.stream = STAFF_STREAM if user.is_staff else customer_stream(user.pk)
        self.position: int | None = None  # the last position sent on this socket
        self._send = send
        self._lock = asyncio.Lock()  # replays and live messages go out one at a time, in order

    async def resume(self, since: int | None) -> None:
        async with self._lock:
            if since is None:
                self.position = await database_sync_to_async(last_position)(self.stream)
                await self._send({"type": "caught_up", "position": self.position, "replayed": 0})
                return
            if since == INVALID:
                position = await database_sync_to_async(last_position)(self.stream)
                await self._refetch(Replay(position, [], refetch="invalid_position"))
                return
            started = time.perf_counter()
            replay = await database_sync_to_async(read_since)(self.stream, since)
            if replay.refetch:
                await self._refetch(replay)
                return
            for message in replay.messages:
                await self._send(message)
            self.position = replay.position
            await self._send(
                {"type": "caught_up", "position": replay.position, "replayed": len(replay.messages)}
            )
            logger.info(
                "push stream resumed: %d messages replayed in %.1f ms",
                len(replay.messages),
                (time.perf_counter() - started) * 1000,
                extra={"stream": self.stream, "since": since},
            )

    async def deliver(self, message: dict) -> None:
        """Forward a live message in order: fill the gap before it from the log first."""
        async with self._lock:
            if self.position is None or message["position"] <= self.position:
                return  # sent already (replayed), or the socket is not resumed yet
            if message["position"] > self.position + 1 and not await self._fill():
                return  # the log cannot be read now: the next check sends it in order
            if message["position"] == self.position + 1:
                await self._send(message)
                self.position = message["position"]

    async def check_for_missed(self) -> None:
        async with self._lock:
            if self.position is not None:
                await self._fill()

    async def _fill(self) -> bool:
        """Send what the log has past this socket's position; False if it could not be read."""
        try:
            replay = await database_sync_to_async(read_since)(self.stream, self.position)
        except Exception as error:  # database away: try again at the next check
            logger.warning("push stream: could not read the log: %r", error)
            return False
        if replay.refetch:
            await self._refetch(replay)
            return True
        if replay.messages:
            logger.info(
                "push stream: %d missed messages replayed",
                len(replay.messages),
                extra={"stream": self.stream},
            )
        for message in replay.messages:
            await self._send(message)
        self.position = max(self.position, replay.position)
        return True

    async def _refetch(self, replay: Replay) -> None:
        self.position = replay.position
        await self._send({"type": "refetch", "position": replay.position, "reason": replay.refetch})
