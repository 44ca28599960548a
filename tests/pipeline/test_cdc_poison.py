"""Invariant 5 under the cdc strategy: a change a read model cannot apply is retried by the
retry policy, then dead-lettered; the slot is acknowledged past it and the other orders flow;
the order's later changes wait behind the dead letter until a replay applies everything.

The consumer runs in-process against the real slot; the poison is a projection bug that
affects one order only."""

import pytest
from django.db import OperationalError, connection

from orders import services
from orders.domain.commands import ShipOrder
from readmodels.cdc import consumer as cdc
from readmodels.cdc import poison
from readmodels.models import DeadLetter, OrderDetail, OrderSummary
from readmodels.ops.replay import replay_dead_letters
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS
from readmodels.projections.summaries import SummariesProjection
from readmodels.signals import order_dead_lettered
from tests.ops.conftest import scrape_metrics as scrape

from .harness import assert_read_models_match_event_log

pytestmark = [pytest.mark.django_db(transaction=True)]


def drain(consumer) -> None:
    while consumer.poll_once():
        pass


def unacknowledged_changes() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_logical_slot_peek_binary_changes(%s, NULL, NULL,"
            " 'proto_version', '1', 'publication_names', %s)",
            [cdc.slot_name(), cdc.PUBLICATION],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def summaries_refuse_to_confirm(monkeypatch):
    """A projection bug: order_summaries cannot apply OrderConfirmed of the orders listed."""
    poisoned: set = set()
    confirmed = SummariesProjection.when_OrderConfirmed

    def buggy(self, row, event):  # order_search folds summary lines too: spare it
        if self.name == "order_summaries" and event.order_id in poisoned:
            raise RuntimeError(f"projection bug for {event.order_id}")
        return confirmed(self, row, event)

    monkeypatch.setattr(SummariesProjection, "when_OrderConfirmed", buggy)
    yield poisoned
    monkeypatch.setattr(SummariesProjection, "when_OrderConfirmed", confirmed)


def test_a_poison_change_is_dead_lettered_and_acknowledged_while_other_orders_flow(
    cdc_slot,
    alice,
    bob,
    staff_user,
    place_order_as,
    confirm_order_as,
    summaries_refuse_to_confirm,
    request,
):
    """Regression: the consumer retried a failing transaction forever and acknowledged
    nothing after it, so one bad change blocked every order of every CDC read model and
    pinned the slot's WAL."""
    consumer = cdc.CdcConsumer()
    drain(consumer)
    failed_pushes = []

    def dead_lettered(sender, signal, positions, **push):
        failed_pushes.append(push)  # positions: the push log's (docs/push-resumption.md)

    order_dead_lettered.connect(dead_lettered)  # what the push layer hears
    request.addfinalizer(lambda: order_dead_lettered.disconnect(dead_lettered))
    # Given: alice's order whose confirmation order_summaries cannot apply, then bob's orders
    poisoned = place_order_as(alice).order.order_id
    summaries_refuse_to_confirm.add(poisoned)
    confirm_order_as(alice, poisoned)
    healthy = [place_order_as(bob).order.order_id for _ in range(2)]
    confirm_order_as(bob, healthy[0])

    # When: the consumer reads the slot
    drain(consumer)

    # Then: after the retry policy, the poisoned change is a dead letter ...
    dead = DeadLetter.objects.get()
    assert (dead.read_model, dead.order_id, dead.seq, dead.event_type) == (
        "order_summaries",
        poisoned,
        2,
        "OrderConfirmed",
    )
    assert dead.attempts == MAX_ATTEMPTS and "projection bug" in dead.error
    assert failed_pushes == [  # alice's spinner becomes a message, as on the outbox path
        {"order_id": poisoned, "seq": 2, "read_model": "order_summaries", "customer_id": alice.pk}
    ]
    # ... the order stays at the event before it in that read model only ...
    assert OrderSummary.objects.get(pk=poisoned).seq == 1
    assert OrderDetail.objects.get(pk=poisoned).seq == 2
    # ... everything after it flowed, and the slot was acknowledged past it all
    assert {o: s.seq for o in healthy for s in [OrderSummary.objects.get(pk=o)]} == {
        healthy[0]: 2,
        healthy[1]: 1,
    }
    assert unacknowledged_changes() == 0

    # When: the poisoned order ships (its later change must wait behind the dead letter)
    services.ship_order(
        command=ShipOrder(order_id=poisoned, tracking_number="T-7"), actor=staff_user
    )
    drain(consumer)

    # Then: order_summaries holds it back; the other read models apply it
    assert OrderSummary.objects.get(pk=poisoned).seq == 1
    assert OrderDetail.objects.get(pk=poisoned).seq == 3
    assert unacknowledged_changes() == 0

    # When: the bug is fixed and staff replay the dead letter
    summaries_refuse_to_confirm.clear()
    report = replay_dead_letters(DeadLetter.objects.all())

    # Then: the order is complete in every read model, each event applied once
    assert (report.succeeded, report.failed, report.skipped) == ([dead.pk], [], [])
    assert OrderSummary.objects.get(pk=poisoned).status == "shipped"
    assert_read_models_match_event_log()


def test_a_replay_that_fails_on_a_later_change_dead_letters_it_the_same_way(
    cdc_slot, alice, staff_user, place_order_as, confirm_order_as, summaries_refuse_to_confirm
):
    """Replay under cdc applies the dead event and then what waited behind it from the event
    log; a failure there takes the same road (retries, then a dead letter), not the outbox's
    rows, which cdc read models do not have."""
    consumer = cdc.CdcConsumer()
    drain(consumer)
    # Given: an order dead-lettered at its OrderPlaced in order_summaries (a bug in placing),
    # and confirmed afterwards (the confirmation waits behind it)
    poisoned = place_order_as(alice).order.order_id
    placed = SummariesProjection.when_OrderPlaced

    def placing_bug(self, row, event):
        if self.name == "order_summaries":
            raise RuntimeError("placing bug")
        return placed(self, row, event)

    SummariesProjection.when_OrderPlaced = placing_bug
    try:
        drain(consumer)
    finally:
        SummariesProjection.when_OrderPlaced = placed
    summaries_refuse_to_confirm.add(poisoned)
    confirm_order_as(alice, poisoned)
    drain(consumer)
    (first,) = DeadLetter.objects.all()
    assert (first.seq, OrderSummary.objects.filter(pk=poisoned).exists()) == (1, False)

    # When: the placing bug is fixed (not the confirming one) and the dead letter replayed
    report = replay_dead_letters(DeadLetter.objects.filter(pk=first.pk))

    # Then: the replay succeeded; the confirmation behind it is now a dead letter of its own
    assert report.succeeded == [first.pk]
    second = DeadLetter.objects.get(resolved_at__isnull=True)
    assert (second.seq, second.event_type, second.attempts) == (2, "OrderConfirmed", MAX_ATTEMPTS)
    assert OrderSummary.objects.get(pk=poisoned).seq == 1


def test_a_database_that_is_away_is_not_poison(cdc_slot, alice, place_order_as, monkeypatch):
    """Losing the database is nobody's change's fault: nothing is dead-lettered and nothing
    acknowledged; the consumer's loop tries the same changes again later."""
    consumer = cdc.CdcConsumer()
    drain(consumer)
    place_order_as(alice)

    def database_away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(poison, "apply_events", database_away)
    with pytest.raises(OperationalError):
        consumer.poll_once()

    assert not DeadLetter.objects.exists()
    assert unacknowledged_changes() > 0


def test_the_slot_may_retain_only_a_bounded_amount_of_wal(cdc_slot):
    """Regression: a stalled slot retained WAL without limit (a full disk on the primary).
    The test command bounds it (scripts/enable-logical-decoding.sh sets
    max_slot_wal_keep_size); PostgreSQL then reports how much more the slot may retain."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT safe_wal_size FROM pg_replication_slots WHERE slot_name = %s",
            [cdc.slot_name()],
        )
        (safe_wal_size,) = cursor.fetchone()
    assert safe_wal_size is not None, (
        "max_slot_wal_keep_size is unbounded: run scripts/enable-logical-decoding.sh"
    )


def test_the_slots_retained_wal_and_its_bound_are_exported_and_evaluated(cdc_slot, staff_client):
    """/metrics exports what the CdcWalRetained alert compares; /api/ops/health evaluates the
    same rule from the live slot, as a value of each read model on cdc."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_slot_wal_keep_size")
        (bound,) = cursor.fetchone()
    assert bound == "1GB", "scripts/enable-logical-decoding.sh sets the test server's bound"

    metrics = scrape()
    health = {r["rule"]: r for r in staff_client.get("/api/ops/health").json()["rules"]}

    assert metrics.value("orders_cdc_wal_keep_limit_bytes") == 1024**3
    assert metrics.has("orders_cdc_retained_wal_bytes")
    wal = health["CdcWalRetained"]
    assert wal["status"] == "ok"
    assert wal["thresholdByReadModel"]["order_search"] == 1024**3 / 2
    assert all(value >= 0 for value in wal["byReadModel"].values())


