"""Rebuilding a read model from the event log (readmodels/rebuild/job.py) while it stays live.

The reference for "right" is incremental projection: the projector applying each event in
turn, as the relay and the workers do. A rebuild must end with exactly the rows (and counters)
incremental projection produces — also when commands keep arriving during the rebuild — and
must never take the live read model away or leave it half-built.

Every test commits for real (transaction=True): a rebuild commits several transactions, uses
a second connection for its snapshot and, in the concurrency test, races other threads.
"""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from orders import services
from orders.domain.commands import (
    CancelOrder,
    ConfirmOrder,
    DeliverOrder,
    PlaceOrder,
    RequestedItem,
    ShipOrder,
)
from orders.domain.events import event_from_json
from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import DeadLetter, ReadModelState
from readmodels.ops.replay import replay_dead_letters
from readmodels.pipeline.event_log import EVENT_COLUMNS, event_from_row
from readmodels.pipeline.projector import catch_up_order, project_messages
from readmodels.pipeline.row_store import writable_columns
from readmodels.projections import PROJECTIONS
from readmodels.projections.summaries import SummariesProjection
from readmodels.read_database import read_alias, read_connection
from readmodels.rebuild import (
    EventFoldFailed,
    RebuildAlreadyRunning,
    UnknownReadModel,
    bulk_fold,
    rebuild,
)
from readmodels.rebuild import connections as rebuild_connections
from readmodels.rebuild import job as rebuild_job

pytestmark = pytest.mark.django_db(transaction=True)

READ_MODELS = list(PROJECTIONS)


# ---- helpers ------------------------------------------------------------------------------


def place(user, items: dict[str, int]) -> services.CommandResult:
    command = PlaceOrder(
        items=tuple(RequestedItem(product_id=p, quantity=q) for p, q in items.items())
    )
    return services.place_order(command=command, actor=user)


def move(order_id, to: str, actor) -> None:
    """Walk an order forward to status `to` through the service functions."""
    steps = {
        "confirmed": ["confirm"],
        "shipped": ["confirm", "ship"],
        "delivered": ["confirm", "ship", "deliver"],
        "cancelled": ["cancel"],
        "cancelled after confirming": ["confirm", "cancel"],
    }[to]
    for step in steps:
        command(step, order_id, actor)


def command(step: str, order_id, actor) -> None:
    if step == "confirm":
        services.confirm_order(command=ConfirmOrder(order_id=order_id), actor=actor)
    elif step == "ship":
        services.ship_order(
            command=ShipOrder(order_id=order_id, tracking_number=f"TRK-{order_id.hex[:6]}"),
            actor=actor,
        )
    elif step == "deliver":
        services.deliver_order(command=DeliverOrder(order_id=order_id), actor=actor)
    else:
        services.cancel_order(
            command=CancelOrder(order_id=order_id, reason="changed my mind"), actor=actor
        )


def project_incrementally() -> None:
    """What the relay and the workers do: every event, one at a time, to every read model."""
    for order_id, seq in Event.objects.order_by("position").values_list("order_id", "seq"):
        for projection in PROJECTIONS.values():
            catch_up_order(projection, order_id, up_to_seq=seq)


def deliver_pending_outbox(read_model: str) -> None:
    """What the relay and a worker do with the outbox rows still owed to `read_model`."""
    owed = OutboxMessage.objects.filter(
        read_model=read_model, state__in=[OutboxState.PENDING, OutboxState.SENT]
    ).values_list("id", flat=True)
    project_messages(read_model, list(owed))


def tables_of(name: str) -> list[str]:
    projection = PROJECTIONS[name]
    return [model._meta.db_table for model in (projection.row_model, *projection.aggregate_models)]


def table_contents(table: str) -> tuple[list[str], list[tuple]]:
    """Column names and every row, in key order (the tsvector compares as its text)."""
    with read_connection().cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        return [column.name for column in cursor.description], cursor.fetchall()


