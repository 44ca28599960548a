"""Workload 1, command cost: place then confirm, closed loop, at each concurrency, through the
real command API and through the baseline endpoints (same rows, no events, no outbox).

Only the web server runs: the relay and the worker are stopped, so the figures isolate the
write path (outbox rows pile up unconsumed and are emptied between runs). Both are measured
twice: with the web process's database connection pool (how the application and the other
workloads run) and without it (DB_POOL=false: persistent connections, which under ASGI are
never reused, so every request opens a connection of its own).

Each round also reads the CPU time of the web processes and of their PostgreSQL backends
from /proc before and after it: CPU per command, whatever else the machine is doing.
"""

from __future__ import annotations

from collections import Counter

from bench.process_cpu import cpu_by_process, cpu_used_since, database_backends
from bench.runner import APP_PATHS, BASELINE_PATHS, OK, Run, command_figures
from bench.stats import ratio, summarize


def closed_loop(run: Run, paths: dict, concurrency: int, mix: str, seconds: float) -> dict:
    """One round; also the CPU time the web processes and their PostgreSQL backends used in
    it, with the successful commands it covers (warm-up included: the CPU reading is too)."""
    run.reset()
    web = run.stack.components["web"].tree()
    web_before, database_before = cpu_by_process(web), cpu_by_process(database_backends())
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
    figures = command_figures(result, seconds)
    figures["cpu"] = {
        "webSeconds": cpu_used_since(web_before, web),
        # read after the round: a connection the pool opened during it counts from zero
        "databaseSeconds": cpu_used_since(database_before, database_backends()),
        "commands": sum(1 for r in result["requests"] if r[4] in OK),
    }
    return figures


def cpu_per_command(rounds: list[dict]) -> dict:
    """Milliseconds of CPU per successful command over rounds (`closed_loop`'s "cpu")."""
    commands = sum(r["cpu"]["commands"] for r in rounds)
    web = sum(r["cpu"]["webSeconds"] for r in rounds)
    database = sum(r["cpu"]["databaseSeconds"] for r in rounds)
    return {
        "commands": commands,
        "webMs": 1000 * web / commands if commands else None,
        "databaseMs": 1000 * database / commands if commands else None,
    }


def alternating(run: Run, concurrency: int) -> tuple[dict, dict]:
    """The command API and the baseline in alternating rounds (A B A B …), each round a
    fraction of the window, so that whatever else the machine does meanwhile falls on both
    alike. Returns their figures over all rounds."""
    rounds = run.config.command_rounds
    seconds = run.config.command_seconds / rounds
    cqrs, baseline = [], []
    for _ in range(rounds):
        cqrs.append(closed_loop(run, APP_PATHS, concurrency, "place_confirm", seconds))
        baseline.append(closed_loop(run, BASELINE_PATHS, concurrency, "place_confirm", seconds))
    return over_rounds(cqrs, seconds), over_rounds(baseline, seconds)


def over_rounds(rounds: list[dict], seconds: float) -> dict:
    """One round's figures (`command_figures`) for several rounds of `seconds` each."""
    raw = {key: [v for r in rounds for v in r["raw"].get(key, [])] for key in rounds[0]["raw"]}
    errors: Counter = Counter()
    for r in rounds:
        errors.update(r["errors"])
    commands = sum(r["commands"] for r in rounds)
    return {
        "commands": commands,
        "failed": sum(r["failed"] for r in rounds),
        "throughput": commands / (seconds * len(rounds)),
        "roundThroughputs": [r["throughput"] for r in rounds],
        "cpuPerCommand": cpu_per_command(rounds),
        "latencyMs": {
            **{key.removesuffix("LatencyMs"): summarize(values) for key, values in raw.items()},
            "all": summarize([v for values in raw.values() for v in values]),
        },
        "sendLagMs": max((r["sendLagMs"] for r in rounds), key=lambda s: s.get("p99") or 0),
        "errors": dict(errors.most_common(5)),
        "raw": raw,
    }


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
            cqrs, baseline = alternating(run, concurrency)
            figures[key][str(concurrency)] = {
                "cqrs": cqrs,
                "baseline": baseline,
                "throughputRatio": ratio(cqrs["throughput"], baseline["throughput"]),
            }
            print(
                f"  {'pool' if pool else 'no pool'} c={concurrency}: "
                f"{cqrs['throughput']:.0f} cmd/s (baseline {baseline['throughput']:.0f}), "
                f"failed {cqrs['failed']} / {baseline['failed']}, web CPU "
                f"{_ms(cqrs['cpuPerCommand']['webMs'])} / "
                f"{_ms(baseline['cpuPerCommand']['webMs'])} ms per command",
                flush=True,
            )
    return figures


def _ms(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"
