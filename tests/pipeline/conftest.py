import pytest
from django.db import connection

from .harness import PipelineProcesses

PIPELINE_TABLES = [
    "orders_orderitem",
    "orders_outboxmessage",
    "readmodels_deadletter",
    "orders_event",
    "orders_order",
    "order_summaries",
    "order_details",
    "order_search",
    "order_analytics_orders",
    "order_analytics_by_status",
    "order_analytics_by_day",
    "readmodels_processedevent",
    "readmodels_readmodelstate",
]


def empty_pipeline_tables() -> None:
    """Forget every order, event and read row (users and the catalogue stay)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks may be pending
        cursor.execute(f"TRUNCATE {', '.join(PIPELINE_TABLES)} RESTART IDENTITY")


@pytest.fixture
def processes(tmp_path):
    """Start real worker and relay processes on demand; all are stopped after the test."""
    started = PipelineProcesses(tmp_path)
    yield started
    started.stop_all()
