"""The rows of the benchmark's report, one function per workload's section: each row states
its figure, the baseline measured in the same run, their ratio (value / baseline; for
latencies lower is better) and, where an issue sets one, the goal."""

from __future__ import annotations

from bench.calibration import app_capacity
from bench.report_format import P50_99, Row, num, pct, times, verdict
from bench.report_freshness import freshness_rows
from bench.stats import ratio
from orders.subscriptions import READ_MODELS as MODELS


def rows(results: dict) -> list[Row]:
    w = results["workloads"]
    return [
        *_idle_rows(w.get("idle")),
        *_command_rows(w.get("commands")),
        *_pgbench_rows(w.get("pgbench"), w.get("commands")),
        *freshness_rows(w.get("freshness"), app_capacity(w)[0]),
        *_throughput_rows(w.get("throughput")),
        *_rebuild_rows(w.get("rebuild")),
        *_strategy_rows(w.get("strategies")),
    ]


def _idle_rows(idle: dict | None) -> list[Row]:
    out: list[Row] = []
    if not idle:
        return out
    for name, share in idle["cpuShare"].items():
        out.append(
            Row(
                "0 idle",
                f"{name}: CPU over {idle['windowSeconds']:.0f} s with nothing to do, % of one CPU",
                f"{share * 100:.1f}",
                goal=verdict(share < 0.03, "< 3 %"),
            )
        )
    return out


def _command_rows(commands: dict | None) -> list[Row]:
    out: list[Row] = []
    if not commands:
        return out
    section = "1 command cost"
    for c, fig in commands["concurrency"].items():
        cqrs, base = fig["cqrs"], fig["baseline"]
        r = fig["throughputRatio"]
        out.append(
            Row(
                section,
                f"c={c} place+confirm throughput, cmd/s",
                num(cqrs["throughput"]),
                num(base["throughput"]),
                times(r),
                verdict(None if r is None else r >= 0.8, "≥0.80×"),
            )
        )
        out += _cpu_rows(section, c, cqrs, base)
        for kind in ("place", "confirm"):
            out.append(
                Row(
                    section,
                    f"c={c} {kind} latency p50 / p99, ms",
                    pct(cqrs["latencyMs"].get(kind), "p50", "p99"),
                    pct(base["latencyMs"].get(kind), "p50", "p99"),
                    times(ratio(_p(cqrs, kind, "p99"), _p(base, kind, "p99"))),
                )
            )
    for c, fig in (commands.get("withoutPool") or {}).items():
        cqrs, base = fig["cqrs"], fig["baseline"]
        out.append(
            Row(
                "1b no pool",
                f"c={c} throughput without the web's connection pool, cmd/s "
                f"(failed {cqrs['failed']} / {base['failed']})",
                num(cqrs["throughput"]),
                num(base["throughput"]),
                times(fig["throughputRatio"]),
            )
        )
        out.append(
            Row(
                "1b no pool",
                f"c={c} place latency p50 / p99 without the pool, ms",
                pct(cqrs["latencyMs"].get("place"), *P50_99),
                pct(base["latencyMs"].get("place"), *P50_99),
            )
        )
    return out


def _cpu_rows(section: str, c: str, cqrs: dict, base: dict) -> list[Row]:
    """CPU per command of the web processes and of their PostgreSQL backends, vs baseline."""
    app, orm = cqrs.get("cpuPerCommand"), base.get("cpuPerCommand")
    if not app or not orm:
        return []
    return [
        Row(
            section,
            f"c={c} {who} CPU per command, ms",
            num(app[key], 2),
            num(orm[key], 2),
            times(ratio(app[key], orm[key])),
            verdict(None if app[key] is None else app[key] <= 4, "≤ 4 ms")
            if key == "webMs"
            else "",
        )
        for key, who in (("webMs", "web processes'"), ("databaseMs", "PostgreSQL backends'"))
    ]


def _pgbench_rows(pgbench: dict | None, commands: dict | None) -> list[Row]:
    out: list[Row] = []
    if not pgbench or "concurrency" not in pgbench:
        return out
    section = "5 vs pgbench"
    for c, fig in pgbench["concurrency"].items():
        if "error" in fig:
            out.append(Row(section, f"c={c} pgbench failed: {fig['error'][-80:]}", "n/a"))
            continue
        app = commands["concurrency"].get(c, {}).get("cqrs") if commands else None
        app_rate = app["throughput"] if app else None
        out.append(
            Row(
                section,
                f"c={c} app cmd/s vs same SQL in pgbench",
                num(app_rate),
                num(fig["throughput"]),
                times(ratio(app_rate, fig["throughput"])),
            )
        )
        out.append(
            Row(
                section,
                f"c={c} pgbench place+confirm p50 / p99, ms",
                pct(fig["placeAndConfirmLatencyMs"], "p50", "p99"),
            )
        )
    return out


