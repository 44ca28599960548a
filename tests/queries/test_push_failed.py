"""`order.failed` over Channels with the real Redis layer: when a read model dead-letters an
event, its owner and staff hear it at once (the spinner becomes a message), nobody else does;
a replay that applies it sends the usual `order.projected`."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.utils import timezone

from orders.models import OutboxMessage
from readmodels.models import DeadLetter, ReadModelState
from readmodels.ops.replay import replay_dead_letters
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS

from .test_push import connect, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A channel layer of its own: here the sender (on its background loop) and the sockets
    (on this test's loop) share the process's layer, whose receive lock an earlier test's
    event loop may still own."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def dead_letter(read_model: str, order_id) -> None:
    """Fail the order's first event in `read_model` until it is dead-lettered (retries made
    due at once)."""
    ReadModelState.objects.update_or_create(name=read_model, defaults={"fail_next_event": True})
    message = OutboxMessage.objects.get(
        read_model=read_model, event__order_id=order_id, event__seq=1
    )
    for _ in range(MAX_ATTEMPTS):
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        project_messages(read_model, [message.pk])


async def next_of_type(socket, message_type: str, timeout: float = 10) -> dict:
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message["type"] == message_type:
            return message


def _without_position(message: dict) -> dict:
    """The message as before streams had positions (each stream numbers it its own way)."""
    return {key: value for key, value in message.items() if key != "position"}


async def test_owner_and_staff_hear_a_dead_letter_and_then_its_replay(
    alice, bob, staff_user, place_order_as
):
    # Given: alice, bob and staff connected; alice's order placed (nothing projected)
    sockets = {}
    for name, user in (("alice", alice), ("bob", bob), ("staff", staff_user)):
        sockets[name], connected = await connect(await sync_to_async(session_cookie)(user))
        assert connected
    order_id = (await sync_to_async(place_order_as)(alice)).order.order_id

    # When: order_search gives up on its OrderPlaced
    await sync_to_async(dead_letter)("order_search", order_id)

    # Then: alice and staff hear order.failed for it; bob hears nothing
    expected = {
        "type": "order.failed",
        "orderId": str(order_id),
        "seq": 1,
        "readModel": "order_search",
    }
    assert _without_position(await next_of_type(sockets["alice"], "order.failed")) == expected
    assert _without_position(await next_of_type(sockets["staff"], "order.failed")) == expected
    assert await sockets["bob"].receive_nothing(timeout=0.5)

    # When: staff replay it / Then: alice hears order_search projected it
    await sync_to_async(replay_dead_letters)(DeadLetter.objects.all())
    assert _without_position(await next_of_type(sockets["alice"], "order.projected")) == {
        "type": "order.projected",
        "orderId": str(order_id),
        "seq": 1,
        "readModel": "order_search",
    }
    await asyncio.gather(*(socket.disconnect() for socket in sockets.values()))
