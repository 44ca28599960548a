"""Workload 3, pipeline throughput, from a prefilled outbox (synthetic but valid events).

Relay: outbox rows handed to the broker per second, from the NOTIFY that follows the
prefill until no row is pending; no worker runs. Baseline: the reference relay
(bench/naive_relay.py: 100 rows per 100 ms poll, one task per row) on a smaller prefill.

Projector: the relay's tasks are left in the broker; then one worker process with
concurrency 1 consumes them for a while, and the rate is the rows it marked done over the
span of their done_at times (database clock), so its start-up time does not count.
Baseline: the same worker on the reference relay's one-row tasks, applying only the row each
task names (REFERENCE_PROJECTOR).

Projector fixed cost: what a delivery of one outbox row costs the projector when nothing is
queued behind it (live traffic one command at a time), measured in this process by calling
`project_messages` directly: CPU ms and SQL statements per task. Celery's own hand-off is
not in it (the worker's per-task figure would add that).
"""

from __future__ import annotations

import time
from contextlib import ExitStack

import psutil
from django.db import connections

from bench import database
from bench.process_cpu import cpu_seconds, database_backends
from bench.runner import REFERENCE_PROJECTOR, Run, wait_until
from bench.stats import rate, ratio, summarize

ROWS_PER_EVENT = len(database.READ_MODELS)
EVENTS_PER_ORDER = 2


