"""The benchmark suite: `python -m bench` (or `make bench`, `make bench ARGS=--quick`).

It starts the web server, relay, Celery worker and CDC consumer it needs as subprocesses
against its own database (orders_bench) and Redis database (11), drives them from a separate
load generator process over real HTTP and WebSocket connections, and writes raw figures as
JSON plus PNG plots to bench/results/. docs/benchmarks.md explains the workloads and the
figures of the latest full run.
"""
