"""Settings for the test suite: same services, separate places in them.

pytest-django creates its own database (test_<name>); Redis database 15 keeps test queues
and channel groups away from a development server running on the same machine.
"""

import os

os.environ.setdefault("REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
# Development mode (the default is production): in the environment, so that the servers the
# tests start inherit it. pytest-django still runs each test with settings.DEBUG false.
os.environ.setdefault("DEBUG", "true")
# Tests compare answers before and after a change within milliseconds: no reused /metrics or
# /healthz answers, and no query limit a fast test client would hit (each limit's own tests
# set it). The servers the tests start inherit these too.
os.environ.setdefault("METRICS_CACHE_SECONDS", "0")
os.environ.setdefault("HEALTH_CACHE_SECONDS", "0")
os.environ.setdefault("QUERY_RATE_LIMIT", "1000/second")
os.environ.setdefault("OUTBOX_REDELIVERY_SECONDS", "3")
# Throttle counts and socket slots (Django's cache, Redis) of one test run never meet another
# run's: a prefix per run, inherited by the servers it starts.
os.environ.setdefault("CACHE_KEY_PREFIX", f"orders-test-{os.getpid()}-{os.urandom(4).hex()}")

# Metrics: a fresh multiprocess directory per test run, shared with the worker and relay
# subprocesses it starts (they inherit ORDERS_TEST_METRICS_DIR) and deleted at its exit.
if "ORDERS_TEST_METRICS_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["ORDERS_TEST_METRICS_DIR"] = tempfile.mkdtemp(prefix="orders-test-metrics-")
    atexit.register(shutil.rmtree, os.environ["ORDERS_TEST_METRICS_DIR"], ignore_errors=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ["ORDERS_TEST_METRICS_DIR"]

from .settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

# Several test runs on one machine (say, two checkouts) each need their own database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_orders")}  # noqa: F405
# The two-database layout (READ_DATABASE_URL set: `make test-two-databases`): the read tables'
# test database is named after the write one. tests/conftest.py gives every database test
# both aliases.
if "read" in DATABASES:  # noqa: F405
    DATABASES["read"]["TEST"] = {"NAME": f"{DATABASES['default']['TEST']['NAME']}_read"}  # noqa: F405
