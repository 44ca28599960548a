"""The load generator: a process of its own that drives the web server over real HTTP and
WebSocket connections, as a browser would (session cookie, CSRF header, /ws/orders/).

    python -m bench.loadgen SPEC.json RESULT.json

The spec (written by the orchestrator, bench/runner.py) says which users to act as,
open loop at a rate or closed loop at a concurrency, for how long, and whether to listen on
the WebSocket. The result holds raw observations only — every request with its due, send and
answer times, every `order.projected` push with its arrival time — all in seconds on this
process's monotonic clock; the orchestrator turns them into figures (bench/stats.py).

Deliberately free of Django imports: it is a client, and a light one, since on a small
machine it shares the CPUs with the server it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections import deque
from dataclasses import dataclass, field

import aiohttp

from bench.schedule import run_closed_loop, run_open_loop

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)


@dataclass
class Observations:
    # kind, due, sent, done, status, order_id, seq, measured
    requests: list[list] = field(default_factory=list)
    # order_id, seq, read_model, arrived
    pushes: list[list] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    ws_connected: int = 0
    read_backs: int = 0  # read-your-writes reads answered (spec "read_your_writes")

    def error(self, text: str) -> None:
        self.errors[text] = self.errors.get(text, 0) + 1


class LoadGenerator:
    def __init__(self, spec: dict, http: aiohttp.ClientSession):
        self.spec = spec
        self.http = http
        self.users = spec["users"]
        self.base = spec["base_url"].rstrip("/")
        self.body = json.dumps({"items": spec["items"]}).encode()
        self.out = Observations()
        self.clock = time.perf_counter
        self.origin = self.clock()
        self.measure_from = self.measure_until = 0.0
        self.confirmable: deque[tuple[int, str]] = deque()
        self.projected: dict[tuple[str, str], int] = {}  # (order, read model) → highest seq
        self.settled = 0  # WebSocket listeners connected or failed
        self.places = 0
        self.reads: set[asyncio.Task] = set()  # read-your-writes reads under way

    def now(self) -> float:
        return self.clock() - self.origin

    def headers(self, user: dict) -> dict:
        return {
            "Cookie": f"sessionid={user['session']}; csrftoken={user['csrf']}",
            "X-CSRFToken": user["csrf"],
            "Content-Type": "application/json",
        }

    # ---- commands

    async def command(self, kind: str, user_index: int, due: float, order_id: str = "") -> dict:
        """Send one command; record it; return the decoded body of a success ({} otherwise)."""
        user = self.users[user_index]
        if kind == "place":
            url, body = self.base + self.spec["place_path"], self.body
        else:
            url = self.base + self.spec["confirm_path"].format(order_id=order_id)
            body = b"{}"
        sent = self.now()
        status, answer = 0, {}
        try:
            async with self.http.post(url, data=body, headers=self.headers(user)) as response:
                raw = await response.read()
                status = response.status
                if status in (200, 201):
                    answer = json.loads(raw)
                else:
                    self.out.error(f"{kind}: HTTP {status} {raw[:200]!r}")
        except Exception as error:  # recorded, the load goes on
            self.out.error(f"{kind}: {type(error).__name__}: {error}")
        done = self.now()
        order = answer.get("order", {}).get("orderId", order_id)
        if answer and self.spec.get("read_your_writes"):
            # As a client showing its write would: read it back, waiting for the token.
            # Not awaited: the waits run beside the load, in the same web processes.
            read_back = asyncio.create_task(self.read_back(user, order, answer))
            self.reads.add(read_back)
            read_back.add_done_callback(self.reads.discard)
        measured = self.measure_from <= due < self.measure_until
        self.out.requests.append(
            [kind, due, sent, done, status, order, answer.get("seq"), measured]
        )
        return answer

    async def read_back(self, user: dict, order_id: str, answer: dict) -> None:
        url = f"{self.base}/api/orders/{order_id}/"
        params = {"consistencyToken": answer["consistencyToken"], "waitMs": "2000"}
        try:
            async with self.http.get(url, params=params, headers=self.headers(user)) as reply:
                await reply.read()
                self.out.read_backs += reply.status == 200
        except Exception as error:  # recorded, the load goes on
            self.out.error(f"read back: {type(error).__name__}: {error}")

    async def open_loop(self) -> None:
        spec = self.spec
        rate, warmup, duration = spec["rate"], spec["warmup"], spec["duration"]
        confirm_too = spec["mix"] == "place_confirm"
        start = self.now()
        self.measure_from, self.measure_until = start + warmup, start + warmup + duration

        async def fire(index: int, due_clock: float) -> None:
            due = due_clock - self.origin
            if confirm_too and index % 2 and self.confirmable:
                user_index, order_id = self.confirmable.popleft()
                await self.command("confirm", user_index, due, order_id)
                return
            user_index = self.places % len(self.users)  # customers take turns placing
            self.places += 1
            answer = await self.command("place", user_index, due)
            if answer and confirm_too:
                self.confirmable.append((user_index, answer["order"]["orderId"]))

        await run_open_loop(rate, warmup + duration, fire, clock=self.clock)

    async def closed_loop(self) -> None:
        spec = self.spec
        warmup, duration = spec["warmup"], spec["duration"]
        confirm_too = spec["mix"] == "place_confirm"
        start = self.now()
        self.measure_from, self.measure_until = start + warmup, start + warmup + duration

        async def work(client: int) -> None:
            user_index = client % len(self.users)
            answer = await self.command("place", user_index, self.now())
            if answer and confirm_too:
                await self.command("confirm", user_index, self.now(), answer["order"]["orderId"])

        await run_closed_loop(spec["concurrency"], warmup + duration, work, clock=self.clock)
        # Closed loop: what completed inside the window counts (a rate of completions).
        for record in self.out.requests:
            record[7] = self.measure_from <= record[3] <= self.measure_until

    # ---- pushes

    async def listen(self, user: dict, ready: asyncio.Event) -> None:
        url = self.base.replace("http", "ws", 1) + "/ws/orders/"
        headers = {"Cookie": f"sessionid={user['session']}", "Origin": self.base}
        settled = False
        try:
            async with self.http.ws_connect(url, headers=headers, heartbeat=None) as ws:
                self.out.ws_connected += 1
                settled = self._settle(ready)
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        continue
                    data = json.loads(message.data)
                    if data.get("type") != "order.projected":
                        continue
                    order, seq, model = data["orderId"], data["seq"], data["readModel"]
                    self.out.pushes.append([order, seq, model, self.now()])
                    key = (order, model)
                    self.projected[key] = max(seq, self.projected.get(key, 0))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.out.error(f"websocket: {type(error).__name__}: {error}")
        finally:
            if not settled:
                self._settle(ready)

    def _settle(self, ready: asyncio.Event) -> bool:
        """One more listener connected or failed; all settled → the load may start."""
        self.settled += 1
        if self.settled >= len(self.users):
            ready.set()
        return True

    def pushes_missing(self) -> int:
        models = self.spec["expect_read_models"]
        return sum(
            1
            for kind, _, _, _, status, order, seq, measured in self.out.requests
            if measured and status in (200, 201)
            for model in models
            if self.projected.get((order, model), 0) < seq
        )

    async def run(self) -> Observations:
        listeners = []
        if self.spec.get("websocket"):
            ready = asyncio.Event()
            listeners = [asyncio.create_task(self.listen(user, ready)) for user in self.users]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), timeout=30)
        if self.spec["mode"] == "open":
            await self.open_loop()
        else:
            await self.closed_loop()
        if listeners:
            deadline = self.clock() + self.spec.get("drain_timeout", 10)
            while self.pushes_missing() and self.clock() < deadline:
                await asyncio.sleep(0.05)
            for task in [*listeners, *self.reads]:
                task.cancel()
            await asyncio.gather(*listeners, *self.reads, return_exceptions=True)
        return self.out


async def generate(spec: dict) -> dict:
    connector = aiohttp.TCPConnector(limit=spec.get("connections", 256), force_close=False)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=REQUEST_TIMEOUT
    ) as http:
        generator = LoadGenerator(spec, http)
        out = await generator.run()
        return {
            "requests": out.requests,
            "pushes": out.pushes,
            "errors": out.errors,
            "wsConnected": out.ws_connected,
            "readBacks": out.read_backs,
            "pushesLost": generator.pushes_missing(),
            "measureFrom": generator.measure_from,
            "measureUntil": generator.measure_until,
        }


def main(argv: list[str] | None = None) -> None:
    spec_path, result_path = (argv or sys.argv[1:])[:2]
    with open(spec_path) as file:
        spec = json.load(file)
    try:
        import uvloop

        result = uvloop.run(generate(spec))
    except ImportError:
        result = asyncio.run(generate(spec))
    with open(result_path, "w") as file:
        json.dump(result, file)


if __name__ == "__main__":
    main()
