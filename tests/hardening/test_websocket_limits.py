"""Push socket limits (docs/push-protocol.md, "Limits"): inbound message size, sockets per
user, idle timeout, and a bounded queue per socket in the channel layer. Through the real
ASGI application and the real Redis channel layer."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from readmodels.push import connection_slots

pytestmark = [pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(
    cookie: str, *, skip_greeting: bool = True
) -> tuple[WebsocketCommunicator, bool]:
    """Open a push socket and read the `caught_up` it starts with (unless told not to: a
    refused socket has none)."""
    headers = [
        (b"origin", b"http://localhost:8000"),
        (b"host", b"localhost:8000"),
        (b"cookie", f"sessionid={cookie}".encode()),
    ]
    socket = WebsocketCommunicator(application, "/ws/orders/", headers=headers)
    connected, _ = await socket.connect(timeout=5)
    if connected and skip_greeting:
        assert (await socket.receive_json_from(timeout=5))["type"] == "caught_up"
    return socket, connected


async def closed_with(socket: WebsocketCommunicator, timeout: float = 5) -> int:
    message = await socket.receive_output(timeout=timeout)
    assert message["type"] == "websocket.close", message
    return message["code"]


@pytest.fixture
async def alice_cookie(alice) -> str:
    return await sync_to_async(session_cookie)(alice)


async def test_an_inbound_message_over_the_limit_closes_the_socket(alice_cookie, settings):
    """The protocol is server → client only: small messages are ignored, a large one closes
    the socket with 1009 (message too big)."""
    socket, connected = await open_socket(alice_cookie)
    assert connected

    await socket.send_to(text_data='{"hello": "server"}')
    assert await socket.receive_nothing(timeout=0.3)

    await socket.send_to(text_data="x" * (settings.WS_MAX_INBOUND_BYTES + 1))
    assert await closed_with(socket) == 1009
    await socket.disconnect()


async def test_the_sixth_socket_of_a_user_is_refused(alice_cookie, bob, settings):
    """Given alice has 5 sockets open (the default limit), when she opens a sixth, then it is
    closed at once with 4429; once one of hers closes, she may open another; bob is not
    affected by alice's count."""
    assert settings.WS_MAX_CONNECTIONS_PER_USER == 5
    sockets = []
    for _ in range(5):
        socket, connected = await open_socket(alice_cookie)
        assert connected
        sockets.append(socket)

    sixth, _ = await open_socket(alice_cookie, skip_greeting=False)
    assert await closed_with(sixth) == 4429
    await sixth.disconnect()
    bobs, bob_connected = await open_socket(await sync_to_async(session_cookie)(bob))
    assert bob_connected and await bobs.receive_nothing(timeout=0.2)

    await sockets.pop().disconnect()
    again, connected = await open_socket(alice_cookie)
    assert connected and await again.receive_nothing(timeout=0.2)

    await asyncio.gather(*(s.disconnect() for s in [*sockets, again, bobs]))


async def test_slots_of_crashed_processes_expire(settings):
    """A process that dies keeps no slots: they lapse with their lease."""
    settings.WS_CONNECTION_LEASE_SECONDS = 0.5
    user_id = f"test-{uuid.uuid4()}"
    for n in range(5):
        assert await connection_slots.claim(user_id, f"socket-{n}")
    assert not await connection_slots.claim(user_id, "socket-5")

    await asyncio.sleep(0.6)  # nobody renewed or released them

    assert await connection_slots.claim(user_id, "socket-6")
    await connection_slots.release(user_id, "socket-6")


async def test_an_idle_socket_is_closed(alice_cookie, settings):
    """Given the idle timeout lowered to half a second, a socket on which nothing is sent
    either way is closed with 4408; the browser reconnects and re-fetches."""
    settings.WS_IDLE_TIMEOUT_SECONDS = 0.5
    socket, connected = await open_socket(alice_cookie)
    assert connected

    assert await closed_with(socket, timeout=5) == 4408
    await socket.disconnect()


async def test_traffic_keeps_a_socket_open(alice, alice_cookie, settings):
    settings.WS_IDLE_TIMEOUT_SECONDS = 0.6
    socket, connected = await open_socket(alice_cookie)
    assert connected
    layer = get_channel_layer()

    for seq in range(1, 5):  # a push every 0.3 s for 1.2 s
        await layer.group_send(
            f"orders.customer.{alice.pk}",
            {"type": "order.projected", "orderId": "x", "seq": seq, "readModel": "r"},
        )
        message = await socket.receive_output(timeout=2)
        assert message["type"] == "websocket.send", (seq, message)
        await asyncio.sleep(0.3)

    assert await closed_with(socket, timeout=5) == 4408
    await socket.disconnect()


async def test_a_socket_that_does_not_read_has_a_bounded_queue(settings):
    """The channel layer keeps at most `capacity` messages for a channel nobody reads (the
    rest are dropped) and none longer than `expiry` seconds."""
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    assert config["capacity"] <= 100
    assert config["expiry"] <= 60
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = f"test-{uuid.uuid4().hex}"
    await layer.group_add(group, channel)

    for n in range(config["capacity"] + 50):
        await layer.group_send(group, {"type": "order.projected", "seq": n})

    received = []
    while True:
        try:
            received.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
        except TimeoutError:
            break
    assert len(received) <= config["capacity"]
    await layer.group_discard(group, channel)
