"""GET /api/ops/health (staff): the five alert rules evaluated against the live database, each
"ok" or "firing" with its severity, value and threshold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import OutboxState

pytestmark = pytest.mark.django_db

RULES = {
    "HighProjectionLag": ("warning", 10),
    "CriticalProjectionLag": ("critical", 60),
    "DeadLetterQueueGrowing": ("warning", 100),
    "OutboxBacklog": ("warning", 1000),
    "ProjectorDown": ("critical", 0),
}


def rules(client) -> dict[str, dict]:
    response = client.get("/api/ops/health")
    assert response.status_code == 200, response.content
    return {rule["rule"]: rule for rule in response.json()["rules"]}


def firing(client) -> set[str]:
    return {name for name, rule in rules(client).items() if rule["status"] == "firing"}


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def test_a_quiet_system_has_every_rule_ok(staff_client):
    response = staff_client.get("/api/ops/health")

    body = response.json()
    assert body["status"] == "ok"
    assert [rule["rule"] for rule in body["rules"]] == list(RULES)
    for rule in body["rules"]:
        assert rule["status"] == "ok"
        assert (rule["severity"], rule["threshold"]) == RULES[rule["rule"]]
        assert rule["value"] == 0
        assert rule["runbookUrl"] == f"docs/runbook.md#{rule['rule'].lower()}"


def test_outbox_backlog_fires_above_1000_rows_owed_to_a_read_model(staff_client, owe_events):
    # Given: exactly 1000 rows owed to order_search: at the threshold, not above
    owe_events(990, read_model="order_search")
    owe_events(10, read_model="order_search", state=OutboxState.SENT)
    backlog = rules(staff_client)["OutboxBacklog"]
    assert (backlog["status"], backlog["value"]) == ("ok", 1000)

    # When: one more
    owe_events(1, read_model="order_search")

    # Then
    response = staff_client.get("/api/ops/health")
    assert response.json()["status"] == "firing"
    backlog = rules(staff_client)["OutboxBacklog"]
    assert backlog["status"] == "firing"
    assert backlog["value"] == 1001
    assert backlog["readModel"] == "order_search"
    assert backlog["byReadModel"]["order_summaries"] == 0
    assert "ProjectorDown" not in firing(staff_client)  # nothing was handed to a projector


def test_dead_letter_queue_fires_above_100_open_dead_letters(staff_client, dead_letters):
    dead_letters(100, read_model="order_analytics")
    assert rules(staff_client)["DeadLetterQueueGrowing"]["status"] == "ok"

    dead_letters(1, read_model="order_analytics")

    growing = rules(staff_client)["DeadLetterQueueGrowing"]
    assert growing["status"] == "firing"
    assert (growing["value"], growing["readModel"]) == (101, "order_analytics")


def test_lag_rules_fire_above_10_and_60_seconds(staff_client, owe_events):
    # Given: order_details owes an event committed 30 s ago
    owe_events(1, read_model="order_details", created_at=ago(30))
    state = rules(staff_client)
    assert state["HighProjectionLag"]["status"] == "firing"
    assert state["HighProjectionLag"]["readModel"] == "order_details"
    assert 30 <= state["HighProjectionLag"]["value"] < 40
    assert state["CriticalProjectionLag"]["status"] == "ok"

    # When: it also owes one committed 90 s ago
    owe_events(1, read_model="order_details", created_at=ago(90))

    # Then
    assert {"HighProjectionLag", "CriticalProjectionLag"} <= firing(staff_client)


def test_projector_down_fires_when_handed_over_events_are_not_applied(staff_client, owe_events):
    # Given: events handed to order_search's projector a second ago: not yet a problem
    owe_events(3, read_model="order_search", state=OutboxState.SENT, sent_at=ago(1))
    assert "ProjectorDown" not in firing(staff_client)

    # When: events handed over two minutes ago are still not applied, and nothing was
    owe_events(
        2, read_model="order_search", state=OutboxState.SENT, created_at=ago(120), sent_at=ago(5)
    )

    # Then
    down = rules(staff_client)["ProjectorDown"]
    assert down["status"] == "firing"
    assert (down["value"], down["readModel"], down["severity"]) == (2, "order_search", "critical")


def test_projector_down_is_quiet_while_the_projector_applies_events(staff_client, owe_events):
    # Given: a backlog handed over two minutes ago, but events applied a moment ago
    owe_events(5, read_model="order_search", state=OutboxState.SENT, created_at=ago(120))
    owe_events(1, read_model="order_search", state=OutboxState.DONE, done_at=ago(3))

    assert "ProjectorDown" not in firing(staff_client)


def test_only_staff_may_see_it(alice_client, anonymous_client):
    assert alice_client.get("/api/ops/health").status_code == 403
    assert anonymous_client.get("/api/ops/health").status_code in (401, 403)
