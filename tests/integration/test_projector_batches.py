"""The projector applies one delivery's orders together: a fixed number of statements for any
number of orders, one order's trouble never holding back the others, and work already queued
behind the delivery taken along. In-process against the real PostgreSQL, without Celery."""

import contextlib
import re
import threading
import uuid

import psycopg
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import OrderSummary, ReadModelState
from readmodels.pipeline.projector import project_messages
from readmodels.read_database import read_alias

pytestmark = pytest.mark.django_db(transaction=True)

READ_MODEL = "order_summaries"


def summaries_outbox(order_ids=None):
    rows = OutboxMessage.objects.filter(read_model=READ_MODEL)
    if order_ids is not None:
        rows = rows.filter(event__order_id__in=order_ids)
    return rows.order_by("id")


def ids_of(rows) -> list[int]:
    return list(rows.values_list("id", flat=True))


def relay(rows) -> list[int]:
    """Mark rows sent, as the relay does when it hands them to Celery."""
    ids = ids_of(rows)
    OutboxMessage.objects.filter(id__in=ids).update(state=OutboxState.SENT)
    return ids


def applied_seqs() -> dict:
    return dict(OrderSummary.objects.values_list("order_id", "seq"))


def place_orders(place_order_as, confirm_order_as, user, count: int) -> list:
    """`count` orders of `user`, every other one confirmed."""
    order_ids = [place_order_as(user).order.order_id for _ in range(count)]
    for order_id in order_ids[::2]:
        confirm_order_as(user, order_id)
    return order_ids


@contextlib.contextmanager
def statements_on_both_databases():
    """The statements run on the write database and (when it is another) the read one."""
    captured: list[dict] = []
    aliases = dict.fromkeys(["default", read_alias()])
    with contextlib.ExitStack() as stack:
        contexts = [stack.enter_context(CaptureQueriesContext(connections[a])) for a in aliases]
        yield captured
    for context in contexts:
        captured.extend(context.captured_queries)


def statements_to_deliver(ids: list[int]) -> int:
    with statements_on_both_databases() as queries:
        project_messages(READ_MODEL, ids)
    return len(queries)


def test_a_delivery_of_many_orders_costs_the_statements_of_one(
    alice, place_order_as, confirm_order_as
):
    # Given: one order and then twenty, each with its summaries rows waiting
    (single,) = place_orders(place_order_as, confirm_order_as, alice, 1)
    single_cost = statements_to_deliver(ids_of(summaries_outbox([single])))
    many = place_orders(place_order_as, confirm_order_as, alice, 20)

    # When: one delivery carries all twenty orders' rows
    many_cost = statements_to_deliver(ids_of(summaries_outbox(many)))

    # Then: every order is at its latest event, every row done, for the cost of one order
    confirmed_every_other = {o: 2 if i % 2 == 0 else 1 for i, o in enumerate(many)}
    assert applied_seqs() == {single: 2, **confirmed_every_other}
    assert set(summaries_outbox().values_list("state", flat=True)) == {OutboxState.DONE}
    assert many_cost == single_cost


def test_a_failing_event_fails_its_own_order_and_no_other(
    alice, bob, place_order_as, confirm_order_as
):
    # Given: six orders, and a read model that will fail the next event it sees
    order_ids = place_orders(place_order_as, confirm_order_as, alice, 3)
    order_ids += place_orders(place_order_as, confirm_order_as, bob, 3)
    ReadModelState.objects.create(name=READ_MODEL, fail_next_event=True)

    # When: one delivery carries them all
    project_messages(READ_MODEL, ids_of(summaries_outbox()))

    # Then: one order is unapplied with a retry scheduled; the five others are applied
    (poisoned,) = set(order_ids) - set(applied_seqs())
    assert len(applied_seqs()) == 5
    failed = summaries_outbox([poisoned]).first()
    assert (failed.state, failed.attempts) == (OutboxState.PENDING, 1)
    assert "injected fault" in failed.last_error
    assert not summaries_outbox().exclude(event__order_id=poisoned).exclude(state="done")


def test_a_row_the_database_refuses_fails_its_own_order_and_no_other(
    alice, place_order_as, confirm_order_as
):
    # Given: healthy orders, and one whose OrderPlaced (garbage in the log) has a total too
    # large for the read table's column
    healthy = place_orders(place_order_as, confirm_order_as, alice, 3)
    garbage = append_order_placed_with_total("1e20")

    # When: one delivery carries them all
    project_messages(READ_MODEL, ids_of(summaries_outbox()))

    # Then: the healthy orders are applied; the refused one has its retry scheduled, with
    # the database's complaint as its error (so it ends as a dead letter, never a loop)
    assert set(applied_seqs()) == set(healthy)
    refused = summaries_outbox([garbage]).get()
    assert (refused.state, refused.attempts) == (OutboxState.PENDING, 1)
    assert refused.last_error.startswith("DataError")


def test_work_queued_behind_a_delivery_is_taken_along(alice, place_order_as, confirm_order_as):
    # Given: five orders whose rows were all relayed (their tasks wait in the queue)
    order_ids = place_orders(place_order_as, confirm_order_as, alice, 5)
    relay(summaries_outbox())
    first_delivery = ids_of(summaries_outbox(order_ids[:1]))

    # When: the first task runs
    project_messages(READ_MODEL, first_delivery)

    # Then: every queued order is applied; the tasks behind it cost one query each
    assert set(applied_seqs()) == set(order_ids)
    assert set(summaries_outbox().values_list("state", flat=True)) == {OutboxState.DONE}
    assert statements_to_deliver(ids_of(summaries_outbox(order_ids[1:2]))) == 1


