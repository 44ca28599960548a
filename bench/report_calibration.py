"""The report's first section, the machine's calibration (bench/calibration.py): how fast
this machine runs the same work without the app, and how loaded it was. Runs on different
machines compare through these rows; the ratios below them hold, the latencies do not."""

from __future__ import annotations

from bench.calibration import calibration
from bench.report_format import Row, num, times
from bench.stats import ratio

SECTION = "· calibration"


def calibration_rows(results: dict) -> list[Row]:
    figures = calibration(results["workloads"])
    machine = results.get("machine", {})
    start, end = machine.get("loadAverageAtStart"), machine.get("loadAverageAtEnd")
    out = [
        Row(
            SECTION,
            f"machine: {machine.get('cpus', '?')} CPUs; load average (1 min) at start → end",
            f"{_load(start)} → {_load(end)}",
        ),
        Row(
            SECTION,
            "CPU pressure, % of time a task waited for a CPU (60 s), at start → end",
            f"{_pressure(machine.get('cpuPressureAtStart'))} → "
            f"{_pressure(machine.get('cpuPressureAtEnd'))}",
        ),
        Row(
            SECTION,
            "pgbench, same SQL, 1 client, cmd/s",
            num(figures["pgbenchSingleClient"]),
        ),
        Row(
            SECTION,
            "ORM-only baseline capacity (best of its concurrencies), cmd/s",
            num(figures["baselineCapacity"]),
        ),
        Row(
            SECTION,
            f"app command capacity ({figures['appCapacitySource']}), cmd/s",
            num(figures["appCapacity"]),
            num(figures["baselineCapacity"]),
            times(ratio(figures["appCapacity"], figures["baselineCapacity"])),
        ),
    ]
    return out


def _load(values) -> str:
    return "?" if not values else f"{values[0]:.2f}"


def _pressure(line: str | None) -> str:
    """'some avg10=0.12 avg60=1.56 …' → '1.6'."""
    for field in (line or "").split():
        if field.startswith("avg60="):
            return f"{float(field.removeprefix('avg60=')):.1f}"
    return "?"
