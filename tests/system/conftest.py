"""System tests: the assembled product, started as `make run` starts it (every Procfile
line), driven only from outside over HTTP and WebSocket, as a browser or client would.

One application serves the whole package (starting a Celery worker costs seconds); each test
has its own users and data (`transactional_db` flushes the tables after it) and may stop,
kill or restart components: the `app` fixture brings every component back before the next.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from readmodels.models import ReadModelState

from .clients import ApiClient, PushRecorder
from .procfile_app import ProcfileApp

pytestmark = pytest.mark.slow


@pytest.fixture(scope="package")
def running_app(django_db_setup, tmp_path_factory) -> Iterator[ProcfileApp]:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no earlier run's tasks
    app = ProcfileApp(tmp_path_factory.mktemp("system"))
    try:
        app.start()
        yield app
    finally:
        app.stop()


@pytest.fixture
def app(running_app, transactional_db, request) -> Iterator[ProcfileApp]:
    """The running application, every component up; demo controls reset."""
    ReadModelState.objects.update(demo_delay_ms=0, fail_next_event=False, poisoned_event_id=None)
    missing = [name for name in running_app.commands if name not in running_app.processes]
    if missing:
        running_app.start(*missing)
    yield running_app
    report = getattr(request.node, "system_report_call", None)
    if report is None or report.failed:
        print(f"\nlogs in {running_app.log_dir}:\n{running_app.log_tails()}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"system_report_{report.when}", report)


@pytest.fixture
def people(app, catalogue, django_user_model, password):
    """Logs people in over HTTP: `people.customer("alice")`, `people.staff("staff")`."""

    class People:
        def customer(self, username: str) -> ApiClient:
            django_user_model.objects.create_user(username=username, password=password)
            return ApiClient(app.base_url, username, password)

        def staff(self, username: str) -> ApiClient:
            django_user_model.objects.create_user(
                username=username, password=password, is_staff=True
            )
            return ApiClient(app.base_url, username, password)

    return People()


@pytest.fixture
def sockets() -> Iterator[list[PushRecorder]]:
    """Push sockets a test opens (append them); closed after the test."""
    opened: list[PushRecorder] = []
    yield opened
    for socket in opened:
        socket.close()
