"""Which PostgreSQL and Redis `make run` uses, and the embedded ones it starts when needed.

For each server, in this order:

1. `ORDERS_EMBEDDED=1` forces the embedded server (`=0` never starts one);
2. a configured URL (`DATABASE_URL`, `REDIS_URL`) is used as it is;
3. a server answering at the default address (the settings' defaults) is used;
4. otherwise an embedded server is started for the run (config/embedded_servers.py), with its
   data under `ORDERS_EMBEDDED_DIR` (default: `.embedded/` in the checkout, git-ignored).

`python -m config.local_servers run -- COMMAND...` makes that choice, starts what is needed,
exports DATABASE_URL / REDIS_URL / CELERY_BROKER_URL for COMMAND (`make run-app`), runs it, and
stops the embedded servers once it has exited. Ctrl-C reaches COMMAND's processes straight
from the terminal; this process ignores it and waits for them, so that the servers outlive
the components that use them. `python -m config.local_servers describe` prints the banner's
lines about the servers in use (`make run-app` shows them beside the demo logins).

No Django imports: this runs before settings exist (settings import the defaults from here).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CHECKOUT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/orders"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_DATA_DIR = CHECKOUT / ".embedded"
# The banner lines, handed from `run` to the command it runs (for `describe`).
BANNER_ENV = "ORDERS_SERVERS_BANNER"

Probe = Callable[[str, int], bool]


def answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Does anything accept a TCP connection at host:port?"""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Choice:
    """One server's source: embedded or not, and why (for the banner)."""

    embedded: bool
    reason: str
    url: str | None = None  # the URL in use when not embedded


