"""How long and how hard each workload runs: the full benchmark and the --quick one."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Config:
    quick: bool
    # command cost (closed loop, place then confirm)
    concurrencies: tuple[int, ...] = (1, 8, 32)
    # idle: how long the quiet window is in which each component's CPU time is read
    idle_seconds: float = 10.0
    command_warmup: float = 3.0
    command_seconds: float = 20.0  # per concurrency and side, split into rounds:
    command_rounds: int = 4  # API and baseline alternate, one round each at a time
    # freshness (open loop, half place and half confirm, WebSocket listening)
    freshness_rates: tuple[int, ...] = (50, 200)
    freshness_warmup: float = 5.0
    freshness_seconds: float = 30.0
    drain_seconds: float = 30.0  # how long events may take to be applied after the load
    freshness_baseline_all_rates: bool = True  # else the reference relay at the lowest only
    capacity_probe_seconds: float = 4.0  # freshness without commands: app capacity at c=8
    # strategies: one freshness run per strategy at this rate, then place at concurrency 8
    strategy_rate: int = 50
    strategy_concurrency: int = 8
    strategy_seconds: float = 15.0
    # relay and projector throughput
    relay_rows: int = 100_000
    naive_relay_rows: int = 10_000
    projector_seconds: float = 20.0
    # rebuild
    rebuild_events: int = 1_000_000
    # pgbench
    pgbench_seconds: float = 20.0
    # processes
    web_workers: int = 2
    web_db_pool: bool = True  # a psycopg pool in the web process (config/asgi.py)
    worker_concurrency: int = 2
    users: int = 32
    log_level: str = "INFO"
    workloads: tuple[str, ...] = field(default=())


FULL = Config(quick=False)

# Long enough that two quick runs on a quiet machine agree within 20 % on the headline
# figures (python -m bench.compare), short enough that idle, commands, pgbench and freshness
# take under four minutes on 2 CPUs. Freshness includes 200/s: the goal rate.
QUICK = Config(
    quick=True,
    idle_seconds=5.0,
    command_warmup=1.0,
    command_seconds=6.0,
    command_rounds=3,
    freshness_rates=(50, 100, 200),
    freshness_warmup=2.0,
    freshness_seconds=6.0,
    drain_seconds=5.0,
    freshness_baseline_all_rates=False,
    capacity_probe_seconds=3.0,
    strategy_seconds=1.5,
    relay_rows=20_000,
    naive_relay_rows=1_000,
    projector_seconds=4.0,
    rebuild_events=100_000,
    pgbench_seconds=4.0,
)