def prefill(rows: int) -> int:
    orders = max(1, rows // (ROWS_PER_EVENT * EVENTS_PER_ORDER))
    database.generate_events(orders, outbox=True)
    return orders * EVENTS_PER_ORDER * ROWS_PER_EVENT


# No worker consumes during the relay measurement, so no row is ever done: without this, a
# relay slower than the redelivery timeout would start sending its first rows again.
NO_REDELIVERY = {"OUTBOX_REDELIVERY_SECONDS": "86400"}


def relay_run(run: Run, relay: str, rows: int) -> dict:
    run.only()
    run.reset()
    if relay == "relay":
        run.ensure("relay", **NO_REDELIVERY)
        rows = prefill(rows)
        started = time.perf_counter()
        database.execute("SELECT pg_notify('outbox_pending', '')")
    else:
        rows = prefill(rows)
        started = time.perf_counter()
        run.ensure("naive-relay", **NO_REDELIVERY)  # starts polling at once
    finished = wait_until(lambda: database.scalar(PENDING_SQL) == 0, timeout=600, interval=0.05)
    seconds = time.perf_counter() - started
    run.stack.stop(relay)
    return {
        "rows": rows,
        "events": rows // ROWS_PER_EVENT,
        "seconds": seconds,
        "finished": finished,
        "rowsPerSecond": rate(rows, seconds),
        "eventsPerSecond": rate(rows / ROWS_PER_EVENT, seconds),
    }


PENDING_SQL = "SELECT count(*) FROM orders_outboxmessage WHERE state = 'pending'"

DONE_SPAN_SQL = """
    SELECT count(*), EXTRACT(EPOCH FROM max(done_at) - min(done_at))
    FROM orders_outboxmessage WHERE state = 'done'
"""


def projector_run(run: Run, seconds: float, env: dict[str, str] | None = None) -> dict:
    """Consume what the relay left in the broker with one worker process, concurrency 1."""
    run.stack.start_worker(concurrency=1, env=env)
    time.sleep(seconds)
    run.stack.stop("worker")
    done, span = database.scalar_row(DONE_SPAN_SQL)
    span = float(span or 0)
    return {
        "rowsDone": done,
        "seconds": span,
        "eventsAppliedPerSecond": rate(done, span),
    }


FIXED_COST_ORDERS = 100  # × 2 events × 4 read models = 800 one-row tasks
WORKER_FIXED_COST_ORDERS = 25  # 200 one-row tasks, each waited for
WARM_UP_TASKS = 8
IS_DONE_SQL = "SELECT state = 'done' FROM orders_outboxmessage WHERE id = %s"

MARK_ONE_SENT_SQL = "UPDATE orders_outboxmessage SET state = 'sent', sent_at = now() WHERE id = %s"


def fixed_cost_run(run: Run, orders: int = FIXED_COST_ORDERS) -> dict:
    """One-row deliveries to the projector, in this process, each row marked sent just before
    (as the relay does) and none queued behind it. Per task: CPU ms (this process, the push
    sender's thread included), wall ms, and SQL statements (BEGIN and COMMIT not counted)."""
    from readmodels.pipeline.projector import project_messages

    run.only()
    run.reset()
    database.generate_events(orders, outbox=True)
    rows = outbox_rows()
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    backend = own_database_backend()
    backend_cpu_before = cpu_seconds(backend)
    cpu = wall = 0.0
    for row_id, read_model in rows:
        database.execute(MARK_ONE_SENT_SQL, [row_id])
        with ExitStack() as counting:
            for alias in connections:
                counting.enter_context(connections[alias].execute_wrapper(count))
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            project_messages(read_model, [row_id])
            cpu += time.process_time() - cpu_before
            wall += time.perf_counter() - wall_before
    backend_cpu = cpu_seconds(backend) - backend_cpu_before
    done = database.scalar("SELECT count(*) FROM orders_outboxmessage WHERE state = 'done'")
    run.reset()
    tasks = len(rows)
    return {
        "tasks": tasks,
        "rowsDone": done,
        "cpuMsPerTask": cpu * 1000 / tasks,
        # The PostgreSQL backend serving these tasks (marking the rows sent included), when it
        # runs on this machine: the other half of the task's CPU.
        "databaseCpuMsPerTask": backend_cpu * 1000 / tasks if backend else None,
        "wallMsPerTask": wall * 1000 / tasks,
        "statementsPerTask": statements / tasks,
    }


def outbox_rows() -> list[tuple[int, str]]:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT id, read_model FROM orders_outboxmessage ORDER BY id")
        return cursor.fetchall()


def own_database_backend() -> list[psutil.Process]:
    """This process's PostgreSQL backend, if it runs on this machine (else none)."""
    pid = database.scalar("SELECT pg_backend_pid()")
    return [psutil.Process(pid)] if psutil.pid_exists(pid) else []


def worker_fixed_cost_run(run: Run, orders: int = WORKER_FIXED_COST_ORDERS) -> dict:
    """One-row tasks through a worker process (concurrency 1), one at a time: each row marked
    sent, its task published, and the next one only once the row is done. Per task: the
    worker's CPU (Celery's hand-off included) and its database backend's, and the latency
    from publishing the task to seeing the row done (polled every millisecond)."""
    from readmodels.pipeline.tasks import project

    run.only()
    run.reset()
    database.generate_events(orders, outbox=True)
    rows = outbox_rows()
    run.stack.start_worker(concurrency=1)
    worker = run.stack.components["worker"].tree()
    latencies: list[float] = []
    backends: list[psutil.Process] = []
    for n, (row_id, read_model) in enumerate(rows):
        if n == WARM_UP_TASKS:  # the worker's connection exists now
            backends = database_backends()
            worker_cpu, database_cpu = cpu_seconds(worker), cpu_seconds(backends)
        database.execute(MARK_ONE_SENT_SQL, [row_id])
        sent = time.perf_counter()
        project.apply_async(args=[read_model, [row_id]], queue=read_model)
        wait_until(lambda row_id=row_id: database.scalar(IS_DONE_SQL, [row_id]), 10, 0.001)
        if n >= WARM_UP_TASKS:
            latencies.append((time.perf_counter() - sent) * 1000)
    tasks = len(latencies)
    worker_cpu = cpu_seconds(worker) - worker_cpu
    database_cpu = cpu_seconds(backends) - database_cpu
    run.stack.stop("worker")
    run.reset()
    return {
        "tasks": tasks,
        "workerCpuMsPerTask": worker_cpu * 1000 / tasks,
        "databaseCpuMsPerTask": database_cpu * 1000 / tasks,
        "latencyMs": summarize(latencies),
    }


def run_throughput(run: Run) -> dict:
    config = run.config
    database.remove_probes()
    fixed_cost = fixed_cost_run(run)
    worker_fixed_cost = worker_fixed_cost_run(run)
    relay = relay_run(run, "relay", config.relay_rows)
    projector = projector_run(run, config.projector_seconds)
    naive_relay = relay_run(run, "naive-relay", config.naive_relay_rows)
    naive_projector = projector_run(run, config.projector_seconds, REFERENCE_PROJECTOR)
    run.reset()
    return {
        "relay": relay,
        "naiveRelay": naive_relay,
        "relayRatio": ratio(relay["rowsPerSecond"], naive_relay["rowsPerSecond"]),
        "projectorFixedCost": fixed_cost,
        "projectorFixedCostInWorker": worker_fixed_cost,
        "projector": projector,
        "naiveProjector": naive_projector,
        "projectorRatio": ratio(
            projector["eventsAppliedPerSecond"], naive_projector["eventsAppliedPerSecond"]
        ),
    }
