"""One benchmark run: its environment, its processes, its load generator runs, its figures.

The orchestrator process (this one) sets Django up with bench.settings against the bench
database, to prepare data and read measurements; the system under test runs in the
subprocesses of `self.stack`, and the load comes from `python -m bench.loadgen` processes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import database
from bench.config import Config
from bench.processes import ROOT, Stack, free_port
from bench.stats import summarize

APP_PATHS = {"place_path": "/api/orders/", "confirm_path": "/api/orders/{order_id}/confirm"}
BASELINE_PATHS = {
    "place_path": "/bench/baseline/orders/",
    "confirm_path": "/bench/baseline/orders/{order_id}/confirm",
}
ALL_READ_MODELS = database.READ_MODELS
# The baselines' worker: the reference design applies the one event its task names, so it
# does not take along the work queued behind the task (readmodels/pipeline/projector.py).
REFERENCE_PROJECTOR = {"PROJECTOR_QUEUED_WORK_LIMIT": "0"}
PREPARE_DATABASE = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('ensure_database'); call_command('migrate', interactive=False, verbosity=0)"
)


def strategies_env(strategy: str) -> str:
    """READ_MODEL_STRATEGIES putting every read model on `strategy` ("" for the default)."""
    if strategy in ("", "outbox"):
        return ""
    return ",".join(f"{name}={strategy}" for name in ALL_READ_MODELS)


class Run:
    def __init__(self, config: Config, *, database_url: str, redis_url: str, out_dir: Path):
        self.config = config
        self.database_url = database_url
        self.redis_url = redis_url
        self.dir = out_dir
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)
        self.metrics_dir = tempfile.mkdtemp(prefix="orders-bench-metrics-")
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL",)},
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # DEBUG=false is the production configuration (config/settings.py): it needs a
            # real SECRET_KEY (one per run, shared by every process: sessions are signed
            # with it); TLS would end at a proxy in front, so no redirect to HTTPS here; and
            # the per-user command and query limits are lifted so that they never cap the
            # offered load (the throttles themselves still run on every request).
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "false",
            "COMMAND_RATE_LIMIT": "1000000/second",
            "QUERY_RATE_LIMIT": "1000000/second",
            "LOG_LEVEL": config.log_level,
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            "READ_MODEL_STRATEGIES": "",
            "PYTHONUNBUFFERED": "1",
        }
        self.stack = Stack(self.env, self.dir / "logs")
        self.port = free_port()
        self.web_strategy: tuple[str, bool] | None = None
        self.users: list[dict] = []
        self.loadgen_runs = 0
        self.figures: dict = {}  # the workloads' figures so far (one may reuse another's)
        self.prepared = False

    # ---- set-up and tear-down

    def setup(self) -> None:
        subprocess.run(  # one Django start-up for both commands
            [sys.executable, "-c", PREPARE_DATABASE],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        os.environ.update(self.env)  # this process's Django: same database, same settings
        os.environ["LOG_LEVEL"] = "WARNING"  # its own logs: warnings only
        import django

        django.setup()
        self.redis().flushdb()  # our own Redis database only (REDIS_URL)
        database.remove_probes()
        database.drop_cdc_slot()
        database.empty_pipeline()
        self.users = database.prepare_users(self.config.users)
        self.prepared = True

    def teardown(self) -> None:
        self.stack.stop_all()
        if not self.prepared:  # set-up failed before Django could reach the database
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            return
        try:
            database.remove_probes()
            database.drop_cdc_slot()
            database.empty_pipeline()
            database.execute("DROP TABLE IF EXISTS bench_applied, bench_copy")
            self.redis().flushdb()
        finally:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)

    def redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url)

    # ---- processes

    def web(self, strategy: str = "outbox", *, pool: bool | None = None) -> None:
        """Make sure the web server runs with every read model on `strategy`, with or without
        a database connection pool (default: the run's setting; DB_POOL, config/asgi.py)."""
        pool = self.config.web_db_pool if pool is None else pool
        if self.web_strategy == (strategy, pool) and "web" in self.stack.components:
            return
        self.stack.stop("web")
        self.stack.start_web(
            port=self.port,
            workers=self.config.web_workers,
            env={
                "READ_MODEL_STRATEGIES": strategies_env(strategy),
                "DB_POOL": "true" if pool else "false",
            },
        )
        self.web_strategy = (strategy, pool)

    def only(self, *names: str) -> None:
        """Stop every component not named."""
        for name in list(self.stack.components):
            if name not in names:
                self.stack.stop(name)
        if "web" not in names:
            self.web_strategy = None

    def ensure(self, name: str, **env: str) -> None:
        if name in self.stack.components:
            return
        if name == "relay":
            self.stack.start_relay(env=env)
        elif name == "naive-relay":
            self.stack.start_naive_relay(env=env)
        elif name == "worker":
            self.stack.start_worker(concurrency=self.config.worker_concurrency, env=env)
        elif name == "cdc":
            self.stack.start_cdc(env=env)
        else:
            raise ValueError(name)

    # ---- between runs

    def reset(self) -> None:
        """Empty the pipeline tables and the broker's queues (not the channel layer)."""
        database.empty_pipeline()
        self.purge_broker()

    def purge_broker(self) -> None:
        client = self.redis()
        queues = [q.encode() for q in ALL_READ_MODELS]
        stale = [
            key
            for key in client.scan_iter(count=1000)
            if any(key.startswith(queue) for queue in queues)
        ]
        if stale:
            client.delete(*stale)

    # ---- load

    def loadgen(self, spec: dict, *, timeout: float | None = None) -> dict:
        self.loadgen_runs += 1
        spec = {
            "base_url": f"http://127.0.0.1:{self.port}",
            "users": self.users,
            "items": database.ORDER_ITEMS,
            "expect_read_models": list(ALL_READ_MODELS),
            **APP_PATHS,
            **spec,
        }
        spec_path = self.dir / "logs" / f"loadgen-{self.loadgen_runs:02d}-spec.json"
        result_path = self.dir / "logs" / f"loadgen-{self.loadgen_runs:02d}-result.json"
        spec_path.write_text(json.dumps(spec))
        budget = spec["warmup"] + spec["duration"] + spec.get("drain_timeout", 0) + 120
        subprocess.run(
            [sys.executable, "-m", "bench.loadgen", str(spec_path), str(result_path)],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=timeout or budget,
        )
        result = json.loads(result_path.read_text())
        result_path.unlink()  # large; the figures derived from it are kept
        return result


# ---- figures from a load generator result ---------------------------------------------------

OK = (200, 201)


def measured(result: dict) -> list[list]:
    return [r for r in result["requests"] if r[7]]


def command_figures(result: dict, seconds: float) -> dict:
    """Throughput of successful commands in the window and their latency from due time."""
    window = measured(result)
    ok = [r for r in window if r[4] in OK]
    figures = {
        "commands": len(ok),
        "failed": len(window) - len(ok),
        "throughput": len(ok) / seconds,
        "answeredPerSecond": answered_per_second(window, ok, seconds),
        "latencyMs": {},
        "sendLagMs": summarize([(r[2] - r[1]) * 1000 for r in window]),
        "errors": dict(sorted(result["errors"].items(), key=lambda kv: -kv[1])[:5]),
    }
    figures["raw"] = {}
    for kind in sorted({r[0] for r in ok}):
        latencies = [(r[3] - r[1]) * 1000 for r in ok if r[0] == kind]
        figures["latencyMs"][kind] = summarize(latencies)
        figures["raw"][f"{kind}LatencyMs"] = rounded(latencies)
    figures["latencyMs"]["all"] = summarize([(r[3] - r[1]) * 1000 for r in ok])
    return figures


def answered_per_second(window: list[list], ok: list[list], seconds: float) -> float:
    """The rate the window's successful commands were answered at: their number over the time
    from the window's first due command to the last answer (at least the window). In an open
    loop that keeps up it is the offered rate; past capacity, answers trail far behind their
    due times and this is the rate the server managed, where `throughput` stays the offered."""
    if not ok:
        return 0.0
    span = max(r[3] for r in ok) - min(r[1] for r in window)
    return len(ok) / max(seconds, span)


def rounded(values: list) -> list:
    """Raw figures for the JSON file: 0.1 ms is plenty."""
    return [None if v is None else round(v, 1) for v in values]


def committed_pairs(result: dict) -> list[tuple[str, int]]:
    return [(r[5], r[6]) for r in measured(result) if r[4] in OK and r[6] is not None]


def push_latencies(result: dict, read_model: str) -> dict:
    """Per successful measured command: ms from its response (`afterResponse`) and from its
    due time (`afterSend`) to the first `order.projected` push for `read_model` at its seq
    or later. A push that beat the response counts as 0 ms after it."""
    arrivals: dict[str, list[tuple[int, float]]] = {}
    for order, seq, model, at in result["pushes"]:
        if model == read_model:
            arrivals.setdefault(order, []).append((seq, at))
    after_response, after_send, early = [], [], 0
    for _, due, _, done, status, order, seq, _ in measured(result):
        if status not in OK:
            continue
        times = [at for pushed_seq, at in arrivals.get(order, ()) if pushed_seq >= seq]
        if not times:
            after_response.append(None)
            after_send.append(None)
            continue
        first = min(times)
        early += first < done
        after_response.append(max(0.0, first - done) * 1000)
        after_send.append((first - due) * 1000)
    return {
        "afterResponseMs": summarize(after_response),
        "afterSendMs": summarize(after_send),
        "beforeResponse": early,
        "raw": {"afterResponseMs": rounded(after_response)},
    }


def wait_until(condition, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
