"""The goals of issue 18 (docs/benchmarks.md), each judged against one run's figures: what
was measured, and whether it meets the goal (None when the run did not measure it).

Pure: it reads the figures the workloads wrote (the run's "workloads" dict) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.calibration import pgbench_single_client
from bench.stats import answered, ratio
from orders.subscriptions import READ_MODELS as MODELS

GOAL_RATE = "200"  # commands/s offered, open loop
RATE_GOALS = (
    "all answered (≥ 195/s)",
    "command p99 ≤ 100 ms",
    "order_summaries commit→applied p99 ≤ 50 ms, nothing late",
    "response→order.projected p99 ≤ 100 ms",
    "0 pushes lost",
)


@dataclass(frozen=True)
class Goal:
    goal: str
    measured: str
    ok: bool | None  # None: not measured in this run

    @property
    def mark(self) -> str:
        return {True: "✓", False: "✗", None: "–"}[self.ok]


def cpu_ms_per_command(commands: dict | None, side: str = "cqrs", key: str = "webMs"):
    """CPU ms per command of `side` over every concurrency's rounds (weighted by commands)."""
    if not commands:
        return None
    parts = [
        fig[side].get("cpuPerCommand") or {} for fig in commands.get("concurrency", {}).values()
    ]
    parts = [p for p in parts if p.get(key) is not None and p.get("commands")]
    total = sum(p["commands"] for p in parts)
    return sum(p[key] * p["commands"] for p in parts) / total if total else None


def fixed_cost_ms(throughput: dict | None):
    """The projector's fixed cost per task, ms: the worker process's CPU per one-row task
    through a real Celery worker (the throughput workload's `projectorFixedCostInWorker`),
    the cost that competes with everything else for the CPUs."""
    in_worker = (throughput or {}).get("projectorFixedCostInWorker") or {}
    return in_worker.get("workerCpuMsPerTask")


def goals(workloads: dict) -> list[Goal]:
    return [
        *_goal_rate_goals((workloads.get("freshness") or {}).get("outbox", {}).get(GOAL_RATE)),
        *_command_goals(workloads.get("commands"), workloads.get("pgbench")),
        _at_most(
            "web process CPU per command ≤ 4 ms",
            cpu_ms_per_command(workloads.get("commands")),
            4,
            "ms (all concurrencies)",
        ),
        _at_most(
            "projector fixed cost per task ≤ 3 ms",
            fixed_cost_ms(workloads.get("throughput")),
            3,
            "ms of worker CPU per one-row task",
        ),
        _at_least(
            "rebuild ≥ 0.3× COPY into the same tables with the same indexes",
            (workloads.get("rebuild") or {}).get("ratioWithIndexes"),
            0.3,
            "×",
        ),
    ]


def _goal_rate_goals(fig: dict | None) -> list[Goal]:
    names = [f"at {GOAL_RATE}/s offered: {name}" for name in RATE_GOALS]
    if not fig:
        return [Goal(name, "not measured (freshness without 200 among its rates)", None)
                for name in names]  # fmt: skip
    all_answered, command_p99, applied, pushed, lost = names
    summaries = fig["commitToAppliedMs"]["order_summaries"]
    late = sum(fig["commitToAppliedMs"][m].get("missing", 0) for m in MODELS)
    applied_goal = _latency(applied, summaries, 50)
    return [
        _at_least(all_answered, answered(fig["commands"]), 195, "cmd/s answered"),
        _latency(command_p99, fig["commands"]["latencyMs"]["all"], 100),
        Goal(
            applied,
            f"{applied_goal.measured}; {late} late in all read models",
            None if applied_goal.ok is None else applied_goal.ok and late == 0,
        ),
        _latency(pushed, fig["push"]["order_summaries"]["afterResponseMs"], 100),
        Goal(
            lost,
            "not measured" if fig.get("pushesLost") is None else f"{fig['pushesLost']} missing",
            None if fig.get("pushesLost") is None else fig["pushesLost"] == 0,
        ),
    ]


def _latency(goal: str, summary: dict | None, limit_ms: float) -> Goal:
    """A p99 goal: a p99 that falls on measurements never completed is ">drain" (missed)."""
    if not summary or not summary.get("count"):
        return Goal(goal, "not measured", None)
    if summary.get("p99") is None:
        return Goal(goal, f"p99 >drain ({summary['missing']} of {summary['count']} late)", False)
    return _at_most(goal, summary["p99"], limit_ms, "ms")


def _command_goals(commands: dict | None, pgbench: dict | None) -> list[Goal]:
    out = []
    by_c = (commands or {}).get("concurrency", {})
    for c in ("1", "8", "32"):
        fig = by_c.get(c)
        out.append(
            _at_least(
                f"commands ≥ 0.8× the ORM-only baseline at {c} client(s)",
                fig["throughputRatio"] if fig else None,
                0.8,
                "×",
            )
        )
    app = by_c.get("1", {}).get("cqrs", {}).get("throughput")
    pgbench_rate = pgbench_single_client({"pgbench": pgbench})
    out.append(
        _at_least("commands ≥ 0.25× pgbench at 1 client", ratio(app, pgbench_rate), 0.25, "×")
    )
    return out


def _at_most(goal: str, value, limit: float, unit: str) -> Goal:
    return _judged(goal, value, unit, None if value is None else value <= limit)


def _at_least(goal: str, value, limit: float, unit: str) -> Goal:
    return _judged(goal, value, unit, None if value is None else value >= limit)


def _judged(goal: str, value, unit: str, ok: bool | None) -> Goal:
    if value is None:
        return Goal(goal, "not measured", None)
    digits = 3 if unit == "×" else 1  # 0.795× is short of 0.8×, which 0.80× would hide
    return Goal(goal, f"{value:,.{digits}f} {unit}".replace(" ×", "×"), ok)