def _throughput_rows(tp: dict | None) -> list[Row]:
    out: list[Row] = []
    if not tp:
        return out
    section = "3 pipeline"
    out.append(
        Row(
            section,
            f"relay: outbox rows → broker per s ({num(tp['relay']['rows'])} rows)",
            num(tp["relay"]["rowsPerSecond"]),
            num(tp["naiveRelay"]["rowsPerSecond"]),
            times(tp["relayRatio"]),
        )
    )
    out.append(
        Row(
            section,
            "relay: events → broker per s (4 rows per event)",
            num(tp["relay"]["eventsPerSecond"]),
            num(tp["naiveRelay"]["eventsPerSecond"]),
            times(tp["relayRatio"]),
        )
    )
    out.append(
        Row(
            section,
            "projector: events applied per s, one worker process (-c 1)",
            num(tp["projector"]["eventsAppliedPerSecond"]),
            num(tp["naiveProjector"]["eventsAppliedPerSecond"]),
            times(tp["projectorRatio"]),
        )
    )
    return out + _projector_fixed_cost_rows(tp)


def _projector_fixed_cost_rows(tp: dict) -> list[Row]:
    """One-row tasks with nothing queued: in-process (the projector alone) and through a
    worker process (Celery's hand-off included); CPU of the process and of its database
    backend."""
    out: list[Row] = []
    cost, worker = tp.get("projectorFixedCost"), tp.get("projectorFixedCostInWorker")
    if cost:
        out.append(
            Row(
                "3 pipeline",
                f"projector fixed cost per one-row task, in-process ({cost['tasks']} tasks):"
                " ms CPU (database's); SQL statements",
                f"{num(cost['cpuMsPerTask'], 2)} ({num(cost['databaseCpuMsPerTask'], 2)});"
                f" {num(cost['statementsPerTask'], 1)}",
                goal=verdict(cost["cpuMsPerTask"] <= 3, "≤ 3 ms"),
            )
        )
    if worker:
        out.append(
            Row(
                "3 pipeline",
                f"projector one-row task through a worker ({worker['tasks']} tasks): ms CPU"
                " (database's); publish → done p50 / p99 ms",
                f"{num(worker['workerCpuMsPerTask'], 2)}"
                f" ({num(worker['databaseCpuMsPerTask'], 2)}); {pct(worker['latencyMs'], *P50_99)}",
            )
        )
    return out


def _rebuild_rows(rb: dict | None) -> list[Row]:
    out: list[Row] = []
    if not rb:
        return out
    section = "4 rebuild"
    reb, copy = rb["rebuild"], rb["copy"]
    out.append(
        Row(
            section,
            f"rebuild {rb['readModel']}: events/s ({num(reb['events'])} events, "
            f"{reb.get('foldWorkers', 1)} fold processes)",
            num(reb["eventsPerSecond"]),
        )
    )
    out.append(
        Row(
            section,
            f"rebuild read rows/s vs COPY of the same {num(copy['rows'])} rows",
            num(reb["rowsPerSecond"]),
            num(copy["rowsPerSecond"]),
            times(rb["ratio"]),
        )
    )
    # The goal (issue 18): the rate of COPY into the same table with the same indexes.
    with_indexes = rb["ratioWithIndexes"]
    out.append(
        Row(
            section,
            "rebuild read rows/s vs COPY + the same indexes",
            num(reb["rowsPerSecond"]),
            num(copy["rowsPerSecondWithIndexes"]),
            times(with_indexes),
            verdict(None if with_indexes is None else with_indexes >= 0.3, "≥0.30×"),
        )
    )
    return out


def _strategy_rows(st: dict | None) -> list[Row]:
    out: list[Row] = []
    if not st:
        return out
    section = "7 strategies"
    for strategy, fig in st.items():
        fresh_fig = fig["freshness"]
        summaries = fresh_fig["commitToAppliedMs"]["order_summaries"]
        slowest = max(
            (fresh_fig["commitToAppliedMs"][m] for m in MODELS),
            key=lambda s: float("inf") if s.get("p99") is None else s["p99"],
        )
        push = fresh_fig["push"]["order_summaries"]["afterResponseMs"]
        rate = fresh_fig["offeredRate"]
        out.append(
            Row(
                section,
                f"{strategy}: {rate}/s summaries commit→applied p50 / p99, ms",
                pct(summaries, "p50", "p99"),
            )
        )
        out.append(
            Row(section, f"{strategy}: slowest read model p50 / p99, ms", pct(slowest, *P50_99))
        )
        out.append(
            Row(section, f"{strategy}: response→WebSocket p50 / p99, ms", pct(push, *P50_99))
        )
        out.append(
            Row(
                section,
                f"{strategy}: place c=8 throughput, cmd/s (vs ORM baseline)",
                num(fig["place"]["throughput"]),
                num(fig["baselinePlace"]["throughput"]),
                times(fig["throughputRatio"]),
            )
        )
    return out


def _p(figures: dict, kind: str, key: str):
    return (figures["latencyMs"].get(kind) or {}).get(key)
