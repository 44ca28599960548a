"""The staff operations endpoints: lag per read model, demo controls and the dead letter queue.

Pipeline work is done in-process with the projector's own functions (no Celery), so each test
decides exactly what is pending, failed or dead.
"""

from datetime import timedelta

import pytest
from django.db.models import F, Max
from django.utils import timezone

from orders.models import Event, OutboxMessage, OutboxState
from readmodels.models import DeadLetter, OrderSummary, ReadModelState
from readmodels.ops import lag_monitor
from readmodels.pipeline.projector import catch_up_order, project_messages
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS
from readmodels.projections import PROJECTIONS

pytestmark = pytest.mark.django_db

READ_MODELS = list(PROJECTIONS)
THRESHOLDS = {
    "order_summaries": 5,
    "order_details": 5,
    "order_search": 30,
    "order_analytics": 300,
}
STAFF_ENDPOINTS = [
    ("get", "/api/ops/lag", None),
    ("put", "/api/ops/demo", {"projectionDelayMs": {"order_summaries": 500}}),
    ("get", "/api/ops/dead-letters", None),
    ("post", "/api/ops/dead-letters/replay", {"ids": [1]}),
]


def project_all(order_id) -> None:
    latest = Event.objects.filter(order_id=order_id).aggregate(seq=Max("seq"))["seq"]
    for projection in PROJECTIONS.values():
        catch_up_order(projection, order_id, up_to_seq=latest)


def call(client, method: str, path: str, body=None):
    return getattr(client, method)(path, body, format="json")


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def lag_by_model(client) -> dict[str, dict]:
    body = ok(client.get("/api/ops/lag"))
    assert [row["readModel"] for row in body["readModels"]] == READ_MODELS
    return {row["readModel"]: row for row in body["readModels"]}


def poison_to_dead_letter(read_model: str, order_id) -> DeadLetter:
    """Ask `read_model` to fail its next event, then deliver the order's first event to it
    until it gives up, making the retry due each time instead of waiting for it."""
    ReadModelState.objects.update_or_create(name=read_model, defaults={"fail_next_event": True})
    message = OutboxMessage.objects.get(
        read_model=read_model, event__order_id=order_id, event__seq=1
    )
    for _ in range(MAX_ATTEMPTS):
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        project_messages(read_model, [message.pk])
    return DeadLetter.objects.get(read_model=read_model, order_id=order_id)


# ---- access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"), STAFF_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in STAFF_ENDPOINTS]
)
def test_ops_endpoints_refuse_customers_and_anonymous_callers(
    alice_client, anonymous_client, method, path, body
):
    # When: a customer and an anonymous caller use a staff endpoint
    as_customer = call(alice_client, method, path, body)
    as_anonymous = call(anonymous_client, method, path, body)

    # Then: 403 for the customer, 401/403 for the anonymous caller, as JSON errors
    assert as_customer.status_code == 403
    assert as_anonymous.status_code in (401, 403)
    for response in (as_customer, as_anonymous):
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"error"}
    # ...and nothing was changed
    assert not ReadModelState.objects.filter(demo_delay_ms__gt=0).exists()


@pytest.mark.parametrize(
    ("method", "path", "body"), STAFF_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in STAFF_ENDPOINTS]
)
def test_ops_endpoints_answer_staff(staff_client, method, path, body):
    assert call(staff_client, method, path, body).status_code == 200


def test_customers_may_read_the_demo_controls_but_not_change_them(
    alice_client, anonymous_client, staff_client
):
    """Customers see the demo controls read-only: they explain the customer's own slow or
    failed views, but apply to everyone's orders."""
    # Given: staff slowed order_details down
    ok(staff_client.put("/api/ops/demo", {"projectionDelayMs": {"order_details": 2000}}, "json"))

    # When: a customer reads them / Then: the same settings staff see
    assert ok(alice_client.get("/api/ops/demo"))["projectionDelayMs"]["order_details"] == 2000
    # ...but changing them is refused, and anonymous callers may not even read them
    refused = alice_client.put("/api/ops/demo", {"projectionDelayMs": {"order_details": 0}}, "json")
    assert refused.status_code == 403
    assert anonymous_client.get("/api/ops/demo").status_code in (401, 403)
    assert ReadModelState.objects.get(name="order_details").demo_delay_ms == 2000


# ---- lag ----------------------------------------------------------------------------------


def test_lag_lists_every_read_model_with_its_figures(staff_client):
    # Given: an idle pipeline
    # When: staff read the lag
    body = ok(staff_client.get("/api/ops/lag"))

    # Then: all four read models, each with the documented figures, all fresh
    assert set(body) == {"at", "readModels"}
    for row in body["readModels"]:
        assert set(row) >= {
            "readModel",
            "lagMs",
            "maxLagSeconds",
            "pendingOutbox",
            "deadLetters",
            "heldOrders",
            "heldEvents",
            "stale",
            "strategy",
            "history",
        }
    rows = lag_by_model(staff_client)
    assert {name: row["maxLagSeconds"] for name, row in rows.items()} == THRESHOLDS
    for row in rows.values():
        assert (row["lagMs"], row["pendingOutbox"], row["deadLetters"]) == (0, 0, 0)
        assert (row["stale"], row["strategy"], row["history"]) == (False, "outbox", [])


