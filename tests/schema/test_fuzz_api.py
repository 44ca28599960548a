"""Schemathesis against the running app: every operation of the served OpenAPI schema, fed
generated requests (valid and invalid), and every answer checked by all of Schemathesis's
built-in checks: no 5xx, status codes and bodies and headers as documented, invalid input
refused, valid input accepted, unsupported methods answered 405, authentication enforced.

Three identities: a customer (all operations), staff (the operations endpoints, which refuse
customers), and nobody, which must get 401/403 from every operation but the two login-free
probes. The server is uvicorn on the test database (tests/schema/conftest.py); generation is
derandomized with a fixed seed, so a failure reproduces by re-running the test.

Validity that depends on data the schema cannot know is supplied before a *valid* case is
sent (see `realise`): an order id that exists (sometimes), a consistency token a
command returned, products from the catalogue, and a fresh Idempotency-Key. Invalid cases are
sent as generated.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation

from orders import services
from orders.domain.commands import ShipOrder
from orders.subscriptions import READ_MODELS

from .conftest import FUZZ_ANSWERS, FUZZ_CASES

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LOGIN_FREE = {"GET /healthz", "GET /metrics"}

# Budget: the three runs take well under 3 minutes on two busy cores.
MAX_EXAMPLES = 25
SEED = 20260


def fuzz_config(base_url: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # Django refuses NUL characters in text (400): not something a schema says.
                "allow-x00": False,
            },
            "operations": [
                {
                    # The test system runs no projector worker, so /healthz rightly says 503.
                    "include-operation-id": "getHealthz",
                    "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "4xx", "503"]}},
                }
            ],
        }
    )


# ---- the data the customer works on ---------------------------------------------------


@dataclass
class Shop:
    """Alice's orders in several states (and one of bob's, which she must not find), tokens
    of her writes, and the active catalogue."""

    order_ids: list[str]
    tokens: list[str]
    products: list[str]
    keys: itertools.count = field(default_factory=itertools.count)

    def order_id(self, generated: str) -> str:
        """One of the orders, or the generated id itself (an order that does not exist)."""
        return pick(generated, [*self.order_ids, generated])

    def token(self, generated: str) -> str:
        """A token one of alice's commands returned (a made-up one is refused: 400)."""
        return pick(generated, self.tokens)

    def version(self, generated: int) -> int | None:
        """The generated expectedVersion, or none (null) half of the time."""
        return generated if generated % 2 else None


def pick(seed: str, options: list[str]) -> str:
    """One of `options`, the same for the same seed (so that a failure reproduces)."""
    return options[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(options)]


@pytest.fixture
def shop(settings, alice, bob, staff_user, catalogue, place_order_as, confirm_order_as) -> Shop:
    settings.READ_MODEL_STRATEGIES = dict.fromkeys(READ_MODELS, "inline")  # as the server
    placed = [place_order_as(alice) for _ in range(6)]
    for result in placed[:4]:
        confirm_order_as(alice, result.order.order_id)
    services.ship_order(
        command=ShipOrder(order_id=placed[0].order.order_id, tracking_number="TRACK-1"),
        actor=staff_user,
    )
    bobs = place_order_as(bob)  # alice gets 404 for it, as for an order that does not exist
    return Shop(
        order_ids=[str(result.order.order_id) for result in [*placed, bobs]],
        tokens=[result.consistency_token for result in placed],
        products=[p.product_id for p in catalogue.values() if p.active],
    )


