"""`python -m bench.profile [--seconds 10] [--rate 250]`: where one command's CPU goes.

Starts the web server with ONE uvicorn worker on the bench database (the run's environment,
bench/runner.py), drives a closed loop of place + confirm at one client (bench/loadgen.py),
and records the serving process with py-spy for `--seconds` while reading its CPU time and
counting the commands it served. Prints, and writes to bench/results/<stamp>-profile.txt:

- CPU ms per command of the web worker over the recording;
- the layers (bench/profile_stacks.py LAYERS) and the top ten of the chosen costs (COSTS),
  each as its inclusive share of the samples and that share of the CPU per command;
- self time: the ten functions the samples were in most.

Also writes the collapsed stacks (<stamp>-profile.stacks, for a flame graph). Only the web
server runs; the outbox rows pile up and are emptied at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace

import psutil

from bench.cli import RESULTS
from bench.config import QUICK
from bench.process_cpu import cpu_by_process, cpu_seconds
from bench.processes import ROOT
from bench.profile_stacks import (
    LAYERS,
    inclusive_costs,
    parse_collapsed,
    self_costs,
    without_waits,
)

WARMUP_SECONDS = 2.0
PY_SPY = os.path.join(os.path.dirname(sys.executable), "py-spy")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="recording length (10)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second (250)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/orders_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    )
    return parser.parse_args(argv)


def serving_process(tree: list[psutil.Process], before: dict[int, float]) -> psutil.Process:
    """The process of the web server's tree that worked most since `before`: the uvicorn
    worker (with one worker, uvicorn may serve from its first process itself)."""
    used = {pid: seconds - before.get(pid, 0.0) for pid, seconds in cpu_by_process(tree).items()}
    busiest = max(used, key=used.get)
    return next(process for process in tree if process.pid == busiest)


def record(run, seconds: float, rate: int, stacks_path) -> dict:
    """Load the server at one client, record its worker; CPU and commands over the recording."""
    from bench import database

    load_seconds = WARMUP_SECONDS + seconds + 5  # the load outlasts py-spy's attach and run
    spec = {"mode": "closed", "mix": "place_confirm", "concurrency": 1, "connections": 1}
    spec |= {"warmup": 0, "duration": load_seconds}
    tree = run.stack.components["web"].tree()
    idle = cpu_by_process(tree)
    load = threading.Thread(target=run.loadgen, args=(spec,), name="profile-load")
    load.start()
    try:
        time.sleep(WARMUP_SECONDS)
        worker = serving_process(tree, idle)
        events, cpu = database.scalar("SELECT count(*) FROM orders_event"), cpu_seconds([worker])
        argv = [PY_SPY, "record", "--pid", str(worker.pid), "--duration", str(round(seconds))]
        argv += ["--rate", str(rate), "--format", "raw", "--nolineno", "--nonblocking"]
        subprocess.run([*argv, "-o", str(stacks_path)], check=True, capture_output=True)
        cpu = cpu_seconds([worker]) - cpu
        commands = database.scalar("SELECT count(*) FROM orders_event") - events
    finally:
        load.join()
    return {"pid": worker.pid, "cpuSeconds": cpu, "commands": commands}


def report(measured: dict, stacks_text: str, seconds: float, rate: int) -> str:
    root = str(ROOT)
    stacks, waits = without_waits(parse_collapsed(stacks_text), root)
    commands = measured["commands"]
    per_command = 1000 * measured["cpuSeconds"] / commands if commands else None
    samples = sum(stacks.values())
    lines = [
        f"web worker (pid {measured['pid']}), one uvicorn worker, place + confirm at 1 client,",
        f"{seconds:g} s recorded by py-spy at {rate}/s: {commands} commands "
        f"({commands / seconds:.0f}/s), {measured['cpuSeconds']:.2f} s CPU, "
        f"{_ms(per_command)} ms CPU per command.",
        f"{samples} samples while busy (≈ {samples / rate:.2f} s of CPU; {waits} more in "
        "blocking waits, left out). Shares are of those samples; ms/cmd = share × CPU/command.",
        "",
        "Where the time is, by layer (each includes what it calls; the layers nest):",
        f"  {'share':>6}  {'ms/cmd':>6}  layer",
    ]
    lines += [_line(cost) for cost in inclusive_costs(stacks, per_command, LAYERS, root=root)]
    lines += [
        "",
        "Top ten costs per command (inclusive: samples with such a frame anywhere on the stack;",
        "they overlap, so they do not add up):",
        f"  {'share':>6}  {'ms/cmd':>6}  cost",
    ]
    lines += [_line(cost) for cost in inclusive_costs(stacks, per_command, root=root)[:10]]
    lines += ["", "Self time, top ten functions:", f"  {'share':>6}  {'ms/cmd':>6}  function"]
    lines += [_line(cost) for cost in self_costs(stacks, per_command, root=root)]
    return "\n".join(lines) + "\n"


# Frames whose self time needs a word: py-spy sees Python frames only (no --native).
NOTES = {
    "Runner.run (asyncio/runners.py)": "the event loop's own C code (uvloop): I/O, callbacks",
}


def _line(cost) -> str:
    note = f"  ← {NOTES[cost.name]}" if cost.name in NOTES else ""
    return f"  {cost.share:>6.1%}  {_ms(cost.ms_per_command):>6}  {cost.name}{note}"


def _ms(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from bench.runner import Run

    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = RESULTS / f"{stamp}-profile"
    config = replace(QUICK, web_workers=1, workloads=("profile",))
    run = Run(config, database_url=args.database_url, redis_url=args.redis_url, out_dir=out_dir)
    stacks_path = RESULTS / f"{stamp}-profile.stacks"
    try:
        run.setup()
        run.only("web")
        run.web("outbox")
        run.reset()
        measured = record(run, args.seconds, args.rate, stacks_path)
    finally:
        run.teardown()
    text = report(measured, stacks_path.read_text(), args.seconds, args.rate)
    (RESULTS / f"{stamp}-profile.txt").write_text(text)
    print(text + f"bench.profile: written to {RESULTS}/{stamp}-profile.txt (stacks beside)")


if __name__ == "__main__":
    main()
