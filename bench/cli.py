"""`python -m bench [--quick] [--only NAME,…] [--publish]`: run the benchmark suite.

Starts what it needs against the local PostgreSQL and Redis (its own database and Redis
database), runs each workload, prints a table, writes the raw figures to
bench/results/<timestamp>.json and plots to bench/results/<timestamp>/. With --publish, also
copies the summary and plots to docs/benchmarks/ (for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path

import psutil

from bench.config import FULL, QUICK

RESULTS = Path(__file__).resolve().parent / "results"
WORKLOADS = ("idle", "commands", "pgbench", "freshness", "strategies", "throughput", "rebuild")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short runs (idle, commands, pgbench and freshness under 4 minutes)",
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated workloads among: {', '.join(WORKLOADS)}"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/orders_bench"
        ),
        help="the benchmark's own database (created if missing; its tables are emptied)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        help="the benchmark's own Redis database (flushed)",
    )
    parser.add_argument(
        "--rates", help="offered loads of the freshness workload, commands/s (e.g. 50,200)"
    )
    parser.add_argument(
        "--strategy-rate", type=int, help="offered load of the strategies workload (50)"
    )
    parser.add_argument("--web-workers", type=int, help="uvicorn worker processes (default 2)")
    parser.add_argument("--log-level", help="log level of the processes under test (INFO)")
    parser.add_argument(
        "--publish", action="store_true", help="copy summary and plots to docs/benchmarks/"
    )
    return parser.parse_args(argv)


def machine_facts() -> dict:
    return {
        "cpus": os.cpu_count(),
        "memoryGiB": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadAverageAtStart": [round(x, 2) for x in os.getloadavg()],
        "cpuPressureAtStart": cpu_pressure(),
    }


def cpu_pressure() -> str | None:
    """Linux PSI: the share of time some runnable task waited for a CPU (other load shows)."""
    try:
        return Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    selected = tuple(name for name in args.only.split(",") if name) or WORKLOADS
    unknown = set(selected) - set(WORKLOADS)
    if unknown:
        sys.exit(f"unknown workload(s): {', '.join(sorted(unknown))}; choose from {WORKLOADS}")
    config = QUICK if args.quick else FULL
    config = replace(
        config,
        workloads=selected,
        web_workers=args.web_workers or config.web_workers,
        log_level=args.log_level or config.log_level,
    )
    if args.rates:
        config = replace(config, freshness_rates=tuple(int(r) for r in args.rates.split(",")))
    if args.strategy_rate:
        config = replace(config, strategy_rate=args.strategy_rate)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = RESULTS / stamp
    out_dir.mkdir(parents=True, exist_ok=True)

    from bench import report
    from bench.runner import Run

    results: dict = {
        "stamp": stamp,
        "mode": "quick" if config.quick else "full",
        "machine": machine_facts(),
        "config": asdict(config),
        "workloads": {},
        "errors": {},
        "seconds": {},
    }
    run = Run(config, database_url=args.database_url, redis_url=args.redis_url, out_dir=out_dir)
    run.figures = results["workloads"]
    started = time.monotonic()
    print(f"bench: {results['mode']} run {stamp}; logs in {out_dir}/logs", flush=True)
    try:
        run.setup()
        results["machine"].update(server_facts(run))
        for name in WORKLOADS:
            if name not in selected:
                continue
            print(f"bench: {name} …", flush=True)
            began = time.monotonic()
            try:
                results["workloads"][name] = workload(name)(run)
            except Exception:
                results["errors"][name] = traceback.format_exc()
                print(f"bench: {name} failed:\n{results['errors'][name]}", file=sys.stderr)
                run.only()
            results["seconds"][name] = round(time.monotonic() - began, 1)
            print(f"bench: {name} done in {results['seconds'][name]:.0f} s", flush=True)
    finally:
        run.teardown()
        results["seconds"]["total"] = round(time.monotonic() - started, 1)
        results["machine"]["loadAverageAtEnd"] = [round(x, 2) for x in os.getloadavg()]
        results["machine"]["cpuPressureAtEnd"] = cpu_pressure()
        path = RESULTS / f"{stamp}.json"
        path.write_text(json.dumps(results, indent=1, default=str))
    print(report.table(results))
    plots = report.plots(results, out_dir)
    summary = report.summary(results)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (out_dir / "table.md").write_text(report.markdown(results))
    print(f"bench: raw figures in {path}; plots and summary in {out_dir}")
    if args.publish:
        report.publish(out_dir, plots, summary)
    if results["errors"]:
        sys.exit(1)


def workload(name: str):
    from bench.workloads import (
        command_cost,
        freshness,
        idle,
        pgbench,
        rebuild,
        strategies,
        throughput,
    )

    return {
        "idle": idle.run_idle,
        "commands": command_cost.run_command_cost,
        "pgbench": pgbench.run_pgbench,
        "freshness": freshness.run_freshness,
        "strategies": strategies.run_strategies,
        "throughput": throughput.run_throughput,
        "rebuild": rebuild.run_rebuild,
    }[name]


def server_facts(run) -> dict:
    from bench import database

    facts = database.server_facts()
    info = run.redis().info("server")
    facts["redis"] = info.get("redis_version")
    return facts
