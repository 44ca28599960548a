"""The query endpoints as API.md describes them: body shapes, filters, ordering, pagination,
search, analytics, ownership, input validation and the freshness metadata of every answer.

Orders are written through the real command API and projected synchronously with the
projector's own `catch_up_order` (no Celery), so each test controls exactly what has been applied.
"""

import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Max
from rest_framework.test import APIClient

from orders.consistency_token import ConsistencyToken
from orders.models import Event, OutboxMessage, OutboxState
from readmodels.pipeline.projector import catch_up_order, project_messages
from readmodels.projections import PROJECTIONS

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {
    "orderId",
    "customer",
    "status",
    "itemCount",
    "total",
    "createdAt",
    "updatedAt",
    "seq",
}
METADATA_KEYS = {
    *("readModel", "dataAsOf", "lagMs", "maxLagSeconds", "stale"),
    *("completeness", "streamPosition"),  # docs/screen-consistency.md
}
STATUSES = ["pending", "confirmed", "shipped", "delivered", "cancelled"]
WIDGETS_AND_GADGETS = {"widget": 3, "gadget": 2}  # 3 × 19.90 + 2 × 5.25 = 70.20


# ---- helpers ----------------------------------------------------------------------------------


def project_all(order_id) -> None:
    """Apply every event of the order, as logged so far, to every read model."""
    latest = Event.objects.filter(order_id=order_id).aggregate(seq=Max("seq"))["seq"]
    for projection in PROJECTIONS.values():
        catch_up_order(projection, uuid.UUID(str(order_id)), up_to_seq=latest)