def read_model_contents(name: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Full contents of the row table and the aggregate tables of a read model.

    An aggregate row whose counters are all zero is left out: it says the same as no row.
    (Incremental projection leaves such a row behind when the last order leaves a status;
    a rebuild computes the counters from the rows and has no reason to create it.)
    """
    contents = {}
    for index, table in enumerate(tables_of(name)):
        columns, rows = table_contents(table)
        if index > 0:
            rows = [row for row in rows if any(value != 0 for value in row[1:])]
        contents[table] = (columns, rows)
    return contents


def rows_folded_from_the_log(name: str) -> list[dict]:
    """The rows a pure fold of the whole event log gives, in the projector's own event form."""
    projection = PROJECTIONS[name]
    rows: dict = {}
    for event in Event.objects.order_by("order_id", "seq"):
        domain_event = event_from_json(event.to_json())
        rows[event.order_id] = projection.apply(rows.get(event.order_id), domain_event)
    columns = writable_columns(projection.row_model)
    return [{c: row[c] for c in columns} for _, row in sorted(rows.items())]


def live_rows(name: str) -> list[dict]:
    model = PROJECTIONS[name].row_model
    return list(model.objects.order_by("order_id").values(*writable_columns(model)))


def relation_id(table: str) -> int:
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT %s::regclass::oid", [table])
        return cursor.fetchone()[0]


def index_definitions(name: str) -> list[tuple[str, str]]:
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [tables_of(name)],
        )
        return cursor.fetchall()


def leftover_tables() -> list[str]:
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class"
            " WHERE relname LIKE '%%\\_\\_rebuild%%' OR relname LIKE '%%\\_\\_old%%'"
        )
        return [name for (name,) in cursor.fetchall()]


# ---- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def orders_in_every_state(alice, bob, staff_user, catalogue):
    """Ten orders of two customers in every status, projected incrementally into every read
    model. Returns their ids."""
    ids = []
    for customer, items, status in [
        (alice, {"widget": 3, "gadget": 2}, None),
        (alice, {"gizmo": 1}, "confirmed"),
        (alice, {"widget": 1}, "shipped"),
        (alice, {"gadget": 4, "gizmo": 2}, "delivered"),
        (alice, {"widget": 2}, "cancelled"),
        (bob, {"gizmo": 3}, "cancelled after confirming"),
        (bob, {"widget": 5, "gadget": 1, "gizmo": 1}, "delivered"),
        (bob, {"gadget": 1}, None),
        (bob, {"widget": 1}, "shipped"),
        (bob, {"gizmo": 2}, "confirmed"),
    ]:
        order_id = place(customer, items).order.order_id
        if status:
            move(order_id, status, staff_user)
        ids.append(order_id)
    project_incrementally()
    return ids


# ---- equal to incremental projection ------------------------------------------------------


@pytest.mark.parametrize("name", READ_MODELS)
def test_rebuild_produces_exactly_what_incremental_projection_produces(name, orders_in_every_state):
    """Given orders in every state, projected incrementally,
    when the read model is rebuilt,
    then its tables (rows, generated tsvector and counters) are exactly as before, and they
    are new tables, not the old ones left in place."""
    before = read_model_contents(name)
    old_table = relation_id(tables_of(name)[0])

    report = rebuild(name)

    assert read_model_contents(name) == before
    assert relation_id(tables_of(name)[0]) != old_table
    assert report.events == Event.objects.count()
    assert report.orders == len(orders_in_every_state)
    state = ReadModelState.objects.get(name=name)
    assert state.last_rebuild_at == report.rebuilt_at
    assert state.last_rebuild_events == report.events
    assert leftover_tables() == []


