"""The command endpoints as API.md describes them: status codes, body shapes, error codes,
ownership, authentication and CSRF. Real database, real middleware, no mocks."""

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from orders import services
from orders.consistency_token import ConsistencyToken
from orders.domain.commands import CancelOrder, ConfirmOrder, DeliverOrder, ShipOrder
from orders.models import Event, OrderItem, OutboxMessage
from orders.models import Order as OrderRow
from orders.subscriptions import READ_MODELS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox_for_every_read_model")]

ORDER_VIEW_KEYS = {
    "orderId",
    "customer",
    "status",
    "items",
    "itemCount",
    "total",
    "trackingNumber",
    "cancelReason",
    "createdAt",
    "updatedAt",
    "seq",
    "timeline",
}
WIDGETS_AND_GADGETS = {
    "items": [{"productId": "widget", "quantity": 3}, {"productId": "gadget", "quantity": 2}]
}


def post(client: APIClient, path: str, body=None, headers: dict | None = None):
    return client.post(path, body if body is not None else {}, format="json", headers=headers)


def command_path(order_id, action: str) -> str:
    return f"/api/orders/{order_id}/{action}"


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


def assert_is_iso_datetime_with_zone(value: str) -> None:
    assert datetime.fromisoformat(value).tzinfo is not None, value


# ---- place ------------------------------------------------------------------------------


def test_placing_an_order_returns_201_with_the_order_view_seq_and_token(
    alice, alice_client, catalogue
):
    """Given the catalogue, when alice places 3 widgets and 2 gadgets, then she gets 201 and
    exactly the body API.md promises: the order as an OrderView, its seq and a token."""
    response = post(alice_client, "/api/orders/", WIDGETS_AND_GADGETS)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"order", "seq", "consistencyToken"}
    order = body["order"]
    assert set(order) == ORDER_VIEW_KEYS
    assert uuid.UUID(order["orderId"])
    assert order["customer"] == "Alice Archer"
    assert order["status"] == "pending"
    assert order["items"] == [
        {"productId": "widget", "name": "Widget", "quantity": 3, "unitPrice": "19.90"},
        {"productId": "gadget", "name": "Gadget", "quantity": 2, "unitPrice": "5.25"},
    ]
    assert order["itemCount"] == 2
    assert order["total"] == "70.20"
    assert order["trackingNumber"] is None
    assert order["cancelReason"] is None
    assert order["seq"] == body["seq"] == 1
    assert_is_iso_datetime_with_zone(order["createdAt"])
    assert order["updatedAt"] == order["createdAt"]
    assert order["timeline"] == [{"status": "pending", "at": order["createdAt"]}]
    token = ConsistencyToken.decode(body["consistencyToken"])
    assert (str(token.order_id), token.seq) == (order["orderId"], 1)


def test_placing_an_order_stores_the_row_its_event_and_its_outbox_rows(
    alice, alice_client, catalogue
):
    """The 201 is backed by the write model: order row, items, OrderPlaced, one outbox row per
    read model."""
    order_id = post(alice_client, "/api/orders/", WIDGETS_AND_GADGETS).json()["order"]["orderId"]

    row = OrderRow.objects.get(pk=order_id)
    assert (row.customer, row.status, row.version) == (alice, "pending", 1)
    assert OrderItem.objects.filter(order=row).count() == 2
    event = Event.objects.get(order_id=order_id)
    assert (event.event_type, event.seq, event.data["total"]) == ("OrderPlaced", 1, "70.20")
    assert set(OutboxMessage.objects.filter(event=event).values_list("read_model", flat=True)) == (
        set(READ_MODELS)
    )


def test_prices_come_from_the_catalogue_even_if_the_client_sends_one(alice_client, catalogue):
    """Given a client that sends its own unitPrice (and name and total), when it places an
    order, then the server ignores them and charges the catalogue price everywhere."""
    body = {
        "items": [{"productId": "gizmo", "quantity": 2, "unitPrice": "0.01", "name": "Free"}],
        "total": "0.02",
    }

    response = post(alice_client, "/api/orders/", body)

    assert response.status_code == 201
    order = response.json()["order"]
    assert order["items"] == [
        {"productId": "gizmo", "name": "Gizmo", "quantity": 2, "unitPrice": "100.00"}
    ]
    assert order["total"] == "200.00"
    assert OrderItem.objects.get(order_id=order["orderId"]).unit_price == Decimal("100.00")
    event = Event.objects.get(order_id=order["orderId"])
    assert event.data["items"][0]["unitPrice"] == "100.00"
    assert event.data["total"] == "200.00"


