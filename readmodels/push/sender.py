"""Pushes pipeline progress to browsers through the Channels layer (Redis).

Receivers of two after-commit signals turn them into group messages: `order.pending` when a
command commits (web process), `order.projected` when a read model applied it (worker
process); `order.failed` goes out when a read model gives up on an event (a dead letter).
Each message goes to the owner's group and the staff group, and projections also
to a process-internal group that wakes read-your-writes waiters.

Sending happens on a private event loop thread, so neither a command nor a projector ever
waits for Redis; delivery is at most once, and clients re-fetch after reconnecting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.conf import settings
from django.dispatch import receiver

from orders.announcements import order_committed
from readmodels.signals import order_dead_lettered, order_projected

logger = logging.getLogger(__name__)

STAFF_GROUP = "orders.staff"
PROJECTIONS_GROUP = "orders.projections"


def customer_group(customer_id: int) -> str:
    return f"orders.customer.{customer_id}"


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
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(
                    target=self._loop.run_forever, name="push-sender", daemon=True
                ).start()
            return self._loop

    def send(self, groups: list[str], message: dict) -> None:
        future = asyncio.run_coroutine_threadsafe(
            _group_send(groups, message), self._running_loop()
        )
        future.add_done_callback(_log_failure)


async def _group_send(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        await layer.group_send(group, message)


def _log_failure(future) -> None:
    if future.exception() is not None:
        logger.warning("push failed: %s", future.exception())


sender = BackgroundSender()


@receiver(order_committed, dispatch_uid="push-order-pending")
def push_order_pending(*, order_id, seq, customer_id, read_models, **_):
    message = {
        "type": "order.pending",
        "orderId": str(order_id),
        "seq": seq,
        "behind": read_models,
        "customerId": customer_id,
    }
    sender.send([customer_group(customer_id), STAFF_GROUP], message)


@receiver(order_projected, dispatch_uid="push-order-projected")
def push_order_projected(*, order_id, seq, read_model, customer_id, **_):
    message = {
        "type": "order.projected",
        "orderId": str(order_id),
        "seq": seq,
        "readModel": read_model,
        "customerId": customer_id,
    }
    groups = [STAFF_GROUP, PROJECTIONS_GROUP]
    if customer_id is not None:
        groups.insert(0, customer_group(customer_id))
    sender.send(groups, message)


@receiver(order_dead_lettered, dispatch_uid="push-order-failed")
def push_order_failed(*, order_id, seq: int, read_model: str, customer_id: int | None, **_):
    """A read model dead-lettered this event: tell the owner and staff, so that the spinner
    becomes a message (a replay that applies it later sends the usual order.projected)."""
    message = {
        "type": "order.failed",
        "orderId": str(order_id),
        "seq": seq,
        "readModel": read_model,
        "customerId": customer_id,
    }
    groups = [STAFF_GROUP]
    if customer_id is not None:
        groups.insert(0, customer_group(customer_id))
    sender.send(groups, message)
