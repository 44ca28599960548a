"""Measure what a read database of its own costs on the command → applied time.

Runs the same closed-loop workload on two layouts, alternating rounds so that both meet the
same machine load: one database (read tables beside the write tables) and two databases on
the same server (READ_DATABASE_URL). Each round starts a relay and a Celery worker against
its layout, then places and confirms orders one at a time; the time measured is from the
command's commit to the moment its order_summaries row shows the command's seq, polled on
the read database every millisecond.

    .venv/bin/python scripts/measure_read_database.py --commands 200 --rounds 2

Uses (and empties) its own databases, <name>_measure and <name>_measure_read on the server
of DATABASE_URL, and REDIS_URL's database (default: 14). docs/scaling.md quotes a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ("one database", "two databases")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=200, help="commands per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per layout")
    parser.add_argument("--layout", choices=LAYOUTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.layout:
        print(json.dumps(measure(args.commands)))
        return
    latencies: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for round_ in range(args.rounds):
        for layout in LAYOUTS if round_ % 2 == 0 else reversed(LAYOUTS):
            latencies[layout] += run_layout(layout, args.commands)
    report(latencies)


def environment(layout: str) -> dict[str, str]:
    write = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/orders")
    parts = urlsplit(write)
    write = urlunsplit(parts._replace(path=f"{parts.path}_measure"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": write,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("READ_DATABASE_URL", None)
    if layout == "two databases":
        env["READ_DATABASE_URL"] = f"{write}_read"
    return env


def run_layout(layout: str, commands: int) -> list[float]:
    env = environment(layout)
    manage = [sys.executable, "manage.py"]
    for argv in (["ensure_database"], ["migrate", "-v0"]):
        subprocess.run([*manage, *argv], cwd=ROOT, env=env, check=True, capture_output=True)
    if "READ_DATABASE_URL" in env:
        subprocess.run(
            [*manage, "migrate", "-v0", "--database", "read"], cwd=ROOT, env=env, check=True
        )
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    queues = "order_summaries,order_details,order_search,order_analytics,celery"
    components = [
        [*manage, "run_relay"],
        [*celery, "worker", "-Q", queues, "-c", "2", "-l", "warning", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
    ]  # fmt: skip
    started = [subprocess.Popen(argv, cwd=ROOT, env=env) for argv in components]
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--layout", layout, "--commands", str(commands)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(commands: int) -> list[float]:
    """In a process of one layout: the command → applied times, in milliseconds."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from orders import services
    from orders.domain.commands import ConfirmOrder, PlaceOrder, RequestedItem
    from readmodels.pipeline.tables import empty_pipeline_tables
    from readmodels.read_database import read_connection

    empty_pipeline_tables()
    call_command("load_demo_data", orders=0, verbosity=0)
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    reader = read_connection().copy()  # polls on its own connection, in autocommit

    def applied(order_id, seq: int) -> float:
        started = time.perf_counter()
        with reader.cursor() as cursor:
            while True:
                cursor.execute("SELECT seq FROM order_summaries WHERE order_id = %s", [order_id])
                row = cursor.fetchone()
                if row and row[0] >= seq:
                    return (time.perf_counter() - started) * 1000
                time.sleep(0.001)

    for _ in range(10):  # warm-up: connections, worker pool, first tasks
        placed = services.place_order(
            command=PlaceOrder(items=(RequestedItem(product_id="espresso-beans", quantity=1),)),
            actor=alice,
        )
        applied(placed.order.order_id, 1)
    times = []
    for index in range(commands):
        if index % 2 == 0:
            command = PlaceOrder(items=(RequestedItem(product_id="espresso-beans", quantity=2),))
            result = services.place_order(command=command, actor=alice)
            order_id = result.order.order_id
        else:
            result = services.confirm_order(command=ConfirmOrder(order_id=order_id), actor=alice)
        times.append(applied(order_id, result.seq))
    reader.close()
    return times


def report(latencies: dict[str, list[float]]) -> None:
    def percentile(values: list[float], p: float) -> float:
        return statistics.quantiles(values, n=100)[int(p) - 1]

    print(f"{'layout':<16}{'commands':>9}{'median ms':>11}{'p95 ms':>9}")
    summary = {}
    for layout, values in latencies.items():
        summary[layout] = (statistics.median(values), percentile(values, 95))
        print(f"{layout:<16}{len(values):>9}{summary[layout][0]:>11.1f}{summary[layout][1]:>9.1f}")
    one, two = summary["one database"], summary["two databases"]
    print(f"ratio two/one: median {two[0] / one[0]:.2f}, p95 {two[1] / one[1]:.2f}")


if __name__ == "__main__":
    main()
