"""The periodic lag monitor: one sample per read model each time it runs, and one log line per
threshold crossing (a warning going over, an info line coming back), not one per sample."""

import logging
from datetime import timedelta

import pytest
from django.db.models import F, Max
from django.utils import timezone

from orders.models import Event, OutboxMessage
from readmodels.models import LagSample, ReadModelState
from readmodels.ops import lag_monitor
from readmodels.ops.lag_monitor import SAMPLE_RETENTION, record_lag
from readmodels.pipeline.projector import catch_up_order
from readmodels.projections import PROJECTIONS

pytestmark = pytest.mark.django_db

LOGGER = lag_monitor.__name__


def project_all(order_id) -> None:
    latest = Event.objects.filter(order_id=order_id).aggregate(seq=Max("seq"))["seq"]
    for projection in PROJECTIONS.values():
        catch_up_order(projection, order_id, up_to_seq=latest)


def backdate_outbox(order_id, seconds: float) -> None:
    """Make the order's outbox rows look `seconds` older, as if the projector had stopped."""
    OutboxMessage.objects.filter(event__order_id=order_id).update(
        created_at=F("created_at") - timedelta(seconds=seconds)
    )


@pytest.fixture
def monitor_log(caplog):
    """The lag monitor's log records, from INFO up, as (level, read model, message)."""
    caplog.set_level(logging.INFO, logger=LOGGER)

    def records() -> list[tuple[int, str, str]]:
        found = [
            (r.levelno, r.read_model, r.getMessage()) for r in caplog.records if r.name == LOGGER
        ]
        caplog.clear()
        return found

    return records


def test_each_run_records_one_sample_per_read_model(alice, place_order_as):
    # Given: one unprojected order
    place_order_as(alice)

    # When: the monitor runs twice
    first = record_lag()
    record_lag()

    # Then: each run stored one sample per read model, with its lag and pending work
    samples = LagSample.objects.order_by("at", "read_model")
    assert samples.count() == 2 * len(PROJECTIONS)
    assert sorted(s.read_model for s in samples[:4]) == sorted(PROJECTIONS)
    assert len({s.at for s in samples[:4]}) == 1
    for sample in samples:
        assert sample.pending_outbox == 1
        assert sample.lag_ms > 0
    assert [lag.freshness.read_model for lag in first] == list(PROJECTIONS)


def test_samples_older_than_the_retention_are_deleted(alice):
    # Given: a sample from longer ago than the monitor keeps
    old = LagSample.objects.create(
        read_model="order_summaries",
        at=timezone.now() - SAMPLE_RETENTION - timedelta(minutes=1),
        lag_ms=1,
        pending_outbox=0,
    )

    # When: the monitor runs
    record_lag()

    # Then: the old sample is gone; the new ones stay
    assert not LagSample.objects.filter(pk=old.pk).exists()
    assert LagSample.objects.count() == len(PROJECTIONS)


def test_an_idle_pipeline_logs_nothing(monitor_log):
    record_lag()
    record_lag()

    assert monitor_log() == []
    assert LagSample.objects.filter(lag_ms=0).count() == 2 * len(PROJECTIONS)


def test_crossing_the_threshold_warns_once_and_recovering_says_so_once(
    alice, place_order_as, monitor_log
):
    # Given: an order whose events have waited 10 s (a stopped projector): over the 5 s
    # threshold of order_summaries and order_details, within that of search and analytics
    order_id = place_order_as(alice).order.order_id
    backdate_outbox(order_id, seconds=10)

    # When: the monitor runs
    record_lag()

    # Then: one warning per read model over its threshold, naming it and its lag
    logged = monitor_log()
    assert [(level, name) for level, name, _ in logged] == [
        (logging.WARNING, "order_summaries"),
        (logging.WARNING, "order_details"),
    ]
    for _, name, message in logged:
        assert name in message and "above its 5 s threshold" in message
    assert ReadModelState.objects.get(name="order_summaries").over_threshold is True
    assert ReadModelState.objects.get(name="order_search").over_threshold is False

    # When: the monitor runs again while they are still over
    record_lag()

    # Then: no new warning
    assert monitor_log() == []

    # When: the work is projected and the monitor runs twice more
    project_all(order_id)
    record_lag()
    recovered = monitor_log()
    record_lag()

    # Then: one info line per recovered read model, the first time only
    assert [(level, name) for level, name, _ in recovered] == [
        (logging.INFO, "order_summaries"),
        (logging.INFO, "order_details"),
    ]
    for _, name, message in recovered:
        assert message == f"{name} is back within its threshold"
    assert monitor_log() == []
    assert not ReadModelState.objects.filter(over_threshold=True).exists()


def test_a_read_model_crossing_again_warns_again(alice, place_order_as, monitor_log):
    # Given: order_summaries went over its threshold and came back
    first = place_order_as(alice).order.order_id
    backdate_outbox(first, seconds=10)
    record_lag()
    project_all(first)
    record_lag()
    monitor_log()

    # When: it falls behind again
    second = place_order_as(alice).order.order_id
    backdate_outbox(second, seconds=10)
    record_lag()

    # Then: it warns again
    assert [(level, name) for level, name, _ in monitor_log()] == [
        (logging.WARNING, "order_summaries"),
        (logging.WARNING, "order_details"),
    ]


def test_a_slow_read_model_warns_only_past_its_own_threshold(alice, place_order_as, monitor_log):
    # Given: work that waited 40 s: past order_search's 30 s, within order_analytics' 300 s
    order_id = place_order_as(alice).order.order_id
    backdate_outbox(order_id, seconds=40)

    # When: the monitor runs
    record_lag()

    # Then: order_search warns with its own threshold; order_analytics does not
    warned = {name: message for level, name, message in monitor_log() if level == logging.WARNING}
    assert set(warned) == {"order_summaries", "order_details", "order_search"}
    assert "above its 30 s threshold" in warned["order_search"]
