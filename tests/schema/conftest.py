"""Fixtures of the OpenAPI schema tests: the schema as the code generates it now, and the
web server running for real (uvicorn on the pytest test database) for the fuzz tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from orders.subscriptions import READ_MODELS
from tests.e2e.live_system import LiveSystem
from tests.pipeline.harness import ROOT

COMMITTED_SCHEMA = ROOT / "docs" / "openapi.yaml"
FRONTEND = ROOT / "frontend"
GENERATED_TYPES = FRONTEND / "src" / "api" / "schema.d.ts"

# Every read model projected in the command's own transaction, so that what the fuzzer
# writes is readable at once and a consistency token never makes a query wait.
INLINE_EVERYWHERE = ",".join(f"{name}=inline" for name in READ_MODELS)

# Per fuzz run: the cases sent, and the answers that passed every check by status class
# ("customer", "2xx"; a 5xx by its code: /healthz's documented 503). Printed at the end.
FUZZ_CASES: Counter[str] = Counter()
FUZZ_ANSWERS: Counter[tuple[str, str]] = Counter()


@pytest.fixture(scope="session")
def generated_schema(tmp_path_factory) -> Path:
    """docs/openapi.yaml as `make schema` writes it now; schema warnings fail the test."""
    path = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return path


@pytest.fixture(scope="package")
def web_server(django_db_setup, tmp_path_factory) -> Iterator[LiveSystem]:
    """The ASGI server on the test database, every read model inline (see above)."""
    server = LiveSystem(tmp_path_factory.mktemp("schema-web"))
    try:
        server.start_web(READ_MODEL_STRATEGIES=INLINE_EVERYWHERE)
        yield server
    finally:
        server.stop_all()


def pytest_terminal_summary(terminalreporter):
    for run, count in sorted(FUZZ_CASES.items()):
        answers = ", ".join(
            f"{n} {status}" for (r, status), n in sorted(FUZZ_ANSWERS.items()) if r == run
        )
        terminalreporter.write_line(
            f"schemathesis: {count} generated cases ran as {run} (passing answers: {answers})"
        )
