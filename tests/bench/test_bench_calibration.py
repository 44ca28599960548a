"""The calibration, goal, comparison and profile helpers of the benchmark on synthetic
figures: pure functions, no services, no timing."""

import pytest

from bench.calibration import app_capacity, calibration, share_of_capacity
from bench.compare import compare, difference_pct, headline_figures
from bench.goals import cpu_ms_per_command, goals
from bench.profile_stacks import inclusive_costs, parse_collapsed, self_costs, short


def side(throughput, web_ms=None, commands=100, p99=20.0):
    return {
        "throughput": throughput,
        "latencyMs": {"all": {"count": 10, "missing": 0, "p50": p99 / 2, "p99": p99}},
        "cpuPerCommand": {"commands": commands, "webMs": web_ms, "databaseMs": 1.0},
    }


RATES = (("1", 70, 90, 9.0), ("8", 90, 120, 11.0), ("32", 85, 125, 10.0))  # c, app, ORM, CPU


def workloads():
    by_c = {
        c: {"cqrs": side(app, web), "baseline": side(base, 3.0), "throughputRatio": app / base}
        for c, app, base, web in RATES
    }
    return {
        "commands": {"concurrency": by_c},
        "pgbench": {"concurrency": {"1": {"throughput": 700.0}}},
    }


def fresh(rate, achieved, command_p99, summaries_p99, push_p99, lost, late=0):
    def latency(p99, missing=0):
        return {"count": 100, "missing": missing, "p50": 1.0, "p99": p99}

    return {
        "offeredRate": rate,
        "commands": {"throughput": achieved, "latencyMs": {"all": latency(command_p99)}},
        "commitToAppliedMs": {
            m: latency(summaries_p99, late if m == "order_search" else 0)
            for m in ("order_summaries", "order_details", "order_search", "order_analytics")
        },
        "push": {"order_summaries": {"afterResponseMs": latency(push_p99)}},
        "pushesLost": lost,
    }


# ---- calibration ----------------------------------------------------------------------------


def test_capacity_is_the_best_rate_of_each_side_and_pgbench_the_single_client_rate():
    figures = calibration(workloads())
    assert figures["appCapacity"] == 90
    assert figures["baselineCapacity"] == 125
    assert figures["pgbenchSingleClient"] == 700
    assert figures["appCapacitySource"] == "best of the commands workload"


def test_without_the_commands_workload_the_capacity_comes_from_the_freshness_probe():
    probe = {"freshness": {"capacityProbe": {"throughput": 60.0, "concurrency": 8}}}
    assert app_capacity(probe) == (60.0, "capacity probe, closed loop c=8")
    assert app_capacity({}) == (None, "not measured")


def test_an_offered_rate_as_a_share_of_the_capacity():
    assert share_of_capacity(200, 125) == pytest.approx(1.6)
    assert share_of_capacity(50, 100) == 0.5
    assert share_of_capacity(200, None) is None
    assert share_of_capacity(200, 0) is None


# ---- goals ----------------------------------------------------------------------------------


def test_web_cpu_per_command_is_weighted_by_the_commands_of_each_concurrency():
    commands = workloads()["commands"]
    commands["concurrency"]["1"]["cqrs"]["cpuPerCommand"]["commands"] = 300
    assert cpu_ms_per_command(commands) == pytest.approx((9 * 300 + 11 * 100 + 10 * 100) / 500)
    assert cpu_ms_per_command(commands, "baseline") == pytest.approx(3.0)
    assert cpu_ms_per_command(None) is None


def test_goals_met_missed_and_not_measured():
    w = workloads()
    w["freshness"] = {"outbox": {"200": fresh(200, 196, 90, 40, 120, 0, late=1)}}
    w["throughput"] = {"projectorFixedCostInWorker": {"workerCpuMsPerTask": 2.5}}
    judged = {g.goal: g for g in goals(w)}
    assert judged["at 200/s offered: all answered (≥ 195/s)"].ok is True
    assert judged["at 200/s offered: command p99 ≤ 100 ms"].ok is True
    applied = judged["at 200/s offered: order_summaries commit→applied p99 ≤ 50 ms, nothing late"]
    assert applied.ok is False  # p99 within 50 ms, but one event of another read model late
    assert "1 late" in applied.measured
    assert judged["at 200/s offered: response→order.projected p99 ≤ 100 ms"].ok is False
    assert judged["at 200/s offered: 0 pushes lost"].ok is True
    assert judged["commands ≥ 0.8× the ORM-only baseline at 1 client(s)"].measured == "0.778×"
    assert judged["commands ≥ 0.25× pgbench at 1 client"].ok is False  # 70 / 700
    assert judged["web process CPU per command ≤ 4 ms"].ok is False
    assert judged["projector fixed cost per task ≤ 3 ms"].ok is True
    rebuild = judged["rebuild ≥ 0.3× COPY into the same tables with the same indexes"]
    assert (rebuild.ok, rebuild.measured, rebuild.mark) == (None, "not measured", "–")


