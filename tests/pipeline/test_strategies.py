"""The three synchronisation strategies: inline and CDC keep the same guarantees as the
outbox — every read model ends equal to a fold of the event log — each in its own way."""

import contextlib
import signal
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders import services
from orders.domain.commands import CancelOrder, ConfirmOrder, ShipOrder
from orders.domain.errors import InvalidStateTransition
from orders.models import Event, OutboxMessage
from readmodels.cdc import consumer as cdc
from readmodels.models import AnalyticsOrder, OrderSummary, ReadModelState
from readmodels.pipeline.strategies import check_strategies
from readmodels.pipeline.tables import empty_pipeline_tables
from readmodels.projections import PROJECTIONS
from readmodels.projections.summaries import SummariesProjection

from .harness import ROOT, assert_read_models_match_event_log, pipeline_env, wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]

ALL_INLINE = {name: "inline" for name in PROJECTIONS}
ALL_CDC = {name: "cdc" for name in PROJECTIONS}
COMMANDS = [
    (services.confirm_order, lambda order_id: ConfirmOrder(order_id=order_id)),
    (services.ship_order, lambda order_id: ShipOrder(order_id=order_id, tracking_number="T-9")),
    (services.cancel_order, lambda order_id: CancelOrder(order_id=order_id, reason="no")),
]


def run_random_commands(data, customers, staff, place_order_as, then=lambda: None) -> None:
    order_ids = []
    for _ in range(data.draw(st.integers(1, 3), label="orders")):
        order_ids.append(place_order_as(data.draw(st.sampled_from(customers))).order.order_id)
        then()
    for _ in range(data.draw(st.integers(0, 5), label="commands")):
        service, command = data.draw(st.sampled_from(COMMANDS), label="command")
        with contextlib.suppress(InvalidStateTransition):
            service(command=command(data.draw(st.sampled_from(order_ids))), actor=staff)
        then()


def drain(consumer) -> None:
    while consumer.poll_once():
        pass


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_inline_read_models_are_up_to_date_when_the_command_returns(
    data, alice, bob, staff_user, place_order_as
):
    empty_pipeline_tables()
    with override_settings(READ_MODEL_STRATEGIES=ALL_INLINE):
        run_random_commands(data, [alice, bob], staff_user, place_order_as)
        # Then: no outbox work was written, and every read model already equals the log
        assert not OutboxMessage.objects.exists()
        assert_read_models_match_event_log()


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_cdc_converges_even_when_acknowledgements_are_lost(
    data, cdc_slot, alice, bob, staff_user, place_order_as, monkeypatch
):
    consumer = cdc.CdcConsumer(batch_size=data.draw(st.integers(1, 20), label="batch"))
    real_acknowledge = consumer._acknowledge

    def sometimes_forget(lsn):  # a crash between projecting and acknowledging
        if data.draw(st.booleans(), label="acknowledged"):
            real_acknowledge(lsn)

    with override_settings(READ_MODEL_STRATEGIES=ALL_CDC):
        drain(consumer)  # what an earlier, failed example may have left in the slot
        empty_pipeline_tables()
        drain(consumer)
        monkeypatch.setattr(consumer, "_acknowledge", sometimes_forget)
        run_random_commands(data, [alice, bob], staff_user, place_order_as, then=consumer.poll_once)
        monkeypatch.setattr(consumer, "_acknowledge", real_acknowledge)
        drain(consumer)
        assert not OutboxMessage.objects.exists()
        assert_read_models_match_event_log()


def test_inline_failure_rolls_back_the_command_and_the_read_model(
    alice, place_order_as, monkeypatch
):
    with override_settings(READ_MODEL_STRATEGIES=ALL_INLINE):
        # Given: an order projected inline, and a summaries projection that now fails
        order_id = place_order_as(alice).order.order_id
        before = OrderSummary.objects.get(pk=order_id)

        def broken(self, row, event):
            raise RuntimeError("projection bug")

        monkeypatch.setattr(SummariesProjection, "when_OrderConfirmed", broken)

        # When: the order is confirmed
        with pytest.raises(RuntimeError, match="projection bug"):
            services.confirm_order(command=ConfirmOrder(order_id=order_id), actor=alice)

        # Then: neither the write model nor any read model changed
        assert Event.objects.filter(order_id=order_id).count() == 1
        assert OrderSummary.objects.get(pk=order_id) == before
        assert OrderSummary.objects.get(pk=order_id).status == "pending"
        assert_read_models_match_event_log()


