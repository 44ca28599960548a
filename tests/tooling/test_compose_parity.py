"""docker-compose.yml runs what the Procfile runs: `make run` and `docker compose up` are two
ways to start the same components, and a component added to one only must not go missing in
the other (the cdc consumer once did, with a PostgreSQL whose WAL it could not read).

There is no Docker engine where the tests run, so the checks are on the files; the compose
client validates the file when it is installed."""

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Where a component listens and where beat keeps its schedule belong to the deployment.
DEPLOYMENT_OPTIONS = {"--host", "--port", "-s"}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = (line.partition(":") for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): command.strip() for name, _, command in entries}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def normalised(command: str | list[str]) -> tuple[str, tuple[str, ...], frozenset]:
    """(program, positional arguments, options) of the command a service ends up running:
    the program without the virtualenv's path, the options in any order, the deployment's
    own options left out. A `sh -c "… && exec CMD"` wrapper counts as CMD."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2].rpartition("exec ")[2])
    program, *rest = argv
    positional, options = [], set()
    while rest:
        token = rest.pop(0)
        if not token.startswith("-"):
            positional.append(token)
            continue
        value = rest.pop(0) if rest and not rest[0].startswith("-") else None
        if token not in DEPLOYMENT_OPTIONS:
            options.add((token, value))
    return Path(program).name, tuple(positional), frozenset(options)


def test_every_procfile_component_is_a_compose_service_with_the_same_command():
    """Given the Procfile's components, then compose has a service of each name running the
    same program with the same arguments (up to option order and deployment options)."""
    services = compose()["services"]

    for name, command in procfile().items():
        assert name in services, f"Procfile component {name!r} has no compose service"
        assert normalised(services[name]["command"]) == normalised(command), name


def test_the_parity_check_notices_a_changed_argument():
    """The normalisation forgives order and paths, not a different queue list."""
    worker = procfile()["worker"]

    assert normalised(worker) != normalised(worker.replace("order_search,", ""))
    assert normalised(worker) == normalised(worker.replace(".venv/bin/", ""))


def test_compose_postgres_allows_logical_decoding_for_the_cdc_service():
    """The cdc component reads a logical replication slot: its PostgreSQL needs
    wal_level=logical, or run_cdc refuses to start, and a bound on the WAL a slot retains."""
    postgres = compose()["services"]["postgres"]

    command = postgres.get("command") or []
    argv = shlex.split(command) if isinstance(command, str) else command
    assert "wal_level=logical" in argv, argv
    assert "max_slot_wal_keep_size=1GB" in argv, argv


def compose_client() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_the_compose_file_is_valid():
    """The file parses as YAML everywhere; where a compose client is installed, the client
    validates it too (no engine needed for `config`)."""
    assert compose()["services"]
    client = compose_client()
    if client is None:
        pytest.skip("no docker compose client installed: parsed as YAML only")

    result = subprocess.run(
        [*client, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
