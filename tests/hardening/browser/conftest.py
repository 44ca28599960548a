"""The browser tests use the end-to-end suite's live server and
Chromium: its fixtures (and its report hook, which tells them whether a test failed)."""

from tests.e2e.conftest import (  # noqa: F401
    browser,
    browsers,
    built_frontend,
    live,
    pytest_runtest_makereport,
    web_server,
)
