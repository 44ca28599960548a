"""An idle system is idle: once the pipeline has drained, no component (nor PostgreSQL on
its behalf) keeps a CPU busy. A resource budget with a wide margin, not a timing test: each
process's own CPU time is read from /proc, so a busy machine does not make it fail."""

from __future__ import annotations

import time

from bench.process_cpu import cpu_seconds, database_backends
from tests.pipeline.harness import wait_for_projection

WINDOW_SECONDS = 10
BUDGET_SHARE_OF_ONE_CPU = 0.03  # 3 %


def test_every_component_idles_once_the_pipeline_has_drained(app, people):
    # Given: the whole application, after some traffic has been projected
    alice = people.customer("alice")
    for _ in range(3):
        alice.act(alice.place()["order"]["orderId"], "confirm")
    wait_for_projection(timeout=30)
    time.sleep(2)  # the last wake-ups and after-commit pushes settle

    # When: nothing happens for a while
    watched = {name: app.process_tree(name) for name in app.processes}
    watched["postgresql (the app's backends)"] = database_backends()
    before = {name: cpu_seconds(processes) for name, processes in watched.items()}
    started = time.monotonic()
    time.sleep(WINDOW_SECONDS)
    elapsed = time.monotonic() - started

    # Then: each used at most 3 % of one CPU over the window
    shares = {
        name: (cpu_seconds(processes) - before[name]) / elapsed
        for name, processes in watched.items()
    }
    print("idle CPU, share of one CPU: " + ", ".join(f"{n} {v:.1%}" for n, v in shares.items()))
    limit = BUDGET_SHARE_OF_ONE_CPU
    busy = {name: f"{share:.1%}" for name, share in shares.items() if share > limit}
    assert not busy, f"busy while idle (share of one CPU): {busy}; all: {shares}"