def embedded_mode(env: Mapping[str, str]) -> str:
    """ORDERS_EMBEDDED as "force", "never" or "auto" (unset or empty)."""
    value = env.get("ORDERS_EMBEDDED", "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return "force"
    if value in {"0", "false", "no", "off"}:
        return "never"
    if value in {"", "auto"}:
        return "auto"
    raise SystemExit(f"ORDERS_EMBEDDED={value!r}: use 1 (embedded), 0 (never) or leave it unset")


def choose(
    env: Mapping[str, str], variable: str, default_url: str, *, probe: Probe = answers
) -> Choice:
    """Where one server comes from; see the module's docstring for the order."""
    mode = embedded_mode(env)
    if mode == "force":
        return Choice(True, "ORDERS_EMBEDDED=1")
    if env.get(variable):
        return Choice(False, f"from {variable}", env[variable])
    if mode == "never":
        return Choice(False, "the default, ORDERS_EMBEDDED=0", default_url)
    address = urlsplit(default_url)
    if probe(address.hostname, address.port):
        return Choice(False, f"answering at {address.hostname}:{address.port}", default_url)
    return Choice(True, f"nothing answers at {address.hostname}:{address.port}")


@dataclass(frozen=True)
class Plan:
    postgres: Choice
    redis: Choice
    data_dir: Path


def make_plan(env: Mapping[str, str], *, probe: Probe = answers) -> Plan:
    return Plan(
        postgres=choose(env, "DATABASE_URL", DEFAULT_DATABASE_URL, probe=probe),
        redis=choose(env, "REDIS_URL", DEFAULT_REDIS_URL, probe=probe),
        data_dir=Path(env.get("ORDERS_EMBEDDED_DIR") or DEFAULT_DATA_DIR).resolve(),
    )


class RunningServers:
    """The embedded servers of a plan, started; `env` is what the app's processes need.

    The launcher that starts them owns them (its pid in OWNER_FILE) and stops them at its end.
    Servers found running are adopted when their owner has died (killed outright), and only
    shared when it still runs (say, `make run` in another terminal): they are not ours to stop.
    """

    OWNER_FILE = "launcher.pid"

    def __init__(self, plan: Plan):
        from config.embedded_servers import EmbeddedPostgres, EmbeddedRedis

        self.plan = plan
        self.postgres = EmbeddedPostgres(plan.data_dir / "postgres")
        self.redis = EmbeddedRedis(plan.data_dir / "redis")
        self.started: list = []  # what this run stops at its end
        self.shared: list = []  # running for another live launcher
        self.env: dict[str, str] = {}
        self.banner: list[str] = []

    def start(self, env: Mapping[str, str]) -> None:
        """Start what the plan embeds (stopping what did start if one fails)."""
        self.plan.data_dir.mkdir(parents=True, exist_ok=True)
        other_owner = self._other_live_owner()
        try:
            if self.plan.postgres.embedded:
                self._start(self.postgres, other_owner)
                self.env["DATABASE_URL"] = self.postgres.url
            if self.plan.redis.embedded:
                self._start(self.redis, other_owner)
                self.env["REDIS_URL"] = self.redis.url
                # A broker of its own stays, unless the embedded servers are forced.
                if embedded_mode(env) == "force" or not env.get("CELERY_BROKER_URL"):
                    self.env["CELERY_BROKER_URL"] = self.redis.broker_url
        except BaseException:
            self.stop()
            raise
        if self.started:
            (self.plan.data_dir / self.OWNER_FILE).write_text(f"{os.getpid()}\n")
        self.banner = banner_lines(self.plan, self)

    def stop(self) -> None:
        """Stop the servers this run started or adopted, the last started first."""
        while self.started:
            self.started.pop().stop()
        if self._owner_pid() == os.getpid():
            (self.plan.data_dir / self.OWNER_FILE).unlink(missing_ok=True)

    def _start(self, server, other_owner: int | None) -> None:
        server.start()
        if server.adopted and other_owner is not None:
            self.shared.append(server)
        else:
            self.started.append(server)

    def _other_live_owner(self) -> int | None:
        from config.embedded_servers import process_running

        owner = self._owner_pid()
        if owner is not None and owner != os.getpid() and process_running(owner):
            return owner
        return None

    def _owner_pid(self) -> int | None:
        try:
            return int((self.plan.data_dir / self.OWNER_FILE).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None


def banner_lines(plan: Plan, servers: RunningServers) -> list[str]:
    lines = []
    for name, choice, server in (
        ("PostgreSQL", plan.postgres, servers.postgres),
        ("Redis", plan.redis, servers.redis),
    ):
        if choice.embedded:
            where = shown_path(server.data_dir)
            lines.append(
                f"{name + ':':<12}embedded {server.version()} ({choice.reason}),"
                f" data in {where}/ (unix socket)"
            )
        else:
            lines.append(f"{name + ':':<12}{without_password(choice.url)} ({choice.reason})")
    if plan.postgres.embedded or plan.redis.embedded:
        reset = f"rm -rf {shown_path(plan.data_dir)}"
        lines.append(f"{'':<12}To reset the embedded data: stop, then {reset}")
    return lines


def shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def without_password(url: str | None) -> str:
    parts = urlsplit(url or "")
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
    return url or ""


def run(command: list[str], env: Mapping[str, str]) -> int:
    """Start the servers the plan needs, run `command` with their URLs, stop them after it."""
    plan = make_plan(env)
    servers = RunningServers(plan)
    began = time.monotonic()
    servers.start(env)
    if servers.started:
        names = " and ".join(f"{server.name} {server.version()}" for server in servers.started)
        elapsed = time.monotonic() - began
        where = shown_path(plan.data_dir)
        print(f"Embedded {names}: up in {elapsed:.1f} s, data in {where}/", flush=True)
    if servers.shared:
        names = " and ".join(server.name for server in servers.shared)
        print(f"Sharing the embedded {names} of the run still going: left up after", flush=True)
    child_env = {**env, **servers.env, BANNER_ENV: "\n".join(servers.banner)}
    try:
        return run_in_foreground(command, child_env)
    finally:
        if servers.started:
            servers.stop()
            print(f"Stopped the embedded servers; their data stays in {shown_path(plan.data_dir)}/")


def run_in_foreground(command: list[str], env: Mapping[str, str]) -> int:
    """Run `command` until it exits. SIGINT does nothing here: the terminal sends it to the
    whole foreground process group, the command's processes included, and we must outlive
    them. SIGTERM and SIGHUP are passed on to the command."""
    # A handler, not SIG_IGN: an ignored signal would stay ignored in the command.
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, lambda *_: None)}
    try:
        child = subprocess.Popen(command, env=dict(env))

        def pass_on(signum, _frame):
            child.send_signal(signum)

        previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, pass_on)
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, pass_on)
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code


def describe(env: Mapping[str, str]) -> list[str]:
    """The banner's lines about the servers: from `run` when it ran us, else from the URLs."""
    if env.get(BANNER_ENV):
        return env[BANNER_ENV].splitlines()
    database = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis = env.get("REDIS_URL") or DEFAULT_REDIS_URL
    return [f"{'PostgreSQL:':<12}{without_password(database)}", f"{'Redis:':<12}{redis}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="action", required=True)
    run_parser = commands.add_parser("run", help="start the servers needed, then run COMMAND")
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    commands.add_parser("describe", help="print the banner's lines about the servers")
    args = parser.parse_args(argv)
    if args.action == "describe":
        for line in describe(os.environ):
            print(f"  {line}")
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command: run -- COMMAND [ARGS...]")
    from config.embedded_servers import EmbeddedServerError

    try:
        return run(command, os.environ)
    except EmbeddedServerError as error:
        print(f"Cannot start an embedded server: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
