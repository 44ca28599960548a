"""Workload 2, freshness: a steady open-loop load (half place, half confirm) while the load
generator listens on the WebSocket; then, per read model, how long each event took from its
commit to its read row's write, and from the command's response to the `order.projected`
push for order_summaries.

Baseline: the reference text's relay (bench/naive_relay.py) in place of the real one, and a
worker that applies only the event each task names.
The quick run measures the baseline at the lowest rate only (beyond the machine's capacity
it only shows a longer backlog). Without the commands workload in the same run, a short
capacity probe comes first, so each offered rate can be stated as a share of the capacity
(bench/calibration.py).
Workload 6 rides along: peak RSS of web, relay and worker during the highest real load.
"""

from __future__ import annotations

from bench import database
from bench.cpu_budget import CpuBudget
from bench.processes import RssSampler
from bench.runner import (
    APP_PATHS,
    OK,
    REFERENCE_PROJECTOR,
    Run,
    command_figures,
    committed_pairs,
    push_latencies,
    rounded,
    wait_until,
)
from bench.stats import summarize
from bench.workloads.command_cost import closed_loop

PROBE_CONCURRENCY = 8


def freshness_run(run: Run, rate: int, *, sample: tuple[str, ...] = ()) -> dict:
    """One open-loop run at `rate` commands/s against whatever pipeline is running."""
    config = run.config
    run.reset()
    spec = {
        "mode": "open",
        "mix": "place_confirm",
        "rate": rate,
        "warmup": config.freshness_warmup,
        "duration": config.freshness_seconds,
        "websocket": True,
        "read_your_writes": True,  # each command read back with its token, as the UI does
        "drain_timeout": config.drain_seconds,
    }
    memory = None
    with CpuBudget(run) as cpu:
        if sample:
            with RssSampler({name: run.stack.components[name] for name in sample}) as sampler:
                result = run.loadgen(spec)
            memory = sampler.peaks
        else:
            result = run.loadgen(spec)
    pairs = committed_pairs(result)
    # The load generator already waited for the pushes; pushes are at most once, so give
    # the database a little longer to show every application.
    wait_until(lambda: database.unapplied(pairs) == 0, timeout=min(3, config.drain_seconds))
    applied = database.commit_to_applied_ms(pairs)
    figures = {
        "offeredRate": rate,
        "commands": command_figures(result, config.freshness_seconds),
        "commitToAppliedMs": {name: summarize(values) for name, values in applied.items()},
        "push": {name: push_latencies(result, name) for name in database.READ_MODELS},
        "wsConnected": result["wsConnected"],
        "readBacks": result.get("readBacks", 0),
        # (command, read model) pairs with no order.projected once the drain was over: lost,
        # or later than the drain (tests/system/test_push_completeness.py tells them apart)
        "pushesLost": result.get("pushesLost"),
        # ms of CPU per answered command, by component (bench/cpu_budget.py)
        "cpuPerCommandMs": cpu.per_command(sum(r[4] in OK for r in result["requests"])),
        "raw": {"commitToAppliedMs": {name: rounded(v) for name, v in applied.items()}},
    }
    if memory is not None:
        figures["peakRss"] = memory
    summaries = figures["commitToAppliedMs"]["order_summaries"]
    print(
        f"  {rate}/s offered: {figures['commands']['answeredPerSecond']:.0f} cmd/s answered, "
        f"summaries p50 {_ms(summaries['p50'])} p99 {_ms(summaries['p99'])} ms, "
        f"{summaries['missing']} of {summaries['count']} not applied in time, "
        f"{figures['pushesLost']} pushes missing at the drain's end",
        flush=True,
    )
    return figures


def _ms(value) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def capacity_probe(run: Run) -> dict:
    """The app's command capacity when the commands workload did not run in the same run: a
    short closed loop through the command API, web server alone, as that workload does."""
    run.only("web")
    run.web("outbox")
    seconds = run.config.capacity_probe_seconds
    probe = closed_loop(run, APP_PATHS, PROBE_CONCURRENCY, "place_confirm", seconds)
    print(f"  capacity probe (c={PROBE_CONCURRENCY}): {probe['throughput']:.0f} cmd/s", flush=True)
    return {
        "concurrency": PROBE_CONCURRENCY,
        "seconds": seconds,
        "throughput": probe["throughput"],
        "failed": probe["failed"],
    }


def run_freshness(run: Run) -> dict:
    figures: dict = {"outbox": {}, "naive": {}}
    if "commands" not in run.figures:  # each offered rate must have a capacity to compare to
        figures["capacityProbe"] = capacity_probe(run)
    run.only("web", "worker", "relay", "naive-relay")
    run.web("outbox")
    database.install_probes()
    run.stack.stop("naive-relay")
    run.ensure("worker")
    run.ensure("relay")
    rates = run.config.freshness_rates
    for rate in rates:
        sample = ("web", "relay", "worker") if rate == max(rates) else ()
        figures["outbox"][str(rate)] = freshness_run(run, rate, sample=sample)
    run.stack.stop("relay")
    run.stack.stop("worker")
    run.ensure("worker", **REFERENCE_PROJECTOR)
    run.ensure("naive-relay")
    for rate in rates if run.config.freshness_baseline_all_rates else rates[:1]:
        figures["naive"][str(rate)] = freshness_run(run, rate)
    run.stack.stop("naive-relay")
    run.stack.stop("worker")
    run.reset()
    return figures
