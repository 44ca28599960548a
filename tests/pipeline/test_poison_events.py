"""Invariant 5: a poison event is retried with growing delays, then parked in the dead letter
queue; its order's later events wait behind it while other orders flow; replay, once the
fault is fixed, applies everything exactly once."""

import time

import pytest

from orders.models import OutboxMessage, OutboxState
from readmodels.models import DeadLetter, OrderSummary, ReadModelState
from readmodels.ops.replay import replay_dead_letters
from readmodels.pipeline.retry_policy import BASE_DELAY_SECONDS, JITTER, MAX_ATTEMPTS

from .harness import assert_read_models_match_event_log, wait_for_projection, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def watch_attempts(message: OutboxMessage, until: int, timeout: float = 20) -> list[float]:
    """The moments at which the outbox row's failed-attempt count went up."""
    moments, seen, deadline = [], 0, time.monotonic() + timeout
    while seen < until and time.monotonic() < deadline:
        attempts = OutboxMessage.objects.get(pk=message.pk).attempts
        moments.extend([time.monotonic()] * (attempts - seen))
        seen = attempts
        time.sleep(0.01)
    return moments


def test_poison_event_is_retried_then_parked_and_replay_applies_it_once(
    processes, place_order_as, confirm_order_as, alice, bob
):
    # Given: order_summaries will fail the next event it sees, until replay fixes it
    ReadModelState.objects.create(name="order_summaries", fail_next_event=True)
    processes.start_worker()
    processes.start_relay()

    # When: alice's order is placed (its OrderPlaced is poisoned) and then confirmed
    poisoned = place_order_as(alice).order.order_id
    placed = OutboxMessage.objects.get(read_model="order_summaries", event__order_id=poisoned)
    failure_moments = watch_attempts(placed, until=MAX_ATTEMPTS)
    confirm_order_as(alice, poisoned)
    # ...while bob's order goes through the same read model
    healthy = confirm_order_as(bob, place_order_as(bob).order.order_id).order.order_id

    # Then: five attempts, each delay about twice the one before (100 ms base, ±25 % jitter)
    dead = wait_until(
        lambda: DeadLetter.objects.filter(order_id=poisoned).first(), what="a dead letter"
    )
    assert (dead.read_model, dead.seq, dead.attempts) == ("order_summaries", 1, MAX_ATTEMPTS)
    assert "injected fault" in dead.error and "InjectedFault" in dead.traceback
    gaps = [
        later - earlier
        for earlier, later in zip(failure_moments, failure_moments[1:], strict=False)
    ]
    assert len(gaps) == MAX_ATTEMPTS - 1
    for attempt, gap in enumerate(gaps, start=1):
        assert gap >= BASE_DELAY_SECONDS * 2 ** (attempt - 1) * (1 - JITTER)
    # Processing time on a busy machine blurs neighbours (a retry may queue behind other
    # work), but the trend must be upwards: no fixed polling interval in disguise
    assert gaps[-1] > 2 * min(gaps[:2]), f"delays should grow: {gaps}"

    # ...the order's later event waits behind it; other read models and orders flow on
    wait_until(
        lambda: (
            OutboxMessage.objects.filter(
                read_model="order_summaries", event__order_id=poisoned, event__seq=2
            )
            .filter(state=OutboxState.PARKED)
            .exists()
        ),
        what="the confirm to be parked",
    )
    wait_until(lambda: OrderSummary.objects.filter(pk=healthy, seq=2).exists(), what="bob")
    assert not OrderSummary.objects.filter(pk=poisoned).exists()
    # (bob's summary says nothing about when alice's other read models finish: wait for them)
    wait_until(
        lambda: (
            not OutboxMessage.objects.filter(event__order_id=poisoned)
            .exclude(read_model="order_summaries")
            .exclude(state=OutboxState.DONE)
            .exists()
        ),
        what="alice's order in the other read models",
    )

    # When: staff replay the dead letter (which lifts the injected fault)
    report = replay_dead_letters(DeadLetter.objects.all())

    # Then: the poisoned order is projected completely, every event exactly once
    assert (len(report.succeeded), report.failed, report.skipped) == (1, [], [])
    wait_for_projection()
    assert OrderSummary.objects.get(pk=poisoned).status == "confirmed"
    assert_read_models_match_event_log()  # analytics would count a twice-applied event twice
    assert DeadLetter.objects.get(pk=dead.pk).resolution == "replayed"
