"""Push over Channels with the real Redis layer: owners hear about their orders (pending,
then projected once per read model), nobody else does, and strangers cannot connect."""

import asyncio
import uuid

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.test import Client

from config.asgi import application
from orders.subscriptions import READ_MODELS
from readmodels.push.projection_waiters import waiters
from readmodels.push.sender import projections_group, push_order_projected, renew_membership

pytestmark = [pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def connect(
    cookie: str | None,
    origin: str = "http://localhost:8000",
    query: str = "",
    skip_greeting: bool = True,
):
    """Open a push socket; unless told otherwise, read the `caught_up` a socket opened without
    a position starts with (docs/push-resumption.md), so that pushes come next."""
    headers = [(b"origin", origin.encode()), (b"host", b"localhost:8000")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    path = f"/ws/orders/?{query}" if query else "/ws/orders/"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    if connected and skip_greeting:
        assert (await communicator.receive_json_from(timeout=5))["type"] == "caught_up"
    return communicator, connected


@pytest.mark.slow
async def test_owner_hears_pending_then_each_projection_and_others_hear_nothing(
    processes, alice, bob, place_order_as
):
    # Given: alice and bob connected, and a running pipeline
    await sync_to_async(processes.start_worker)()
    await sync_to_async(processes.start_relay)()
    alice_socket, alice_in = await connect(await sync_to_async(session_cookie)(alice))
    bob_socket, bob_in = await connect(await sync_to_async(session_cookie)(bob))
    assert alice_in and bob_in

    # When: alice places an order
    placed = await sync_to_async(place_order_as)(alice)
    order_id = str(placed.order.order_id)

    # Then: alice hears it is pending, then projected by every read model once
    pending = await alice_socket.receive_json_from(timeout=5)
    assert pending == {
        "type": "order.pending",
        "orderId": order_id,
        "seq": 1,
        "behind": sorted(READ_MODELS),
        "position": 1,
    }
    projected = [await alice_socket.receive_json_from(timeout=10) for _ in READ_MODELS]
    assert {(m["type"], m["orderId"], m["seq"]) for m in projected} == {
        ("order.projected", order_id, 1)
    }
    assert sorted(m["readModel"] for m in projected) == sorted(READ_MODELS)
    # ...and bob hears nothing at all
    assert await bob_socket.receive_nothing(timeout=1)
    await asyncio.gather(alice_socket.disconnect(), bob_socket.disconnect())


async def test_anonymous_connections_are_refused():
    socket, connected = await connect(cookie=None)
    assert not connected
    await socket.disconnect()


async def test_connections_from_a_foreign_origin_are_refused(alice):
    cookie = await sync_to_async(session_cookie)(alice)
    socket, connected = await connect(cookie, origin="https://evil.example")
    assert not connected
    await socket.disconnect()


async def test_a_socket_hears_its_pushes_while_read_your_writes_waits_are_listening():
    """The waiters' listener and the sockets share one web process's channel layer, and
    channels_redis reads a process's messages one receive() at a time: the listener must not
    hold that turn on a list the sockets' messages never reach."""
    # Given: a read-your-writes wait has started this process's projection listener
    order_id = uuid.uuid4()
    async with waiters.listening(order_id):
        await waiters.wait("order_summaries", order_id, timeout=0.1)
    layer = get_channel_layer()
    socket_channel = await layer.new_channel()
    group = f"test-{uuid.uuid4().hex}"
    await layer.group_add(group, socket_channel)

    # When: a push is sent to the socket's group
    await layer.group_send(group, {"type": "order.pending", "orderId": "x", "seq": 1})

    # Then: the socket receives it at once, not whenever the next projection comes by
    message = await asyncio.wait_for(layer.receive(socket_channel), timeout=3)
    assert message["type"] == "order.pending"
    await layer.group_discard(group, socket_channel)


async def test_group_members_renew_their_membership_before_it_expires(monkeypatch):
    """Memberships expire (the channels of a dead web process leave every group); a live
    member renews its own, so it keeps hearing its group however long it lives."""
    # Given: a layer whose memberships expire after 1 s, and a member that renews
    monkeypatch.setattr("readmodels.push.sender.group_renewal_seconds", lambda: 0.3)
    layer = RedisChannelLayer(hosts=[settings.REDIS_URL], group_expiry=1)
    group = f"test-{uuid.uuid4().hex}"
    renewed, lapsed = await layer.new_channel(), await layer.new_channel()
    for channel in (renewed, lapsed):
        await layer.group_add(group, channel)
    renewing = asyncio.create_task(renew_membership(layer, group, renewed))

    # When: the expiry has passed twice over, and a message goes to the group
    await asyncio.sleep(2.2)
    await layer.group_send(group, {"type": "order.pending", "seq": 1})

    # Then: the renewing member hears it; the lapsed one has left the group
    assert (await asyncio.wait_for(layer.receive(renewed), timeout=3))["seq"] == 1
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(lapsed), timeout=0.5)
    renewing.cancel()
    await layer.group_discard(group, renewed)
    await layer.close_pools()


async def test_a_read_your_writes_waiter_hears_its_orders_projection_through_the_orders_group(
    monkeypatch,
):
    """A web process's listener is in an order's projections group only while one of its
    requests waits for that order: the worker's order.projected wakes that wait, and once the
    wait is over the process hears that order's projections no more."""
    monkeypatch.setattr("readmodels.push.projection_waiters.RECHECK_SECONDS", 30)
    layer = get_channel_layer()
    order_id = uuid.uuid4()
    members = redis.Redis.from_url(settings.REDIS_URL)
    group_key = layer._group_key(projections_group(order_id))

    async with waiters.listening(order_id):
        assert members.zcard(group_key) == 1
        waiting = asyncio.create_task(waiters.wait("order_summaries", order_id, timeout=30))
        await asyncio.sleep(0.05)
        # When: a worker announces the projection (what the projector's commit hook calls)
        push_order_projected(
            order_id=order_id, seq=1, read_model="order_summaries", customer_id=None
        )
        # Then: the wait ends at once, woken by the push (the re-check is 30 s away)
        await asyncio.wait_for(waiting, timeout=3)

    assert members.zcard(group_key) == 0
