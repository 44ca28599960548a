"""/healthz and /metrics are open to anyone (load balancers, scrapers), so a flood of them
must not be a flood of database and Redis work: each process reuses its answer for a few
seconds. /metrics can also be kept to Prometheus with a bearer token."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config import health

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def redis_clients_made(monkeypatch) -> list:
    """Every Redis client /healthz makes for its checks (it makes one per round of checks)."""
    made = []
    real = health.redis_client

    def counting(url):
        made.append(url)
        return real(url)

    monkeypatch.setattr(health, "redis_client", counting)
    return made


def test_healthz_answers_from_its_last_checks_for_a_few_seconds(settings, redis_clients_made):
    """Given HEALTH_CACHE_SECONDS, when /healthz is asked again within it, then the answer is
    the last one and costs no database query and no Redis round; after it, checks run again."""
    settings.HEALTH_CACHE_SECONDS = 0.5
    first = Client().get("/healthz")

    with CaptureQueriesContext(connection) as queries:
        again = Client().get("/healthz")
    time.sleep(0.6)
    with CaptureQueriesContext(connection) as later_queries:
        later = Client().get("/healthz")

    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert len(queries) == 0
    assert len(redis_clients_made) == 2  # the first request and the one after the period
    assert len(later_queries) >= 1 and later.status_code == first.status_code


def test_metrics_answers_from_its_last_scrape_for_a_few_seconds(settings):
    """Given METRICS_CACHE_SECONDS, when /metrics is scraped again within it, then it gets the
    same text and no database query runs (the read-side gauges query the database)."""
    settings.METRICS_CACHE_SECONDS = 30
    first = Client().get("/metrics")

    with CaptureQueriesContext(connection) as queries:
        again = Client().get("/metrics")

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(queries) == 0
    settings.METRICS_CACHE_SECONDS = 0  # the scrape is recomputed at once again
    with CaptureQueriesContext(connection) as fresh_queries:
        Client().get("/metrics")
    assert len(fresh_queries) >= 1


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"],
    ids=["none", "wrong", "not-bearer", "empty", "longer"],
)
def test_with_a_token_configured_metrics_refuses_requests_without_it(settings, authorization):
    """Given METRICS_BEARER_TOKEN, when a request lacks that bearer token, then it gets 401
    with a WWW-Authenticate challenge, and no scrape is made for it."""
    settings.METRICS_BEARER_TOKEN = TOKEN
    headers = {"Authorization": authorization} if authorization else {}

    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"orders_" not in response.content
    assert len(queries) == 0


def test_with_a_token_configured_metrics_serves_whoever_has_it(settings):
    settings.METRICS_BEARER_TOKEN = TOKEN

    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


def test_healthz_stays_open_when_metrics_has_a_token(settings):
    """Load balancers carry no token: /healthz answers them whatever METRICS_BEARER_TOKEN is."""
    settings.METRICS_BEARER_TOKEN = TOKEN

    assert Client().get("/healthz").status_code in (200, 503)
