"""Push over Channels with the real Redis layer: owners hear about their orders (pending,
then projected once per read model), nobody else does, and strangers cannot connect."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from orders.subscriptions import READ_MODELS

pytestmark = [pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def connect(cookie: str | None, origin: str = "http://localhost:8000"):
    headers = [(b"origin", origin.encode()), (b"host", b"localhost:8000")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/orders/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
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
