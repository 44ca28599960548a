"""The machine's calibration: how fast this machine runs the same work without the app's
machinery, so that runs on different machines compare. From the figures of one run:

- pgbench's single-client rate of the same SQL (workload pgbench, c=1);
- the ORM-only baseline's capacity: its best closed-loop rate at any concurrency (commands);
- the app's own command capacity: the command API's best rate (commands), or, when the
  commands workload did not run, the freshness workload's short capacity probe (c=8).

Each freshness offered rate is then also a share of the app's capacity: 200/s offered on a
machine whose app answers 125 cmd/s at best is 1.6× capacity, a load it cannot keep up with.
"""

from __future__ import annotations


def best_rate(commands: dict | None, side: str) -> float | None:
    """The best throughput of `side` ("cqrs" or "baseline") over the commands workload's
    concurrencies (with the pool), None without that workload."""
    if not commands:
        return None
    rates = [fig[side]["throughput"] for fig in commands.get("concurrency", {}).values()]
    return max(rates, default=None)


def app_capacity(workloads: dict) -> tuple[float | None, str]:
    """The app's command capacity, cmd/s, and where it comes from."""
    best = best_rate(workloads.get("commands"), "cqrs")
    if best is not None:
        return best, "best of the commands workload"
    probe = (workloads.get("freshness") or {}).get("capacityProbe")
    if probe:
        return probe["throughput"], f"capacity probe, closed loop c={probe['concurrency']}"
    return None, "not measured"


def pgbench_single_client(workloads: dict) -> float | None:
    fig = ((workloads.get("pgbench") or {}).get("concurrency") or {}).get("1") or {}
    return fig.get("throughput")


def share_of_capacity(offered: float, capacity: float | None) -> float | None:
    """An offered rate as a multiple of the measured capacity (None if not measured)."""
    if not capacity:
        return None
    return offered / capacity


def calibration(workloads: dict) -> dict:
    capacity, source = app_capacity(workloads)
    return {
        "pgbenchSingleClient": pgbench_single_client(workloads),
        "baselineCapacity": best_rate(workloads.get("commands"), "baseline"),
        "appCapacity": capacity,
        "appCapacitySource": source,
    }