def place(client: APIClient, items: dict[str, int] | None = None) -> dict:
    """Place an order through the command API; returns the command response body."""
    items = items or WIDGETS_AND_GADGETS
    body = {"items": [{"productId": p, "quantity": q} for p, q in items.items()]}
    response = client.post("/api/orders/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def command(client: APIClient, order_id: str, action: str, body: dict | None = None) -> dict:
    response = client.post(f"/api/orders/{order_id}/{action}", body or {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def confirm_and_ship(
    owner: APIClient, staff: APIClient, order_id: str, tracking_number: str
) -> dict:
    """The owner confirms; staff ship (a staff action: API.md)."""
    command(owner, order_id, "confirm")
    return command(staff, order_id, "ship", {"trackingNumber": tracking_number})


def placed_and_projected(client: APIClient, items: dict[str, int] | None = None) -> dict:
    placed = place(client, items)
    project_all(placed["order"]["orderId"])
    return placed


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def list_orders(client: APIClient, **params) -> dict:
    return ok(client.get("/api/orders/", params))


def ids_of(body: dict) -> list[str]:
    return [row["orderId"] for row in body["results"]]


def backdate_outbox(order_id: str, seconds: float) -> None:
    """Make the order's outbox rows look `seconds` older, as if the projector had stopped."""
    OutboxMessage.objects.filter(event__order_id=order_id).update(
        created_at=F("created_at") - timedelta(seconds=seconds)
    )


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value!r} has no time zone"
    return parsed


def assert_invalid(response, field: str) -> None:
    """API.md's 400: {"error": {"code": "invalid", "message", "fields": {field: [...]}}}."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert field in error["fields"], error
    assert all(isinstance(m, str) and m for m in error["fields"][field])


# ---- the order list -----------------------------------------------------------------------


def test_list_returns_the_documented_body_and_summaries_that_match_the_order(
    alice_client, catalogue
):
    # Given: alice's projected order of 3 widgets and 2 gadgets
    placed = placed_and_projected(alice_client)

    # When: she lists her orders
    body = list_orders(alice_client)

    # Then: the body and each summary have exactly API.md's keys and the order's values
    assert set(body) == {"results", "count", "next", "previous", "metadata"}
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    [summary] = body["results"]
    assert set(summary) == SUMMARY_KEYS
    order = placed["order"]
    assert summary == {
        "orderId": order["orderId"],
        "customer": "Alice Archer",
        "status": "pending",
        "itemCount": 2,
        "total": "70.20",
        "createdAt": order["createdAt"],
        "updatedAt": order["updatedAt"],
        "seq": 1,
    }
    parse_time(summary["createdAt"])
    assert body["metadata"]["readModel"] == "order_summaries"


def test_list_follows_the_order_through_its_life(alice_client, staff_client, catalogue):
    # Given: a projected order that is then confirmed and shipped
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    command(alice_client, order_id, "confirm")
    shipped = command(staff_client, order_id, "ship", {"trackingNumber": "1Z999AA1"})

    # When: the changes are projected and alice lists her orders
    project_all(order_id)
    [summary] = list_orders(alice_client)["results"]

    # Then: the summary shows the latest status, seq and update time
    assert (summary["status"], summary["seq"]) == ("shipped", 3)
    assert summary["updatedAt"] == shipped["order"]["updatedAt"]


def test_status_filter_lists_only_orders_in_that_status(alice_client, catalogue):
    # Given: alice's pending, confirmed and cancelled orders
    pending = placed_and_projected(alice_client)["order"]["orderId"]
    confirmed = place(alice_client)["order"]["orderId"]
    command(alice_client, confirmed, "confirm")
    cancelled = place(alice_client)["order"]["orderId"]
    command(alice_client, cancelled, "cancel", {"reason": "changed my mind"})
    project_all(confirmed)
    project_all(cancelled)

    # When / then: each status filter lists exactly its order; no filter lists all three
    for status, order_id in [
        ("pending", pending),
        ("confirmed", confirmed),
        ("cancelled", cancelled),
    ]:
        body = list_orders(alice_client, status=status)
        assert (ids_of(body), body["count"]) == ([order_id], 1), status
        assert body["results"][0]["status"] == status
    assert list_orders(alice_client, status="delivered")["results"] == []
    assert list_orders(alice_client)["count"] == 3


def test_ordering_by_creation_time_both_ways(alice_client, catalogue):
    # Given: three orders placed one after the other
    placed = [placed_and_projected(alice_client)["order"]["orderId"] for _ in range(3)]

    # When: alice lists them oldest first, newest first, and with the default ordering
    oldest_first = list_orders(alice_client, ordering="createdAt")
    newest_first = list_orders(alice_client, ordering="-createdAt")
    default = list_orders(alice_client)

    # Then: the orders come in creation order, reversed, and newest first by default
    assert ids_of(oldest_first) == placed
    assert ids_of(newest_first) == placed[::-1]
    assert ids_of(default) == placed[::-1]
    times = [parse_time(row["createdAt"]) for row in oldest_first["results"]]
    assert times == sorted(times)


def test_pagination_counts_links_pages_and_ends_with_an_empty_page(alice_client, catalogue):
    # Given: five orders
    placed = [placed_and_projected(alice_client)["order"]["orderId"] for _ in range(5)]

    # When: alice reads them two at a time
    first = list_orders(alice_client, pageSize=2)
    last = list_orders(alice_client, pageSize=2, page=3)
    beyond = list_orders(alice_client, pageSize=2, page=4)

    # Then: pages carry the total count and links to their neighbours (none at the ends)
    assert (first["count"], len(first["results"]), first["previous"]) == (5, 2, None)
    assert "page=2" in first["next"] and "pageSize=2" in first["next"]
    assert (last["count"], len(last["results"]), last["next"]) == (5, 1, None)
    assert "page=2" in last["previous"]
    # ...a page beyond the end is empty, not an error
    assert (beyond["results"], beyond["count"], beyond["next"]) == ([], 5, None)
    # ...and following the next links visits every order once, newest first
    seen, page = [], first
    while True:
        seen += ids_of(page)
        if page["next"] is None:
            break
        page = ok(alice_client.get(page["next"]))
    assert seen == placed[::-1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": 101}, "pageSize"),
        ({"pageSize": 0}, "pageSize"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"status": "bogus"}, "status"),
        ({"ordering": "total"}, "ordering"),
        ({"waitMs": 6000}, "waitMs"),
        ({"waitMs": -1}, "waitMs"),
        ({"consistencyToken": "not-a-token"}, "consistencyToken"),
        ({"consistencyToken": "djE6bm90LWEtdXVpZDox"}, "consistencyToken"),  # v1:not-a-uuid:1
        ({"q": "x" * 201}, "q"),
        ({"q": "widget\x00"}, "q"),
    ],
    ids=lambda value: str(value)[:30] if isinstance(value, dict) else None,
)
def test_list_rejects_bad_query_parameters_with_400(alice_client, catalogue, params, field):
    # Given: an order, so that a mistaken 200 would have something to show
    placed_and_projected(alice_client)

    # When: the list is asked for with one bad parameter
    response = alice_client.get("/api/orders/", params)

    # Then: 400 invalid naming that parameter, never a 500 or a silently clamped answer
    assert_invalid(response, field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"waitMs": 6000}, "waitMs"),
        ({"consistencyToken": "%%%"}, "consistencyToken"),
        ({"consistencyToken": ConsistencyToken(uuid.uuid4(), 1).encode()[:-4]}, "consistencyToken"),
    ],
)
@pytest.mark.parametrize("endpoint", ["detail", "analytics"])
def test_detail_and_analytics_reject_bad_read_your_writes_parameters(
    alice_client, catalogue, endpoint, params, field
):
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    path = f"/api/orders/{order_id}/" if endpoint == "detail" else "/api/analytics/"

    assert_invalid(alice_client.get(path, params), field)


def test_analytics_rejects_a_bad_day_count(alice_client, catalogue):
    assert_invalid(alice_client.get("/api/analytics/", {"days": 0}), "days")
    assert_invalid(alice_client.get("/api/analytics/", {"days": 367}), "days")


# ---- search -------------------------------------------------------------------------------


def test_search_finds_orders_by_product_customer_and_order_id(
    alice_client, bob_client, staff_client, catalogue
):
    # Given: alice ordered a gizmo and a widget (separately); bob ordered a gadget
    gizmo = placed_and_projected(alice_client, {"gizmo": 1})["order"]["orderId"]
    widget = placed_and_projected(alice_client, {"widget": 1})["order"]["orderId"]
    gadget = placed_and_projected(bob_client, {"gadget": 4})["order"]["orderId"]

    # When / then: a product name finds the orders containing it, whatever its case
    body = list_orders(alice_client, q="GIZMO")
    assert body["metadata"]["readModel"] == "order_search"
    assert (ids_of(body), body["count"]) == ([gizmo], 1)
    [row] = body["results"]
    assert set(row) == SUMMARY_KEYS
    assert (row["total"], row["itemCount"], row["customer"]) == ("100.00", 1, "Alice Archer")
    # ...the customer's name finds that customer's orders (staff search everyone's)
    assert set(ids_of(list_orders(staff_client, q="Archer"))) == {gizmo, widget}
    assert ids_of(list_orders(staff_client, q="Bob")) == [gadget]
    # ...the order id finds exactly that order
    assert ids_of(list_orders(staff_client, q=widget)) == [widget]
    # ...and words that match nothing find nothing (an answer, not an error)
    assert list_orders(staff_client, q="sprocket")["results"] == []
    assert list_orders(staff_client, q="!&|:*'")["results"] == []


def test_search_finds_an_order_by_its_tracking_number_once_shipped(
    alice_client, staff_client, catalogue
):
    # Given: alice's order, shipped with a tracking number
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    confirm_and_ship(alice_client, staff_client, order_id, "TRK-5501-ZX")

    # When / then: until the shipment is projected the number finds nothing; then it does
    assert list_orders(alice_client, q="TRK-5501-ZX")["results"] == []
    project_all(order_id)
    body = list_orders(alice_client, q="TRK-5501-ZX")
    assert ids_of(body) == [order_id]
    assert (body["results"][0]["status"], body["results"][0]["seq"]) == ("shipped", 3)


def test_search_ranks_the_better_match_first_and_needs_every_word(
    alice_client, staff_client, catalogue
):
    # Given: an older order in which "gizmo" occurs twice (product and tracking number),
    # a newer one with "gizmo" once, and a newest one without any gizmo
    better = placed_and_projected(alice_client, {"widget": 1, "gizmo": 1})["order"]["orderId"]
    confirm_and_ship(alice_client, staff_client, better, "GIZMO-1")
    project_all(better)
    weaker = placed_and_projected(alice_client, {"widget": 1, "gizmo": 1})["order"]["orderId"]
    placed_and_projected(alice_client, {"widget": 1})

    # When: alice searches for "widget gizmo"
    body = list_orders(alice_client, q="widget gizmo")

    # Then: the order matching the words more often comes first although it is older;
    # the order with only one of the words is not a match at all
    assert ids_of(body) == [better, weaker]
    assert body["count"] == 2


def test_search_respects_ownership_and_the_status_filter(
    alice_client, bob_client, staff_client, catalogue
):
    # Given: alice and bob each ordered widgets; alice's is confirmed
    alices = placed_and_projected(alice_client)["order"]["orderId"]
    command(alice_client, alices, "confirm")
    project_all(alices)
    bobs = placed_and_projected(bob_client)["order"]["orderId"]

    # When / then: each customer finds only their own orders, even by the other's name or id
    assert ids_of(list_orders(alice_client, q="widget")) == [alices]
    assert ids_of(list_orders(bob_client, q="widget")) == [bobs]
    assert list_orders(bob_client, q="Alice")["results"] == []
    assert list_orders(bob_client, q=alices)["count"] == 0
    # ...staff find both; the status filter narrows a search
    assert set(ids_of(list_orders(staff_client, q="widget"))) == {alices, bobs}
    assert ids_of(list_orders(staff_client, q="widget", status="confirmed")) == [alices]


# ---- one order ----------------------------------------------------------------------------


def test_detail_equals_the_command_response_after_each_projected_change(
    alice_client, staff_client, catalogue
):
    # Given: alice's order, projected
    placed = placed_and_projected(alice_client)
    order_id = placed["order"]["orderId"]

    def detail() -> dict:
        body = ok(alice_client.get(f"/api/orders/{order_id}/"))
        assert set(body) == {"order", "metadata"}
        assert body["metadata"]["readModel"] == "order_details"
        return body["order"]

    # Then: the projected view equals the view the command answered with
    assert detail() == placed["order"]
    # ...and so it stays through confirm and ship
    steps = [(alice_client, "confirm", {}), (staff_client, "ship", {"trackingNumber": "1Z999AA1"})]
    for client, action, body in steps:
        answered = command(client, order_id, action, body)
        project_all(order_id)
        assert detail() == answered["order"], action
    assert detail()["trackingNumber"] == "1Z999AA1"
    assert [step["status"] for step in detail()["timeline"]] == ["pending", "confirmed", "shipped"]


def test_detail_of_a_cancelled_order_equals_the_command_response(alice_client, catalogue):
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    cancelled = command(alice_client, order_id, "cancel", {"reason": "Found it cheaper"})
    project_all(order_id)

    order = ok(alice_client.get(f"/api/orders/{order_id}/"))["order"]

    assert order == cancelled["order"]
    assert (order["status"], order["cancelReason"]) == ("cancelled", "Found it cheaper")


def test_detail_of_an_order_not_yet_projected_is_404_with_metadata(alice_client, catalogue):
    # Given: alice's order, written but not projected
    order_id = place(alice_client)["order"]["orderId"]

    # When: she reads it
    response = alice_client.get(f"/api/orders/{order_id}/")

    # Then: 404 not_found, with metadata saying the read model is behind
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert body["metadata"]["readModel"] == "order_details"
    assert body["metadata"]["lagMs"] > 0


def test_detail_hides_other_customers_orders_but_not_from_staff(
    alice_client, bob_client, staff_client, catalogue
):
    # Given: alice's projected order
    placed = placed_and_projected(alice_client)
    path = f"/api/orders/{placed['order']['orderId']}/"

    # When / then: bob gets the same 404 as for an order that does not exist
    response = bob_client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "order" not in response.json()
    assert bob_client.get(f"/api/orders/{uuid.uuid4()}/").status_code == 404
    # ...while staff see it
    assert ok(staff_client.get(path))["order"] == placed["order"]


def test_customers_list_only_their_own_orders_and_staff_list_all(
    alice_client, bob_client, staff_client, catalogue
):
    alices = {placed_and_projected(alice_client)["order"]["orderId"] for _ in range(2)}
    bobs = {placed_and_projected(bob_client)["order"]["orderId"]}

    alice_sees = list_orders(alice_client)
    bob_sees = list_orders(bob_client)
    staff_sees = list_orders(staff_client)

    assert (set(ids_of(alice_sees)), alice_sees["count"]) == (alices, 2)
    assert (set(ids_of(bob_sees)), bob_sees["count"]) == (bobs, 1)
    assert (set(ids_of(staff_sees)), staff_sees["count"]) == (alices | bobs, 3)


# ---- analytics ----------------------------------------------------------------------------


def by_status(body: dict) -> dict[str, tuple[int, str]]:
    assert [row["status"] for row in body["byStatus"]] == STATUSES
    return {row["status"]: (row["orderCount"], row["revenue"]) for row in body["byStatus"]}


def test_analytics_counts_and_revenue_by_status_and_day(
    alice_client, bob_client, staff_client, catalogue
):
    # Given: alice has a pending order (70.20) and a confirmed one (100.00);
    # bob has a cancelled one (10.50)
    pending = placed_and_projected(alice_client)
    confirmed = place(alice_client, {"gizmo": 1})["order"]["orderId"]
    command(alice_client, confirmed, "confirm")
    project_all(confirmed)
    cancelled = place(bob_client, {"gadget": 2})["order"]["orderId"]
    command(bob_client, cancelled, "cancel", {"reason": "mistake"})
    project_all(cancelled)
    today = parse_time(pending["order"]["createdAt"]).date().isoformat()

    # When: staff, alice and bob read the analytics
    shop = ok(staff_client.get("/api/analytics/"))
    alices = ok(alice_client.get("/api/analytics/"))
    bobs = ok(bob_client.get("/api/analytics/"))

    # Then: staff see the whole shop, each customer only their own orders
    assert set(shop) == {"byStatus", "byDay", "metadata"}
    assert by_status(shop) == {
        "pending": (1, "70.20"),
        "confirmed": (1, "100.00"),
        "shipped": (0, "0.00"),
        "delivered": (0, "0.00"),
        "cancelled": (1, "10.50"),
    }
    assert shop["byDay"] == [
        {"day": today, "ordersPlaced": 3, "ordersCancelled": 1, "revenue": "170.20"}
    ]
    assert by_status(alices) == {
        "pending": (1, "70.20"),
        "confirmed": (1, "100.00"),
        "shipped": (0, "0.00"),
        "delivered": (0, "0.00"),
        "cancelled": (0, "0.00"),
    }
    assert alices["byDay"] == [
        {"day": today, "ordersPlaced": 2, "ordersCancelled": 0, "revenue": "170.20"}
    ]
    assert by_status(bobs)["cancelled"] == (1, "10.50")
    assert sum(count for count, _ in by_status(bobs).values()) == 1
    assert bobs["byDay"] == [
        {"day": today, "ordersPlaced": 1, "ordersCancelled": 1, "revenue": "0.00"}
    ]


def test_analytics_never_counts_a_duplicate_projection_twice(alice_client, staff_client, catalogue):
    # Given: alice's order, projected twice over
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    project_all(order_id)
    # ...then confirmed, and the confirmation projected twice
    command(alice_client, order_id, "confirm")
    project_all(order_id)
    project_all(order_id)
    # ...and then every event delivered once more, as after a lost acknowledgement
    redelivered = OutboxMessage.objects.filter(
        event__order_id=order_id, read_model="order_analytics"
    )
    redelivered.update(state=OutboxState.SENT)
    project_messages("order_analytics", list(redelivered.values_list("id", flat=True)))

    # When: staff read the analytics
    body = ok(staff_client.get("/api/analytics/"))

    # Then: one order, counted once, in its latest status
    assert by_status(body) == {
        "pending": (0, "0.00"),
        "confirmed": (1, "70.20"),
        "shipped": (0, "0.00"),
        "delivered": (0, "0.00"),
        "cancelled": (0, "0.00"),
    }
    assert [(d["ordersPlaced"], d["revenue"]) for d in body["byDay"]] == [(1, "70.20")]


# ---- freshness metadata -------------------------------------------------------------------

ENDPOINTS = [
    # (name, path template, extra params, read model, threshold in seconds)
    ("list", "/api/orders/", {}, "order_summaries", 5),
    ("detail", "/api/orders/{order_id}/", {}, "order_details", 5),
    ("search", "/api/orders/", {"q": "widget"}, "order_search", 30),
    ("analytics", "/api/analytics/", {}, "order_analytics", 300),
]


def metadata_of(client, endpoint, order_id, **params) -> dict:
    _, template, extra, _, _ = endpoint
    response = client.get(template.format(order_id=order_id), {**extra, **params})
    assert response.status_code in (200, 404), response.content
    return response.json()["metadata"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_metadata_of_an_idle_read_model_is_fresh(alice_client, catalogue, endpoint):
    # Given: an order fully projected, so no read model owes anything
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    _, _, _, read_model, threshold = endpoint

    # When: the endpoint is read
    before = datetime.now().astimezone()
    meta = metadata_of(alice_client, endpoint, order_id)

    # Then: it names its read model and threshold, with zero lag, as of now
    assert set(meta) - {"reached"} == METADATA_KEYS  # `reached`: answers made of order rows
    assert meta["completeness"] == "complete"
    assert (meta["readModel"], meta["maxLagSeconds"]) == (read_model, threshold)
    assert (meta["lagMs"], meta["stale"]) == (0, False)
    assert parse_time(meta["dataAsOf"]) >= before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_metadata_reports_lag_as_of_the_oldest_unprojected_event(alice_client, catalogue, endpoint):
    # Given: one projected order and a second one not projected yet
    placed_and_projected(alice_client)
    order_id = place(alice_client)["order"]["orderId"]
    _, _, _, read_model, _ = endpoint
    outbox = OutboxMessage.objects.get(event__order_id=order_id, read_model=read_model)

    # When: the endpoint is read twice, 200 ms apart, while nothing is projected
    first = metadata_of(alice_client, endpoint, order_id)
    time.sleep(0.2)
    second = metadata_of(alice_client, endpoint, order_id)

    # Then: the data is only as recent as the unprojected event, and the lag keeps growing
    assert first["lagMs"] > 0
    assert parse_time(first["dataAsOf"]) <= outbox.created_at
    assert second["dataAsOf"] == first["dataAsOf"]
    assert second["lagMs"] - first["lagMs"] >= 190
    assert first["stale"] is False


def test_metadata_is_stale_once_the_oldest_unprojected_event_passes_the_threshold(
    alice_client, catalogue
):
    # Given: an order whose events have waited 10 s (a stopped projector)
    order_id = place(alice_client)["order"]["orderId"]
    backdate_outbox(order_id, seconds=10)

    # When: every endpoint is read
    metas = {e[3]: metadata_of(alice_client, e, order_id) for e in ENDPOINTS}

    # Then: read models with a 5 s threshold are stale; those allowing more are not yet
    assert {name: meta["stale"] for name, meta in metas.items()} == {
        "order_summaries": True,
        "order_details": True,
        "order_search": False,
        "order_analytics": False,
    }
    assert all(meta["lagMs"] >= 10_000 for meta in metas.values())


def test_metadata_is_fresh_again_once_the_stopped_work_is_projected(alice_client, catalogue):
    order_id = place(alice_client)["order"]["orderId"]
    backdate_outbox(order_id, seconds=60)
    assert metadata_of(alice_client, ENDPOINTS[0], order_id)["stale"] is True

    project_all(order_id)

    meta = metadata_of(alice_client, ENDPOINTS[0], order_id)
    assert (meta["lagMs"], meta["stale"]) == (0, False)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_a_projected_writes_token_is_reached(alice_client, catalogue, endpoint):
    # Given: alice's order, confirmed and projected
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    confirmed = command(alice_client, order_id, "confirm")
    project_all(order_id)

    # When: she reads with the confirm's consistency token
    meta = metadata_of(
        alice_client, endpoint, order_id, consistencyToken=confirmed["consistencyToken"]
    )

    # Then: the read model has reached her write, and the answer is fresh
    assert (meta["consistencyTokenReached"], meta["stale"]) == (True, False)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_an_unprojected_writes_token_is_not_reached_and_the_answer_says_stale(
    alice_client, catalogue, endpoint
):
    # Given: alice's projected order, then a confirmation that is not projected yet
    order_id = placed_and_projected(alice_client)["order"]["orderId"]
    confirmed = command(alice_client, order_id, "confirm")

    # When: she reads with the confirm's token (without waiting)
    meta = metadata_of(
        alice_client, endpoint, order_id, consistencyToken=confirmed["consistencyToken"]
    )

    # Then: the answer admits it does not show her write yet
    assert (meta["consistencyTokenReached"], meta["stale"]) == (False, True)


def test_a_token_reveals_nothing_about_another_customers_order(
    alice_client, bob_client, staff_client, catalogue
):
    # Given: alice's projected order and its token
    placed = placed_and_projected(alice_client)
    token = {"consistencyToken": placed["consistencyToken"]}

    # When / then: for bob it is never reached; for staff (who may see it) it is
    assert list_orders(bob_client, **token)["metadata"]["consistencyTokenReached"] is False
    assert list_orders(staff_client, **token)["metadata"]["consistencyTokenReached"] is True


def test_metadata_without_a_token_does_not_mention_one(alice_client, catalogue):
    placed_and_projected(alice_client)

    assert "consistencyTokenReached" not in list_orders(alice_client)["metadata"]


# ---- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/orders/", {}),
        ("/api/orders/", {"q": "widget"}),
        ("/api/orders/{order_id}/", {}),
        ("/api/analytics/", {}),
    ],
)
def test_unauthenticated_queries_get_a_json_refusal_and_no_data(
    anonymous_client, alice_client, catalogue, path, params
):
    # Given: a projected order
    placed = placed_and_projected(alice_client)
    order_id = placed["order"]["orderId"]

    # When: someone who is not logged in asks (with a valid token, to be sure)
    params = {**params, "consistencyToken": placed["consistencyToken"]}
    response = anonymous_client.get(path.format(order_id=order_id), params)

    # Then: 401 or 403 as JSON, with an error and nothing else
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"error"}
    assert order_id not in response.content.decode()


def test_money_values_are_decimal_strings(alice_client, catalogue):
    """Totals with whole and fractional cents keep two decimals everywhere (no floats)."""
    placed_and_projected(alice_client, {"gizmo": 3})

    [row] = list_orders(alice_client)["results"]
    revenue = by_status(ok(alice_client.get("/api/analytics/")))["pending"][1]

    assert row["total"] == revenue == "300.00"
    assert Decimal(row["total"]) == Decimal("300")


def test_the_documented_url_template_with_empty_values_means_the_defaults(alice_client, catalogue):
    """API.md writes the list as `?status=&ordering=-createdAt&page=&pageSize=`: a parameter
    left empty is not given, so the defaults apply (all statuses, page 1 of 20)."""
    placed = [placed_and_projected(alice_client)["order"]["orderId"] for _ in range(2)]

    response = alice_client.get(
        "/api/orders/?status=&ordering=-createdAt&page=&pageSize=&q=&consistencyToken=&waitMs="
    )

    body = ok(response)
    assert (ids_of(body), body["count"]) == (placed[::-1], 2)
    assert body["metadata"]["readModel"] == "order_summaries"
    assert "consistencyTokenReached" not in body["metadata"]
