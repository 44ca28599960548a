"""Rebuilds whose bulk phase folds the snapshot in several worker processes (bulk_fold.py):
the same tables as a fold in one process, indexes included. (A failing fold in a worker:
test_rebuild.py's poison event test.)"""

from __future__ import annotations

import pytest

from orders.models import Event
from readmodels.rebuild import bulk_fold, rebuild
from readmodels.rebuild import job as rebuild_job
from tests.integration.test_rebuild import (
    READ_MODELS,
    index_definitions,
    leftover_tables,
    orders_in_every_state,  # noqa: F401 - a fixture
    read_model_contents,
)

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 3  # more ranges than a small machine has cores: the split is what is tested


def fold_with(monkeypatch, workers: int) -> None:
    monkeypatch.setattr(rebuild_job, "fold_workers", lambda events: workers)


@pytest.mark.parametrize("name", READ_MODELS)
@pytest.mark.usefixtures("orders_in_every_state")
def test_a_parallel_fold_gives_the_tables_and_indexes_of_a_serial_one(name, monkeypatch):
    """Given orders in every state, projected incrementally,
    when the read model is rebuilt with one fold and then with three in worker processes,
    then both give exactly the incrementally projected tables, with the live table's indexes
    (names and definitions), and nothing is left over."""
    before, indexes = read_model_contents(name), index_definitions(name)

    fold_with(monkeypatch, 1)
    serial = rebuild(name)
    serial_contents = read_model_contents(name)
    fold_with(monkeypatch, WORKERS)
    parallel = rebuild(name)

    assert (serial.fold_workers, parallel.fold_workers) == (1, WORKERS)
    assert serial_contents == before
    assert read_model_contents(name) == before
    orders = Event.objects.values("order_id").distinct().count()
    assert (parallel.events, parallel.orders) == (Event.objects.count(), orders)
    assert index_definitions(name) == indexes
    assert leftover_tables() == []


@pytest.mark.usefixtures("orders_in_every_state")
def test_folds_in_worker_processes_report_their_progress(monkeypatch):
    """Given three fold workers, when order_summaries is rebuilt, then the folding progress
    reaches every event of the snapshot."""
    fold_with(monkeypatch, WORKERS)
    folding = []

    report = rebuild(
        "order_summaries",
        progress=lambda p: folding.append((p.done, p.total)) if p.phase == "folding" else None,
    )

    assert folding[-1] == (report.bulk_events, report.bulk_events)
    assert report.bulk_events == Event.objects.count()


def test_the_ranges_cover_every_order_id_once():
    """Given a split into three ranges, every id falls in exactly one, the lowest and the
    highest included."""
    ranges = bulk_fold.split_order_ids(3)
    ids = [0, 1, (1 << 128) // 3 - 1, (1 << 128) // 3, (2 << 128) // 3, (1 << 128) - 1]

    for value in ids:
        inside = [
            (low, high)
            for low, high in ranges
            if (low is None or value >= low.int) and (high is None or value < high.int)
        ]
        assert len(inside) == 1, value