def test_a_delivery_takes_its_own_orders_later_queued_events_along(
    alice, place_order_as, confirm_order_as
):
    # Given: an order placed and confirmed, both events relayed
    (order_id,) = place_orders(place_order_as, confirm_order_as, alice, 1)
    placed, confirmed = relay(summaries_outbox())

    # When: the task of the OrderPlaced runs first
    project_messages(READ_MODEL, [placed])

    # Then: the order is confirmed in the read model already
    assert applied_seqs() == {order_id: 2}
    assert OutboxMessage.objects.get(pk=confirmed).state == OutboxState.DONE


def test_queued_work_that_another_projector_holds_is_left_to_it(
    alice, place_order_as, confirm_order_as
):
    # Given: two relayed orders, one of them locked by another projector's transaction
    mine, theirs = place_orders(place_order_as, confirm_order_as, alice, 2)
    relay(summaries_outbox())
    with other_projector_holding(theirs):
        # When: the delivery of the other order runs
        delivery = threading.Thread(
            target=project_messages, args=(READ_MODEL, ids_of(summaries_outbox([mine])))
        )
        delivery.start()
        delivery.join(timeout=10)

        # Then: it did not wait for the lock: its own order is applied, the held one is not
        assert not delivery.is_alive(), "the delivery waited for another projector's order"
    assert set(applied_seqs()) == {mine}
    assert set(summaries_outbox([theirs]).values_list("state", flat=True)) == {"sent"}


class other_projector_holding:
    """A second database session holding the projector's lock on one order."""

    def __init__(self, order_id):
        self.order_id = order_id

    def __enter__(self):
        dsn = connection.get_connection_params()
        self.session = psycopg.connect(
            **{k: v for k, v in dsn.items() if k != "cursor_factory"}, autocommit=True
        )
        self.session.execute(
            "SELECT pg_advisory_lock(hashtext(%s), hashtext(%s))", [READ_MODEL, str(self.order_id)]
        )

    def __exit__(self, *exc):
        self.session.close()


def append_order_placed_with_total(total: str):
    """An OrderPlaced straight into the event log (bypassing the aggregate's rules), with
    its summaries outbox row."""
    order_id = uuid.uuid4()
    event = Event.objects.create(
        event_id=uuid.uuid4(),
        order_id=order_id,
        seq=1,
        event_type="OrderPlaced",
        schema_version=1,
        occurred_at="2026-11-29T12:00:00Z",
        data={
            "customerId": 1,
            "customerName": "Garbage",
            "items": [{"productId": "x", "name": "X", "quantity": 1, "unitPrice": total}],
            "total": total,
        },
    )
    OutboxMessage.objects.create(event=event, read_model=READ_MODEL)
    return order_id


def test_a_refused_row_in_adopted_queued_work_fails_that_order_not_the_deliverys_own(
    alice, place_order_as
):
    """Regression: the batch's retry one order at a time used to cover only the delivery's
    own orders, so the queued order the database refused passed its blame (and its retries,
    up to a dead letter) on to the innocent order the task was delivering."""
    # Given: a healthy order, and a relayed (queued) order whose total the column refuses
    (own,) = [place_order_as(alice).order.order_id]
    garbage = append_order_placed_with_total("1e20")
    relay(summaries_outbox([garbage]))

    # When: the healthy order's own task runs and adopts the queued order
    project_messages(READ_MODEL, ids_of(summaries_outbox([own])))

    # Then: the healthy order is applied and done; only the refused order pays an attempt
    assert applied_seqs() == {own: 1}
    assert summaries_outbox([own]).get().state == OutboxState.DONE
    refused = summaries_outbox([garbage]).get()
    assert (refused.state, refused.attempts) == (OutboxState.PENDING, 1)
    assert refused.last_error.startswith("DataError")


def test_the_read_rows_seq_is_the_only_record_of_what_was_applied(
    alice, place_order_as, confirm_order_as
):
    """What stops a duplicate is the row's seq, checked under the order's lock and written
    with the row: no separate record of applied events is kept (one used to be written on
    every apply and never read). A delivery writes its read model's rows and the outbox."""
    # Given: an order placed and confirmed, its rows waiting
    place_orders(place_order_as, confirm_order_as, alice, 1)
    delivery = ids_of(summaries_outbox())

    # When: the delivery runs, and is then delivered again after a lost acknowledgement
    with statements_on_both_databases() as queries:
        project_messages(READ_MODEL, delivery)
    OutboxMessage.objects.filter(id__in=delivery).update(state=OutboxState.SENT)
    before = list(OrderSummary.objects.values())
    project_messages(READ_MODEL, delivery)

    # Then: the first wrote only order_summaries, the outbox and the push log (the message
    # that says so, docs/push-resumption.md); the second changed nothing
    written = {table for query in queries for table in WRITTEN_TABLE.findall(query["sql"])}
    assert written == {"order_summaries", "orders_outboxmessage", "push_streams", "push_log"}
    assert list(OrderSummary.objects.values()) == before
    assert set(summaries_outbox().values_list("state", flat=True)) == {OutboxState.DONE}


# Anywhere in a statement: one statement may write several tables (a data-modifying WITH).
# Not the DO UPDATE of an upsert, nor a row lock's FOR UPDATE.
WRITTEN_TABLE = re.compile(
    r'(?<!DO )(?<!FOR )\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE
)