def test_the_catalogue_lists_active_products_with_their_prices(alice_client, catalogue):
    """Clients learn prices here (and only show them): withdrawn products are not offered."""
    response = alice_client.get("/api/products/")

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"productId": "gadget", "name": "Gadget", "unitPrice": "5.25"},
            {"productId": "gizmo", "name": "Gizmo", "unitPrice": "100.00"},
            {"productId": "widget", "name": "Widget", "unitPrice": "19.90"},
        ]
    }


# ---- confirm, ship, deliver, cancel ----------------------------------------------------------


def test_the_whole_life_cycle_answers_200_with_the_updated_view(
    alice_client, staff_client, alice_order
):
    """Given a pending order, when alice confirms it and staff ship and deliver it, then each
    command answers 200 with the new status, the next seq and a timeline that grew by one."""
    order_id = alice_order.order.order_id
    steps = [
        (alice_client, "confirm", {}, "confirmed"),
        (staff_client, "ship", {"trackingNumber": "1Z999AA1"}, "shipped"),
        (staff_client, "deliver", {}, "delivered"),
    ]

    for seq, (client, action, body, status) in enumerate(steps, start=2):
        response = post(client, command_path(order_id, action), body)

        assert response.status_code == 200, (action, response.content)
        payload = response.json()
        assert set(payload) == {"order", "seq", "consistencyToken"}
        order = payload["order"]
        assert set(order) == ORDER_VIEW_KEYS
        assert (order["status"], order["seq"], payload["seq"]) == (status, seq, seq)
        assert [entry["status"] for entry in order["timeline"]][-1] == status
        assert len(order["timeline"]) == seq
        assert order["updatedAt"] == order["timeline"][-1]["at"]
        assert ConsistencyToken.decode(payload["consistencyToken"]).seq == seq

    assert order["trackingNumber"] == "1Z999AA1"
    row = OrderRow.objects.get(pk=order_id)
    assert (row.status, row.version, row.tracking_number) == ("delivered", 4, "1Z999AA1")
    assert list(
        Event.objects.filter(order_id=order_id).order_by("seq").values_list("event_type", flat=True)
    ) == ["OrderPlaced", "OrderConfirmed", "OrderShipped", "OrderDelivered"]


@pytest.mark.parametrize("confirm_first", [False, True], ids=["pending", "confirmed"])
def test_cancelling_answers_200_with_the_reason(
    alice, alice_client, alice_order, confirm_order_as, confirm_first
):
    """Given a pending or confirmed order, cancelling with a reason answers 200, cancelled."""
    order_id = alice_order.order.order_id
    if confirm_first:
        confirm_order_as(alice, order_id)

    response = post(alice_client, command_path(order_id, "cancel"), {"reason": "Found it cheaper"})

    assert response.status_code == 200
    order = response.json()["order"]
    assert (order["status"], order["cancelReason"]) == ("cancelled", "Found it cheaper")
    assert order["seq"] == (3 if confirm_first else 2)
    assert Event.objects.get(order_id=order_id, event_type="OrderCancelled").data == {
        "reason": "Found it cheaper"
    }


def test_command_urls_accept_a_trailing_slash(alice_client, alice_order):
    response = post(alice_client, command_path(alice_order.order.order_id, "confirm") + "/")

    assert response.status_code == 200


# ---- invalid input --------------------------------------------------------------------------

