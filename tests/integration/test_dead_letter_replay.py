"""Dead letter replay (readmodels/ops/replay.py) after a rebuild: an old dead letter that
a rebuild covers is resolved, one it does not cover says how to get out, and the "covered"
path holds the order's lock so that no projector can park the order again behind a resolved
dead letter.

In-process against the real PostgreSQL; interleavings are forced with events, not timing."""

import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from orders import services
from orders.domain.commands import ShipOrder
from orders.models import OutboxMessage, OutboxState
from readmodels.models import DeadLetter, OrderSummary, ReadModelState
from readmodels.ops.replay import REPLAY_WINDOW, replay_dead_letters
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS
from readmodels.rebuild.job import rebuild

pytestmark = pytest.mark.django_db(transaction=True)

READ_MODEL = "order_summaries"


def summaries_outbox(order_id):
    return OutboxMessage.objects.filter(read_model=READ_MODEL, event__order_id=order_id)


def dead_letter_of_the_next_event(order_id) -> DeadLetter:
    """Poison the next event order_summaries sees and deliver the order's rows until the
    retry policy gives up (retry times are skipped: the backoff is not what is tested)."""
    ReadModelState.objects.update_or_create(name=READ_MODEL, defaults={"fail_next_event": True})
    for _ in range(MAX_ATTEMPTS):
        rows = summaries_outbox(order_id).exclude(state=OutboxState.DONE)
        rows.update(available_at=timezone.now())
        project_messages(READ_MODEL, list(rows.values_list("id", flat=True)))
    return DeadLetter.objects.get(order_id=order_id, resolved_at__isnull=True)


def age(dead: DeadLetter, by: timedelta) -> None:
    DeadLetter.objects.filter(pk=dead.pk).update(
        first_failed_at=dead.first_failed_at - by, last_failed_at=dead.last_failed_at - by
    )


@pytest.fixture
def confirmed_order_dead_lettered(alice, place_order_as, confirm_order_as, settings):
    """A confirmed order whose OrderPlaced is a dead letter for order_summaries (its confirm
    parked behind it)."""
    settings.READ_MODEL_STRATEGIES = {}
    order_id = place_order_as(alice).order.order_id
    dead = dead_letter_of_the_next_event(order_id)
    confirm_order_as(alice, order_id)
    project_messages(READ_MODEL, list(summaries_outbox(order_id).values_list("id", flat=True)))
    assert summaries_outbox(order_id).get(event__seq=2).state == OutboxState.PARKED
    return order_id, dead


def test_an_old_dead_letter_that_a_rebuild_covers_is_resolved(confirmed_order_dead_lettered):
    """Regression: the age check came first, so "rebuild, then replay" skipped a dead letter
    older than the replay window for good, although the rebuild had applied its event."""
    # Given: the dead letter first failed beyond the replay window; then the read model is
    # rebuilt (which applies every event of the log)
    order_id, dead = confirmed_order_dead_lettered
    age(dead, REPLAY_WINDOW + timedelta(days=1))
    rebuild(READ_MODEL)

    # When: staff replay it
    report = replay_dead_letters(DeadLetter.objects.filter(pk=dead.pk))

    # Then: it is resolved as covered by the rebuild, and the order is complete
    assert [pk for pk, _ in report.skipped] == [dead.pk]
    assert "covered by the rebuild" in report.skipped[0][1]
    dead.refresh_from_db()
    assert dead.resolved_at is not None
    assert dead.resolution.startswith("covered by the rebuild")
    assert OrderSummary.objects.get(pk=order_id).seq == 2


def test_an_old_dead_letter_no_rebuild_covers_stays_open_and_says_the_way_out(
    confirmed_order_dead_lettered,
):
    """An old dead letter is not replayed (its data may no longer be wanted), but it stays
    visible with a reason that names the way out: rebuild that read model, then replay."""
    # Given: an old dead letter, and no rebuild since
    _, dead = confirmed_order_dead_lettered
    age(dead, REPLAY_WINDOW + timedelta(days=1))

    # When
    report = replay_dead_letters(DeadLetter.objects.filter(pk=dead.pk))

    # Then
    ((skipped_id, reason),) = report.skipped
    assert skipped_id == dead.pk
    assert "no rebuild since covers it" in reason
    assert f"manage.py rebuild_readmodel {READ_MODEL}" in reason
    assert "then replay it again" in reason
    dead.refresh_from_db()
    assert dead.resolved_at is None


def test_covered_by_rebuild_replay_cannot_be_undone_by_a_projector_parking_the_order(
    confirmed_order_dead_lettered, staff_user
):
    """Regression: the "covered by the rebuild" path resolved the dead letter and unparked
    the order without the order's lock. A projector that had already seen the dead letter
    open then parked the order's next event after the replay committed: nothing would ever
    unpark it. Forced interleaving: the projector is held between its dead letter check and
    its parking update while the replay runs."""
    # Given: the read model was rebuilt (covering the dead letter), then the order shipped
    # and its OrderShipped relayed to a projector
    order_id, dead = confirmed_order_dead_lettered
    rebuild(READ_MODEL)
    services.ship_order(
        command=ShipOrder(order_id=order_id, tracking_number="T-1"), actor=staff_user
    )
    shipped = summaries_outbox(order_id).get(event__seq=3)
    OutboxMessage.objects.filter(pk=shipped.pk).update(state=OutboxState.SENT)
    saw_dead_letter, replay_finished = threading.Event(), threading.Event()

    def projector() -> None:
        def hold_before_parking(execute, sql, params, many, context):
            if sql.startswith('UPDATE "orders_outboxmessage"') and OutboxState.PARKED in params:
                saw_dead_letter.set()
                # Let the replay run: until it is done, or waits for this order's lock
                wait_for(lambda: replay_finished.is_set() or a_session_waits_for_a_lock())
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(hold_before_parking):
                project_messages(READ_MODEL, [shipped.pk])
        finally:
            saw_dead_letter.set()
            connections.close_all()

    def replay() -> None:
        try:
            replay_dead_letters(DeadLetter.objects.filter(pk=dead.pk))
        finally:
            replay_finished.set()
            connections.close_all()

    # When: the projector has seen the open dead letter, and then the replay runs
    projector_thread = threading.Thread(target=projector)
    projector_thread.start()
    assert saw_dead_letter.wait(timeout=10)
    replay_thread = threading.Thread(target=replay)
    replay_thread.start()
    for thread in (projector_thread, replay_thread):
        thread.join(timeout=20)
        assert not thread.is_alive()

    # Then: the dead letter is resolved and the order's next event is not parked behind it
    dead.refresh_from_db()
    assert dead.resolution.startswith("covered by the rebuild")
    assert summaries_outbox(order_id).get(event__seq=3).state != OutboxState.PARKED
    project_messages(READ_MODEL, [shipped.pk])
    assert OrderSummary.objects.get(pk=order_id).seq == 3


def wait_for(condition, timeout: float = 10) -> None:
    deadline = timezone.now() + timedelta(seconds=timeout)
    while not condition():
        assert timezone.now() < deadline, "the forced interleaving did not happen"
        threading.Event().wait(0.02)


def a_session_waits_for_a_lock() -> bool:
    """Whether some session of the test database waits for an advisory lock."""
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True
    ) as session:
        (waiting,) = session.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()
    return waiting > 0