def test_lag_reports_each_read_models_configured_strategy(staff_client, settings):
    """Regression: every read model was reported as "outbox", whatever READ_MODEL_STRATEGIES
    said, so the Pipeline page's Strategy column was wrong under inline or cdc."""
    # Given: one read model per strategy (the fourth on the default)
    settings.READ_MODEL_STRATEGIES = {"order_details": "inline", "order_search": "cdc"}

    # When
    rows = lag_by_model(staff_client)

    # Then
    assert {name: row["strategy"] for name, row in rows.items()} == {
        "order_summaries": "outbox",
        "order_details": "inline",
        "order_search": "cdc",
        "order_analytics": "outbox",
    }


def test_lag_counts_pending_work_and_marks_a_stopped_read_model_stale(
    staff_client, alice, place_order_as
):
    # Given: two unprojected orders whose events waited 10 s (a stopped pipeline)
    for _ in range(2):
        place_order_as(alice)
    OutboxMessage.objects.update(created_at=F("created_at") - timedelta(seconds=10))

    # When: staff read the lag
    rows = lag_by_model(staff_client)

    # Then: each read model owes two events; those with a 5 s threshold are stale
    assert {name: row["pendingOutbox"] for name, row in rows.items()} == dict.fromkeys(
        READ_MODELS, 2
    )
    assert all(row["lagMs"] >= 10_000 for row in rows.values())
    assert {name: row["stale"] for name, row in rows.items()} == {
        "order_summaries": True,
        "order_details": True,
        "order_search": False,
        "order_analytics": False,
    }


def test_lag_history_shows_the_monitors_recent_samples(staff_client, alice, place_order_as):
    # Given: the monitor sampled an idle pipeline, then one with pending work
    lag_monitor.record_lag()
    place_order_as(alice)
    lag_monitor.record_lag()

    # When: staff read the lag
    rows = lag_by_model(staff_client)

    # Then: each read model's history holds both samples, oldest first
    for row in rows.values():
        history = row["history"]
        assert len(history) == 2
        assert history[0]["lagMs"] == 0 and history[1]["lagMs"] > 0
        assert history[0]["at"] <= history[1]["at"]


# ---- demo controls ------------------------------------------------------------------------


def test_demo_controls_start_neutral(staff_client):
    assert ok(staff_client.get("/api/ops/demo")) == {
        "projectionDelayMs": dict.fromkeys(READ_MODELS, 0),
        "failNext": dict.fromkeys(READ_MODELS, False),
    }


def test_putting_demo_controls_changes_the_read_model_state(staff_client):
    # When: staff slow order_search down and make order_analytics fail its next event
    body = ok(
        staff_client.put(
            "/api/ops/demo",
            {"projectionDelayMs": {"order_search": 1500}, "failNext": {"order_analytics": True}},
            format="json",
        )
    )

    # Then: the stored state changed, and the answer and a later GET show it
    search = ReadModelState.objects.get(name="order_search")
    analytics = ReadModelState.objects.get(name="order_analytics")
    assert (search.demo_delay_ms, search.fail_next_event) == (1500, False)
    assert (analytics.demo_delay_ms, analytics.fail_next_event) == (0, True)
    assert body == ok(staff_client.get("/api/ops/demo"))
    assert body["projectionDelayMs"]["order_search"] == 1500
    assert body["failNext"] == {**dict.fromkeys(READ_MODELS, False), "order_analytics": True}

    # When: staff set the delay back to zero, saying nothing about failNext
    staff_client.put("/api/ops/demo", {"projectionDelayMs": {"order_search": 0}}, format="json")

    # Then: only the delay changed
    assert ReadModelState.objects.get(name="order_search").demo_delay_ms == 0
    assert ReadModelState.objects.get(name="order_analytics").fail_next_event is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"projectionDelayMs": {"order_summaries": 10_001}}, "projectionDelayMs"),
        ({"projectionDelayMs": {"order_summaries": -1}}, "projectionDelayMs"),
        ({"projectionDelayMs": {"order_history": 100}}, "projectionDelayMs"),
        ({"failNext": {"order_history": True}}, "failNext"),
        ({"failNext": {"order_summaries": "perhaps"}}, "failNext"),
        # JSON booleans only (found by tests/schema/test_fuzz_api.py): not 0, "no" or "true"
        ({"failNext": {"order_summaries": 0}}, "failNext"),
        ({"failNext": {"order_summaries": "no"}}, "failNext"),
        ({"failNext": {"order_summaries": "true"}}, "failNext"),
        ({"projectionDelayMs": 100}, "projectionDelayMs"),
    ],
)
def test_putting_invalid_demo_controls_is_400_and_changes_nothing(staff_client, body, field):
    # When: staff send an out-of-range delay, an unknown read model or a malformed value
    response = staff_client.put("/api/ops/demo", body, format="json")

    # Then: 400 invalid naming the field, and no state stored
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(name.startswith(field) for name in error["fields"]), error
    assert not ReadModelState.objects.exists()