def test_a_p99_past_the_drain_misses_its_goal_and_a_run_without_200_measures_none():
    w = {"freshness": {"outbox": {"200": fresh(200, 120, 5000, None, None, 40)}}}
    judged = {g.goal: g for g in goals(w)}
    push = judged["at 200/s offered: response→order.projected p99 ≤ 100 ms"]
    assert push.ok is False
    assert push.measured.startswith("p99 >drain")
    at_100 = goals({"freshness": {"outbox": {"100": fresh(100, 100, 50, 20, 30, 0)}}})
    assert all(g.ok is None for g in at_100 if g.goal.startswith("at 200/s"))


# ---- comparison of two runs -----------------------------------------------------------------


def test_difference_in_percent_of_the_first_run():
    assert difference_pct(100, 120) == pytest.approx(20)
    assert difference_pct(100, 75) == pytest.approx(-25)
    assert difference_pct(0, 0) == 0
    assert difference_pct(0, 3) == float("inf")
    assert difference_pct(None, None) == 0
    assert difference_pct(None, 5) is None


def test_compare_flags_the_figures_beyond_the_tolerance():
    a = {"workloads": workloads()}
    b = {"workloads": workloads()}
    at_8 = b["workloads"]["commands"]["concurrency"]["8"]
    at_8["cqrs"]["throughput"] = 90 * 1.25
    at_8["throughputRatio"] = 90 * 1.25 / 120
    b["workloads"]["pgbench"]["concurrency"]["1"]["throughput"] = 700 * 0.9
    flagged = {name for name, _, _, _, beyond in compare(a, b) if beyond}
    # the c=8 rate, the ratio computed from it and the capacity it sets are 25 % higher
    assert flagged == {
        "commands c=8 cqrs cmd/s",
        "commands c=8 ratio to baseline",
        "calibration appCapacity",
    }
    assert "pgbench c=1 cmd/s" in headline_figures(b)


# ---- profile stacks -------------------------------------------------------------------------

SITE = "/v/lib/python3.11/site-packages"
STACKS = f"""\
run (/py/lib/python3.11/asyncio/base_events.py);handle ({SITE}/django/core/handlers/asgi.py);allow_request ({SITE}/rest_framework/throttling.py);get ({SITE}/redis/client.py) 30
run (/py/lib/python3.11/asyncio/base_events.py);handle ({SITE}/django/core/handlers/asgi.py);load ({SITE}/django/contrib/sessions/backends/db.py);execute ({SITE}/psycopg/cursor.py) 20
run (/py/lib/python3.11/asyncio/base_events.py);place (/app/orders/api.py);execute ({SITE}/psycopg/cursor.py) 50
not a stack line
"""  # noqa: E501


def test_collapsed_stacks_give_inclusive_costs_and_self_time_per_command():
    stacks = parse_collapsed(STACKS)
    assert sum(stacks.values()) == 100
    costs = {c.name: c for c in inclusive_costs(stacks, cpu_ms_per_command=10.0, root="/app")}
    assert costs["throttles (with their Redis round trips)"].share == pytest.approx(0.3)
    assert costs["Redis client (cache, throttles, channel layer)"].ms_per_command == pytest.approx(
        3.0
    )
    assert costs["SQL round trips (psycopg)"].share == pytest.approx(0.7)
    assert costs["session and user look-up"].ms_per_command == pytest.approx(2.0)
    assert costs["logging"].samples == 0
    layers = [("the app", ("(orders/",))]
    assert inclusive_costs(stacks, 10.0, layers, root="/app")[0].share == pytest.approx(0.5)
    top = self_costs(stacks, 10.0, top=2)
    assert [(c.name, c.ms_per_command) for c in top] == [
        ("execute (psycopg/cursor.py)", pytest.approx(7.0)),
        ("get (redis/client.py)", pytest.approx(3.0)),
    ]


def test_frames_are_shown_without_the_installation_path():
    assert short(f"get ({SITE}/redis/client.py)") == "get (redis/client.py)"
    assert short("run (/py/lib/python3.11/asyncio/runners.py)") == "run (asyncio/runners.py)"
    assert (
        short("place (/work/wt/bench/orders/api.py)", "/work/wt/bench") == "place (orders/api.py)"
    )
