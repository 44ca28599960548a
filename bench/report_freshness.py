"""The freshness workload's rows: per offered rate, the commands, commit → applied per read
model, the pushes, where the CPU went, and peak memory."""

from __future__ import annotations

from bench.calibration import share_of_capacity
from bench.report_format import Row, num, pct, times, verdict
from bench.stats import answered, ratio
from orders.subscriptions import READ_MODELS as MODELS


def freshness_rows(fresh: dict | None, capacity: float | None) -> list[Row]:
    out: list[Row] = []
    if not fresh:
        return out
    section = "2 freshness"
    for rate, fig in fresh["outbox"].items():
        naive = fresh["naive"].get(rate)
        top = max(int(r) for r in fresh["outbox"])
        cmd = fig["commands"]
        out.append(
            Row(
                section,
                f"{rate}/s offered ({times(share_of_capacity(int(rate), capacity)) or '?×'} "
                "the app's capacity): answered cmd/s; command p50 / p99 ms",
                f"{num(answered(cmd))}; {pct(cmd['latencyMs']['all'], 'p50', 'p99')}",
                f"{num(answered(naive['commands']))}; "
                f"{pct(naive['commands']['latencyMs']['all'], 'p50', 'p99')}"
                if naive
                else "",
            )
        )
        for model in MODELS:
            value = fig["commitToAppliedMs"][model]
            base = naive["commitToAppliedMs"][model] if naive else None
            goal = ""
            if model == "order_summaries" and int(rate) == top and top >= 200:
                ok = value.get("p99") is not None and value["p99"] < 50
                goal = verdict(ok, "p99 < 50 ms")
            out.append(_latency_row(section, f"{rate}/s {model} commit→applied", value, base, goal))
        lost = fig.get("pushesLost")
        if lost is not None:
            expected = fig["push"]["order_summaries"]["afterResponseMs"]["count"] * len(MODELS)
            out.append(
                Row(
                    section,
                    f"{rate}/s order.projected pushes missing at the drain's end, lost or late "
                    f"(of {expected}; {fig.get('readBacks', 0)} read-your-writes reads beside)",
                    num(lost),
                    goal=verdict(lost == 0, "0"),
                )
            )
        push = fig["push"]["order_summaries"]["afterResponseMs"]
        base = naive["push"]["order_summaries"]["afterResponseMs"] if naive else None
        ok = push.get("p99") is not None and push["p99"] < 100
        out.append(
            _latency_row(
                section,
                f"{rate}/s response→WebSocket order.projected (summaries)",
                push,
                base,
                verdict(ok, "p99 < 100 ms"),
            )
        )
        cpu = fig.get("cpuPerCommandMs")
        if cpu:
            out.append(
                Row(
                    section,
                    f"{rate}/s CPU per answered command, ms: "
                    + ", ".join(name for name in cpu if name != "total")
                    + f"; total (at {rate}/s, 2 CPUs allow {2000 / int(rate):.0f})",
                    " / ".join(num(value, 1) for name, value in cpu.items() if name != "total")
                    + f"; {num(cpu['total'], 1)}",
                )
            )
        for name, peak in (fig.get("peakRss") or {}).items():
            out.append(
                Row(
                    "6 peak memory",
                    f"{rate}/s {name}: RSS of {peak['processes']} process(es), MiB",
                    f"{num(peak['totalMiB'])} (largest {num(peak['largestProcessMiB'])})",
                )
            )
    return out


def _latency_row(section: str, figure: str, value: dict, base: dict | None, goal: str) -> Row:
    """p50 / p95 / p99 of a latency, its baseline's, and the ratio of their p99s."""
    return Row(
        section,
        f"{figure} p50 / p95 / p99, ms",
        pct(value, "p50", "p95", "p99"),
        pct(base, "p50", "p95", "p99"),
        times(ratio(value.get("p99"), base.get("p99") if base else None)),
        goal,
    )
