"""Exactly-once without a shared transaction: with the read tables in a database of their
own, the projector commits the read rows first and marks the outbox rows done afterwards.
A worker killed between the two leaves rows applied but not marked; their re-delivery must
change nothing but the outbox (the row's seq, read under the order's lock, stops it).

Runs in both layouts; `make test-two-databases` runs it with READ_DATABASE_URL set, where
the in-between state really exists. With one database the kill rolls everything back."""

import signal

import pytest

from orders.models import Event, OutboxMessage, OutboxState
from readmodels.projections import PROJECTIONS
from readmodels.read_database import separate_read_database

from .harness import assert_read_models_match_event_log, wait_for_projection, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
READ_MODEL = "order_analytics"  # its counters would count a re-applied event twice


def applied_but_not_marked() -> list[tuple]:
    """(order, seq) of READ_MODEL's outbox rows still unfinished although its row has
    applied their event: the state a crash between the two commits leaves."""
    applied = dict(PROJECTIONS[READ_MODEL].row_model.objects.values_list("order_id", "seq"))
    unfinished = OutboxMessage.objects.filter(read_model=READ_MODEL).exclude(state=OutboxState.DONE)
    return [
        (order_id, seq)
        for order_id, seq in unfinished.values_list("event__order_id", "event__seq")
        if applied.get(order_id, 0) >= seq
    ]


def test_sigkill_between_the_read_commit_and_the_outbox_update_is_harmless(
    processes, tmp_path, place_order_as, confirm_order_as, alice, bob
):
    # Given: orders waiting for every read model, and a worker armed to kill itself right
    # after its first order_analytics batch committed in the read database; the relay does
    # not redeliver yet, so that the state the kill leaves can be looked at
    for customer in (alice, bob, alice):
        confirm_order_as(customer, place_order_as(customer).order.order_id)
    marker = tmp_path / "crash-after-read-commit"
    marker.write_text(READ_MODEL)
    worker = processes.start_worker(concurrency=1, ORDERS_CRASH_AFTER_READ_COMMIT=str(marker))
    relay = processes.start_relay(OUTBOX_REDELIVERY_SECONDS="600")

    # When: the worker process dies by SIGKILL between the two commits
    wait_until(lambda: not marker.exists(), what="the worker to reach the crash point")

    # Then: with a read database of its own, the rows are applied but the outbox rows are
    # not done; with one database, nothing of that batch was committed
    if separate_read_database():
        stranded = wait_until(applied_but_not_marked, what="rows applied but not marked done")
        assert stranded
    else:
        assert applied_but_not_marked() == []
    assert worker.poll() is None, "the pool process died, the worker replaced it"

    # When: the stranded rows are delivered again (the relay's redelivery sweep)
    processes.kill(relay, signal.SIGTERM)
    processes.start_relay(OUTBOX_REDELIVERY_SECONDS="1")
    wait_for_projection()

    # Then: every read model equals the fold of the event log, counters counted once
    assert_read_models_match_event_log()
    assert Event.objects.count() == 6
