"""Django settings for benchmark runs: the application's own settings, plus the bench-only
baseline endpoints (bench/urls.py), and never DEBUG (it would record every SQL query).

BENCH_DB_POOL=1 (set by the benchmark for the web server unless told otherwise) gives the web
process a psycopg connection pool (Django's OPTIONS["pool"]). Under ASGI every request runs in
a context of its own, so Django's persistent connections (CONN_MAX_AGE) are never reused: each
request opens a new PostgreSQL connection and leaves it to the garbage collector. The command
cost workload measures both ways; docs/benchmarks.md has the figures.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False

if os.environ.get("BENCH_DB_POOL") == "1":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  (required with a pool)
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
        "min_size": int(os.environ.get("BENCH_DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("BENCH_DB_POOL_MAX", "8")),
        "timeout": 30,
    }
