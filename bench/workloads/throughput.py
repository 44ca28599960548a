"""Workload 3, pipeline throughput, from a prefilled outbox (synthetic but valid events).

Relay: outbox rows handed to the broker per second, from the NOTIFY that follows the
prefill until no row is pending; no worker runs. Baseline: the reference relay
(bench/naive_relay.py: 100 rows per 100 ms poll, one task per row) on a smaller prefill.

Projector: the relay's tasks are left in the broker; then one worker process with
concurrency 1 consumes them for a while, and the rate is the rows it marked done over the
span of their done_at times (database clock), so its start-up time does not count.
Baseline: the same worker on the reference relay's one-row tasks, applying only the row each
task names (REFERENCE_PROJECTOR).
"""

from __future__ import annotations

import time

from bench import database
from bench.runner import REFERENCE_PROJECTOR, Run, wait_until
from bench.stats import rate, ratio

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


def run_throughput(run: Run) -> dict:
    config = run.config
    database.remove_probes()
    relay = relay_run(run, "relay", config.relay_rows)
    projector = projector_run(run, config.projector_seconds)
    naive_relay = relay_run(run, "naive-relay", config.naive_relay_rows)
    naive_projector = projector_run(run, config.projector_seconds, REFERENCE_PROJECTOR)
    run.reset()
    return {
        "relay": relay,
        "naiveRelay": naive_relay,
        "relayRatio": ratio(relay["rowsPerSecond"], naive_relay["rowsPerSecond"]),
        "projector": projector,
        "naiveProjector": naive_projector,
        "projectorRatio": ratio(
            projector["eventsAppliedPerSecond"], naive_projector["eventsAppliedPerSecond"]
        ),
    }
