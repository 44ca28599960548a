"""What the benchmark does to its own database: users and catalogue, emptying the pipeline
tables between runs, bench-only freshness probes, fast synthetic event logs, and the queries
that turn probe rows into commit → applied latencies.

Runs in the orchestrator process (Django set up with bench.settings and the bench
DATABASE_URL). Never touches a database other than the one in DATABASE_URL.
"""

from __future__ import annotations

import secrets
import time
from decimal import Decimal

from django.conf import settings
from django.db import OperationalError, connection, transaction

from orders.subscriptions import READ_MODELS
from readmodels.pipeline.tables import empty_pipeline_tables

PRODUCTS = {"widget": ("Widget", Decimal("19.90")), "gadget": ("Gadget", Decimal("5.25"))}
ORDER_ITEMS = [{"productId": "widget", "quantity": 2}, {"productId": "gadget", "quantity": 1}]


def database_name() -> str:
    return settings.DATABASES["default"]["NAME"]


def execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def scalar_row(sql: str, params=None) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# ---- users and catalogue --------------------------------------------------------------------


def prepare_users(count: int) -> list[dict]:
    """`count` customers with a logged-in session each (no password hashing: a session is
    created for them directly) and a CSRF token. Returns what the load generator needs."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from orders.models import Product

    for product_id, (name, price) in PRODUCTS.items():
        Product.objects.update_or_create(
            product_id=product_id, defaults={"name": name, "unit_price": price, "active": True}
        )
    user_model = get_user_model()
    unusable = make_password(None)
    users = []
    for index in range(count):
        user, _ = user_model.objects.get_or_create(
            username=f"bench-{index:03d}",
            defaults={"password": unusable, "first_name": "Bench", "last_name": f"{index:03d}"},
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.set_expiry(24 * 3600)
        session.create()
        users.append({"id": user.pk, "session": session.session_key, "csrf": secrets.token_hex(16)})
    return users


# ---- between runs ---------------------------------------------------------------------------


def empty_pipeline() -> None:
    """Forget every order, event, outbox row and read row (users and catalogue stay), and the
    freshness probes' rows. Identities are not restarted, so a stale task still in the broker
    matches no new row."""
    probes = scalar("SELECT to_regclass('bench_applied') IS NOT NULL")
    for attempt in range(1, 21):
        try:  # a projector still busy with the last run's backlog may deadlock with us
            with transaction.atomic():
                execute("SET LOCAL lock_timeout = '5s'")
                empty_pipeline_tables(restart_identity=False)
                if probes:
                    execute("TRUNCATE bench_applied")
            return
        except OperationalError:
            if attempt == 20:
                raise
            time.sleep(0.5)


def drop_cdc_slot() -> bool:
    """Drop this database's CDC replication slot (orders_cdc_<db>) if present and idle."""
    from readmodels.cdc.consumer import drop_slot_if_unused

    return drop_slot_if_unused()


# ---- freshness probes -----------------------------------------------------------------------
# Bench-only measurement: the event's commit time and each read row's write time, both on the
# database's clock (clock_timestamp(), not now(), which is the transaction's start).

PROBES_SQL = """
CREATE UNLOGGED TABLE IF NOT EXISTS bench_applied (
    read_model text NOT NULL, order_id uuid NOT NULL, seq integer NOT NULL,
    at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS bench_applied_idx ON bench_applied (order_id, read_model, seq);
CREATE OR REPLACE FUNCTION bench_record_applied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_applied VALUES (TG_ARGV[0], NEW.order_id, NEW.seq, clock_timestamp());
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bench_stamp_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.recorded_at := clock_timestamp();
    RETURN NEW;
END $$;
"""


def row_tables() -> dict[str, str]:
    """The table holding one row per order (and its seq) for each read model."""
    from readmodels.projections import PROJECTIONS

    return {name: p.row_model._meta.db_table for name, p in PROJECTIONS.items()}


def install_probes() -> None:
    """Record each event's insert time (the last write of its command's transaction, so
    within a millisecond or so of the commit) in `recorded_at`, and every read row write."""
    remove_probes()
    execute(PROBES_SQL)
    execute(
        "CREATE TRIGGER bench_stamp BEFORE INSERT ON orders_event"
        " FOR EACH ROW EXECUTE FUNCTION bench_stamp_event()"
    )
    for read_model, table in row_tables().items():
        execute(
            f"CREATE TRIGGER bench_applied AFTER INSERT OR UPDATE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION bench_record_applied('{read_model}')"
        )


def remove_probes() -> None:
    execute("DROP TRIGGER IF EXISTS bench_stamp ON orders_event")
    for table in row_tables().values():
        execute(f"DROP TRIGGER IF EXISTS bench_applied ON {table}")


FRESHNESS_SQL = """
    WITH wanted AS (
        SELECT * FROM unnest(%s::uuid[], %s::integer[]) AS w(order_id, seq)
    )
    SELECT m.read_model,
           1000 * EXTRACT(EPOCH FROM (
               SELECT min(a.at) FROM bench_applied AS a
               WHERE a.order_id = e.order_id AND a.read_model = m.read_model AND a.seq >= e.seq
           ) - e.recorded_at)
    FROM wanted JOIN orders_event AS e USING (order_id, seq)
    CROSS JOIN unnest(%s::text[]) AS m(read_model)
"""


