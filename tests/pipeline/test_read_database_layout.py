"""Where the read tables live. With READ_DATABASE_URL (`make test-two-databases`) the read
models' tables exist only in the read database and everything about the outbox only in the
write database, so the write database holds no read-model row at all; without it, both are
the one database."""

import pytest
from django.db import connections

from readmodels.pipeline.tables import PIPELINE_TABLES, READ_TABLES
from readmodels.read_database import (
    READ_ALIAS,
    WRITE_ALIAS,
    ReadTablesRouter,
    read_alias,
    separate_read_database,
)

from .harness import wait_for_projection

pytestmark = pytest.mark.django_db(transaction=True)
two_databases = pytest.mark.skipif(
    not separate_read_database(), reason="needs READ_DATABASE_URL (make test-two-databases)"
)


def tables_in(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        return set(connections[alias].introspection.table_names(cursor))


@two_databases
def test_the_read_tables_live_only_in_the_read_database():
    # Given / When: both test databases migrated as `make run` migrates them
    # Then: the read tables are in the read database and nowhere else; the outbox, the
    # event log and the read side's bookkeeping are in the write database only
    assert set(READ_TABLES) <= tables_in(READ_ALIAS)
    assert not set(READ_TABLES) & tables_in(WRITE_ALIAS)
    assert set(PIPELINE_TABLES) <= tables_in(WRITE_ALIAS)
    assert not set(PIPELINE_TABLES) & tables_in(READ_ALIAS)


@pytest.mark.slow
@two_databases
def test_a_running_pipeline_writes_read_rows_only_to_the_read_database(
    processes, place_order_as, confirm_order_as, alice
):
    # Given: a worker and a relay on both databases
    processes.start_worker()
    processes.start_relay()
    # When: an order is placed and confirmed and the pipeline catches up
    order_id = place_order_as(alice).order.order_id
    confirm_order_as(alice, order_id)
    wait_for_projection()
    # Then: each read model's row is in the read database, at the order's latest event
    with connections[READ_ALIAS].cursor() as cursor:
        for table in ("order_summaries", "order_details", "order_search"):
            cursor.execute(f"SELECT seq FROM {table} WHERE order_id = %s", [order_id])
            assert cursor.fetchone() == (2,), table
    assert not set(READ_TABLES) & tables_in(WRITE_ALIAS)


def test_the_router_sends_read_tables_to_the_read_alias_and_the_rest_to_the_write_one():
    router = ReadTablesRouter()
    from orders.models import OutboxMessage
    from readmodels.models import DeadLetter, LagSample, OrderSummary, ReadModelState

    # Read tables go where the read tables live (the write database in the one-database
    # layout); the outbox and the read side's bookkeeping never leave the write database
    assert router.db_for_write(OrderSummary) == read_alias()
    for model in (OutboxMessage, DeadLetter, ReadModelState, LagSample):
        assert router.db_for_write(model) in (None, WRITE_ALIAS)
    if separate_read_database():
        assert router.allow_migrate(READ_ALIAS, "readmodels", "ordersummary")
        assert not router.allow_migrate(WRITE_ALIAS, "readmodels", "ordersummary")
        assert not router.allow_migrate(READ_ALIAS, "readmodels", "deadletter")
        assert not router.allow_migrate(READ_ALIAS, "readmodels")  # RunSQL without hints
        assert not router.allow_migrate(READ_ALIAS, "orders", "order")
    else:
        assert router.allow_migrate(WRITE_ALIAS, "readmodels", "ordersummary") is None
