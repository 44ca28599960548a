"""The web server takes its database connections from a pool; the worker, the relay and
management commands keep persistent connections (config/asgi.py says why). Each case runs
Django in a subprocess: settings are read once per process, and importing config.asgi is
what turns the pool on."""

import json
import os
import subprocess
import sys

import pytest

from tests.pipeline.harness import ROOT, pipeline_env

REPORT_CONNECTION_SETTINGS = """
import json
from django.conf import settings
from django.db import connection
database = settings.DATABASES["default"]
connection.ensure_connection()
report = {
    "pool": database.get("OPTIONS", {}).get("pool"),
    "conn_max_age": database["CONN_MAX_AGE"],
    "pooled_connection": connection.pool is not None,
}
connection.close()
if connection.pool is not None:
    connection.close_pool()
print(json.dumps(report))
"""
AS_THE_WEB_SERVER = "import config.asgi"
AS_A_MANAGEMENT_COMMAND = "import django; django.setup()"


def connection_settings(entry_point: str, **env: str) -> dict:
    """How a process started like `entry_point` connects to the test database, with none of
    the developer's own DB_POOL settings."""
    environment = {
        key: value for key, value in pipeline_env().items() if not key.startswith("DB_POOL")
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    done = subprocess.run(
        [sys.executable, "-c", entry_point + "\n" + REPORT_CONNECTION_SETTINGS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_the_web_server_takes_its_connections_from_a_pool():
    """Given no DB_POOL in the environment, when the ASGI application is loaded, then the
    database connection comes from a psycopg pool and persistent connections are off."""
    web = connection_settings(AS_THE_WEB_SERVER)

    assert web == {
        "pool": {"min_size": 2, "max_size": 8, "timeout": 10},
        "conn_max_age": 0,
        "pooled_connection": True,
    }


@pytest.mark.django_db
def test_other_processes_keep_persistent_connections():
    """Given no DB_POOL in the environment, when Django is set up as the worker, the relay
    and management commands set it up, then there is no pool: a pool created before Celery
    forks its pool processes would be shared by them."""
    command = connection_settings(AS_A_MANAGEMENT_COMMAND)

    assert command["pool"] is None
    assert command["pooled_connection"] is False
    assert command["conn_max_age"] == int(os.environ.get("DB_CONN_MAX_AGE", "60"))


@pytest.mark.django_db
def test_the_pool_follows_the_environment():
    """Given DB_POOL and its sizes in the environment, then they win over the web server's
    default: sizes are honoured, and DB_POOL=false (the benchmark's comparison) turns it off."""
    sized = connection_settings(
        AS_A_MANAGEMENT_COMMAND, DB_POOL="true", DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="3"
    )
    web_without_pool = connection_settings(AS_THE_WEB_SERVER, DB_POOL="false")

    assert sized["pool"] == {"min_size": 1, "max_size": 3, "timeout": 10}
    assert sized["conn_max_age"] == 0 and sized["pooled_connection"] is True
    assert web_without_pool["pool"] is None and web_without_pool["pooled_connection"] is False
