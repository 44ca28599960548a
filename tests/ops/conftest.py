"""Fixtures for the operations tests: scraping /metrics, owing work to read models in bulk,
and Redis for heartbeats. Real worker, relay and beat processes come from the pipeline
harness (`processes`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import DeadLetter
from readmodels.ops.heartbeat import forget, redis_client
from tests.pipeline.conftest import processes  # noqa: F401  (real worker and relay processes)

# ---- /metrics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scrape:
    """One scrape of /metrics: its text and its samples by (name, labels)."""

    text: str
    samples: dict[tuple[str, frozenset], float]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 for a series not exported (yet)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self.samples


def scrape_metrics() -> Scrape:
    """GET /metrics as Prometheus does: anonymously."""
    response = Client().get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return Scrape(text, samples)


@pytest.fixture
def scrape() -> Callable[[], Scrape]:
    return scrape_metrics


# ---- work owed to read models, in bulk ------------------------------------------------------


def _owe_events(
    count: int,
    *,
    read_model: str,
    state: str = OutboxState.PENDING,
    created_at: datetime | None = None,
    **outbox_fields,
) -> list[OutboxMessage]:
    """`count` events (of `count` distinct orders), each with an outbox row for `read_model`."""
    now = timezone.now()
    events = Event.objects.bulk_create(
        Event(
            event_id=uuid4(),
            order_id=uuid4(),
            seq=1,
            event_type="OrderPlaced",
            schema_version=1,
            occurred_at=now,
            data={},
        )
        for _ in range(count)
    )
    return OutboxMessage.objects.bulk_create(
        OutboxMessage(
            event=event,
            read_model=read_model,
            state=state,
            created_at=created_at or now,
            **outbox_fields,
        )
        for event in events
    )


def _dead_letters(count: int, *, read_model: str) -> list[DeadLetter]:
    """`count` open dead letters for `read_model` (their outbox rows dead too)."""
    now = timezone.now()
    return DeadLetter.objects.bulk_create(
        DeadLetter(
            read_model=read_model,
            event=message.event,
            order_id=message.event.order_id,
            seq=1,
            event_type="OrderPlaced",
            error="RuntimeError: poison",
            attempts=5,
            first_failed_at=now,
            last_failed_at=now,
        )
        for message in _owe_events(count, read_model=read_model, state=OutboxState.DEAD)
    )


@pytest.fixture
def owe_events(db) -> Callable[..., list[OutboxMessage]]:
    """owe_events(1001, read_model="order_search", state=..., created_at=...) → outbox rows."""
    return _owe_events


@pytest.fixture
def dead_letters(db) -> Callable[..., list[DeadLetter]]:
    """dead_letters(101, read_model="order_search") → open dead letters."""
    return _dead_letters


# ---- Redis heartbeats -----------------------------------------------------------------------


@pytest.fixture
def heartbeat_redis():
    """The test Redis, with no worker heartbeat in it before or after the test."""
    client = redis_client()
    forget(client)
    yield client
    forget(client)
    client.close()