def commit_to_applied_ms(pairs: list[tuple[str, int]], read_models=READ_MODELS) -> dict:
    """Per read model: for each (order, seq) event, milliseconds from its commit to the first
    write of its order's row at that seq or later (None: not applied yet)."""
    latencies: dict[str, list] = {name: [] for name in read_models}
    if not pairs:
        return latencies
    with connection.cursor() as cursor:
        cursor.execute(
            FRESHNESS_SQL,
            [[order for order, _ in pairs], [seq for _, seq in pairs], list(read_models)],
        )
        for read_model, ms in cursor.fetchall():
            latencies[read_model].append(None if ms is None else float(ms))
    return latencies


def unfinished_outbox_rows() -> int:
    return scalar("SELECT count(*) FROM orders_outboxmessage WHERE state <> 'done'")


def unapplied(pairs: list[tuple[str, int]], read_models=READ_MODELS) -> int:
    return sum(
        value is None
        for values in commit_to_applied_ms(pairs, read_models).values()
        for value in values
    )


# ---- synthetic event logs -------------------------------------------------------------------

EVENTS_SQL = """
    INSERT INTO orders_event
        (event_id, order_id, seq, event_type, schema_version, occurred_at, data, recorded_at)
    SELECT gen_random_uuid(), o.order_id, s.seq,
           CASE s.seq WHEN 1 THEN 'OrderPlaced' ELSE 'OrderConfirmed' END, 1,
           o.placed_at + (s.seq - 1) * interval '5 minutes',
           CASE s.seq WHEN 1 THEN jsonb_build_object(
               'customerId', o.customer_id,
               'customerName', 'Bench ' || o.customer_id,
               'items', jsonb_build_array(
                   jsonb_build_object('productId', 'widget', 'name', 'Widget',
                                      'quantity', o.quantity, 'unitPrice', '19.90'),
                   jsonb_build_object('productId', 'gadget', 'name', 'Gadget',
                                      'quantity', 1, 'unitPrice', '5.25')),
               'total', (o.quantity * 19.90 + 5.25)::numeric(12, 2)::text)
           ELSE '{}'::jsonb END,
           now()
    FROM (
        SELECT g, gen_random_uuid() AS order_id, 1 + g %% %(customers)s AS customer_id,
               1 + g %% 5 AS quantity,
               now() - (g %% 30) * interval '1 day' - (g %% 86400) * interval '1 second'
                   AS placed_at
        FROM generate_series(1, %(orders)s) AS g
    ) AS o
    CROSS JOIN generate_series(1, 2) AS s(seq)
    ORDER BY o.g, s.seq
"""

OUTBOX_SQL = """
    INSERT INTO orders_outboxmessage (event_id, read_model, state, attempts, last_error)
    SELECT e.position, m.read_model, 'pending', 0, ''
    FROM orders_event AS e CROSS JOIN unnest(%s::text[]) WITH ORDINALITY AS m(read_model, n)
    WHERE e.position > %s
    ORDER BY e.position, m.n
"""


def generate_events(orders: int, *, outbox: bool = False, customers: int = 1000) -> int:
    """Append a valid OrderPlaced + OrderConfirmed pair for `orders` new orders to the event
    log in one INSERT … SELECT generate_series (and their pending outbox rows, one per read
    model, if `outbox`). Returns the number of events."""
    before = scalar("SELECT coalesce(max(position), 0) FROM orders_event")
    with connection.cursor() as cursor:
        cursor.execute(EVENTS_SQL, {"orders": orders, "customers": customers})
        events = cursor.rowcount
        cursor.execute("ANALYZE orders_event")
        if outbox:  # last, so that the rows become due the moment this returns
            cursor.execute(OUTBOX_SQL, [list(READ_MODELS), before])
    return events


FREE_CONNECTIONS_SQL = """
    SELECT current_setting('max_connections')::int
           - current_setting('superuser_reserved_connections')::int
           - (SELECT count(*) FROM pg_stat_activity)
"""


def wait_for_free_connections(needed: int, timeout: float = 60) -> bool:
    """Wait until the server has `needed` connection slots free (it is shared: other
    processes, or an earlier workload's connections on their way out, may hold them)."""
    deadline = time.monotonic() + timeout
    while scalar(FREE_CONNECTIONS_SQL) < needed:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def outbox_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT state, count(*) FROM orders_outboxmessage GROUP BY state")
        return dict(cursor.fetchall())


# ---- about the machine ----------------------------------------------------------------------


def server_facts() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version(), current_setting('wal_level'), current_setting('shared_buffers'),"
            " current_setting('synchronous_commit'), current_setting('max_connections')"
        )
        version, wal_level, shared_buffers, synchronous_commit, max_connections = cursor.fetchone()
    return {
        "postgres": version,
        "walLevel": wal_level,
        "sharedBuffers": shared_buffers,
        "synchronousCommit": synchronous_commit,
        "maxConnections": max_connections,
    }