def test_cdc_sees_changes_made_by_plain_sql(cdc_slot, alice, place_order_as):
    with override_settings(READ_MODEL_STRATEGIES=ALL_CDC):
        consumer = cdc.CdcConsumer()
        order_id = place_order_as(alice).order.order_id
        consumer.poll_once()
        # When: someone confirms the order with SQL, bypassing the application entirely
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE orders_order SET status = 'confirmed', version = version + 1,"
                " confirmed_at = now(), updated_at = now() WHERE id = %s",
                [order_id],
            )
        consumer.poll_once()
        # Then: the read models show it (the outbox strategy could not have seen it)
        summary = OrderSummary.objects.get(pk=order_id)
        assert (summary.status, summary.seq) == ("confirmed", 2)


def test_cdc_heartbeats_keep_retained_wal_bounded_while_orders_are_quiet(cdc_slot):
    with override_settings(READ_MODEL_STRATEGIES=ALL_CDC):
        consumer = cdc.CdcConsumer(heartbeat_seconds=0)
        noise_bytes = 24 * 1024 * 1024
        with connection.cursor() as cursor:
            # Given: lots of WAL from a table the consumer does not watch
            cursor.execute("CREATE TABLE IF NOT EXISTS cdc_noise (payload text)")
            cursor.execute(
                "INSERT INTO cdc_noise SELECT repeat(md5(i::text), 32)"
                " FROM generate_series(1, %s) i",
                [noise_bytes // 1024],
            )
            # When: the consumer polls (finding nothing) and sends heartbeats
            for _ in range(3):
                consumer.poll_once()
                consumer.heartbeat_if_due()
                cursor.execute("CHECKPOINT")
            consumer.poll_once()
            cursor.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn),"
                " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)"
                " FROM pg_replication_slots WHERE slot_name = %s",
                [cdc.slot_name()],
            )
            unconfirmed, retained = cursor.fetchone()
            cursor.execute("DROP TABLE cdc_noise")
        # Then: the slot keeps up with the WAL instead of holding all the noise back
        assert unconfirmed < 1024 * 1024
        assert retained < noise_bytes / 4


def test_inline_with_a_separate_read_database_refuses_to_start():
    # Given / When: settings that put read tables elsewhere and make one read model inline
    env = pipeline_env(
        READ_MODEL_STRATEGIES="order_details=inline",
        READ_DATABASE_URL="postgres://postgres@127.0.0.1:5432/some_other_database",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    # Then: Django does not start, and says which read model and which setting
    assert result.returncode != 0
    assert "order_details" in result.stderr and "READ_DATABASE_URL" in result.stderr
    with (
        override_settings(READ_MODEL_STRATEGIES={"order_summaries": "sideways"}),
        pytest.raises(ImproperlyConfigured, match="order_summaries"),
    ):
        check_strategies()


@pytest.mark.slow
def test_killing_the_cdc_consumer_mid_stream_loses_nothing_and_applies_nothing_twice(
    cdc_slot, processes, alice, bob, place_order_as, confirm_order_as
):
    env = {"READ_MODEL_STRATEGIES": ",".join(f"{name}=cdc" for name in PROJECTIONS)}
    with override_settings(READ_MODEL_STRATEGIES=ALL_CDC):
        # Given: a slow consumer with a backlog of changes
        ReadModelState.objects.create(name="order_summaries", demo_delay_ms=150)
        consumer = processes.start_cdc(**env)
        for index in range(12):
            placed = place_order_as([alice, bob][index % 2])
            confirm_order_as([alice, bob][index % 2], placed.order.order_id)
        wait_until(lambda: OrderSummary.objects.exists(), what="the consumer to start applying")

        # When: it is killed without warning, and started again
        processes.kill(consumer, signal.SIGKILL)
        assert OrderSummary.objects.filter(seq=2).count() < 12, "killed too late to matter"
        ReadModelState.objects.filter(name="order_summaries").update(demo_delay_ms=0)
        processes.start_cdc(**env)

        # Then: everything arrives, and nothing was counted twice
        wait_until(lambda: OrderSummary.objects.filter(seq=2).count() == 12, timeout=60)
        wait_until(lambda: AnalyticsOrder.objects.filter(seq=2).count() == 12, timeout=30)
        # ...and nothing twice: the analytics counters would count a twice-applied event twice
        assert_read_models_match_event_log()