@pytest.mark.parametrize("name", READ_MODELS)
def test_rebuild_restores_a_damaged_read_model(name, orders_in_every_state):
    """Given a read model whose rows were deleted or edited by hand (and counters skewed),
    when it is rebuilt,
    then it is exactly what incremental projection had produced."""
    before = read_model_contents(name)
    row_table, *aggregate_tables = tables_of(name)
    gone, edited = orders_in_every_state[:2], orders_in_every_state[3]
    with read_connection().cursor() as cursor:
        cursor.execute(f'DELETE FROM "{row_table}" WHERE order_id = ANY(%s)', [gone])
        if name == "order_details":
            damage = "view = jsonb_set(view, '{status}', '\"pending\"')"
        else:
            damage = "status = 'pending'"
        cursor.execute(f'UPDATE "{row_table}" SET {damage} WHERE order_id = %s', [edited])
        for table in aggregate_tables:
            cursor.execute(f'DELETE FROM "{table}" WHERE ctid = (SELECT min(ctid) FROM "{table}")')
    assert read_model_contents(name) != before

    rebuild(name)

    assert read_model_contents(name) == before


# ---- live while commands keep arriving -----------------------------------------------------


class CommandTraffic:
    """A background thread placing and moving orders and projecting each command
    incrementally into every read model, as the workers would, until stopped."""

    def __init__(self, customer, staff):
        self.customer, self.staff = customer, staff
        self.commands = 0
        self.errors: list[BaseException] = []
        self.progress = threading.Condition()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the command thread did not stop"

    def wait_for(self, more: int, timeout: float = 30) -> None:
        """Block until the thread has completed `more` further commands (and projected them)."""
        with self.progress:
            target = self.commands + more
            assert self.progress.wait_for(lambda: self.commands >= target, timeout=timeout)

    def _run(self) -> None:
        open_orders: list[list] = []  # [order id, steps still to do]
        try:
            while not self.stopping.is_set():
                if len(open_orders) < 3:
                    result = place(self.customer, {"widget": 1 + self.commands % 3, "gizmo": 1})
                    order_id = result.order.order_id
                    open_orders.append([order_id, list(LIFE_CYCLES[self.commands % 2])])
                else:
                    order_id, steps = open_orders[self.commands % len(open_orders)]
                    command(steps.pop(0), order_id, self.staff)
                    if not steps:
                        open_orders.remove([order_id, steps])
                latest = Event.objects.filter(order_id=order_id).count()  # seqs are 1..n
                for projection in PROJECTIONS.values():
                    catch_up_order(projection, order_id, up_to_seq=latest)
                with self.progress:
                    self.commands += 1
                    self.progress.notify_all()
                time.sleep(0.005)
        except BaseException as error:  # reported to the test
            self.errors.append(error)
            with self.progress:
                self.progress.notify_all()
        finally:
            connections.close_all()


# The life cycles the command thread walks its orders through, alternately.
LIFE_CYCLES = (["confirm", "ship", "deliver"], ["confirm", "cancel"])


class LiveQueries:
    """A background thread querying the live row table the whole time."""

    def __init__(self, table: str):
        self.table = table
        self.counts: list[int] = []
        self.errors: list[BaseException] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=60)

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                with read_connection().cursor() as cursor:
                    cursor.execute(f'SELECT count(*) FROM "{self.table}"')
                    self.counts.append(cursor.fetchone()[0])
                time.sleep(0.002)
        except BaseException as error:
            self.errors.append(error)
        finally:
            connections.close_all()


