"""`python -m bench.compare A.json B.json [--tolerance 20]`: the headline figures of two
benchmark runs side by side, each with B's difference from A in %, flagging those beyond the
tolerance. The issue's reproducibility goal: two quick runs on the same quiet machine agree
within 20 % on every headline figure.

A headline figure is one the report leads with: throughputs and their ratios, CPU per
command, median and p99 latencies, capacities. A latency that fell past the drain (None)
only agrees with another such one.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from bench.calibration import calibration
from bench.goals import cpu_ms_per_command
from bench.stats import answered


def headline_figures(results: dict) -> dict[str, float | None]:
    w = results["workloads"]
    figures: dict[str, float | None] = {}
    for key, value in calibration(w).items():
        if key != "appCapacitySource":
            figures[f"calibration {key}"] = value
    for c, fig in ((w.get("commands") or {}).get("concurrency") or {}).items():
        for side in ("cqrs", "baseline"):
            figures[f"commands c={c} {side} cmd/s"] = fig[side]["throughput"]
            figures[f"commands c={c} {side} p99 ms"] = fig[side]["latencyMs"]["all"].get("p99")
            cpu = fig[side].get("cpuPerCommand") or {}
            figures[f"commands c={c} {side} web CPU ms/cmd"] = cpu.get("webMs")
        figures[f"commands c={c} ratio to baseline"] = fig["throughputRatio"]
    if w.get("commands"):
        figures["commands web CPU ms/cmd, all c"] = cpu_ms_per_command(w["commands"])
    for c, fig in ((w.get("pgbench") or {}).get("concurrency") or {}).items():
        figures[f"pgbench c={c} cmd/s"] = fig.get("throughput")
    fresh = w.get("freshness") or {}
    for rate, fig in fresh.get("outbox", {}).items():
        name = f"freshness {rate}/s"
        figures[f"{name} answered cmd/s"] = answered(fig["commands"])
        for key in ("p50", "p99"):
            figures[f"{name} command {key} ms"] = fig["commands"]["latencyMs"]["all"].get(key)
            summaries = fig["commitToAppliedMs"]["order_summaries"]
            figures[f"{name} summaries commit→applied {key} ms"] = summaries.get(key)
            push = fig["push"]["order_summaries"]["afterResponseMs"]
            figures[f"{name} response→push {key} ms"] = push.get(key)
    throughput = w.get("throughput") or {}
    if throughput:
        figures["relay rows/s"] = throughput["relay"]["rowsPerSecond"]
        figures["projector events/s"] = throughput["projector"]["eventsAppliedPerSecond"]
    if w.get("rebuild"):
        figures["rebuild ratio to COPY with indexes"] = w["rebuild"].get("ratioWithIndexes")
    return figures


def difference_pct(a: float | None, b: float | None) -> float | None:
    """B's difference from A in % of A; 0 when both are missing or zero, None when only one
    is missing, infinite when A is zero and B is not."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else None
    if a == 0:
        return 0.0 if b == 0 else math.inf
    return (b - a) / abs(a) * 100


def compare(a: dict, b: dict, tolerance_pct: float = 20) -> list[tuple]:
    """(figure, A, B, difference %, beyond the tolerance) for each figure either run has."""
    first, second = headline_figures(a), headline_figures(b)
    out = []
    for name in [*first, *(n for n in second if n not in first)]:
        value_a, value_b = first.get(name), second.get(name)
        diff = difference_pct(value_a, value_b)
        out.append((name, value_a, value_b, diff, diff is None or abs(diff) > tolerance_pct))
    return out


def _cell(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--tolerance", type=float, default=20, help="in %% (20)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    a, b = (json.loads(path.read_text()) for path in (args.a, args.b))
    lines = compare(a, b, args.tolerance)
    width = max(len(name) for name, *_ in lines)
    print(f"{'figure':<{width}}  {a['stamp']:>15}  {b['stamp']:>15}  {'B vs A':>8}")
    for name, value_a, value_b, diff, flagged in lines:
        shown = "n/a" if diff is None else f"{diff:+.0f} %"
        flag = f"  ✗ beyond {args.tolerance:g} %" if flagged else ""
        print(f"{name:<{width}}  {_cell(value_a):>15}  {_cell(value_b):>15}  {shown:>8}{flag}")
    beyond = sum(flagged for *_, flagged in lines)
    print(f"{len(lines) - beyond} of {len(lines)} figures within {args.tolerance:g} %")


if __name__ == "__main__":
    main()
