"""Django settings for benchmark runs: the application's own settings, plus the bench-only
baseline endpoints (bench/urls.py), and never DEBUG (it would record every SQL query).

The web process's connection pool is the application's (DB_POOL, config/settings.py and
config/asgi.py). The benchmark turns it off for one web server with DB_POOL=false
(bench/runner.py), so that the command cost workload measures both ways; docs/benchmarks.md
has the figures.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
