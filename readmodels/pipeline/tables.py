"""The tables that hold the pipeline's data: orders, their events and outbox rows, the read
models' rows and bookkeeping, and the monitors' samples. Emptied between test examples and
between benchmark runs, so that each starts from no orders at all.

Never users, sessions or the catalogue: those are set up once and outlive every run. A new
table that fills up as orders flow belongs in this list.
"""

from __future__ import annotations

from django.db import connection

PIPELINE_TABLES = (
    # the write side
    "orders_orderitem",
    "orders_outboxmessage",
    "readmodels_deadletter",
    "orders_event",
    "orders_order",
    "orders_idempotencykey",
    # the read models
    "order_summaries",
    "order_details",
    "order_search",
    "order_analytics_orders",
    "order_analytics_by_status",
    "order_analytics_by_day",
    # the read side's bookkeeping and monitoring
    "readmodels_readmodelstate",
    "readmodels_lagsample",
    "readmodels_cdcstate",
)


def empty_pipeline_tables(*, restart_identity: bool = True) -> None:
    """Forget every order, event and read row in one TRUNCATE. `restart_identity=False` keeps
    the id sequences going, for when a stale task naming old outbox ids may still be in the
    broker: it must then match no new row."""
    restart = " RESTART IDENTITY" if restart_identity else ""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks may be pending
        cursor.execute(f"TRUNCATE {', '.join(PIPELINE_TABLES)}{restart}")
