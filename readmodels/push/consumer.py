"""WebSocket consumer for /ws/orders/: subscribes and forwards, nothing else.

Logged-in users only. Customers join their own group, staff the staff group; pushes come from
readmodels/push/sender.py through the channel layer. Delivery is at most once: a client re-fetches
what it shows after every (re)connect.

Limits (docs/push-protocol.md, "Limits"): at most WS_MAX_CONNECTIONS_PER_USER sockets per
user (readmodels/push/connection_slots.py), inbound messages of at most WS_MAX_INBOUND_BYTES (the
protocol is server → client only), and a socket with no traffic either way for
WS_IDLE_TIMEOUT_SECONDS is closed.
"""

from __future__ import annotations

import asyncio
import logging
import math

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from readmodels.push import connection_slots
from readmodels.push.sender import STAFF_GROUP, customer_group, renew_membership

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_IDLE = 4408
CLOSE_TOO_MANY_CONNECTIONS = 4429
CLOSE_MESSAGE_TOO_BIG = 1009  # RFC 6455


class OrderUpdatesConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    slot_holder = None  # the user id whose connection slot this socket holds
    watchdog: asyncio.Task | None = None
    membership: asyncio.Task | None = None  # renews the group membership (it expires)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await connection_slots.claim(user.pk, self.channel_name):
            # Accepted first, so that the browser sees the close code (a handshake refused
            # before acceptance reaches it as a bare 403).
            await self.accept()
            await self.close(code=CLOSE_TOO_MANY_CONNECTIONS)
            return
        self.slot_holder = user.pk
        self.group = STAFF_GROUP if user.is_staff else customer_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.membership = asyncio.create_task(
            renew_membership(self.channel_layer, self.group, self.channel_name)
        )
        await self.accept()
        self._touch()
        self.watchdog = asyncio.create_task(self._watch())

    async def disconnect(self, code):
        for task in (self.watchdog, self.membership):
            if task is not None:
                task.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.slot_holder is not None:
            await connection_slots.release(self.slot_holder, self.channel_name)

    async def websocket_receive(self, message):
        """Clients have nothing to say: anything small is ignored, anything larger closes."""
        if message.get("text") is not None:
            size = len(message["text"].encode())
        else:
            size = len(message.get("bytes") or b"")
        if size > settings.WS_MAX_INBOUND_BYTES:
            await self.close(code=CLOSE_MESSAGE_TOO_BIG)
            return
        self._touch()

    async def order_pending(self, message):
        await self._forward(message)

    async def order_projected(self, message):
        await self._forward(message)

    async def order_failed(self, message):
        await self._forward(message)

    async def _forward(self, message: dict) -> None:
        self._touch()
        await self.send_json(_public(message))

    # ---- idle timeout and slot lease --------------------------------------------------------

    def _touch(self) -> None:
        self.last_traffic = asyncio.get_running_loop().time()

    async def _watch(self) -> None:
        """Close the socket once idle; meanwhile keep renewing its connection slot."""
        loop = asyncio.get_running_loop()
        idle_timeout = settings.WS_IDLE_TIMEOUT_SECONDS or math.inf  # 0: never idle out
        renew_every = settings.WS_CONNECTION_LEASE_SECONDS / 3
        next_renewal = loop.time() + renew_every
        while True:
            now = loop.time()
            idle_until = self.last_traffic + idle_timeout
            if now >= idle_until:
                await self.close(code=CLOSE_IDLE)
                return
            if now >= next_renewal:
                next_renewal = now + renew_every
                try:
                    await connection_slots.renew(self.slot_holder, self.channel_name)
                except Exception as error:  # Redis away: the slot may lapse, the socket stays
                    logger.warning("push socket: could not renew its slot: %r", error)
            await asyncio.sleep(min(idle_until, next_renewal) - now)


def _public(message: dict) -> dict:
    return {key: value for key, value in message.items() if key != "customerId"}