@pytest.mark.parametrize("name", READ_MODELS)
def test_rebuild_while_commands_keep_arriving_ends_equal_to_incremental_projection(
    name, orders_in_every_state, alice, staff_user, monkeypatch
):
    """Given a thread issuing commands and projecting them incrementally, and another
    querying the live table,
    when the read model is rebuilt meanwhile — with commands committed after its snapshot,
    and commands projected into the live table after its first catch-up —
    then after the outbox rows still owed are delivered, the read model equals a fold of the
    whole event log, its counters equal counters computed from its rows, every outbox row is
    done, and the live table answered every query (never empty)."""
    monkeypatch.setattr(bulk_fold, "FETCH_SIZE", 4)  # many batches: a slower fold
    projection = PROJECTIONS[name]
    initial_orders = len(orders_in_every_state)

    with (
        CommandTraffic(alice, staff_user) as traffic,
        LiveQueries(tables_of(name)[0]) as queries,
    ):
        phases_seen = set()

        def progress(p):
            if p.phase not in phases_seen:
                phases_seen.add(p.phase)
                if p.phase in ("folding", "swapping"):
                    # after the snapshot; and after the unlocked catch-up, before the lock:
                    # commands land (and are projected into the old live table) in between
                    traffic.wait_for(3)
            if p.phase == "folding":
                time.sleep(0.01)

        report = rebuild(name, progress=progress)
        traffic.wait_for(2)  # and some after the swap, projected into the new tables

    assert not traffic.errors, traffic.errors
    assert not queries.errors, queries.errors
    assert {"folding", "catching up", "swapping"} <= phases_seen
    assert report.catch_up_events > 0
    deliver_pending_outbox(name)

    assert live_rows(name) == rows_folded_from_the_log(name)
    assert not OutboxMessage.objects.filter(read_model=name).exclude(state=OutboxState.DONE)
    if projection.aggregate_models:
        assert_counters_match_rows(name)
    assert queries.counts and min(queries.counts) >= initial_orders


def test_a_projector_cannot_slip_an_event_into_the_old_table_during_the_swap(
    orders_in_every_state, staff_user
):
    """Given a rebuild whose last catch-up is done and whose renames are about to run,
    when a command commits and its projector tries to apply it right then,
    then the projector waits for the swap (the rebuild holds the read model's lock) and
    applies the event to the new table: it is not lost in the old one."""
    order_id = orders_in_every_state[0]  # pending
    projected = threading.Event()

    def confirm_and_project():
        try:
            command("confirm", order_id, staff_user)
            catch_up_order(PROJECTIONS["order_summaries"], order_id, up_to_seq=2)
            projected.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=confirm_and_project)

    def progress(p):
        if p.phase == "renaming":
            thread.start()
            projected.wait(timeout=1.5)  # it must not manage to: it waits for the lock

    rebuild("order_summaries", progress=progress)
    thread.join(timeout=30)

    assert projected.is_set()
    assert live_rows("order_summaries") == rows_folded_from_the_log("order_summaries")
    assert not OutboxMessage.objects.filter(read_model="order_summaries").exclude(
        state=OutboxState.DONE
    )


def assert_counters_match_rows(name: str) -> None:
    """The aggregate tables equal what aggregate_sql computes from the live rows now."""
    projection = PROJECTIONS[name]
    row_table, *aggregate_tables = tables_of(name)
    scratch = {table: f"{table}_expected" for table in aggregate_tables}
    with transaction.atomic(using=read_alias()), read_connection().cursor() as cursor:
        for table, copy in scratch.items():
            cursor.execute(f'CREATE TEMP TABLE "{copy}" (LIKE "{table}") ON COMMIT DROP')
        for statement in projection.aggregate_sql(row_table, scratch):
            cursor.execute(statement)
        for table, copy in scratch.items():
            actual = [r for r in table_contents(table)[1] if any(v != 0 for v in r[1:])]
            assert actual == table_contents(copy)[1], table


# ---- repeatable, refusals and failures -----------------------------------------------------


@pytest.mark.parametrize("name", READ_MODELS)
def test_rebuilding_twice_in_a_row_works_and_keeps_the_index_names(name, orders_in_every_state):
    """Given a read model, when it is rebuilt twice in a row, then both succeed, the contents
    are unchanged, the indexes keep their names and definitions, and nothing is left over."""
    before, indexes = read_model_contents(name), index_definitions(name)

    rebuild(name)
    rebuild(name)

    assert read_model_contents(name) == before
    assert index_definitions(name) == indexes
    assert leftover_tables() == []


def test_rebuilding_with_an_empty_event_log_gives_empty_tables():
    """Given no events at all, when every read model is rebuilt, then each is empty."""
    for name in READ_MODELS:
        report = rebuild(name)

        assert (report.events, report.orders) == (0, 0)
        for table in tables_of(name):
            assert table_contents(table)[1] == [], table


