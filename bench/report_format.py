"""How the report writes its figures: a row of the table, and the formatting of numbers,
latency summaries, ratios and goal verdicts."""

from __future__ import annotations

from dataclasses import dataclass

P50_99 = ("p50", "p99")


@dataclass
class Row:
    section: str
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""


def num(value, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def ms(value) -> str:
    return ">drain" if value is None else f"{value:,.1f}"


def pct(summary: dict | None, *keys: str) -> str:
    if not summary or not summary.get("count"):
        return "n/a"
    text = " / ".join(ms(summary.get(key)) for key in keys)
    if summary.get("missing"):
        text += f" ({summary['missing']} of {summary['count']} late)"
    return text


def times(value) -> str:
    return "" if value is None else f"{value:.2f}×"


def verdict(ok: bool | None, goal: str) -> str:
    if ok is None:
        return goal
    return f"{goal} {'✓' if ok else '✗'}"
