"""Load schedules: open loop at a fixed offered rate, closed loop at a fixed concurrency.

Open loop: request i is due at start + i / rate whether or not earlier ones have answered,
and its latency is measured from that due time, so a slow server (or a busy load generator)
shows up as latency instead of silently lowering the offered rate (coordinated omission).
Closed loop: each of `concurrency` clients sends its next request when the previous one has
answered; the completed count over the window is the throughput.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


def send_times(rate: float, duration: float, start: float = 0.0) -> list[float]:
    """Due times of an open-loop schedule: `rate` per second for `duration` seconds."""
    if rate <= 0 or duration <= 0:
        return []
    count = round(rate * duration)
    return [start + index / rate for index in range(count)]


async def run_open_loop(
    rate: float,
    duration: float,
    fire: Callable[[int, float], Awaitable[None]],
    *,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> list[float]:
    """Call `fire(index, due_time)` at each due time without waiting for earlier calls;
    return once every call has finished. Returns the due times (in `clock`'s terms)."""
    due_times = send_times(rate, duration, start=clock())
    tasks = []
    for index, due in enumerate(due_times):
        delay = due - clock()
        if delay > 0:
            await sleep(delay)
        tasks.append(asyncio.create_task(fire(index, due)))
    if tasks:
        await asyncio.gather(*tasks)
    return due_times


async def run_closed_loop(
    concurrency: int,
    duration: float,
    work: Callable[[int], Awaitable[None]],
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """Run `concurrency` clients, each calling `await work(client)` again and again until
    `duration` seconds have passed (a call in flight then is allowed to finish)."""
    deadline = clock() + duration

    async def client(index: int) -> None:
        while clock() < deadline:
            await work(index)

    await asyncio.gather(*(client(index) for index in range(concurrency)))