def test_an_unknown_read_model_name_fails_clearly():
    """Given no read model called "nope", when it is rebuilt, then the command fails with an
    error listing the valid names, and the function raises UnknownReadModel."""
    with pytest.raises(CommandError) as failure:
        call_command("rebuild_readmodel", "nope")
    assert "nope" in str(failure.value)
    for name in [*READ_MODELS, "all"]:
        assert name in str(failure.value)
    with pytest.raises(UnknownReadModel):
        rebuild("nope")


@pytest.mark.parametrize("fold_workers", [1, 3])
def test_a_poison_event_aborts_the_rebuild_and_leaves_the_live_table_intact(
    fold_workers, orders_in_every_state, monkeypatch
):
    """Given a projection bug that makes one OrderShipped fail,
    when order_summaries is rebuilt (folding in one process, or in three worker processes),
    then the rebuild fails naming the read model, order, seq, event type and error; the live
    table is the same table with the same rows; no shadow table is left; no rebuild is
    recorded."""
    monkeypatch.setattr(rebuild_job, "fold_workers", lambda events: fold_workers)
    victim = orders_in_every_state[2]  # shipped
    shipped_seq = Event.objects.get(order_id=victim, event_type="OrderShipped").seq
    original = SummariesProjection.when_OrderShipped

    def buggy(self, row, event):
        if event.order_id == victim:
            raise KeyError("tracking")
        return original(self, row, event)

    monkeypatch.setattr(SummariesProjection, "when_OrderShipped", buggy)
    before, old_table = read_model_contents("order_summaries"), relation_id("order_summaries")

    with pytest.raises(EventFoldFailed) as failure:
        rebuild("order_summaries")

    error = failure.value
    assert (error.read_model, error.order_id, error.seq, error.event_type) == (
        "order_summaries",
        victim,
        shipped_seq,
        "OrderShipped",
    )
    for part in ["order_summaries", str(victim), f"#{shipped_seq}", "OrderShipped", "tracking"]:
        assert part in str(error)
    assert read_model_contents("order_summaries") == before
    assert relation_id("order_summaries") == old_table
    assert leftover_tables() == []
    assert not ReadModelState.objects.filter(name="order_summaries", last_rebuild_at__isnull=False)

    with pytest.raises(CommandError, match=f"OrderShipped #{shipped_seq} of order {victim}"):
        call_command("rebuild_readmodel", "order_summaries", "--quiet")


def test_a_poison_event_arriving_after_the_snapshot_also_aborts_cleanly(
    orders_in_every_state, staff_user, monkeypatch
):
    """Given a projection bug hit only by an event committed after the rebuild's snapshot,
    when order_summaries is rebuilt, then the catch-up fails with that event named and the
    live table is left as it was."""
    victim = orders_in_every_state[1]  # confirmed: will be shipped during the rebuild
    original = SummariesProjection.when_OrderShipped

    def buggy(self, row, event):
        if event.order_id == victim:
            raise ValueError("bad tracking number")
        return original(self, row, event)

    monkeypatch.setattr(SummariesProjection, "when_OrderShipped", buggy)
    before = read_model_contents("order_summaries")

    def ship_after_snapshot(p):
        if p.phase == "folding" and p.done == 0:
            thread = threading.Thread(target=ship_in_own_connection, args=(victim, staff_user))
            thread.start()
            thread.join()

    with pytest.raises(EventFoldFailed, match="bad tracking number") as failure:
        rebuild("order_summaries", progress=ship_after_snapshot)

    assert (failure.value.order_id, failure.value.event_type) == (victim, "OrderShipped")
    assert read_model_contents("order_summaries") == before
    assert leftover_tables() == []


def ship_in_own_connection(order_id, actor) -> None:
    try:
        command("ship", order_id, actor)
    finally:
        connections.close_all()


