"""Turning a run's figures into a table (terminal and Markdown), plots (PNG) and a summary.

Every row states its figure, the baseline measured in the same run, their ratio (value /
baseline; for latencies lower is better) and, where the issue sets one, the goal.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.goals import goals
from bench.report_calibration import calibration_rows
from bench.report_rows import rows

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"


HEADERS = ("workload", "figure", "value", "baseline", "ratio", "goal")
GOAL_HEADERS = ("goal of issue 18", "measured", "met")


def figure_lines(results: dict) -> list[tuple[str, ...]]:
    """The calibration, then each workload's rows."""
    return [
        (r.section, r.figure, r.value, r.baseline, r.ratio, r.goal)
        for r in (*calibration_rows(results), *rows(results))
    ]


def goal_lines(results: dict) -> list[tuple[str, ...]]:
    return [(g.goal, g.measured, g.mark) for g in goals(results["workloads"])]


def table(results: dict) -> str:
    text = [
        *_aligned(HEADERS, figure_lines(results)),
        "",
        *_aligned(GOAL_HEADERS, goal_lines(results)),
    ]
    for name, error in results.get("errors", {}).items():
        text.append(f"{name}: FAILED ({error.strip().splitlines()[-1]})")
    return "\n".join(text)


def _aligned(headers: tuple[str, ...], body: list[tuple[str, ...]]) -> list[str]:
    lines = [headers, *body]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    text = []
    for index, line in enumerate(lines):
        text.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if index == 0:
            text.append("  ".join("-" * width for width in widths))
    return text


def markdown(results: dict) -> str:
    return (
        _markdown_table(HEADERS, figure_lines(results))
        + "\n**Goals of issue 18** (✓ met, ✗ missed, – not measured in this run)\n\n"
        + _markdown_table(GOAL_HEADERS, goal_lines(results))
    )


def _markdown_table(headers: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    text = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for cells in body:
        text.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(text) + "\n"


def summary(results: dict) -> dict:
    """The results without raw arrays: what docs/benchmarks/ keeps."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "raw"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(results)


def publish(out_dir: Path, plots: list[Path], summary_doc: dict) -> None:
    import json

    DOCS.mkdir(parents=True, exist_ok=True)
    for plot in plots:
        shutil.copy(plot, DOCS / plot.name)
    (DOCS / "summary.json").write_text(json.dumps(summary_doc, indent=1, default=str) + "\n")
    shutil.copy(out_dir / "table.md", DOCS / "table.md")


def plots(results: dict, out_dir: Path) -> list[Path]:
    from bench import plots as drawing

    return drawing.draw_all(results, out_dir)


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.report bench/results/STAMP.json [--publish]`: the table and plots of
    an earlier run again (into bench/results/STAMP/), and optionally into docs/benchmarks/."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("results", type=Path)
    parser.add_argument("--publish", action="store_true")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    results = json.loads(args.results.read_text())
    out_dir = args.results.with_suffix("")
    out_dir.mkdir(exist_ok=True)
    print(table(results))
    drawn = plots(results, out_dir)
    summary_doc = summary(results)
    (out_dir / "summary.json").write_text(json.dumps(summary_doc, indent=1, default=str))
    (out_dir / "table.md").write_text(markdown(results))
    if args.publish:
        publish(out_dir, drawn, summary_doc)
        print(f"published to {DOCS}")


if __name__ == "__main__":
    main()
