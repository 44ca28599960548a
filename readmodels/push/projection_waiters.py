"""Lets many requests wait for projections without a database connection each.

One listener task per web process subscribes to the channel layer's projections group; a
waiting request registers an asyncio.Event for (read model, order) and sleeps on it. The
request re-checks the database only when woken (or every `RECHECK_SECONDS`, in case a push
was lost: Channels delivery is at most once), never in a tight loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from uuid import UUID

from channels.layers import get_channel_layer

from readmodels.push.sender import PROJECTIONS_GROUP, renew_membership

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 0.5


class ProjectionWaiters:
    def __init__(self):
        self._waiting: dict[tuple[str, str], set[asyncio.Event]] = defaultdict(set)
        self._listener: asyncio.Task | None = None

    async def wait(self, read_model: str, order_id: UUID, timeout: float) -> None:
        """Return when that order is projected in that read model, or after `timeout`."""
        self._ensure_listening()
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

    def _ensure_listening(self) -> None:
        loop = asyncio.get_running_loop()
        if self._listener is None or self._listener.done() or self._listener.get_loop() != loop:
            self._listener = loop.create_task(self._listen())

    async def _listen(self) -> None:
        layer = get_channel_layer()
        # The default prefix, the one the WebSocket consumers' channels have: channels_redis
        # lets one receive() at a time read the Redis list of a process's channels *of one
        # prefix* and sort what it reads into their buffers. A channel of its own prefix
        # made this listener, while it held that turn, block on a list the sockets' messages
        # never reach: their pushes waited behind it, filled their list and were dropped.
        channel = await layer.new_channel()
        await layer.group_add(PROJECTIONS_GROUP, channel)
        membership = asyncio.create_task(renew_membership(layer, PROJECTIONS_GROUP, channel))
        try:
            while True:
                message = await layer.receive(channel)
                for woken in self._waiting.get((message["readModel"], message["orderId"]), ()):
                    woken.set()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("projection listener stopped; waiters fall back to re-checks")
        finally:
            membership.cancel()
            await layer.group_discard(PROJECTIONS_GROUP, channel)


waiters = ProjectionWaiters()
