"""A socket's place in its user's push stream: what makes the stream gap-free.

Redis delivers pushes at most once. The database has every one of them at its position
(readmodels/pipeline/push_log.py), so a socket forwards its stream strictly in position order:

* on (re)connect with `since`, it replays from the log what the client missed, then says
  `caught_up` with how many it replayed; with no `since` it says where the stream is;
* a live message past a gap is held back for up to GAP_WAIT_SECONDS: messages from the web
  processes (order.pending) and from the workers (order.projected) reach a socket out of
  position order all the time, and the missing one is usually just behind. Once the gap
  closes, the held messages go out in order; if it is still open when the wait is over
  (Redis lost the message), the missing ones are read from the log first. A live message
  already sent (replayed first) is dropped;
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

# How long a message past a gap waits for the missing one to arrive live before the log is
# read. Reading it at once cost a database round trip for most messages under load, on the
# socket's lock, and the queue of the web process's channels overflowed behind it.
GAP_WAIT_SECONDS = 0.25


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
        self._held: dict[int, dict] = {}  # live messages past a gap, by position
        self._gap_timer: asyncio.Task | None = None

    async def resume(self, since: int | None) -> None:
        async with self._lock:
            if since is None:
                self._move_to(await database_sync_to_async(last_position)(self.stream))
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
            self._move_to(replay.position)
            await self._send(
                {"type": "caught_up", "position": replay.position, "replayed": len(replay.messages)}
            )
            await self._send_held()  # live ones that arrived past the replay, if they follow on
            logger.info(
                "push stream resumed: %d messages replayed in %.1f ms",
                len(replay.messages),
                (time.perf_counter() - started) * 1000,
                extra={"stream": self.stream, "since": since},
            )

    async def deliver(self, message: dict) -> None:
        """Forward a live message in order; one past a gap waits for the gap to close."""
        async with self._lock:
            if self.position is None or message["position"] <= self.position:
                return  # sent already (replayed), or the socket is not resumed yet
            self._held[message["position"]] = message
            await self._send_held()
            if self._held and (self._gap_timer is None or self._gap_timer.done()):
                self._gap_timer = asyncio.create_task(self._fill_gap_later())

    async def check_for_missed(self) -> None:
        async with self._lock:
            if self.position is not None:
                await self._fill()

    def close(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.cancel()

    def _move_to(self, position: int) -> None:
        """The socket has sent its stream up to `position` (a replay or the log): held messages
        up to there went out with it."""
        self.position = position
        self._held = {at: held for at, held in self._held.items() if at > position}

    async def _send_held(self) -> None:
        """Send the held messages that follow on without a gap."""
        while (message := self._held.pop(self.position + 1, None)) is not None:
            await self._send(message)
            self.position = message["position"]

    async def _fill_gap_later(self) -> None:
        await asyncio.sleep(GAP_WAIT_SECONDS)
        async with self._lock:
            if self._held:  # still open: Redis lost what is missing (if the log cannot be
                await self._fill()  # read now, the next check or message tries again)
            if self._held:
                self._gap_timer = asyncio.create_task(self._fill_gap_later())

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
        self._move_to(max(self.position, replay.position))
        await self._send_held()
        return True

    async def _refetch(self, replay: Replay) -> None:
        self._move_to(replay.position)
        await self._send({"type": "refetch", "position": replay.position, "reason": replay.refetch})