def test_the_largest_allowed_demo_delay_is_accepted(staff_client):
    body = {"projectionDelayMs": {"order_summaries": 10_000}}

    assert ok(staff_client.put("/api/ops/demo", body, format="json"))["projectionDelayMs"][
        "order_summaries"
    ] == (10_000)


# ---- dead letters -------------------------------------------------------------------------


def test_a_dead_letter_is_listed_and_its_order_counted_as_held(staff_client, alice, place_order_as):
    # Given: order_summaries gave up on alice's OrderPlaced after every attempt
    order_id = place_order_as(alice).order.order_id
    dead = poison_to_dead_letter("order_summaries", order_id)

    # When: staff list the dead letters and read the lag
    body = ok(staff_client.get("/api/ops/dead-letters"))
    rows = lag_by_model(staff_client)

    # Then: the dead letter is listed with what failed, how often and when
    [listed] = body["results"]
    assert listed["id"] == dead.pk
    assert (listed["readModel"], listed["eventType"], listed["orderId"], listed["seq"]) == (
        "order_summaries",
        "OrderPlaced",
        str(order_id),
        1,
    )
    assert listed["attempts"] == MAX_ATTEMPTS
    assert "injected fault" in listed["error"]
    assert listed["firstFailedAt"] <= listed["lastFailedAt"]
    # ...and the lag counts it against its read model only
    assert {name: row["deadLetters"] for name, row in rows.items()} == {
        **dict.fromkeys(READ_MODELS, 0),
        "order_summaries": 1,
    }
    assert rows["order_summaries"]["pendingOutbox"] == 0
    # ...as a held order, apart from the lag: it waits for staff, not for the pipeline
    assert (rows["order_summaries"]["heldOrders"], rows["order_summaries"]["heldEvents"]) == (1, 1)
    assert rows["order_summaries"]["lagMs"] == 0


def test_replaying_a_dead_letter_resolves_it_and_projects_the_order(
    staff_client, alice, place_order_as, confirm_order_as
):
    # Given: a dead OrderPlaced in order_summaries, and the order's confirmation parked behind it
    order_id = place_order_as(alice).order.order_id
    dead = poison_to_dead_letter("order_summaries", order_id)
    confirm_order_as(alice, order_id)
    project_all(order_id)
    assert not OrderSummary.objects.filter(pk=order_id).exists()
    assert OutboxMessage.objects.get(
        read_model="order_summaries", event__order_id=order_id, event__seq=2
    ).state == (OutboxState.PARKED)

    # When: staff replay it
    response = staff_client.post("/api/ops/dead-letters/replay", {"ids": [dead.pk]}, format="json")

    # Then: it succeeded and is resolved
    body = ok(response)
    assert (body["succeeded"], body["failed"], body["skipped"]) == (1, 0, 0)
    assert body["details"] == [{"id": dead.pk, "outcome": "succeeded"}]
    dead.refresh_from_db()
    assert dead.resolved_at is not None
    assert ok(staff_client.get("/api/ops/dead-letters"))["results"] == []
    # ...and the order is projected through the event that waited behind it
    summary = OrderSummary.objects.get(pk=order_id)
    assert (summary.status, summary.seq) == ("confirmed", 2)
    assert not OutboxMessage.objects.filter(event__order_id=order_id).exclude(
        state=OutboxState.DONE
    )
    assert lag_by_model(staff_client)["order_summaries"]["deadLetters"] == 0


def test_replaying_an_already_resolved_or_unknown_dead_letter_does_nothing(
    staff_client, alice, place_order_as
):
    order_id = place_order_as(alice).order.order_id
    dead = poison_to_dead_letter("order_summaries", order_id)
    ok(staff_client.post("/api/ops/dead-letters/replay", {"ids": [dead.pk]}, format="json"))

    again = ok(
        staff_client.post(
            "/api/ops/dead-letters/replay", {"ids": [dead.pk, dead.pk + 999]}, format="json"
        )
    )

    assert (again["succeeded"], again["failed"], again["skipped"]) == (0, 0, 0)
    assert OrderSummary.objects.get(pk=order_id).seq == 1


@pytest.mark.parametrize(
    "body", [{}, {"ids": "all"}, {"ids": [0]}, {"ids": ["x"]}, {"ids": list(range(1, 502))}]
)
def test_replay_rejects_malformed_ids_with_400(staff_client, body):
    response = staff_client.post("/api/ops/dead-letters/replay", body, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(name.startswith("ids") for name in error["fields"]), error
