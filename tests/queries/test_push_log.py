"""The push log's positions (readmodels/pipeline/push_log.py): contiguous per stream whatever
the concurrency, never spent by a transaction that rolls back, and each message in both the
owner's stream and the staff stream. Real PostgreSQL, concurrent transactions on threads."""

import random
import threading
from collections import defaultdict

import pytest
from django.db import connection, transaction

from readmodels.models import PushLogEntry
from readmodels.pipeline import push_log
from readmodels.pipeline.push_log import STAFF_STREAM, customer_stream

pytestmark = pytest.mark.django_db(transaction=True)


def message(n: int) -> dict:
    return push_log.projected_message(f"order-{n}", n, "order_summaries")


def test_positions_are_contiguous_per_stream_under_concurrent_writers():
    """Writers that take positions for several customers at once, in any order, never deadlock
    and never leave a hole or a duplicate in any stream."""

    # Given: 6 writers, each committing 15 transactions of 1 to 3 messages for 3 customers
    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for n in range(15):
            batch = [(rng.choice([1, 2, 3]), message(n)) for _ in range(rng.randint(1, 3))]
            with transaction.atomic():
                push_log.record(batch)
        connection.close()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then: every stream holds 1, 2, 3… and the staff stream has every message
    positions = defaultdict(list)
    for stream, position in PushLogEntry.objects.values_list("stream", "position"):
        positions[stream].append(position)
    for stream, taken in positions.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)), stream
    customers = sum(len(taken) for stream, taken in positions.items() if stream != STAFF_STREAM)
    assert len(positions[STAFF_STREAM]) == customers


def test_a_rolled_back_transaction_spends_no_position():
    # Given: a transaction that takes a position and then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        push_log.record([(7, message(1))])
        raise RuntimeError("the projection's transaction fails")

    # When: the next message is recorded
    with transaction.atomic():
        (positions,) = push_log.record([(7, message(2))])

    # Then: it takes position 1 in both streams
    assert positions == {STAFF_STREAM: 1, customer_stream(7): 1}


def test_a_message_of_an_order_without_an_owner_goes_to_staff_only():
    with transaction.atomic():
        (positions,) = push_log.record([(None, message(1))])
    assert positions == {STAFF_STREAM: 1}
