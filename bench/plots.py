"""PNG plots of a run (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from orders.subscriptions import READ_MODELS as MODELS  # noqa: E402

SHORT = {
    "order_summaries": "summaries",
    "order_details": "details",
    "order_search": "search",
    "order_analytics": "analytics",
}


def draw_all(results: dict, out_dir: Path) -> list[Path]:
    drawn = []
    w = results["workloads"]
    for name, draw, needs in (
        ("command_cost.png", command_cost, "commands"),
        ("freshness.png", freshness, "freshness"),
        ("strategies.png", strategies, "strategies"),
        ("throughput.png", throughput, None),
    ):
        if needs and needs not in w:
            continue
        if needs is None and not ({"throughput", "rebuild"} & set(w)):
            continue
        figure = draw(results)
        path = out_dir / name
        figure.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(figure)
        drawn.append(path)
    return drawn


def _title(results: dict) -> str:
    m = results["machine"]
    return f"{results['mode']} run {results['stamp']} · {m['cpus']} CPUs · {m['memoryGiB']} GiB"


def command_cost(results: dict):
    commands = results["workloads"]["commands"]["concurrency"]
    pgbench = results["workloads"].get("pgbench", {}).get("concurrency", {})
    levels = list(commands)
    x = [int(c) for c in levels]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    left.plot(x, [commands[c]["cqrs"]["throughput"] for c in levels], "o-", label="command API")
    left.plot(
        x, [commands[c]["baseline"]["throughput"] for c in levels], "s--", label="ORM baseline"
    )
    unpooled = results["workloads"]["commands"].get("withoutPool")
    if unpooled:
        left.plot(
            x,
            [unpooled[c]["cqrs"]["throughput"] for c in levels],
            "o:",
            color="C0",
            alpha=0.5,
            label="command API, no pool",
        )
    measured = [c for c in levels if "throughput" in pgbench.get(c, {})]
    if measured:
        left.plot(
            [int(c) for c in measured],
            [pgbench[c]["throughput"] for c in measured],
            "^:",
            label="pgbench",
        )
        left.set_yscale("log")
    left.set(xlabel="concurrent clients", ylabel="commands/s (place + confirm)", xscale="log")
    left.set_xticks(x, [str(c) for c in x])
    left.set_title("Throughput")
    left.legend()
    for variant, color in (("cqrs", "C0"), ("baseline", "C1")):
        label = "command API" if variant == "cqrs" else "ORM baseline"
        for key, style in (("p50", "o-"), ("p99", "^--")):
            values = [commands[c][variant]["latencyMs"]["place"][key] for c in levels]
            right.plot(x, values, style, color=color, label=f"{label} place {key}")
    right.set(xlabel="concurrent clients", ylabel="ms", xscale="log", yscale="log")
    right.set_xticks(x, [str(c) for c in x])
    right.set_title("Place latency (closed loop)")
    right.legend(fontsize=8)
    fig.suptitle("Command cost · " + _title(results), fontsize=10)
    return fig


def _bars(ax, groups: list[str], series: dict[str, list], ylabel: str) -> None:
    width = 0.8 / max(1, len(series))
    for index, (label, values) in enumerate(series.items()):
        xs = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
        heights = [v if v is not None else 0 for v in values]
        ax.bar(xs, heights, width, label=label)
        for x, value in zip(xs, values, strict=True):
            if value is None:  # not applied within the drain time: no bar, a mark
                ax.annotate(
                    "✗",
                    (x, 0.01),
                    xycoords=("data", "axes fraction"),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color="red",
                )
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    ax.set_ylabel(ylabel)


def freshness(results: dict):
    fresh = results["workloads"]["freshness"]
    rates = list(fresh["outbox"])
    fig, axes = plt.subplots(
        1, len(rates), figsize=(6 * len(rates), 4.6), squeeze=False, layout="constrained"
    )
    groups = [*(SHORT[m] for m in MODELS), "WebSocket\n(summaries)"]
    for ax, rate in zip(axes[0], rates, strict=True):
        series = {}
        for variant, label in (("outbox", "relay + NOTIFY"), ("naive", "reference relay")):
            fig_rate = fresh[variant].get(rate)
            if not fig_rate:
                continue
            for key in ("p50", "p99"):
                values = [fig_rate["commitToAppliedMs"][m][key] for m in MODELS]
                values.append(fig_rate["push"]["order_summaries"]["afterResponseMs"][key])
                series[f"{label} {key}"] = values
        _bars(ax, groups, series, "ms")
        if any(v for values in series.values() for v in values if v):
            ax.set_yscale("log")
        ax.axhline(50, color="grey", linestyle=":", linewidth=1)
        ax.axhline(100, color="grey", linestyle="--", linewidth=1)
        ax.set_title(f"{rate} commands/s offered", fontsize=10)
        ax.legend(fontsize=7)
    fig.suptitle(
        "Freshness: commit → applied, and response → WebSocket push (✗: not within the drain)\n"
        + _title(results),
        fontsize=10,
    )
    return fig


def strategies(results: dict):
    st = results["workloads"]["strategies"]
    names = list(st)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    series = {}
    for key in ("p50", "p99"):
        series[f"summaries {key}"] = [
            st[n]["freshness"]["commitToAppliedMs"]["order_summaries"][key] for n in names
        ]
        series[f"WebSocket {key}"] = [
            st[n]["freshness"]["push"]["order_summaries"]["afterResponseMs"][key] for n in names
        ]
    _bars(left, names, series, "ms (log)")
    if any(v for values in series.values() for v in values if v):
        left.set_yscale("log")
    rate = st[names[0]]["freshness"]["offeredRate"]
    left.set_title(f"order_summaries at {rate} cmd/s: commit → applied, → push", fontsize=10)
    left.legend(fontsize=7)
    _bars(
        right,
        names,
        {
            "command API": [st[n]["place"]["throughput"] for n in names],
            "ORM baseline": [st[n]["baselinePlace"]["throughput"] for n in names],
        },
        "place commands/s (c=8)",
    )
    right.set_title("Command throughput")
    right.legend(fontsize=8)
    fig.suptitle("Synchronisation strategies · " + _title(results), fontsize=10)
    return fig


def throughput(results: dict):
    w = results["workloads"]
    panels = []
    if "throughput" in w:
        tp = w["throughput"]
        panels.append(
            (
                "Relay: outbox rows/s to the broker",
                {
                    "relay (batches, NOTIFY)": tp["relay"]["rowsPerSecond"],
                    "reference relay": tp["naiveRelay"]["rowsPerSecond"],
                },
            )
        )
        panels.append(
            (
                "Projector: events applied/s, 1 process",
                {
                    "batched tasks": tp["projector"]["eventsAppliedPerSecond"],
                    "one task per event": tp["naiveProjector"]["eventsAppliedPerSecond"],
                },
            )
        )
    if "rebuild" in w:
        rb = w["rebuild"]
        panels.append(
            (
                f"Rebuild vs COPY: read rows/s ({rb['copy']['rows']:,} rows)",
                {
                    "rebuild": rb["rebuild"]["rowsPerSecond"],
                    "COPY": rb["copy"]["rowsPerSecond"],
                    "COPY + indexes": rb["copy"]["rowsPerSecondWithIndexes"],
                },
            )
        )
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5 * len(panels), 4.4), squeeze=False, layout="constrained"
    )
    for ax, (title, values) in zip(axes[0], panels, strict=True):
        labels = list(values)
        heights = [values[label] or 0 for label in labels]
        bars = ax.bar(range(len(labels)), heights, color=["C0", "C1", "C2"][: len(labels)])
        ax.bar_label(bars, labels=[f"{h:,.0f}" for h in heights], fontsize=8)
        ax.set_xticks(range(len(labels)), labels, fontsize=8)
        ax.set_title(title, fontsize=9)
    fig.suptitle("Pipeline throughput · " + _title(results), fontsize=10)
    return fig
