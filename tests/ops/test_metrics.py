"""GET /metrics: commands, the pipeline and queries move their metrics; gauges of shared state
come from the database at scrape time; every process's numbers add up in one scrape; and
nothing in it is order data."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import OutboxMessage, OutboxState
from orders.subscriptions import READ_MODELS
from readmodels import metrics
from readmodels.models import DeadLetter, ReadModelState
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.relay import relay_once
from readmodels.tasks import project
from tests.pipeline.harness import ROOT, pipeline_env, wait_for_projection

ORDER = {"items": [{"productId": "widget", "quantity": 2}]}


def delta(before, after, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


def by_read_model(before, after, name: str) -> dict[str, float]:
    return {rm: delta(before, after, name, read_model=rm) for rm in READ_MODELS}


def only(read_model: str, count: int = 1, **others: int) -> dict[str, int]:
    return {rm: count if rm == read_model else others.get(rm, 0) for rm in READ_MODELS}


# ---- commands -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_command_is_counted_by_outcome_and_timed(
    scrape, alice_client, alice_order, monkeypatch
):
    # Given: a scrape before
    before = scrape()
    order_url = f"/api/orders/{alice_order.order.order_id}"

    # When: commands succeed, are invalid, are refused, and crash
    assert alice_client.post("/api/orders/", ORDER, format="json").status_code == 201
    assert alice_client.post("/api/orders/", {"items": []}, format="json").status_code == 400
    assert alice_client.post(f"{order_url}/deliver", {}, format="json").status_code == 403
    unknown = "/api/orders/00000000-0000-0000-0000-000000000000/confirm"
    assert alice_client.post(unknown, {}, format="json").status_code == 404
    monkeypatch.setattr("orders.services.confirm_order", _crash)
    alice_client.raise_request_exception = False
    assert alice_client.post(f"{order_url}/confirm", {}, format="json").status_code == 500

    # Then: each is counted under its command and outcome, and timed
    after = scrape()
    counted = {
        (command, outcome): delta(
            before, after, "orders_commands_total", command=command, outcome=outcome
        )
        for command in ("place_order", "confirm_order", "deliver_order")
        for outcome in ("ok", "invalid", "refused", "error")
    }
    assert {key: n for key, n in counted.items() if n} == {
        ("place_order", "ok"): 1,
        ("place_order", "invalid"): 1,
        ("deliver_order", "refused"): 1,
        ("confirm_order", "refused"): 1,
        ("confirm_order", "error"): 1,
    }
    timed = "orders_command_duration_seconds_count"
    assert delta(before, after, timed, command="place_order") == 2
    assert delta(before, after, timed, command="confirm_order") == 2
    assert delta(before, after, timed, command="deliver_order") == 1


def _crash(**_):
    raise RuntimeError("the database went away")


# ---- queries ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_query_is_counted_and_timed_under_the_read_model_that_answers_it(
    scrape, alice_client, alice_order
):
    before = scrape()

    alice_client.get("/api/orders/")
    alice_client.get("/api/orders/", {"q": "widget"})
    alice_client.get("/api/orders/", {"q": "widget"})
    alice_client.get(f"/api/orders/{alice_order.order.order_id}/")
    alice_client.get("/api/analytics/")

    after = scrape()
    expected = {"order_summaries": 1, "order_search": 2, "order_details": 1, "order_analytics": 1}
    assert by_read_model(before, after, "orders_queries_total") == expected
    assert by_read_model(before, after, "orders_query_duration_seconds_count") == expected


# ---- the pipeline, in this process ----------------------------------------------------------


@pytest.mark.django_db
def test_relay_counts_published_rows_per_read_model_and_times_the_batch(
    scrape, alice_order, monkeypatch
):
    # Given: one event owed to every read model, due (this test's transaction began before
    # it was written); publishing goes nowhere in this test
    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(project, "apply_async", lambda *args, **kwargs: None)
    before = scrape()

    # When: the relay claims and publishes the batch
    batch = relay_once()

    # Then
    after = scrape()
    assert batch.sent == len(READ_MODELS)
    published = by_read_model(before, after, "orders_events_published_total")
    assert published == dict.fromkeys(READ_MODELS, 1)
    assert delta(before, after, "orders_publish_duration_seconds_count") == 1


@pytest.mark.django_db
def test_projector_counts_applied_events_and_their_lag_once_committed(
    scrape, alice_order, django_capture_on_commit_callbacks
):
    ids = list(
        OutboxMessage.objects.filter(read_model="order_summaries").values_list("id", flat=True)
    )
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        project_messages("order_summaries", ids)
        project_messages("order_summaries", ids)  # a duplicate delivery applies nothing

    after = scrape()
    assert by_read_model(before, after, "orders_events_processed_total") == only("order_summaries")
    lags = by_read_model(before, after, "orders_projection_lag_seconds_count")
    assert lags == only("order_summaries")
    lag = delta(before, after, "orders_projection_lag_seconds_sum", read_model="order_summaries")
    assert 0 <= lag < 60


@pytest.mark.django_db
def test_failed_projection_attempts_and_crashed_tasks_are_projection_errors(
    scrape, alice_order, monkeypatch
):
    # Given: order_search is told to fail the next event
    ReadModelState.objects.create(name="order_search", fail_next_event=True)
    ids = list(OutboxMessage.objects.filter(read_model="order_search").values_list("id", flat=True))
    before = scrape()

    # When: it fails an event (recorded for retry), and a projector task crashes outright
    project_messages("order_search", ids)
    monkeypatch.setattr("readmodels.pipeline.tasks.project_messages", _crash_projection)
    with pytest.raises(ConnectionError):
        project("order_details", [1])

    # Then: both are counted, each under its read model
    after = scrape()
    errors = by_read_model(before, after, "orders_projection_errors_total")
    assert errors == only("order_search", order_details=1)
    assert OutboxMessage.objects.get(id=ids[0]).attempts == 1


def _crash_projection(read_model, message_ids):
    raise ConnectionError("lost the database mid-task")


# ---- gauges read at scrape time ---------------------------------------------------------------


@pytest.mark.django_db
def test_backlog_dead_letters_and_lag_are_read_from_the_database_at_scrape_time(
    scrape, owe_events, dead_letters
):
    # Given: work owed to order_search for 42 s, and dead letters in order_analytics
    owe_events(7, read_model="order_search", created_at=timezone.now() - timedelta(seconds=42))
    owe_events(2, read_model="order_search", state=OutboxState.SENT)
    owe_events(3, read_model="order_search", state=OutboxState.DONE)
    dead_letters(4, read_model="order_analytics")

    # When
    now = scrape()

    # Then
    assert now.value("orders_outbox_depth", read_model="order_search") == 9
    assert now.value("orders_outbox_depth", read_model="order_summaries") == 0
    assert now.has("orders_outbox_depth", read_model="order_summaries")
    assert now.value("orders_dead_letter_queue_depth", read_model="order_analytics") == 4
    assert now.value("orders_dead_letter_queue_depth", read_model="order_search") == 0
    assert 42 <= now.value("orders_read_model_lag_seconds", read_model="order_search") < 60
    assert now.value("orders_read_model_lag_seconds", read_model="order_summaries") == 0
    assert now.value("orders_read_store_up") == 1


@pytest.mark.django_db
def test_each_read_models_threshold_and_its_dead_letters_ever_opened_are_exported(
    scrape, dead_letters
):
    """The lag alerts compare each read model's lag with its own threshold, and NewDeadLetter
    fires on an increase of the dead letters ever opened; both come from /metrics."""
    # Given: three dead letters of order_search, one of them since resolved
    first, *_ = dead_letters(3, read_model="order_search")
    DeadLetter.objects.filter(pk=first.pk).update(resolved_at=timezone.now())

    # When
    now = scrape()

    # Then
    assert {
        name: now.value("orders_read_model_max_lag_seconds", read_model=name)
        for name in ("order_summaries", "order_details", "order_search", "order_analytics")
    } == {"order_summaries": 5, "order_details": 5, "order_search": 30, "order_analytics": 300}
    assert now.value("orders_dead_letters_total", read_model="order_search") == 3
    assert now.has("orders_dead_letters_total", read_model="order_details")
    assert now.value("orders_dead_letter_queue_depth", read_model="order_search") == 2


@pytest.mark.django_db
def test_read_store_up_is_0_when_a_read_table_cannot_be_queried_and_the_scrape_still_works(
    scrape,
):
    # Given: a read table gone (renamed, undone when the test's transaction rolls back)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE order_details RENAME TO order_details_elsewhere")

    # When
    now = scrape()

    # Then: the read store is down, and the other gauges are still there
    assert now.has("orders_read_store_up")
    assert now.value("orders_read_store_up") == 0
    assert now.has("orders_outbox_depth", read_model="order_details")


@pytest.mark.django_db
def test_metrics_are_open_to_anyone_and_hold_no_order_data(scrape, alice_client, alice_order):
    alice_client.post("/api/orders/", ORDER, format="json")
    alice_client.get(f"/api/orders/{alice_order.order.order_id}/")

    text = scrape().text  # anonymously

    assert "orders_commands_total" in text
    for secret in (str(alice_order.order.order_id), "alice", "Alice", "Archer", "widget"):
        assert secret not in text


# ---- several processes, one scrape ------------------------------------------------------------


@pytest.mark.django_db
def test_counters_of_two_processes_add_up_in_one_scrape(scrape):
    # Given: the same counter, incremented here by 2 and in another process by 3
    before = scrape()
    metrics.EVENTS_PROCESSED.labels("order_search").inc(2)
    other_process = (
        "import django; django.setup();"
        "from readmodels.metrics import EVENTS_PROCESSED;"
        "EVENTS_PROCESSED.labels('order_search').inc(3)"
    )
    subprocess.run(
        [sys.executable, "-c", other_process], cwd=ROOT, env=pipeline_env(), check=True, timeout=60
    )

    # Then: /metrics (served by this process) reports the sum
    after = scrape()
    assert by_read_model(before, after, "orders_events_processed_total") == only("order_search", 5)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_command_here_and_its_projection_in_a_worker_appear_in_one_scrape(
    processes, scrape, alice_client, catalogue
):
    # Given: a scrape before
    before = scrape()

    # When: a command runs in this process; a real relay and worker project its event
    assert alice_client.post("/api/orders/", ORDER, format="json").status_code == 201
    processes.start_worker()
    processes.start_relay()
    wait_for_projection()

    # Then: one scrape shows the command (this process), the publication (relay process)
    # and the projection into every read model (worker pool processes)
    after = scrape()
    placed = delta(before, after, "orders_commands_total", command="place_order", outcome="ok")
    assert placed == 1
    published = by_read_model(before, after, "orders_events_published_total")
    assert all(n >= 1 for n in published.values()), published  # redelivery may add more
    processed = by_read_model(before, after, "orders_events_processed_total")
    assert processed == dict.fromkeys(READ_MODELS, 1)  # but each applies it once
    lags = by_read_model(before, after, "orders_projection_lag_seconds_count")
    assert lags == dict.fromkeys(READ_MODELS, 1)
    lag_sums = by_read_model(before, after, "orders_projection_lag_seconds_sum")
    assert all(0 < lag < 60 for lag in lag_sums.values()), lag_sums
    assert delta(before, after, "orders_publish_duration_seconds_count") >= 1
    assert {rm: after.value("orders_outbox_depth", read_model=rm) for rm in READ_MODELS} == (
        dict.fromkeys(READ_MODELS, 0)
    )