def realise(case, shop: Shop) -> None:
    """Make each valid part of a case valid against the data too; invalid parts stay as
    generated (a case is invalid in one part, or only in its auth, which is replaced)."""
    if case.meta is None:
        return

    def valid(location: ParameterLocation) -> bool:
        return not case.meta.is_negative_at(location)

    if valid(ParameterLocation.PATH) and "order_id" in (case.path_parameters or {}):
        case.path_parameters["order_id"] = shop.order_id(str(case.path_parameters["order_id"]))
    if valid(ParameterLocation.QUERY) and "consistencyToken" in (case.query or {}):
        case.query["consistencyToken"] = shop.token(str(case.query["consistencyToken"]))
    if valid(ParameterLocation.HEADER) and "Idempotency-Key" in (case.headers or {}):
        # A key reused with another body is rightly refused (422): one key per case.
        key = str(case.headers["Idempotency-Key"])[:240]
        case.headers["Idempotency-Key"] = f"{key}-{next(shop.keys)}"
    if not (valid(ParameterLocation.BODY) and isinstance(case.body, dict)):
        return
    if isinstance(case.body.get("expectedVersion"), int):
        # A made-up version is almost never the order's (409): often send none instead.
        case.body["expectedVersion"] = shop.version(case.body["expectedVersion"])
    if case.operation.label == "POST /api/orders/":
        # Products exist and appear once per order: the catalogue is data, not schema.
        items = [item for item in case.body.get("items", []) if isinstance(item, dict)]
        for item, product_id in zip(items, shop.products, strict=False):
            item["productId"] = product_id
        case.body["items"] = items[: len(shop.products)]


# ---- identities -------------------------------------------------------------------------


def log_in(base_url: str, username: str, password: str) -> dict[str, str]:
    """Log in through Django's login form, as a browser does: the session and CSRF cookies."""
    with requests.Session() as browser:
        browser.get(f"{base_url}/accounts/login/", timeout=30).raise_for_status()
        reply = browser.post(
            f"{base_url}/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            timeout=30,
            allow_redirects=False,
        )
        assert reply.status_code == 302, f"logging in as {username} failed: {reply.status_code}"
        return browser.cookies.get_dict()


def session_auth(cookies: dict[str, str]) -> type:
    """A Schemathesis auth provider: the session cookie and, on every request, the CSRF
    header with the csrftoken cookie's value (Django wants it on unsafe methods)."""

    class LoggedInSession:
        def get(self, case, context):
            return cookies

        def set(self, case, data, context):
            case.cookies = {**(case.cookies or {}), **data}
            case.headers = {**(case.headers or {}), "X-CSRFToken": data["csrftoken"]}

    return LoggedInSession


def load_schema(base_url: str, cookies: dict[str, str] | None = None):
    """The schema the server serves, to be sent to that server (as `cookies`' owner)."""
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/schema/?format=json", config=fuzz_config(base_url)
    )
    if cookies is not None:
        schema.auth(refresh_interval=None)(session_auth(cookies))
    return schema


@pytest.fixture
def customer_schema(web_server, shop, alice, password):
    return load_schema(web_server.base_url, log_in(web_server.base_url, alice.username, password))


@pytest.fixture
def staff_schema(web_server, shop, staff_user, password):
    cookies = log_in(web_server.base_url, staff_user.username, password)
    return load_schema(web_server.base_url, cookies)


@pytest.fixture
def anonymous_schema(web_server, shop):
    return load_schema(web_server.base_url)


customer = schemathesis.pytest.from_fixture("customer_schema")
staff = schemathesis.pytest.from_fixture("staff_schema").include(tag="operations")
anonymous = schemathesis.pytest.from_fixture("anonymous_schema")


# ---- the runs -------------------------------------------------------------------------------


def send(case, run: str):
    """Send the case, run every check on the answer, and count both."""
    FUZZ_CASES[run] += 1
    response = case.call_and_validate()
    status = response.status_code
    FUZZ_ANSWERS[run, str(status) if status >= 500 else f"{status // 100}xx"] += 1
    return response


@customer.parametrize()
def test_a_customer_gets_only_documented_answers(case, shop):
    realise(case, shop)
    send(case, "customer")


@staff.parametrize()
def test_staff_get_only_documented_answers_from_the_operations_endpoints(case, shop):
    realise(case, shop)
    send(case, "staff")


@anonymous.parametrize()
def test_nothing_but_the_probes_answers_without_a_session(case):
    response = send(case, "anonymous")
    if case.operation.label in LOGIN_FREE:
        return
    assert not 200 <= response.status_code < 300, (case.operation.label, response.status_code)
    if case.method.upper() != case.operation.method.upper():
        return  # a method the operation does not have: 405 (checked above) is no data either
    if response.status_code == 404:
        # An invalid order id matches no URL at all: refused before any view, with no data.
        assert case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
        return
    assert response.status_code in (401, 403), (case.operation.label, response.status_code)
