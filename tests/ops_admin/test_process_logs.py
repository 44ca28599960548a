"""The real worker and relay processes log JSON lines, and an order's id finds its way
through them: Celery does not replace the root handler (CELERY_WORKER_HIJACK_ROOT_LOGGER)."""

import json

import pytest

from readmodels.projections import PROJECTIONS
from tests.pipeline.harness import wait_for_projection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def log_lines(processes, name: str) -> list[str]:
    return [
        line
        for path in sorted(processes.log_dir.glob(f"{name}-*.log"))
        for line in path.read_text().splitlines()
    ]


def test_worker_and_relay_log_an_orders_journey_as_json(processes, alice, place_order_as):
    # Given a worker and a relay logging at INFO
    processes.start_worker(LOG_LEVEL="INFO")
    processes.start_relay(LOG_LEVEL="INFO")

    # When alice places an order and it is projected
    order_id = str(place_order_as(alice).order.order_id)
    wait_for_projection()

    # Then the worker's own start-up line is JSON (its logging was not replaced) ...
    worker = log_lines(processes, "worker")
    ready = [json.loads(line) for line in worker if " ready." in line]
    assert ready and ready[0]["logger"].startswith("celery")
    # ... and the order's id leads to the relay's batch and one line per read model
    projected = [json.loads(line) for line in worker if order_id in line]
    assert sorted(line["read_model"] for line in projected) == sorted(PROJECTIONS)
    assert {(line["logger"], line["seq"]) for line in projected} == {
        ("readmodels.pipeline.projector", 1)
    }
    # (a busy machine may see its rows re-sent after the redelivery timeout: more lines)
    relayed = [json.loads(line) for line in log_lines(processes, "relay") if order_id in line]
    assert relayed
    assert {(line["logger"], line["order_id"]) for line in relayed} == {
        ("readmodels.pipeline.relay", order_id)
    }
    assert relayed[0]["by_read_model"] == dict.fromkeys(PROJECTIONS, 1)
