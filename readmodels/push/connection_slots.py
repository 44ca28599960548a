"""How many push sockets each user has open, across every web process: at most
settings.WS_MAX_CONNECTIONS_PER_USER.

Each open socket holds a slot: a member of the user's sorted set in Redis, scored with the
time its lease ends. The consumer renews its lease while the socket lives and gives the slot
back on disconnect; a process that dies without giving its slots back only holds them until
their leases end (WS_CONNECTION_LEASE_SECONDS), so crashed connections never lock a user out.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref

import redis.asyncio as redis
from django.conf import settings

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.Redis] = (
    weakref.WeakKeyDictionary()
)


def _client() -> redis.Redis:
    """One client per event loop (redis.asyncio connections belong to the loop they use)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = redis.Redis.from_url(settings.REDIS_URL)
    return client


def slots_key(user_id) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:ws-connections:{user_id}"


async def claim(user_id, connection_id: str) -> bool:
    """Take a slot for this connection; False (and nothing taken) when the user has no free
    slot. Two connections racing for the last slot may both be refused, never both let in."""
    key = slots_key(user_id)
    lease = settings.WS_CONNECTION_LEASE_SECONDS
    now = time.time()
    async with _client().pipeline(transaction=True) as pipe:
        pipe.zremrangebyscore(key, "-inf", now)  # leases of connections that died
        pipe.zadd(key, {connection_id: now + lease})
        pipe.zcard(key)
        pipe.expire(key, math.ceil(lease))
        _, _, open_count, _ = await pipe.execute()
    if open_count > settings.WS_MAX_CONNECTIONS_PER_USER:
        await release(user_id, connection_id)
        return False
    return True


async def renew(user_id, connection_id: str) -> None:
    key = slots_key(user_id)
    lease = settings.WS_CONNECTION_LEASE_SECONDS
    async with _client().pipeline(transaction=True) as pipe:
        pipe.zadd(key, {connection_id: time.time() + lease}, xx=True)
        pipe.expire(key, math.ceil(lease))
        await pipe.execute()


async def release(user_id, connection_id: str) -> None:
    await _client().zrem(slots_key(user_id), connection_id)