def test_a_replay_keeps_the_events_before_a_later_failing_one_and_blames_that_one(
    cdc_slot, alice, staff_user, place_order_as, confirm_order_as, monkeypatch
):
    """As on the outbox path, the catch-up after a replay keeps what it applied before the
    event that fails, and that event (not the first one it tried) is dead-lettered."""
    consumer = cdc.CdcConsumer()
    drain(consumer)
    # Given: an order dead-lettered at OrderPlaced in order_summaries, then confirmed and
    # shipped (both wait behind it), and a summaries bug in shipping
    order_id = place_order_as(alice).order.order_id
    placed, shipped = SummariesProjection.when_OrderPlaced, SummariesProjection.when_OrderShipped

    def only_summaries(bug):
        def buggy(self, row, event):
            if self.name == "order_summaries":
                raise RuntimeError(bug)
            return {"OrderPlaced": placed, "OrderShipped": shipped}[event.event_type](
                self, row, event
            )

        return buggy

    monkeypatch.setattr(SummariesProjection, "when_OrderPlaced", only_summaries("placing bug"))
    drain(consumer)
    monkeypatch.setattr(SummariesProjection, "when_OrderPlaced", placed)
    monkeypatch.setattr(SummariesProjection, "when_OrderShipped", only_summaries("shipping bug"))
    confirm_order_as(alice, order_id)
    services.ship_order(
        command=ShipOrder(order_id=order_id, tracking_number="T-3"), actor=staff_user
    )
    drain(consumer)
    (first,) = DeadLetter.objects.all()

    # When: the placing bug is fixed and the dead letter replayed
    replay_dead_letters(DeadLetter.objects.filter(pk=first.pk))

    # Then: placed and confirmed are applied; the shipment is the new dead letter
    assert OrderSummary.objects.get(pk=order_id).seq == 2
    second = DeadLetter.objects.get(resolved_at__isnull=True)
    assert (second.seq, second.event_type) == (3, "OrderShipped")
