"""Pushes pipeline progress to browsers through the Channels layer (Redis).

Receivers of two after-commit signals turn them into group messages: `order.pending` when a
command commits (web process), `order.projected` when a read model applied it (worker
process); `order.failed` goes out when a read model gives up on an event (a dead letter).
Each message goes to the owner's group and the staff group, and projections also
to the order's projections group, where the web processes with a read-your-writes wait
for that order listen (readmodels/push/projection_waiters.py).

Sending happens on a private event loop thread, so neither a command nor a projector ever
waits for Redis. Redis delivers at most once; what makes the stream gap-free is that every
message to a browser has a position in its streams, recorded in the database by
readmodels/pipeline/push_log.py, and the consumer replays from there what Redis lost.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.conf import settings
from django.dispatch import receiver

from orders.announcements import order_committed
from readmodels.pipeline import push_log
from readmodels.pipeline.push_log import failed_message, pending_message, projected_message
from readmodels.signals import order_dead_lettered, order_projected

try:  # uvloop (with uvicorn[standard]): its socket writes cost a fraction of asyncio's own
    from uvloop import new_event_loop
except ImportError:  # pragma: no cover - platforms without uvloop
    from asyncio import new_event_loop

logger = logging.getLogger(__name__)

STAFF_GROUP = "orders.staff"


def customer_group(customer_id: int) -> str:
    return f"orders.customer.{customer_id}"


def projections_group(order_id) -> str:
    """The web processes with a read-your-writes wait for this order listen here."""
    return f"orders.projections.{order_id}"


def group_renewal_seconds() -> float:
    """How often a member re-joins its groups: a third of the layer's group expiry, so that
    one missed renewal (Redis briefly away) does not drop it."""
    return settings.CHANNEL_LAYERS["default"]["CONFIG"].get("group_expiry", 86400) / 3


async def renew_membership(layer, group: str, channel: str) -> None:
    """Re-join `group` periodically, until cancelled; call it after joining. Membership
    expires (settings.CHANNEL_LAYERS), so a live member must renew it; renewing also brings a
    member back after Redis lost the group (a restart or a flush)."""
    while True:
        await asyncio.sleep(group_renewal_seconds())
        try:
            await layer.group_add(group, channel)
        except Exception as error:  # Redis away: try again at the next renewal
            logger.warning("could not renew membership of %s: %r", group, error)


class BackgroundSender:
    """An event loop on a daemon thread, started lazily per process (and again after fork)."""

    def __init__(self):
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = new_event_loop()
                self._pid = os.getpid()
                threading.Thread(
                    target=self._loop.run_forever, name="push-sender", daemon=True
                ).start()
            return self._loop

    def send(self, groups: list[str], message: dict) -> None:
        self.send_each([(group, message) for group in groups])

    def send_each(self, messages: list[tuple[str, dict]]) -> None:
        """Send each (group, message), in this order."""
        future = asyncio.run_coroutine_threadsafe(_group_send(messages), self._running_loop())
        future.add_done_callback(_log_failure)


_sent_to_browsers = itertools.count(1)


async def _group_send(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for group, message in messages:
        if _dropped_by_test_hook(message):
            continue
        await layer.group_send(group, message)


def _dropped_by_test_hook(message: dict) -> bool:
    """PUSH_TEST_DROP_ONE_IN=N loses every N-th positioned push, as a lossy Redis would."""
    one_in = settings.PUSH_TEST_DROP_ONE_IN
    if not one_in or message.get("position") is None:
        return False
    return next(_sent_to_browsers) % one_in == 0


def _log_failure(future) -> None:
    if future.exception() is not None:
        logger.warning("push failed: %s", future.exception())


sender = BackgroundSender()


def _group_of(stream: str, customer_id: int | None) -> str:
    return STAFF_GROUP if stream == push_log.STAFF_STREAM else customer_group(customer_id)


def send_to_streams(message: dict, customer_id: int | None, positions: dict[str, int]) -> None:
    """Send a public message to the groups of its streams, each copy with its stream's
    position (none when recording it failed: the client cannot resume past it, but sees it)."""
    sender.send_each(
        [
            (
                _group_of(stream, customer_id),
                {**message, "customerId": customer_id, "position": positions.get(stream)},
            )
            for stream in push_log.streams_of(customer_id)
        ]
    )


@receiver(order_committed, dispatch_uid="push-order-pending")
def push_order_pending(*, order_id, seq, customer_id, read_models, **_):
    message = pending_message(order_id, seq, read_models)
    try:  # after the command's commit: one statement, its own transaction (autocommit)
        (positions,) = push_log.record([(customer_id, message)])
    except Exception:
        logger.warning("could not record order.pending in the push log", exc_info=True)
        positions = {}
    send_to_streams(message, customer_id, positions)


@receiver(order_projected, dispatch_uid="push-order-projected")
def push_order_projected(*, order_id, seq, read_model, customer_id, positions=None, **_):
    """`positions`: what push_log.record gave the message in the projector's transaction."""
    message = projected_message(order_id, seq, read_model)
    send_to_streams(message, customer_id, positions or {})
    # Wakes read-your-writes waiters in web processes (readmodels/push/projection_waiters.py).
    sender.send([projections_group(order_id)], {**message, "customerId": customer_id})


@receiver(order_dead_lettered, dispatch_uid="push-order-failed")
def push_order_failed(
    *, order_id, seq: int, read_model: str, customer_id: int | None, positions=None, **_
) -> None:
    """A read model dead-lettered this event: tell the owner and staff, so that the spinner
    becomes a message (a replay that applies it later sends the usual order.projected)."""
    send_to_streams(failed_message(order_id, seq, read_model), customer_id, positions or {})