def test_a_second_rebuild_of_the_same_read_model_is_refused(orders_in_every_state):
    """Given a rebuild of order_details running elsewhere (holding its rebuild lock),
    when another one starts, then it is refused and the running one is not disturbed."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(hashtextextended('readmodel-rebuild:order_details', 0))"
            )
        with pytest.raises(RebuildAlreadyRunning):
            rebuild("order_details")
        assert rebuild("order_summaries").events == Event.objects.count()
    finally:
        other.close()


# ---- what a rebuild records ----------------------------------------------------------------


def test_rebuild_marks_the_outbox_rows_it_covers_done_and_leaves_dead_letters_to_replay(
    orders_in_every_state,
):
    """Given an order whose OrderShipped is a dead letter for order_summaries (its outbox row
    dead, the later one parked, the row stuck at the event before),
    when order_summaries is rebuilt (the bug being fixed),
    then the row is complete, both outbox rows are done, the dead letter stays open, and the
    replay resolves it as covered by the rebuild."""
    order_id = orders_in_every_state[3]  # delivered: placed, confirmed, shipped, delivered
    events = {e.seq: e for e in Event.objects.filter(order_id=order_id)}
    now = timezone.now() - timedelta(minutes=1)
    with read_connection().cursor() as cursor:
        cursor.execute("UPDATE order_summaries SET seq = 2 WHERE order_id = %s", [order_id])
    outbox = OutboxMessage.objects.filter(read_model="order_summaries", event__order_id=order_id)
    outbox.filter(event__seq=3).update(state=OutboxState.DEAD, attempts=5)
    outbox.filter(event__seq=4).update(state=OutboxState.PARKED)
    dead = DeadLetter.objects.create(
        read_model="order_summaries",
        event=events[3],
        order_id=order_id,
        seq=3,
        event_type="OrderShipped",
        error="KeyError: 'tracking'",
        attempts=5,
        first_failed_at=now,
        last_failed_at=now,
    )

    report = rebuild("order_summaries")

    assert report.outbox_marked_done == 2
    assert set(outbox.values_list("state", flat=True)) == {OutboxState.DONE}
    assert live_rows("order_summaries") == rows_folded_from_the_log("order_summaries")
    dead.refresh_from_db()
    assert dead.resolved_at is None
    replay = replay_dead_letters(DeadLetter.objects.filter(pk=dead.pk))
    assert [pk for pk, _ in replay.skipped] == [dead.pk]
    assert "covered by the rebuild" in replay.skipped[0][1]


def test_the_fast_event_construction_equals_event_from_json(orders_in_every_state):
    """The rebuild builds events from its snapshot rows directly; each must equal what
    event_from_json(Event.to_json()) gives, timestamps and time zone included."""
    by_id = {e.event_id: event_from_json(e.to_json()) for e in Event.objects.all()}
    with rebuild_connections.snapshot_reader() as reader, reader.cursor(binary=True) as cursor:
        cursor.execute(f"SELECT {EVENT_COLUMNS} FROM orders_event AS e")
        built = [event_from_row(*row) for row in cursor]
    assert len(built) == len(by_id)
    for event in built:
        expected = by_id[event.event_id]
        assert event == expected
        assert event.occurred_at.tzinfo == expected.occurred_at.tzinfo
        assert event.to_json() == expected.to_json()


# ---- the command ---------------------------------------------------------------------------


def test_the_command_prints_progress_and_one_summary_line_per_read_model(
    orders_in_every_state,
):
    """Given events in the log, when `rebuild_readmodel all` runs (not on a terminal), then it
    prints progress lines on stderr and one summary line per read model on stdout;
    with --quiet only the summary."""
    out, err = StringIO(), StringIO()
    call_command("rebuild_readmodel", "all", stdout=out, stderr=err)

    lines = out.getvalue().splitlines()
    events = Event.objects.count()
    assert [line.split(":")[0] for line in lines] == READ_MODELS
    for line in lines:
        assert f"{events} events, 10 orders" in line and "events/s" in line
    assert f"{events}/{events} events (100%)" in err.getvalue()
    assert "swapping in" in err.getvalue()

    out, err = StringIO(), StringIO()
    call_command("rebuild_readmodel", "order_search", "--quiet", stdout=out, stderr=err)
    assert out.getvalue().startswith("order_search: ")
    assert err.getvalue() == ""
