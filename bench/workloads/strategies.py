"""Workload 7, strategies: every read model on outbox, then inline, then cdc. For each: the
freshness run at one offered rate, and closed-loop place at concurrency 8 against the ORM
baseline endpoint, measured in the same configuration (what each strategy costs commands).
The outbox freshness run is the freshness workload's own at that rate when it ran before
(same configuration: web, relay, worker, every read model on outbox).

What runs for each: outbox — web, relay, worker; inline — web only; cdc — web and the CDC
consumer (its replication slot is dropped afterwards).
"""

from __future__ import annotations

from bench import database
from bench.runner import APP_PATHS, BASELINE_PATHS, Run, strategies_env
from bench.stats import ratio
from bench.workloads.command_cost import closed_loop
from bench.workloads.freshness import freshness_run

PROCESSES = {"outbox": ("relay", "worker"), "inline": (), "cdc": ("cdc",)}


def run_strategies(run: Run) -> dict:
    config = run.config
    figures: dict = {}
    baseline: dict = {}
    database.install_probes()
    for strategy, needs in PROCESSES.items():
        run.only("web", *needs)
        if strategy == "cdc":
            run.reset()
            database.drop_cdc_slot()
        run.web(strategy)
        env = {"READ_MODEL_STRATEGIES": strategies_env(strategy)}
        for name in needs:
            run.ensure(name, **env)
        try:
            earlier = run.figures.get("freshness", {}).get("outbox", {})
            if strategy == "outbox" and str(config.strategy_rate) in earlier:
                fresh = earlier[str(config.strategy_rate)]
            else:
                fresh = freshness_run(run, config.strategy_rate)
            seconds, concurrency = config.strategy_seconds, config.strategy_concurrency
            place = closed_loop(run, APP_PATHS, concurrency, "place", seconds)
            if not (config.quick and figures):  # quick runs measure the baseline once
                baseline = closed_loop(run, BASELINE_PATHS, concurrency, "place", seconds)
        finally:
            if strategy == "cdc":
                run.stack.stop("cdc")
                run.reset()
                database.drop_cdc_slot()
        figures[strategy] = {
            "freshness": fresh,
            "place": place,
            "baselinePlace": baseline,
            "throughputRatio": ratio(place["throughput"], baseline["throughput"]),
        }
    run.only()
    return figures
