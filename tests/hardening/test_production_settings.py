"""Production settings: DEBUG=false turns production on, `check --deploy` is clean, and the
development SECRET_KEY is refused. Each runs Django in a subprocess with production's
environment (settings are read once per process)."""

import json
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


REPORT_MODE = (
    "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, "
    "name) for name in ('DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS')}))"
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


def test_production_is_the_default_when_debug_is_not_set():
    """Given a deployment that sets what production needs but forgets DEBUG, then it runs as
    production: DEBUG off, secure cookies, HTTPS redirect, HSTS, and a clean deploy check."""
    configured = {key: value for key, value in PRODUCTION.items() if key != "DEBUG"}
    secret = secrets.token_urlsafe(50)

    done = manage("check", "--deploy", "--fail-level", "WARNING", **configured, SECRET_KEY=secret)
    settings = (
        manage("shell", "-c", REPORT_MODE, **configured, SECRET_KEY=secret)
        .stdout.strip()
        .splitlines()[-1]
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert json.loads(settings) == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }


def test_a_deployment_without_debug_or_secret_key_refuses_to_start():
    """Given no configuration at all (no DEBUG, no SECRET_KEY), then Django refuses to start
    rather than run with debug pages and the development key."""
    done = manage("check")

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "SECRET_KEY" in done.stderr


def test_development_starts_without_other_configuration_when_debug_is_on():
    """Given DEBUG=true (as `make run`, the tests and docker-compose.yml set it), Django
    starts with the development defaults and nothing else."""
    done = manage("check", DEBUG="true")

    assert done.returncode == 0, done.stdout + done.stderr
