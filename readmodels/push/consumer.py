"""WebSocket consumer for /ws/orders/: subscribes and forwards, nothing else.

Logged-in users only. Customers join their own group, staff the staff group; pushes come from
readmodels/push/sender.py through the channel layer. The socket forwards its stream's messages
in position order with no gap (readmodels/push/resumption.py): what Redis lost is replayed from
the database, and a client that reconnects with `?since=<position>` gets what it missed.

Limits (docs/push-protocol.md, "Limits"): at most WS_MAX_CONNECTIONS_PER_USER sockets per
user (readmodels/push/connection_slots.py), inbound messages of at most WS_MAX_INBOUND_BYTES (the
protocol is server → client only), and a socket with no traffic either way for
WS_IDLE_TIMEOUT_SECONDS is closed.

A socket lives no longer than its session (readmodels/push/session_end.py): it also joins its
user's own group, where logout, deactivation and a change of role send `session.ended`,
and it re-checks its session every WS_SESSION_CHECK_SECONDS; either way it closes with 4401.
"""

from __future__ import annotations

import asyncio
import logging
import math

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from readmodels.push import connection_slots
from readmodels.push.resumption import StreamCursor, requested_since, resume_request
from readmodels.push.sender import STAFF_GROUP, customer_group, renew_membership
from readmodels.push.session_end import session_still_valid, user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_IDLE = 4408
CLOSE_TOO_MANY_CONNECTIONS = 4429
CLOSE_MESSAGE_TOO_BIG = 1009  # RFC 6455


class OrderUpdatesConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    own_group: str | None = None  # the user's own group: session.ended arrives there
    slot_holder = None  # the user id whose connection slot this socket holds
    session_key: str | None = None
    is_staff = False
    watchdog: asyncio.Task | None = None
    memberships: tuple[asyncio.Task, ...] = ()  # renew the group memberships (they expire)
    cursor: StreamCursor | None = None  # where this socket's stream has been forwarded to

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
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.is_staff = user.is_staff
        self.own_group = user_group(user.pk)
        self.group = STAFF_GROUP if user.is_staff else customer_group(user.pk)
        for group in (self.own_group, self.group):
            await self.channel_layer.group_add(group, self.channel_name)
        self.memberships = tuple(
            asyncio.create_task(renew_membership(self.channel_layer, group, self.channel_name))
            for group in (self.own_group, self.group)
        )
        await self.accept()
        self._touch()
        self.cursor = StreamCursor(user, send=self._send_public)
        await self.cursor.resume(requested_since(self.scope))
        self.watchdog = asyncio.create_task(self._watch())

    async def disconnect(self, code):
        if self.watchdog is not None:
            self.watchdog.cancel()
        if self.cursor is not None:
            self.cursor.close()
        await self._leave_groups()
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
        since = resume_request(message.get("text"))
        if since is not None and self.cursor is not None:
            await self.cursor.resume(since)  # the client saw a gap, or wants it again

    async def order_pending(self, message):
        await self._forward(message)

    async def order_projected(self, message):
        await self._forward(message)

    async def order_failed(self, message):
        await self._forward(message)

    async def session_ended(self, message):
        """Logout (of this socket's session, or all of the user's), deactivation or a new
        role: stop listening at once, then close as "not logged in"."""
        if message.get("sessionKey") in (None, self.session_key):
            await self._end_session()

    async def _end_session(self) -> None:
        await self._leave_groups()
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _leave_groups(self) -> None:
        for task in self.memberships:
            task.cancel()
        self.memberships = ()
        for group in (self.group, self.own_group):
            if group is not None:
                await self.channel_layer.group_discard(group, self.channel_name)
        self.group = self.own_group = None

    async def _forward(self, message: dict) -> None:
        if self.cursor is not None and message.get("position") is not None:
            await self.cursor.deliver(_public(message))
        else:
            await self._send_public(_public(message))

    async def _send_public(self, message: dict) -> None:
        self._touch()
        await self.send_json(message)

    # ---- idle timeout and slot lease --------------------------------------------------------

    def _touch(self) -> None:
        self.last_traffic = asyncio.get_running_loop().time()

    async def _watch(self) -> None:
        """Close the socket once idle or once its session has ended; meanwhile keep renewing
        its connection slot."""
        loop = asyncio.get_running_loop()
        idle_timeout = settings.WS_IDLE_TIMEOUT_SECONDS or math.inf  # 0: never idle out
        renew_every = settings.WS_CONNECTION_LEASE_SECONDS / 3
        check_every = settings.WS_SESSION_CHECK_SECONDS or math.inf  # 0: never
        stream_check_every = settings.PUSH_CHECK_SECONDS or math.inf  # 0: never
        next_renewal = loop.time() + renew_every
        next_check = loop.time() + check_every
        next_stream_check = loop.time() + stream_check_every
        while True:
            now = loop.time()
            idle_until = self.last_traffic + idle_timeout
            if now >= idle_until:
                await self.close(code=CLOSE_IDLE)
                return
            if now >= next_check:
                next_check = now + check_every
                if not await self._session_still_valid():
                    await self._end_session()
                    return
            if now >= next_stream_check:
                next_stream_check = now + stream_check_every
                await self.cursor.check_for_missed()  # pushes Redis lost, or never sent
            if now >= next_renewal:
                next_renewal = now + renew_every
                try:
                    await connection_slots.renew(self.slot_holder, self.channel_name)
                except Exception as error:  # Redis away: the slot may lapse, the socket stays
                    logger.warning("push socket: could not renew its slot: %r", error)
            wake_at = min(idle_until, next_renewal, next_check, next_stream_check)
            await asyncio.sleep(wake_at - loop.time())

    async def _session_still_valid(self) -> bool:
        try:
            return await database_sync_to_async(session_still_valid)(
                self.session_key, user_id=self.slot_holder, is_staff=self.is_staff
            )
        except Exception as error:  # database away: keep the socket, check again later
            logger.warning("push socket: could not re-check its session: %r", error)
            return True


def _public(message: dict) -> dict:
    return {key: value for key, value in message.items() if key != "customerId"}