PLACE_INPUT_ERRORS = [
    ("missing-items", {}, "items"),
    ("empty-items", {"items": []}, "items"),
    ("items-not-a-list", {"items": "widget"}, "items"),
    ("quantity-0", {"items": [{"productId": "widget", "quantity": 0}]}, "items[0].quantity"),
    (
        "quantity-negative",
        {"items": [{"productId": "widget", "quantity": -2}]},
        "items[0].quantity",
    ),
    ("quantity-abc", {"items": [{"productId": "widget", "quantity": "abc"}]}, "items[0].quantity"),
    ("quantity-missing", {"items": [{"productId": "widget"}]}, "items[0].quantity"),
    ("product-missing", {"items": [{"quantity": 1}]}, "items[0].productId"),
    (
        "unknown-product",
        {"items": [{"productId": "widget", "quantity": 1}, {"productId": "nope", "quantity": 1}]},
        "items[1].productId",
    ),
    (
        "withdrawn-product",
        {"items": [{"productId": "retired", "quantity": 1}]},
        "items[0].productId",
    ),
    (
        "duplicate-product",
        {"items": [{"productId": "widget", "quantity": 1}, {"productId": "widget", "quantity": 2}]},
        "items[1]",
    ),
    (
        "51-items",
        {"items": [{"productId": "widget", "quantity": 1}] * 51},
        "items",
    ),
    ("json-array-body", [{"productId": "widget", "quantity": 1}], "body"),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [case[1:] for case in PLACE_INPUT_ERRORS],
    ids=[case[0] for case in PLACE_INPUT_ERRORS],
)
def test_invalid_place_order_input_is_400_naming_the_field_and_writes_nothing(
    alice_client, catalogue, write_model_counts, body, field
):
    """Given bad input, when alice places an order, then she gets 400 `invalid` with a message
    for the offending field, and no row is written anywhere."""
    before = write_model_counts()

    response = post(alice_client, "/api/orders/", body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"]
    assert field in error["fields"], error["fields"]
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert write_model_counts() == before


@pytest.mark.parametrize("action", ["", "confirm"], ids=["place", "confirm"])
def test_malformed_json_is_400_invalid_with_fields(
    alice_client, alice_order, write_model_counts, action
):
    """A body that is not JSON at all gets the same error shape as any other bad input."""
    path = command_path(alice_order.order.order_id, action) if action else "/api/orders/"
    before = write_model_counts()

    response = alice_client.post(path, data='{"items": [', content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] and all(error["fields"].values())
    assert write_model_counts() == before


CHANGE_INPUT_ERRORS = [
    ("ship-blank-tracking-number", "ship", {"trackingNumber": ""}, "trackingNumber"),
    ("ship-whitespace-tracking-number", "ship", {"trackingNumber": "   "}, "trackingNumber"),
    ("ship-missing-tracking-number", "ship", {}, "trackingNumber"),
    ("ship-overlong-tracking-number", "ship", {"trackingNumber": "x" * 201}, "trackingNumber"),
    ("cancel-blank-reason", "cancel", {"reason": ""}, "reason"),
    ("cancel-whitespace-reason", "cancel", {"reason": " \t "}, "reason"),
    ("cancel-missing-reason", "cancel", {}, "reason"),
    ("confirm-expected-version-abc", "confirm", {"expectedVersion": "abc"}, "expectedVersion"),
    ("confirm-expected-version-0", "confirm", {"expectedVersion": 0}, "expectedVersion"),
    ("confirm-json-array-body", "confirm", [], "body"),
]


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [case[1:] for case in CHANGE_INPUT_ERRORS],
    ids=[case[0] for case in CHANGE_INPUT_ERRORS],
)
def test_invalid_change_input_is_400_naming_the_field_and_writes_nothing(
    alice, alice_client, alice_order, confirm_order_as, write_model_counts, action, body, field
):
    """Given a confirmed order (so every action is allowed), when a command arrives with bad
    input, then it gets 400 `invalid` naming the field and the order does not change."""
    order_id = alice_order.order.order_id
    confirm_order_as(alice, order_id)
    before = write_model_counts()

    response = post(alice_client, command_path(order_id, action), body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"], error["fields"]
    assert write_model_counts() == before
    assert OrderRow.objects.get(pk=order_id).status == "confirmed"


# ---- not found and ownership ----------------------------------------------------------------

ACTION_BODIES = {
    "confirm": {},
    "ship": {"trackingNumber": "T-1"},
    "deliver": {},
    "cancel": {"reason": "mistake"},
}
STAFF_ACTIONS = ("ship", "deliver")  # API.md: a customer gets 403 forbidden


@pytest.mark.parametrize("action", ACTION_BODIES)
def test_an_unknown_order_is_404(alice_client, catalogue, action):
    response = post(alice_client, command_path(uuid.uuid4(), action), ACTION_BODIES[action])

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_malformed_order_id_is_a_json_404(alice_client):
    response = post(alice_client, "/api/orders/not-a-uuid/confirm")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("action", ACTION_BODIES)
def test_another_customers_order_is_404_not_403_and_unchanged(
    alice_order, bob_client, write_model_counts, action
):
    """Given alice's pending order, when bob sends any command to it, then he gets exactly the
    answer an unknown order gets (404, so he cannot even learn it exists) and nothing changes."""
    order_id = alice_order.order.order_id
    unknown = post(bob_client, command_path(uuid.uuid4(), action), ACTION_BODIES[action])
    before = write_model_counts()

    response = post(bob_client, command_path(order_id, action), ACTION_BODIES[action])

    assert response.status_code == 404
    assert response.json() == unknown.json()
    assert write_model_counts() == before
    row = OrderRow.objects.get(pk=order_id)
    assert (row.status, row.version) == ("pending", 1)


def test_another_customers_order_stays_404_even_when_the_command_would_be_refused(
    alice, alice_order, bob_client
):
    """A 409 would reveal the order's status; ownership is checked first."""
    order_id = alice_order.order.order_id

    response = post(bob_client, command_path(order_id, "deliver"))

    assert response.status_code == 404
    assert "currentStatus" not in error_of(response)


@pytest.mark.parametrize(
    ("status", "action"),
    [("confirmed", "ship"), ("shipped", "deliver"), ("pending", "ship"), ("delivered", "deliver")],
)
def test_a_customer_may_not_ship_or_deliver_even_their_own_order(
    alice_client, alice_order, staff_user, write_model_counts, status, action
):
    """Given alice's order in `status`, when she sends a staff action to it (ship, deliver:
    API.md "Roles per command"), then she gets 403 `forbidden` in the API's error shape,
    before the status is looked at (no 409 with currentStatus), and nothing is written: a
    customer's "shipped" would take the order out of staff's ship queue and stop them
    cancelling it."""
    order_id = alice_order.order.order_id
    take_to(status, order_id, staff_user)
    before = write_model_counts()

    response = post(alice_client, command_path(order_id, action), ACTION_BODIES[action])

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "forbidden"
    assert "staff" in error["message"]
    assert "currentStatus" not in error
    assert write_model_counts() == before
    assert OrderRow.objects.get(pk=order_id).status == status


def test_staff_can_command_any_customers_order(alice_order, staff_client):
    """Given alice's pending order, staff confirm, ship and deliver it."""
    order_id = alice_order.order.order_id

    responses = [
        post(staff_client, command_path(order_id, action), ACTION_BODIES[action])
        for action in ("confirm", "ship", "deliver")
    ]

    assert [r.status_code for r in responses] == [200, 200, 200]
    final = responses[-1].json()["order"]
    assert (final["status"], final["customer"]) == ("delivered", "Alice Archer")
    assert OrderRow.objects.get(pk=order_id).status == "delivered"


# ---- authentication and CSRF ----------------------------------------------------------------


@pytest.mark.parametrize("action", ["", *ACTION_BODIES], ids=["place", *ACTION_BODIES])
def test_unauthenticated_commands_get_json_401_or_403_not_a_redirect(
    anonymous_client, alice_order, write_model_counts, action
):
    """An API client without a session gets a JSON refusal, never the HTML login page."""
    path = command_path(alice_order.order.order_id, action) if action else "/api/orders/"
    body = ACTION_BODIES.get(action, WIDGETS_AND_GADGETS)
    before = write_model_counts()

    response = post(anonymous_client, path, body)

    assert response.status_code in (401, 403)
    assert "Location" not in response
    assert error_of(response)["code"] == "not_authenticated"
    assert write_model_counts() == before


@pytest.fixture
def browser_session(alice, catalogue, password) -> APIClient:
    """A client that, like a browser, gets the CSRF cookie and logs in through the login form,
    with CSRF checks enforced (the test client skips them by default)."""
    client = APIClient(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {
            "username": "alice",
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, "login failed"
    return client


def test_a_session_command_without_the_csrf_header_is_403(browser_session, write_model_counts):
    """Given alice logged in with a session, when a page (or another site) posts a command
    without the X-CSRFToken header, then it is refused with 403 and nothing is written."""
    before = write_model_counts()

    response = post(browser_session, "/api/orders/", WIDGETS_AND_GADGETS)

    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
    assert write_model_counts() == before


def test_a_session_command_with_a_wrong_csrf_header_is_403(browser_session, write_model_counts):
    before = write_model_counts()

    response = post(
        browser_session, "/api/orders/", WIDGETS_AND_GADGETS, headers={"X-CSRFToken": "x" * 32}
    )

    assert response.status_code == 403
    assert write_model_counts() == before


def test_a_session_command_with_the_csrf_header_succeeds(browser_session):
    """The same requests with the token from the csrftoken cookie go through."""
    token = browser_session.cookies["csrftoken"].value

    placed = post(
        browser_session, "/api/orders/", WIDGETS_AND_GADGETS, headers={"X-CSRFToken": token}
    )
    order_id = placed.json()["order"]["orderId"]
    confirmed = post(
        browser_session, command_path(order_id, "confirm"), headers={"X-CSRFToken": token}
    )

    assert (placed.status_code, confirmed.status_code) == (201, 200)


def test_a_change_command_without_the_csrf_header_is_403(browser_session, alice, place_order_as):
    """CSRF is enforced on the per-order command URLs too, not only on place."""
    order_id = place_order_as(alice).order.order_id

    response = post(browser_session, command_path(order_id, "confirm"))

    assert response.status_code == 403
    assert OrderRow.objects.get(pk=order_id).status == "pending"


# ---- refused transitions --------------------------------------------------------------------


def take_to(status: str, order_id, actor) -> None:
    """Move a pending order to `status` through the services."""
    steps = {
        "pending": [],
        "confirmed": ["confirm"],
        "shipped": ["confirm", "ship"],
        "delivered": ["confirm", "ship", "deliver"],
        "cancelled": ["cancel"],
    }[status]
    commands = {
        "confirm": lambda: services.confirm_order(
            command=ConfirmOrder(order_id=order_id), actor=actor
        ),
        "ship": lambda: services.ship_order(
            command=ShipOrder(order_id=order_id, tracking_number="T-1"), actor=actor
        ),
        "deliver": lambda: services.deliver_order(
            command=DeliverOrder(order_id=order_id), actor=actor
        ),
        "cancel": lambda: services.cancel_order(
            command=CancelOrder(order_id=order_id, reason="r"), actor=actor
        ),
    }
    for step in steps:
        commands[step]()


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("pending", "ship"),
        ("pending", "deliver"),
        ("confirmed", "confirm"),
        ("shipped", "cancel"),
        ("delivered", "cancel"),
        ("cancelled", "confirm"),
    ],
)
def test_an_invalid_transition_is_409_with_the_current_status(
    alice_client, staff_client, staff_user, alice_order, write_model_counts, status, action
):
    """Given an order in `status`, when a command not allowed from there arrives from someone
    allowed to send it (staff for ship and deliver, the owner otherwise), then it gets 409
    invalid_transition with currentStatus, and nothing is written."""
    order_id = alice_order.order.order_id
    take_to(status, order_id, staff_user)
    before = write_model_counts()
    client = staff_client if action in STAFF_ACTIONS else alice_client

    response = post(client, command_path(order_id, action), ACTION_BODIES[action])

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "invalid_transition"
    assert error["currentStatus"] == status
    assert error["message"]
    assert write_model_counts() == before
    assert OrderRow.objects.get(pk=order_id).status == status


# ---- the customer's name ----------------------------------------------------------------------


def test_a_customer_with_the_longest_full_name_django_allows_can_still_order(
    django_user_model, client_for, catalogue
):
    """Given a customer whose first and last names are each as long as Django allows (150),
    so that the full name is 301 characters, when they place an order, then it is placed
    (not a 500: the orders' customer_name holds 150) and their name is shown shortened with
    an ellipsis, in the command's answer and in the event the read models project."""
    customer = django_user_model.objects.create_user(
        username="longname", password="x", first_name="F" * 150, last_name="L" * 150
    )

    response = post(client_for(customer), "/api/orders/", WIDGETS_AND_GADGETS)

    assert response.status_code == 201, response.content
    shown = response.json()["order"]["customer"]
    assert len(shown) == 150
    assert shown == "F" * 149 + "…"
    order_id = response.json()["order"]["orderId"]
    assert OrderRow.objects.get(pk=order_id).customer_name == shown
    assert Event.objects.get(order_id=order_id).data["customerName"] == shown
