"""Production settings: DEBUG=false turns production on, `check --deploy` is clean, and the
development SECRET_KEY is refused. Each runs Django in a subprocess with production's
environment (settings are read once per process)."""

import os
import secrets
import subprocess
import sys

from tests.pipeline.harness import ROOT


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {  # nothing of the developer's own configuration
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DEBUG") and not key.startswith("SECURE_")
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "orders.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://orders.example.com",
}


def test_production_passes_the_deploy_check_without_a_single_warning():
    """Given the environment README's "Production" names, when Django's deployment checklist
    runs, then it reports nothing at all: not even a warning."""
    done = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        **PRODUCTION, SECRET_KEY=secrets.token_urlsafe(50),
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_refuses_to_start_with_the_development_secret_key():
    """Given DEBUG=false, when SECRET_KEY is unset (or set to the development default), then
    Django refuses to start and says which variable to set."""
    unset = manage("check", **PRODUCTION)
    development_key = manage(
        "check", **PRODUCTION, SECRET_KEY="dev-only-insecure-key-change-me-in-production"
    )

    for done in (unset, development_key):
        assert done.returncode != 0
        assert "ImproperlyConfigured" in done.stderr
        assert "SECRET_KEY" in done.stderr


def test_development_still_starts_without_any_configuration():
    done = manage("check")

    assert done.returncode == 0, done.stdout + done.stderr
