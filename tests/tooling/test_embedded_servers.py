"""The embedded servers themselves (config/embedded_servers.py), started for real in a temp
folder: what the app needs from them over their unix sockets, that a stop ends them and keeps
their data, and that a server left by a killed launcher is adopted, not started twice.

They never touch the machine's PostgreSQL and Redis: no TCP, sockets in the temp folder."""

import asyncio
import os
import shutil
import subprocess
import uuid

import dj_database_url
import psycopg
import pytest
import redis
from channels_redis.core import RedisChannelLayer
from django.core.cache.backends.redis import RedisCache
from kombu import Connection

from config.embedded_servers import process_running
from config.local_servers import RunningServers, make_plan
from tests.tooling.embedded import embedded_data_folder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def servers():
    """Embedded PostgreSQL and Redis, forced as by ORDERS_EMBEDDED=1, for the whole module
    (initdb takes seconds); stopped and deleted at the end."""
    folder = embedded_data_folder()
    running = RunningServers(
        make_plan({"ORDERS_EMBEDDED": "1", "ORDERS_EMBEDDED_DIR": str(folder)})
    )
    running.start({})
    yield running
    # Whatever a failing test left running, by its folder rather than by what was started.
    running.postgres.stop()
    running.redis.stop()
    shutil.rmtree(folder, ignore_errors=True)


def connect(servers: RunningServers, dbname: str = "postgres") -> psycopg.Connection:
    """Connect the way the app does: from DATABASE_URL through dj-database-url's HOST."""
    db = dj_database_url.parse(servers.env["DATABASE_URL"])
    return psycopg.connect(host=db["HOST"], user=db["USER"], dbname=dbname, autocommit=True)


def test_postgres_listens_on_its_socket_only_with_logical_decoding(servers):
    """No TCP (so no clash with the machine's server), and wal_level=logical so that the cdc
    strategy can create its replication slot, whose retained WAL is bounded."""
    with connect(servers) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SHOW wal_level").fetchone() == ("logical",)
        assert conn.execute("SHOW max_slot_wal_keep_size").fetchone() == ("1GB",)
        slot = f"test_slot_{uuid.uuid4().hex[:8]}"
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", [slot])
        conn.execute("SELECT pg_drop_replication_slot(%s)", [slot])
    assert str(servers.postgres.socket).startswith(str(servers.plan.data_dir))


def test_postgres_delivers_notifications_over_its_socket(servers):
    """The relay wakes on LISTEN/NOTIFY."""
    with connect(servers) as listener, connect(servers) as notifier:
        listener.execute("LISTEN outbox_test")
        notifier.execute("NOTIFY outbox_test, 'wake'")

        received = next(listener.notifies(timeout=5, stop_after=1))

    assert received.payload == "wake"


def test_redis_carries_the_broker_the_channel_layer_and_the_cache(servers):
    """Celery (kombu's redis+socket://), Channels and Django's cache all read the URLs the
    launcher exports."""
    env = servers.env
    with Connection(env["CELERY_BROKER_URL"]) as broker:
        queue = broker.SimpleQueue(f"test-{uuid.uuid4().hex[:8]}")
        queue.put({"order": 1})
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
    assert message.payload == {"order": 1}

    async def round_trip():
        layer = RedisChannelLayer(hosts=[env["REDIS_URL"]])
        channel = await layer.new_channel()
        await layer.group_add("orders-test", channel)
        await layer.group_send("orders-test", {"type": "order.projected"})
        received = await layer.receive(channel)
        await layer.flush()
        return received

    assert asyncio.run(round_trip()) == {"type": "order.projected"}

    cache = RedisCache(env["REDIS_URL"], {})
    cache.set("throttle", 3)
    assert cache.get("throttle") == 3


def test_a_configured_broker_stays_unless_embedded_servers_are_forced(servers):
    """Auto mode embeds Redis for what has no server; a broker of its own is kept."""
    folder = servers.plan.data_dir
    own_broker = {"ORDERS_EMBEDDED_DIR": str(folder), "CELERY_BROKER_URL": "redis://broker:6379/0"}
    forced = RunningServers(make_plan({**own_broker, "ORDERS_EMBEDDED": "1"}))
    forced.start(own_broker | {"ORDERS_EMBEDDED": "1"})
    assert forced.env["CELERY_BROKER_URL"].startswith("redis+socket://")
    auto = RunningServers(make_plan({**own_broker, "REDIS_URL": ""}, probe=lambda *_: False))
    auto.start(own_broker)
    assert "CELERY_BROKER_URL" not in auto.env
    assert auto.env["REDIS_URL"].startswith("unix://")


def test_a_second_launcher_shares_the_servers_of_a_live_run_and_leaves_them_up(servers):
    """`make run` in one terminal, a management command through the launcher in another:
    the second one's end must not pull the servers from under the first."""
    owner_file = servers.plan.data_dir / RunningServers.OWNER_FILE
    live_owner = subprocess.Popen(["sleep", "60"])  # stands for the launcher that owns them
    owner_file.write_text(f"{live_owner.pid}\n")
    try:
        second = RunningServers(servers.plan)
        second.start({})
        second.stop()

        assert servers.postgres.is_running() and servers.redis.answers()
        assert second.shared == [second.postgres, second.redis]
        assert owner_file.read_text() == f"{live_owner.pid}\n"
    finally:
        live_owner.kill()
        live_owner.wait()
        owner_file.write_text(f"{os.getpid()}\n")


def test_a_stop_ends_both_servers_keeps_their_data_and_a_restart_serves_it(servers):
    """Demo data survives a restart of `make run`; stopping leaves no server behind."""
    with connect(servers) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('placed before the restart')")
    redis.Redis.from_url(servers.env["REDIS_URL"]).set("kept", "yes")
    pids = [servers.postgres.server_pid(), servers.redis.server_pid()]

    servers.stop()

    assert not any(process_running(pid) for pid in pids)
    assert not servers.postgres.socket.exists() and not servers.redis.socket.exists()

    servers.start({})
    with connect(servers) as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("placed before the restart",)]
    assert redis.Redis.from_url(servers.env["REDIS_URL"]).get("kept") == b"yes"


def test_servers_left_by_a_killed_launcher_are_adopted_and_stopped(servers):
    """A launcher killed outright (SIGKILL) leaves its servers running: the next run uses
    them instead of failing on a taken socket, and stops them at its end."""
    pids = [servers.postgres.server_pid(), servers.redis.server_pid()]
    next_run = RunningServers(servers.plan)

    next_run.start({})

    assert next_run.postgres.adopted and next_run.redis.adopted
    assert [next_run.postgres.server_pid(), next_run.redis.server_pid()] == pids
    next_run.stop()
    assert not any(process_running(pid) for pid in pids)
    servers.started.clear()  # already stopped by the adopter
