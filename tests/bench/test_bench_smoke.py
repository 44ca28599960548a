"""The benchmark's pure helpers on synthetic data: percentile math, the open- and closed-loop
schedulers, and the figures derived from a load generator's observations. No services, no
timing: the schedulers run on a fake clock."""

import asyncio

import pytest

from bench.runner import command_figures, committed_pairs, push_latencies
from bench.schedule import run_closed_loop, run_open_loop, send_times
from bench.stats import percentile, ratio, summarize


class FakeClock:
    """Time advances only when the code under test sleeps."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


# ---- percentiles ----------------------------------------------------------------------------


def test_percentiles_interpolate_between_closest_ranks():
    values = [5, 1, 3, 2, 4, 10, 7]  # unsorted on purpose
    assert percentile(values, 0) == 1
    assert percentile(values, 50) == 4
    assert percentile(values, 100) == 10
    assert percentile(values, 95) == pytest.approx(9.1)
    assert percentile(values, 99) == pytest.approx(9.82)
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_summary_of_one_to_a_hundred():
    summary = summarize(range(1, 101))
    assert summary["count"] == 100
    assert summary["missing"] == 0
    assert summary["mean"] == 50.5
    assert (summary["min"], summary["max"]) == (1, 100)
    assert summary["p50"] == pytest.approx(50.5)
    assert summary["p99"] == pytest.approx(99.01)


def test_a_measurement_that_never_completed_counts_as_slowest():
    # Given 99 completed latencies and one event never applied
    summary = summarize([*range(1, 100), None])
    # Then the median is unaffected, and p99 falls between the slowest completed and it
    assert summary["missing"] == 1
    assert summary["p50"] == pytest.approx(50.5)
    assert summary["p99"] is None
    assert summarize([None, None])["p50"] is None


def test_ratio_to_a_missing_or_zero_baseline_is_none():
    assert ratio(80, 100) == 0.8
    assert ratio(80, 0) is None
    assert ratio(None, 100) is None


# ---- schedulers -----------------------------------------------------------------------------


def test_open_loop_due_times_are_evenly_spaced():
    assert send_times(4, 1.0, start=10.0) == [10.0, 10.25, 10.5, 10.75]
    assert send_times(0, 1.0) == []
    assert len(send_times(200, 30)) == 6000


async def test_open_loop_does_not_wait_for_answers_before_sending_the_next():
    clock = FakeClock()
    answers = asyncio.Event()  # no request is answered until every one was sent
    fired = []

    async def fire(index, due):
        fired.append((index, due, clock()))
        await answers.wait()

    async def answer_once_all_are_sent():
        while len(fired) < 5:
            await asyncio.sleep(0)
        answers.set()

    due_times, _ = await asyncio.wait_for(
        asyncio.gather(
            run_open_loop(50, 0.1, fire, clock=clock, sleep=clock.sleep),
            answer_once_all_are_sent(),
        ),
        timeout=10,
    )
    assert due_times == pytest.approx([100.0, 100.02, 100.04, 100.06, 100.08])
    assert [index for index, _, _ in fired] == [0, 1, 2, 3, 4]
    # each request went out at (not before) its due time, which is what it is measured from
    assert [due for _, due, _ in fired] == due_times
    assert all(sent >= due - 1e-9 for _, due, sent in fired)


async def test_closed_loop_clients_send_concurrently_until_the_deadline():
    clock = FakeClock()
    calls = []

    async def work(client):
        calls.append(client)
        await clock.sleep(0.125)  # the system answers one request per 125 ms

    await run_closed_loop(3, 1.0, work, clock=clock)
    # Then the three clients take turns (none waits for another's whole loop), and no
    # request starts after the deadline
    assert calls == [0, 1, 2, 0, 1, 2, 0, 1]


# ---- figures from load generator observations -----------------------------------------------


def observations():
    """Two measured places (one failed), one confirm, one warm-up place; pushes for them."""
    return {
        "requests": [
            # kind, due, sent, done, status, order, seq, measured
            ["place", 0.0, 0.0, 0.010, 201, "warm", 1, False],
            ["place", 1.0, 1.001, 1.020, 201, "a", 1, True],
            ["place", 1.5, 1.5, 1.600, 500, "", None, True],
            ["confirm", 2.0, 2.002, 2.030, 200, "a", 2, True],
        ],
        "pushes": [
            ["a", 1, "order_summaries", 1.045],
            ["a", 2, "order_summaries", 2.025],  # beat the command's response
            ["a", 1, "order_details", 1.500],
        ],
        "errors": {"place: HTTP 500": 1},
    }


def test_command_figures_count_measured_successes_from_their_due_time():
    figures = command_figures(observations(), seconds=2.0)
    assert figures["commands"] == 2
    assert figures["failed"] == 1
    assert figures["throughput"] == 1.0
    assert figures["latencyMs"]["place"]["p50"] == pytest.approx(20.0)
    assert figures["latencyMs"]["confirm"]["p50"] == pytest.approx(30.0)
    assert figures["raw"]["placeLatencyMs"] == [20.0]
    assert figures["answeredPerSecond"] == 1.0  # answered as fast as they came


def test_past_capacity_the_answered_rate_is_what_the_server_managed():
    # Given commands due over 1 s whose answers trail until 4 s after the window's start
    requests = [["place", due / 10, due / 10, 1 + due * 0.3, 201, f"o{due}", 1, True]
                for due in range(10)]  # fmt: skip
    figures = command_figures({"requests": requests, "errors": {}}, seconds=1.0)
    # Then the offered rate is all answered, at the rate of 10 in 3.7 s
    assert figures["throughput"] == 10.0
    assert figures["answeredPerSecond"] == pytest.approx(10 / 3.7)


def test_push_latency_runs_from_the_response_to_the_first_push_at_or_past_its_seq():
    summaries = push_latencies(observations(), "order_summaries")
    assert summaries["raw"]["afterResponseMs"] == [pytest.approx(25.0), 0.0]
    assert summaries["beforeResponse"] == 1
    details = push_latencies(observations(), "order_details")
    assert details["raw"]["afterResponseMs"] == [pytest.approx(480.0), None]
    assert details["afterResponseMs"]["missing"] == 1


def test_committed_pairs_are_the_measured_successful_commands():
    assert committed_pairs(observations()) == [("a", 1), ("a", 2)]
