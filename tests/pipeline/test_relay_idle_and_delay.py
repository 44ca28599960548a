"""The relay sleeps when it has nothing to do, and holds a delayed read model's rows back in
the outbox (rather than in a worker) until they are due."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import OutboxMessage
from readmodels.models import ReadModelState
from readmodels.pipeline import outbox, projector, relay
from readmodels.projections import PROJECTIONS

pytestmark = pytest.mark.django_db(transaction=True)


def claim_now() -> list[str]:
    """The read models whose rows one claim would take (rolled back: nothing is sent)."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            rows = outbox.claim_due_rows(cursor, batch_size=100, redelivery_timeout=60)
        finally:
            cursor.execute("ROLLBACK")
    return sorted({read_model for _, read_model in rows})


def test_with_nothing_pending_the_next_due_row_is_none_not_now():
    # Given: an empty outbox
    assert not OutboxMessage.objects.exists()

    # Then: nothing is due, ever; the relay waits the whole polling interval
    assert outbox.seconds_until_next_due() is None
    assert relay.wait_before_next_pass(None, poll_interval=1.0) == 1.0


def test_an_overdue_row_that_cannot_be_claimed_still_leaves_a_pause():
    """A row due now but locked by another relay must not make this one ask again at once."""
    assert relay.wait_before_next_pass(0.0, poll_interval=1.0) == relay.MIN_WAIT_SECONDS


class QuietListener:
    """A LISTEN connection that never hears a NOTIFY: it just waits out each timeout."""

    def notifies(self, timeout: float, stop_after: int):
        time.sleep(timeout)
        return iter(())


def test_an_idle_relay_sleeps_between_passes(monkeypatch):
    # Given: a relay over an empty outbox, counting its claims
    passes = []
    real_relay_once = relay.relay_once
    monkeypatch.setattr(relay, "relay_once", lambda **kw: passes.append(1) or real_relay_once(**kw))
    loop = relay.Relay(connect_listener=QuietListener, poll_interval=0.2, batch_size=10)
    runner = threading.Thread(target=loop.run, daemon=True)

    # When: it runs for a second with nothing to do
    runner.start()
    time.sleep(1.0)
    loop.running = False
    runner.join(timeout=5)

    # Then: it made about one pass per polling interval, not one per round trip
    assert 1 <= len(passes) <= 8, f"{len(passes)} passes in a second"


def test_a_delayed_read_model_keeps_its_rows_in_the_outbox_until_due(alice, place_order_as):
    # Given: a 5 s demo delay on order_summaries
    ReadModelState.objects.create(name="order_summaries", demo_delay_ms=5000)

    # When: an order is placed
    place_order_as(alice)

    # Then: every other read model's row is claimable at once; order_summaries' is not, and
    # the relay knows when it will be
    assert claim_now() == sorted(set(PROJECTIONS) - {"order_summaries"})
    OutboxMessage.objects.exclude(read_model="order_summaries").update(state="done")
    assert 4 < outbox.seconds_until_next_due() <= 5

    # And: once its delay has passed, it is claimed like any other
    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=6))
    assert claim_now() == ["order_summaries"]


def test_a_delay_never_puts_a_worker_to_sleep(alice, place_order_as, monkeypatch):
    # Given: a delay on order_summaries, and its row already sent (its delay has passed)
    ReadModelState.objects.create(name="order_summaries", demo_delay_ms=5000)
    place_order_as(alice)
    rows = list(OutboxMessage.objects.filter(read_model="order_summaries"))
    OutboxMessage.objects.filter(read_model="order_summaries").update(state="sent")

    def no_sleeping(seconds):
        raise AssertionError(f"a projector slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleeping)

    # When: the worker projects it
    projector.project_messages("order_summaries", [row.id for row in rows])

    # Then: it applied it without sleeping
    assert OutboxMessage.objects.get(id=rows[0].id).state == "done"
