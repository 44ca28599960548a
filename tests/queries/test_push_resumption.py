"""A push stream without gaps: every push to a browser has a position in its user's stream,
recorded in the database with the change that caused it, so that what Redis loses (a dropped
message, a flushed Redis, a socket closed for a while) is replayed from the database.

Real PostgreSQL and Redis; the projections run in the test (no worker needed) so that what
is pushed, and when, is under the test's control."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings

from orders.subscriptions import READ_MODELS
from readmodels.pipeline.projector import catch_up_order
from readmodels.projections import get_projection

from .test_push import connect, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def outbox_everywhere(outbox_for_every_read_model):
    """Every read model projected by the projector (no inline updates in the command)."""


@sync_to_async
def place_and_project(place_order_as, user, read_models=READ_MODELS) -> str:
    """Place an order (pushes order.pending) and apply it to these read models (each pushes
    order.projected)."""
    placed = place_order_as(user)
    for name in read_models:
        catch_up_order(get_projection(name), placed.order.order_id, up_to_seq=1)
    return str(placed.order.order_id)


async def receive_until(socket, count: int, timeout: float = 5) -> list[dict]:
    return [await socket.receive_json_from(timeout=timeout) for _ in range(count)]


async def open_socket(user, query: str = ""):
    cookie = await sync_to_async(session_cookie)(user)
    socket, connected = await connect(cookie, query=query, skip_greeting=False)
    assert connected
    return socket


async def test_a_fresh_socket_is_told_where_the_stream_is_and_pushes_carry_positions(
    alice, place_order_as
):
    # Given: alice connects without a position
    socket = await open_socket(alice)
    assert await socket.receive_json_from(timeout=5) == {
        "type": "caught_up",
        "position": 0,
        "replayed": 0,
    }

    # When: she places an order and every read model applies it
    order_id = await place_and_project(place_order_as, alice)

    # Then: she hears pending and each projection at positions 1, 2, 3… in that order
    messages = await receive_until(socket, 1 + len(READ_MODELS))
    assert [m["position"] for m in messages] == list(range(1, 2 + len(READ_MODELS)))
    assert messages[0]["type"] == "order.pending"
    assert {m["orderId"] for m in messages} == {order_id}
    await socket.disconnect()


async def test_a_client_that_reconnects_with_its_position_gets_what_it_missed(
    alice, place_order_as
):
    # Given: alice saw her stream up to one order, then went away
    socket = await open_socket(alice)
    await socket.receive_json_from(timeout=5)
    await place_and_project(place_order_as, alice)
    seen = await receive_until(socket, 1 + len(READ_MODELS))
    await socket.disconnect()

    # When: two more orders are placed and projected while she is away, and she comes back
    missed = [await place_and_project(place_order_as, alice) for _ in range(2)]
    started = time.perf_counter()
    socket = await open_socket(alice, query=f"since={seen[-1]['position']}")
    replayed = await receive_until(socket, 2 * (1 + len(READ_MODELS)) + 1)
    elapsed_ms = (time.perf_counter() - started) * 1000

    # Then: she gets exactly what she missed, in order, then "caught up, 10 changes"
    *changes, caught_up = replayed
    first = seen[-1]["position"] + 1
    assert [m["position"] for m in changes] == list(range(first, first + len(changes)))
    assert {m["orderId"] for m in changes} == set(missed)
    assert caught_up == {
        "type": "caught_up",
        "position": changes[-1]["position"],
        "replayed": len(changes),
    }
    print(f"\nresume with {len(changes)} missed messages: {elapsed_ms:.1f} ms to caught_up")
    await socket.disconnect()


async def test_pushes_that_redis_drops_are_replayed_in_order_on_the_live_socket(
    alice, place_order_as, settings
):
    # Given: alice's socket, and a sender that loses every second push on its way to Redis
    settings.PUSH_TEST_DROP_ONE_IN = 2
    socket = await open_socket(alice)
    await socket.receive_json_from(timeout=5)

    # When: two orders are placed and projected
    orders = [await place_and_project(place_order_as, alice) for _ in range(2)]

    # Then: she still gets every message, each once, in position order (the last one may
    # come with the periodic check, when nothing follows it)
    settings.PUSH_CHECK_SECONDS = 0.5
    messages = await receive_until(socket, 2 * (1 + len(READ_MODELS)), timeout=8)
    assert [m["position"] for m in messages] == list(range(1, 1 + len(messages)))
    assert {m["orderId"] for m in messages} == set(orders)
    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()


async def test_a_socket_keeps_its_stream_when_redis_is_flushed_under_it(
    alice, place_order_as, settings
):
    # Given: alice's open socket, checking its stream every half second
    settings.PUSH_CHECK_SECONDS = 0.5
    socket = await open_socket(alice)
    await socket.receive_json_from(timeout=5)

    # When: Redis loses everything (its group memberships too), then 3 orders are placed
    redis.Redis.from_url(django_settings.REDIS_URL).flushdb()
    orders = [await place_and_project(place_order_as, alice) for _ in range(3)]

    # Then: the socket, still open, delivers every message of those orders within seconds
    messages = await receive_until(socket, 3 * (1 + len(READ_MODELS)), timeout=5)
    assert [m["position"] for m in messages] == list(range(1, 1 + len(messages)))
    assert {m["orderId"] for m in messages} == set(orders)
    await socket.disconnect()


async def test_a_client_too_far_behind_is_told_to_refetch(alice, place_order_as, settings):
    # Given: a replay limit of 3 messages, and 10 messages alice has not seen
    settings.PUSH_REPLAY_LIMIT = 3
    await place_and_project(place_order_as, alice)
    await place_and_project(place_order_as, alice)

    # When: she reconnects from position 0
    socket = await open_socket(alice, query="since=0")

    # Then: she is told to refetch, and where the stream is
    assert await socket.receive_json_from(timeout=5) == {
        "type": "refetch",
        "position": 2 * (1 + len(READ_MODELS)),
        "reason": "too_far_back",
    }
    await socket.disconnect()


@pytest.mark.parametrize("since", ["abc", "-4", "99"])
async def test_a_position_the_stream_never_had_is_answered_with_refetch(alice, since):
    socket = await open_socket(alice, query=f"since={since}")
    answer = await socket.receive_json_from(timeout=5)
    assert answer["type"] == "refetch"
    assert answer["position"] == 0
    assert answer["reason"] in ("invalid_position", "unknown_position")
    await socket.disconnect()


async def test_a_client_that_sees_a_gap_asks_for_it_on_the_open_socket(alice, place_order_as):
    # Given: alice's socket after one order
    socket = await open_socket(alice)
    await socket.receive_json_from(timeout=5)
    await place_and_project(place_order_as, alice)
    first = await receive_until(socket, 1 + len(READ_MODELS))

    # When: she asks again for everything after position 2
    await socket.send_to(text_data=json.dumps({"type": "resume", "since": 2}))

    # Then: she gets positions 3… again, then caught_up
    again = await receive_until(socket, len(first) - 2 + 1)
    assert again[:-1] == first[2:]
    assert again[-1]["type"] == "caught_up"
    await socket.disconnect()


async def test_staff_and_the_owner_have_streams_of_their_own(
    alice, bob, staff_user, place_order_as
):
    # Given: bob has placed an order before staff connect
    await place_and_project(place_order_as, bob, read_models=[])
    staff_socket = await open_socket(staff_user)
    assert (await staff_socket.receive_json_from(timeout=5))["position"] == 1

    # When: alice places one
    await place_and_project(place_order_as, alice, read_models=[])

    # Then: staff hear it at position 2 of theirs, alice's stream has it at 1
    assert (await staff_socket.receive_json_from(timeout=5))["position"] == 2
    alice_socket = await open_socket(alice, query="since=0")
    assert (await alice_socket.receive_json_from(timeout=5))["position"] == 1
    await asyncio.gather(staff_socket.disconnect(), alice_socket.disconnect())
