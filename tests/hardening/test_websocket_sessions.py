"""A push socket lives no longer than its session (readmodels/session_end.py) and opens only
from this site's own origin, scheme and port included (config/websocket_origin.py). Through
the real ASGI application and the real Redis channel layer."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

from config.asgi import application
from readmodels.push.sender import STAFF_GROUP
from tests.hardening.test_websocket_limits import closed_with, open_socket, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True)]

SESSION_ENDED = 4401


def log_out(cookie: str) -> None:
    client = Client()
    client.cookies["sessionid"] = cookie
    assert client.post("/accounts/logout/").status_code == 302


async def save(user, **changes) -> None:
    for name, value in changes.items():
        setattr(user, name, value)
    await sync_to_async(user.save)()


async def still_open(socket: WebsocketCommunicator) -> bool:
    return await socket.receive_nothing(timeout=0.5)


async def test_logging_out_closes_the_sockets_of_that_session_only(alice):
    """Given alice has a socket in two sessions (two devices), when she logs out of one, then
    that session's socket closes with 4401 at once, and the other's stays open."""
    first, second = [await sync_to_async(session_cookie)(alice) for _ in range(2)]
    logged_out, _ = await open_socket(first)
    elsewhere, _ = await open_socket(second)

    await sync_to_async(log_out)(first)

    assert await closed_with(logged_out) == SESSION_ENDED
    assert await still_open(elsewhere)
    await elsewhere.disconnect()


async def test_deactivating_a_user_closes_all_their_sockets_and_no_one_elses(alice, bob):
    alice_socket, _ = await open_socket(await sync_to_async(session_cookie)(alice))
    bob_socket, _ = await open_socket(await sync_to_async(session_cookie)(bob))

    await save(alice, is_active=False)

    assert await closed_with(alice_socket) == SESSION_ENDED
    assert await still_open(bob_socket)
    await bob_socket.disconnect()


async def test_a_former_staff_members_socket_closes_and_hears_no_more_orders(staff_user):
    """Given a staff socket (it hears every order's pushes), when the user loses staff, then
    the socket closes with 4401 and a staff push after that does not reach it."""
    socket, _ = await open_socket(await sync_to_async(session_cookie)(staff_user))

    await save(staff_user, is_staff=False)

    assert await closed_with(socket) == SESSION_ENDED
    await get_channel_layer().group_send(
        STAFF_GROUP, {"type": "order.pending", "orderId": "x", "seq": 1, "behind": []}
    )
    assert await socket.receive_nothing(timeout=0.3)


async def test_becoming_staff_closes_the_customer_socket_too(alice):
    """A new role means new groups: the socket closes, and the reconnect joins the right one."""
    socket, _ = await open_socket(await sync_to_async(session_cookie)(alice))

    await save(alice, is_staff=True)

    assert await closed_with(socket) == SESSION_ENDED


async def test_other_changes_to_the_user_leave_the_socket_open(alice):
    socket, _ = await open_socket(await sync_to_async(session_cookie)(alice))

    await save(alice, first_name="Alicia")

    assert await still_open(socket)
    await socket.disconnect()


async def test_a_session_ended_without_a_signal_is_noticed_by_the_periodic_check(alice, settings):
    """Given WS_SESSION_CHECK_SECONDS, when alice's session disappears without any signal
    (expired and cleared, deleted by an operator), then her socket closes with 4401 at the
    next check."""
    settings.WS_SESSION_CHECK_SECONDS = 0.3
    cookie = await sync_to_async(session_cookie)(alice)
    socket, _ = await open_socket(cookie)
    assert await still_open(socket)

    await sync_to_async(Session.objects.filter(session_key=cookie).delete)()

    assert await closed_with(socket, timeout=3) == SESSION_ENDED


# ---- origin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://localhost:8000", "localhost:8000", True),  # the page's own origin
        ("http://127.0.0.1:8000", "localhost:8000", True),  # in CSRF_TRUSTED_ORIGINS
        ("http://localhost:9999", "localhost:8000", False),  # another app on the same host
        ("https://localhost:8000", "localhost:8000", False),  # another scheme (plain ws here)
        ("http://localhost", "localhost:8000", False),  # another port (the default one)
        ("http://evil.example:8000", "localhost:8000", False),
        ("http://evil.example:8000", "evil.example:8000", False),  # Host not allowed either
        (None, "localhost:8000", False),  # not a browser
    ],
)
async def test_only_the_sites_own_origins_may_open_a_socket(alice, origin, host, allowed):
    cookie = await sync_to_async(session_cookie)(alice)
    headers = [(b"host", host.encode()), (b"cookie", f"sessionid={cookie}".encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    socket = WebsocketCommunicator(application, "/ws/orders/", headers=headers)

    connected, _ = await socket.connect(timeout=5)

    assert connected is allowed
    await socket.disconnect()
    await asyncio.sleep(0)
