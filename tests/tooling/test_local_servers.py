"""Which servers `make run` uses (config/local_servers.py): configured, the machine's own, or
embedded. Pure unit tests: a real listening socket stands in for "a server answers", an unused
port for a bare machine; nothing is started."""

import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from config import local_servers
from config.embedded_servers import EmbeddedRedis, EmbeddedServerError, closed_folder_on_the_way
from config.local_servers import choose, describe, make_plan, run_in_foreground


@pytest.fixture
def listening_port():
    """A port on which something accepts connections, as the machine's PostgreSQL would."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def unused_port():
    """A port nothing listens on: a bare machine's default address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def default_at(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/orders"


def must_not_probe(host, port):
    raise AssertionError(f"probed {host}:{port}, but the choice needed no probe")


def test_nothing_configured_and_nothing_answering_means_embedded(unused_port):
    """Given a bare machine, when make run chooses, then it starts an embedded server."""
    choice = choose({}, "DATABASE_URL", default_at(unused_port))

    assert choice.embedded
    assert choice.reason == f"nothing answers at 127.0.0.1:{unused_port}"


def test_a_server_answering_at_the_default_address_is_used(listening_port):
    """Given the machine's own server answers, then make run uses it, as it always did."""
    choice = choose({}, "DATABASE_URL", default_at(listening_port))

    assert not choice.embedded
    assert choice.url == default_at(listening_port)


def test_a_configured_url_is_used_without_probing():
    choice = choose(
        {"DATABASE_URL": "postgres://me@db.example/orders"},
        "DATABASE_URL",
        default_at(5432),
        probe=must_not_probe,
    )

    assert (choice.embedded, choice.url) == (False, "postgres://me@db.example/orders")
    assert choice.reason == "from DATABASE_URL"


def test_orders_embedded_1_forces_embedded_even_over_a_configured_url(listening_port):
    env = {"ORDERS_EMBEDDED": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"}

    choice = choose(env, "REDIS_URL", default_at(listening_port), probe=must_not_probe)

    assert choice.embedded and choice.reason == "ORDERS_EMBEDDED=1"


def test_orders_embedded_0_never_embeds_even_on_a_bare_machine(unused_port):
    """Someone who wants the old behaviour (a clear 'cannot reach PostgreSQL') gets it."""
    choice = choose({"ORDERS_EMBEDDED": "0"}, "DATABASE_URL", default_at(unused_port))

    assert not choice.embedded
    assert choice.url == default_at(unused_port)


def test_an_unknown_orders_embedded_value_is_refused_with_the_accepted_ones():
    with pytest.raises(SystemExit, match="use 1 .* 0 .* unset"):
        choose({"ORDERS_EMBEDDED": "maybe"}, "DATABASE_URL", default_at(5432))


def test_each_server_is_chosen_on_its_own(listening_port, unused_port, monkeypatch):
    """A laptop with Redis but no PostgreSQL embeds only PostgreSQL."""
    monkeypatch.setattr(local_servers, "DEFAULT_DATABASE_URL", default_at(unused_port))
    monkeypatch.setattr(local_servers, "DEFAULT_REDIS_URL", f"redis://127.0.0.1:{listening_port}/0")

    plan = make_plan({})

    assert plan.postgres.embedded
    assert not plan.redis.embedded


def test_the_embedded_data_folder_is_in_the_checkout_unless_configured(tmp_path):
    assert make_plan({"ORDERS_EMBEDDED": "1"}).data_dir == local_servers.CHECKOUT / ".embedded"
    assert make_plan({"ORDERS_EMBEDDED": "1", "ORDERS_EMBEDDED_DIR": str(tmp_path)}).data_dir == (
        tmp_path
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_default_embedded_data_folder_is_ignored_by_git():
    """Demo data must never be committed by accident."""
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".embedded/postgres/PG_VERSION"],
        cwd=local_servers.CHECKOUT,
    )
    if ignored.returncode == 128:
        pytest.skip("not a git checkout")
    assert ignored.returncode == 0


def test_describe_without_a_launcher_names_the_urls_in_use_without_their_password():
    lines = describe({"DATABASE_URL": "postgres://app:s3cret@db:5432/orders"})

    assert lines == [
        "PostgreSQL: postgres://app:***@db:5432/orders",
        f"Redis:      {local_servers.DEFAULT_REDIS_URL}",
    ]


def test_describe_repeats_the_launchers_banner():
    env = {local_servers.BANNER_ENV: "PostgreSQL: embedded\nRedis:      embedded"}

    assert describe(env) == ["PostgreSQL: embedded", "Redis:      embedded"]


def test_a_command_ended_by_ctrl_c_exits_like_a_shell_says():
    """The launcher passes its command's fate on: killed by SIGINT is exit status 130."""
    code = run_in_foreground([sys.executable, "-c", "import os; os.kill(os.getpid(), 2)"], {})

    assert code == 130


def test_a_socket_path_too_long_for_unix_sockets_is_refused_with_what_to_do(tmp_path):
    """Deep checkouts exist; the kernel's limit would otherwise surface as a bare OSError."""
    deep = tmp_path / ("x" * 120)

    with pytest.raises(EmbeddedServerError, match="set ORDERS_EMBEDDED_DIR to a shorter folder"):
        EmbeddedRedis(deep).start()

    assert not deep.exists()


def test_a_folder_closed_to_other_users_is_found_on_the_way():
    """Under root, PostgreSQL runs as an unprivileged account that cannot pass a 0700 folder:
    the launcher names the folder instead of letting initdb fail obscurely."""
    open_folder = Path(tempfile.mkdtemp())
    try:
        open_folder.chmod(0o755)
        closed = open_folder / "closed"
        (closed / "inside").mkdir(parents=True)
        closed.chmod(0o700)

        assert closed_folder_on_the_way(closed / "inside" / "postgres") == closed
        closed.chmod(0o755)
        assert closed_folder_on_the_way(closed / "inside" / "postgres") is None
    finally:
        shutil.rmtree(open_folder)
