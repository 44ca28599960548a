"""What happens once a command's transaction has committed, and never if it rolls back.

Two things: a PostgreSQL NOTIFY that wakes the outbox relay at once (it also polls, so a lost
notification only costs latency), and the `order_committed` signal, the hook where the read
side pushes "order.pending" to browsers. The NOTIFY runs after COMMIT in its own tiny
transaction: inside the command's transaction it would take PostgreSQL's global notify lock at
commit and serialise every command behind it.
"""

import logging

from django.db import connection, transaction
from django.dispatch import Signal

from .subscriptions import INLINE, strategy_of, subscribers_of

logger = logging.getLogger(__name__)

OUTBOX_CHANNEL = "outbox_pending"

# Sent after commit with: order_id, seq, customer_id, read_models (those that now lag behind).
order_committed = Signal()


def announce_after_commit(
    *, order_id, seq: int, customer_id: int, event_types: list[str], command: str = ""
):
    # Inline read models were updated in the command's own transaction: never behind.
    read_models = sorted(
        {name for t in event_types for name in subscribers_of(t) if strategy_of(name) != INLINE}
    )

    def announce():
        logger.info(
            "%s committed: %s",
            command or "command",
            ", ".join(event_types),
            extra={"command": command or None, "order_id": str(order_id), "seq": seq},
        )
        wake_relay()
        order_committed.send(
            sender=__name__,
            order_id=order_id,
            seq=seq,
            customer_id=customer_id,
            read_models=read_models,
        )

    transaction.on_commit(announce, robust=True)


def wake_relay() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [OUTBOX_CHANNEL])
    except Exception:  # the relay's polling covers for a lost wake-up
        logger.warning("could not notify the outbox relay", exc_info=True)
