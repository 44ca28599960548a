"""Workload 0, idle: what the running components cost when nothing happens. Web, relay and
worker start, a few commands go through and drain, then each component's CPU time (and that
of the PostgreSQL backends serving this database) is read from /proc over a quiet window.

Baseline: none; the goal is an absolute budget (under 3 % of one CPU each), since an idle
component's cost is the machine's loss whatever the machine. The earlier freshness figures
were taken while the relay spun at about a third of a CPU with nothing to do.
"""

from __future__ import annotations

import time

from django.db import connection

from bench import database
from bench.process_cpu import cpu_seconds, database_backends
from bench.runner import Run, wait_until

BUDGET_SHARE_OF_ONE_CPU = 0.03


def run_idle(run: Run) -> dict:
    run.only("web", "worker", "relay")
    run.web("outbox")
    run.ensure("worker")
    run.ensure("relay")
    run.reset()
    warm_up = {"mode": "closed", "mix": "place_confirm", "concurrency": 1}
    run.loadgen({**warm_up, "warmup": 0, "duration": 1.0})
    wait_until(lambda: database.unfinished_outbox_rows() == 0, timeout=30)
    connection.close()  # the orchestrator's own connection is not the app's
    time.sleep(2)  # after-commit pushes and the last wake-ups settle

    watched = {name: component.tree() for name, component in run.stack.components.items()}
    watched["postgresql backends"] = database_backends()
    before = {name: cpu_seconds(processes) for name, processes in watched.items()}
    started = time.monotonic()
    time.sleep(run.config.idle_seconds)
    elapsed = time.monotonic() - started
    shares = {
        name: round((cpu_seconds(processes) - before[name]) / elapsed, 4)
        for name, processes in watched.items()
    }
    print(
        "  idle CPU, share of one CPU: "
        + ", ".join(f"{name} {share:.1%}" for name, share in shares.items()),
        flush=True,
    )
    return {"windowSeconds": round(elapsed, 1), "cpuShare": shares}
