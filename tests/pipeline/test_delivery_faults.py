"""Invariant 3: Celery and Redis are transport, not the record. Killing a worker mid-batch,
flushing Redis, or running two relays at once loses nothing and duplicates no effect."""

import base64
import contextlib
import json
import signal
from datetime import timedelta

import psycopg
import pytest
import redis
from django.conf import settings
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState
from readmodels import tasks
from readmodels.pipeline.relay import relay_once
from readmodels.projections import PROJECTIONS

from .harness import (
    assert_read_models_match_event_log,
    outbox_unfinished,
    pipeline_env,
    wait_for_projection,
    wait_until,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def place_orders(place_order_as, customers, count: int) -> None:
    for index in range(count):
        place_order_as(customers[index % len(customers)])


@contextlib.contextmanager
def order_summaries_held():
    """Hold the read model's lock exclusively from another connection, as a rebuild's swap
    does: every order_summaries batch then stops mid-transaction, holding a worker process."""
    lock = "SELECT pg_advisory_lock(hashtextextended('readmodel:order_summaries', 0))"
    with psycopg.connect(pipeline_env()["DATABASE_URL"], autocommit=True) as holder:
        holder.execute(lock)
        yield


def test_sigkill_of_a_worker_mid_batch_loses_nothing(processes, place_order_as, alice, bob):
    # Given: a worker busy with a backlog, its order_summaries batches stuck mid-transaction
    place_orders(place_order_as, [alice, bob], 30)
    with order_summaries_held():
        worker = processes.start_worker(concurrency=2)
        processes.start_relay()
        done_before_kill = wait_until(
            lambda: OutboxMessage.objects.filter(state=OutboxState.DONE).count(),
            what="the worker to finish some work",
        )

        # When: the worker and its pool processes are killed without warning
        processes.kill(worker, signal.SIGKILL)
    assert outbox_unfinished() > 0, "the kill should have hit a worker with work left"
    processes.start_worker(concurrency=2)

    # Then: after recovery everything is projected, each event exactly once
    wait_for_projection(timeout=60)
    assert done_before_kill < OutboxMessage.objects.count()
    assert_read_models_match_event_log()


def test_flushing_redis_while_work_is_pending_loses_nothing(processes, place_order_as, alice):
    # Given: work handed to the broker, but no worker to take it yet
    place_orders(place_order_as, [alice], 20)
    processes.start_relay()
    wait_until(
        lambda: not OutboxMessage.objects.filter(state=OutboxState.PENDING).exists(),
        what="the relay to send everything",
    )

    # When: Redis forgets everything it held
    # FLUSHALL, as an operator's accident would: every database of this Redis, the broker's
    # queues included, forgets everything (a dev server's own queue recovers the same way)
    redis.Redis.from_url(settings.REDIS_URL).flushall()
    processes.start_worker()

    # Then: the relay sends the lost work again and it is all projected once
    wait_for_projection(timeout=60)
    assert_read_models_match_event_log()


def test_two_relays_never_send_the_same_row_twice(processes, place_order_as, alice, bob):
    # Given: a backlog and no worker, so that every message sent stays in Redis to be counted
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    place_orders(place_order_as, [alice, bob], 150)
    total = OutboxMessage.objects.count()

    # When: two relays drain the outbox at the same time (no redelivery within the test)
    first = processes.start_relay(OUTBOX_REDELIVERY_SECONDS="600", OUTBOX_RELAY_BATCH_SIZE="7")
    second = processes.start_relay(OUTBOX_REDELIVERY_SECONDS="600", OUTBOX_RELAY_BATCH_SIZE="7")
    wait_until(
        lambda: not OutboxMessage.objects.filter(state=OutboxState.PENDING).exists(),
        what="the relays to drain the outbox",
    )
    processes.kill(first, signal.SIGTERM)
    processes.kill(second, signal.SIGTERM)

    # Then: every row was published exactly once, and none is left behind
    sent_ids = []
    for queue in PROJECTIONS:
        for raw in client.lrange(queue, 0, -1):
            body = json.loads(base64.b64decode(json.loads(raw)["body"]))
            read_model, ids = body[0]
            assert read_model == queue
            sent_ids.extend(ids)
    assert len(sent_ids) == total
    assert sorted(sent_ids) == sorted(OutboxMessage.objects.values_list("id", flat=True))
    assert OutboxMessage.objects.filter(state=OutboxState.SENT).count() == total


def test_the_relay_sends_pending_rows_before_sending_any_row_again(
    place_order_as, alice, monkeypatch
):
    # Given: rows sent long ago and never finished (due again), then newer pending rows, and
    # more due rows than one batch holds; publishing is recorded, not sent
    place_orders(place_order_as, [alice], 2)
    OutboxMessage.objects.update(
        state=OutboxState.SENT, sent_at=timezone.now() - timedelta(seconds=60)
    )
    place_orders(place_order_as, [alice], 2)
    OutboxMessage.objects.filter(state=OutboxState.PENDING).update(
        available_at=timezone.now() - timedelta(seconds=1)
    )
    sent_long_ago = ids_in_state(OutboxState.SENT)
    pending = ids_in_state(OutboxState.PENDING)
    assert min(pending) > max(sent_long_ago)
    published: list[list[int]] = []
    monkeypatch.setattr(tasks.project, "apply_async", lambda args, queue: published.append(args[1]))
    batch_size = len(pending) - 2

    # When: the relay claims two batches
    relay_once(batch_size=batch_size, redelivery_timeout=10)
    first_batch = sorted(row_id for ids in published for row_id in ids)
    published.clear()
    relay_once(batch_size=batch_size, redelivery_timeout=10)
    second_batch = sorted(row_id for ids in published for row_id in ids)

    # Then: the first batch is pending rows only; the second takes the rest of them and only
    # then fills up with rows due again, oldest first
    assert first_batch == pending[:batch_size]
    assert second_batch == sorted(pending[batch_size:] + sent_long_ago[: batch_size - 2])


def ids_in_state(state: str) -> list[int]:
    return sorted(OutboxMessage.objects.filter(state=state).values_list("id", flat=True))
