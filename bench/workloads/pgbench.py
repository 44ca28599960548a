"""Workload 5, physical reference: pgbench running the SQL of a place and a confirm command
transaction (order row, item rows, event row, outbox rows, then the relay's NOTIFY) at the
command-cost concurrencies, straight against PostgreSQL: what the database alone can do."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

from bench import database
from bench.runner import Run
from bench.stats import summarize

SCRIPT = Path(__file__).resolve().parent.parent / "place_confirm.pgbench.sql"
COMMANDS_PER_SCRIPT = 2  # a place and a confirm


def connection_args(database_url: str) -> tuple[list[str], str]:
    url = urllib.parse.urlparse(database_url)
    args = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    return args, url.path.lstrip("/")


def pgbench_run(run: Run, script: Path, clients: int, seconds: float) -> dict:
    run.reset()
    database.wait_for_free_connections(clients + 2)
    args, dbname = connection_args(run.database_url)
    ids = [user["id"] for user in run.users]
    log_dir = run.dir / "logs" / f"pgbench-c{clients}"
    log_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        "pgbench", *args, "-n", "-M", "simple", "-f", str(script),
        "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(max(1, round(seconds))),
        "-D", f"umin={min(ids)}", "-D", f"umax={max(ids)}",
        "--log", "--log-prefix", str(log_dir / "pgbench"), dbname,
    ]  # fmt: skip
    completed = subprocess.run(argv, capture_output=True, text=True)
    if completed.returncode != 0:  # e.g. no connection slots left on a shared server
        shutil.rmtree(log_dir, ignore_errors=True)
        return {"error": (completed.stderr or completed.stdout).strip()[-500:]}
    tps = float(re.search(r"tps = ([\d.]+) \(without", completed.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", completed.stdout)
    latencies = []
    for log in log_dir.glob("pgbench*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1000)  # µs → ms
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "scriptsPerSecond": tps,
        "throughput": tps * COMMANDS_PER_SCRIPT,
        "failed": int(failed.group(1)) if failed else 0,
        "placeAndConfirmLatencyMs": summarize(latencies),
    }


def run_pgbench(run: Run) -> dict:
    if shutil.which("pgbench") is None:
        return {"skipped": "pgbench not found (Debian package postgresql-client)"}
    script = SCRIPT
    # Nothing of ours runs meanwhile: the command-cost run without a pool may have filled the
    # server's connection slots, which its web processes give back when they stop.
    run.only()
    figures = {"concurrency": {}}
    for clients in run.config.concurrencies:
        figures["concurrency"][str(clients)] = pgbench_run(
            run, script, clients, run.config.pgbench_seconds
        )
    return figures
