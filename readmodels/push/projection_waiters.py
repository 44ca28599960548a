"""Lets many requests wait for projections without a database connection each.

One listener per web process holds a channel; a waiting request registers an asyncio.Event
for (read model, order) and sleeps on it. The channel joins the order's projections group
(`projections_group`) while a request of this process waits for that order (`listening`,
entered before the request first checks the database, so that a projection committed between
that check and the wait is heard too), and leaves it after the last one: projections of
orders nobody waits for reach no web process (before, every web process heard every
projection, four per command, and their queues overflowed under load). The request
re-checks the database only when woken (or every `RECHECK_SECONDS`, in case a push was
lost: Channels delivery is at most once), never in a tight loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from contextlib import asynccontextmanager
from uuid import UUID

from channels.layers import get_channel_layer

from readmodels.push.sender import projections_group

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 0.5


class ProjectionWaiters:
    def __init__(self):
        self._waiting: dict[tuple[str, str], set[asyncio.Event]] = defaultdict(set)
        self._orders_waited_for: Counter[str] = Counter()
        self._listener: asyncio.Task | None = None
        self._channel: asyncio.Future[str] | None = None

    @asynccontextmanager
    async def listening(self, order_id: UUID):
        """For the block, this process hears that order's projections (wait() inside it)."""
        try:
            channel = await self._listening_channel()
        except Exception:  # no listener (Redis away): the caller's re-checks still work
            channel = None
        order = str(order_id)
        await self._join(order, channel)
        try:
            yield
        finally:
            await self._leave(order, channel)

    async def wait(self, read_model: str, order_id: UUID, timeout: float) -> None:
        """Inside listening(order_id): return when that order is projected in that read
        model, or after `timeout` (at most RECHECK_SECONDS)."""
        key = (read_model, str(order_id))
        woken = asyncio.Event()
        self._waiting[key].add(woken)
        try:
            await asyncio.wait_for(woken.wait(), timeout=min(timeout, RECHECK_SECONDS))
        except TimeoutError:
            pass
        finally:
            self._waiting[key].discard(woken)
            if not self._waiting[key]:
                del self._waiting[key]

    async def _join(self, order: str, channel: str | None) -> None:
        self._orders_waited_for[order] += 1
        if channel is None or self._orders_waited_for[order] > 1:
            return
        try:
            await get_channel_layer().group_add(projections_group(order), channel)
        except Exception as error:  # Redis away: the caller's re-checks still work
            logger.warning("could not join %s: %r", projections_group(order), error)

    async def _leave(self, order: str, channel: str | None) -> None:
        self._orders_waited_for[order] -= 1
        if self._orders_waited_for[order] > 0:
            return
        del self._orders_waited_for[order]
        if channel is None:
            return
        try:
            await get_channel_layer().group_discard(projections_group(order), channel)
        except Exception as error:  # Redis away: the membership expires by itself
            logger.warning("could not leave %s: %r", projections_group(order), error)

    async def _listening_channel(self) -> str:
        loop = asyncio.get_running_loop()
        if self._listener is None or self._listener.done() or self._listener.get_loop() != loop:
            self._channel = loop.create_future()
            self._listener = loop.create_task(self._listen(self._channel))
        return await asyncio.shield(self._channel)

    async def _listen(self, channel_ready: asyncio.Future) -> None:
        layer = get_channel_layer()
        # The default prefix, the one the WebSocket consumers' channels have: channels_redis
        # lets one receive() at a time read the Redis list of a process's channels *of one
        # prefix* and sort what it reads into their buffers. A channel of its own prefix
        # made this listener, while it held that turn, block on a list the sockets' messages
        # never reach: their pushes waited behind it, filled their list and were dropped.
        try:
            channel_ready.set_result(await layer.new_channel())
            while True:
                message = await layer.receive(channel_ready.result())
                for woken in self._waiting.get((message["readModel"], message["orderId"]), ()):
                    woken.set()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("projection listener stopped; waiters fall back to re-checks")
            if not channel_ready.done():
                channel_ready.set_exception(RuntimeError("no projection listener"))


waiters = ProjectionWaiters()
