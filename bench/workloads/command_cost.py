"""Workload 1, command cost: place then confirm, closed loop, at each concurrency, through the
real command API and through the baseline endpoints (same rows, no events, no outbox).

Only the web server runs: the relay and the worker are stopped, so the figures isolate the
write path (outbox rows pile up unconsumed and are emptied between runs). Both are measured
twice: with the web process's database connection pool (how the application and the other
workloads run) and without it (DB_POOL=false: persistent connections, which under ASGI are
never reused, so every request opens a connection of its own).
"""

from __future__ import annotations

from bench.runner import APP_PATHS, BASELINE_PATHS, Run, command_figures
from bench.stats import ratio


def closed_loop(run: Run, paths: dict, concurrency: int, mix: str, seconds: float) -> dict:
    run.reset()
    result = run.loadgen(
        {
            "mode": "closed",
            "mix": mix,
            "concurrency": concurrency,
            "connections": concurrency,
            "warmup": run.config.command_warmup,
            "duration": seconds,
            **paths,
        }
    )
    return command_figures(result, seconds)


def run_command_cost(run: Run) -> dict:
    run.only("web")
    figures: dict = {}
    variants = [("concurrency", True)]
    if not run.config.quick:  # the full run also measures without the pool
        variants.append(("withoutPool", False))
    for key, pool in variants:
        run.web("outbox", pool=pool)
        figures[key] = {}
        for concurrency in run.config.concurrencies:
            seconds = run.config.command_seconds
            cqrs = closed_loop(run, APP_PATHS, concurrency, "place_confirm", seconds)
            baseline = closed_loop(run, BASELINE_PATHS, concurrency, "place_confirm", seconds)
            figures[key][str(concurrency)] = {
                "cqrs": cqrs,
                "baseline": baseline,
                "throughputRatio": ratio(cqrs["throughput"], baseline["throughput"]),
            }
            print(
                f"  {'pool' if pool else 'no pool'} c={concurrency}: "
                f"{cqrs['throughput']:.0f} cmd/s (baseline {baseline['throughput']:.0f}), "
                f"failed {cqrs['failed']} / {baseline['failed']}",
                flush=True,
            )
    return figures
