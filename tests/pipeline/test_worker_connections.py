"""A worker keeps its database connection from one task to the next (config/celery.py):
Celery's Django support would otherwise close it around every task, and opening a new
PostgreSQL connection cost more than a projection itself (docs/benchmarks.md)."""

import pytest
from django.db import connection

from orders.models import OutboxMessage, OutboxState
from readmodels import tasks

from .harness import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TASKS = 12


def sessions_opened() -> int:
    """Connections ever opened to the test database (PostgreSQL 14+ counts them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_worker_reuses_its_connection_across_tasks(processes, place_order_as, alice):
    # Given: a running worker, warmed up by one task, and a dozen orders waiting
    processes.start_worker(concurrency=1)
    first, *others = [place_order_as(alice).order.order_id for _ in range(TASKS + 1)]
    deliver_and_wait(first)
    before = sessions_opened()

    # When: a dozen tasks run one after the other
    for order_id in others:
        deliver_and_wait(order_id)

    # Then: the worker opened (almost) no new connection for them
    assert sessions_opened() - before <= 2, "a new database connection per task"


def deliver_and_wait(order_id) -> None:
    message = OutboxMessage.objects.get(read_model="order_summaries", event__order_id=order_id)
    tasks.project.apply_async(args=["order_summaries", [message.pk]], queue="order_summaries")
    wait_until(
        lambda: OutboxMessage.objects.get(pk=message.pk).state == OutboxState.DONE,
        what="the task to be applied",
    )
