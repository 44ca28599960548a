"""`make run` on a bare machine, end to end: the launcher (config/local_servers.py) is forced
into embedded mode (ORDERS_EMBEDDED=1: the machine's own servers are there, and must stay
untouched), starts embedded PostgreSQL and Redis in a temp folder, and runs what `make run-app`
runs: ensure_database, migrate, load_demo_data, then honcho with the Procfile's web, relay,
worker and cdc lines (beat's periodic jobs play no part here). A customer with an open
WebSocket places and confirms an order over HTTP, is pushed `order.projected` by every read
model (order_search through the cdc strategy), and reads the order back. Ctrl-C then stops
everything, the embedded servers last, and keeps their data.

Only the launcher's output names what it started; nothing here reads the test database."""

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
from websockets.sync.client import connect as websocket_connect

from config.embedded_servers import process_running
from config.local_servers import RunningServers, make_plan
from tests.tooling.embedded import embedded_data_folder

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
READ_MODELS = {"order_summaries", "order_details", "order_search", "order_analytics"}
COMPONENTS = ("web", "relay", "worker", "cdc")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_lines(names: tuple[str, ...]) -> str:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return "\n".join(line for line in lines if line.partition(":")[0] in names) + "\n"


@pytest.fixture
def data_folder():
    folder = embedded_data_folder()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def launched(data_folder):
    """The launcher and everything under it, in a process group of its own (as a terminal's
    foreground job is), stopped with SIGINT like Ctrl-C; killed if the test left it running."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    procfile = data_folder / "Procfile"
    procfile.write_text(procfile_lines(COMPONENTS))
    python, honcho = (
        shlex.quote(str(p)) for p in (sys.executable, Path(sys.executable).parent / "honcho")
    )
    procfile, root = shlex.quote(str(procfile)), shlex.quote(str(ROOT))
    app = (  # what `make run-app` runs, less the frontend build and beat
        f"{python} manage.py ensure_database && {python} manage.py migrate --no-input"
        f" && {python} manage.py load_demo_data --orders 0"
        f" && exec {honcho} start -f {procfile} -d {root} -p {port}"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "READ_DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",  # as make run: not the test settings
        ORDERS_EMBEDDED="1",
        ORDERS_EMBEDDED_DIR=str(data_folder),
        PROMETHEUS_MULTIPROC_DIR=str(data_folder / "metrics"),
        READ_MODEL_STRATEGIES="order_search=cdc",
        CSRF_TRUSTED_ORIGINS=base_url,
        DEBUG="true",
        LOG_LEVEL="WARNING",
    )
    log = open(data_folder / "run.log", "w+")  # noqa: SIM115
    launcher = subprocess.Popen(
        [python, "-m", "config.local_servers", "run", "--", "sh", "-c", app],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    run = Launched(launcher, base_url, data_folder, log)
    yield run
    if launcher.poll() is None:  # the test failed before Ctrl-C: end the whole tree
        family = psutil.Process(launcher.pid).children(recursive=True)
        for process in [launcher, *family]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        launcher.wait()
    leftovers = RunningServers(make_plan(env))
    leftovers.postgres.stop()
    leftovers.redis.stop()
    log.close()


class Launched:
    def __init__(self, launcher, base_url, data_folder, log):
        self.launcher = launcher
        self.base_url = base_url
        self.data_folder = data_folder
        self.log = log

    def output(self) -> str:
        self.log.flush()
        return (self.data_folder / "run.log").read_text(errors="replace")

    def wait_for_web(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.launcher.poll() is None, f"the launcher exited:\n{self.output()[-4000:]}"
            try:
                if requests.get(f"{self.base_url}/accounts/login/", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"no page within {timeout} s:\n{self.output()[-4000:]}")

    def ctrl_c(self, timeout: float = 60) -> int:
        """SIGINT to the whole process group, as a terminal sends on Ctrl-C."""
        os.killpg(self.launcher.pid, signal.SIGINT)
        return self.launcher.wait(timeout=timeout)


def logged_in(base_url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy between us and 127.0.0.1
    session.get(f"{base_url}/accounts/login/")
    reply = session.post(
        f"{base_url}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.text
    return session


def command(session: requests.Session, base_url: str, path: str, body: dict) -> dict:
    reply = session.post(
        f"{base_url}{path}", json=body, headers={"X-CSRFToken": session.cookies["csrftoken"]}
    )
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


def projected_by_every_read_model(socket, order_id: str, seq: int, timeout: float) -> set[str]:
    """The read models that pushed `order.projected` for this order at `seq` or later."""
    done: set[str] = set()
    deadline = time.monotonic() + timeout
    while done != READ_MODELS and time.monotonic() < deadline:
        try:
            message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            break
        if (
            message.get("type") == "order.projected"
            and message["orderId"] == order_id
            and message["seq"] >= seq
        ):
            done.add(message["readModel"])
    return done


def test_a_bare_machine_run_serves_commands_pushes_and_queries_then_stops_on_ctrl_c(launched):
    """Given make run's launcher forced onto embedded servers, when alice places and confirms
    an order with her push socket open, then every read model pushes `order.projected`, the
    queries read the confirmed order back, and Ctrl-C ends every process, servers included,
    keeping their data."""
    began = time.monotonic()
    launched.wait_for_web()
    base_url = launched.base_url
    alice = logged_in(base_url, "alice", "alice-demo-pass")  # the demo login make run loads
    socket = websocket_connect(
        base_url.replace("http", "ws", 1) + "/ws/orders/",
        origin=base_url,
        additional_headers={"Cookie": f"sessionid={alice.cookies['sessionid']}"},
        proxy=None,
    )

    with socket:
        placed = command(
            alice,
            base_url,
            "/api/orders/",
            {"items": [{"productId": "espresso-beans", "quantity": 2}]},
        )
        order_id = placed["order"]["orderId"]
        confirmed = command(alice, base_url, f"/api/orders/{order_id}/confirm", {})
        pushed = projected_by_every_read_model(socket, order_id, confirmed["seq"], timeout=60)

    assert pushed == READ_MODELS, launched.output()[-4000:]
    token = confirmed["consistencyToken"]
    detail = alice.get(
        f"{base_url}/api/orders/{order_id}/", params={"consistencyToken": token, "waitMs": 3000}
    ).json()
    assert detail["order"]["status"] == "confirmed"
    assert detail["metadata"]["consistencyTokenReached"] is True
    found = alice.get(
        f"{base_url}/api/orders/",
        params={"q": "espresso", "consistencyToken": token, "waitMs": 3000},
    ).json()
    assert found["metadata"]["readModel"] == "order_search"
    assert [row["orderId"] for row in found["results"]] == [order_id]

    plan = make_plan({"ORDERS_EMBEDDED": "1", "ORDERS_EMBEDDED_DIR": str(launched.data_folder)})
    servers = RunningServers(plan)
    server_pids = [servers.postgres.server_pid(), servers.redis.server_pid()]
    assert all(process_running(pid) for pid in server_pids)

    launched.ctrl_c()

    output = launched.output()
    assert "Embedded PostgreSQL 18" in output and "Redis 6" in output, output[:2000]
    assert "Stopped the embedded servers" in output
    assert not any(process_running(pid) for pid in server_pids)
    assert (launched.data_folder / "postgres" / "PG_VERSION").exists()
    assert time.monotonic() - began < 120
